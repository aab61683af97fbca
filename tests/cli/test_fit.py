import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.spans import span_probs

from ..aggregation.test_components import TEXTS, _pipeline

runner = CliRunner()


def test_fit_command_streams_docbins_and_saves_pipeline(tmp_path):
    _load_commands()
    nlp = _pipeline()
    nlp.to_disk(tmp_path / "unfitted")
    annotated = list(nlp.pipe(TEXTS, disable=["weak_hmm"]))
    shards = tmp_path / "annotated"
    shards.mkdir()
    DocBin(docs=annotated[:8]).to_disk(shards / "shard-00000.spacy")
    DocBin(docs=annotated[8:]).to_disk(shards / "shard-00001.spacy")
    result = runner.invoke(
        app, ["fit", str(tmp_path / "unfitted"), str(shards), "--component", "weak_hmm", "--output", str(tmp_path / "fitted")]
    )
    assert result.exit_code == 0, result.output
    assert "n_docs_fit: 15" in result.output
    fitted = spacy.load(tmp_path / "fitted")
    hmm = fitted.get_pipe("weak_hmm")
    assert hmm.is_fitted and hmm.n_docs_fit == len(TEXTS)
    doc = fitted("Aspirin and morphine were given.")
    assert [(e.text, e.label_) for e in doc.ents] == [("morphine", "CHEM")]
    assert 0 < span_probs(doc.spans["silver"])[0] <= 1

    only = runner.invoke(
        app,
        ["fit", str(tmp_path / "unfitted"), str(shards / "shard-00000.spacy"), "--output", str(tmp_path / "comp"), "--component-only"],
    )
    assert only.exit_code == 0, only.output
    assert (tmp_path / "comp" / "model").exists() and (tmp_path / "comp" / "cfg").exists()


def test_fit_command_unknown_component(tmp_path):
    _load_commands()
    nlp = _pipeline()
    nlp.to_disk(tmp_path / "p")
    DocBin(docs=list(nlp.pipe(TEXTS[:2], disable=["weak_hmm"]))).to_disk(tmp_path / "a.spacy")
    result = runner.invoke(app, ["fit", str(tmp_path / "p"), str(tmp_path / "a.spacy"), "-c", "nope", "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "[E104]" in result.output and "'nope'" in result.output


def test_fit_command_missing_pipeline(tmp_path):
    _load_commands()
    DocBin().to_disk(tmp_path / "a.spacy")
    result = runner.invoke(app, ["fit", str(tmp_path / "no_model"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "[E261]" in result.output and "no_model" in result.output


CONFIG = """
[nlp]
lang = "en"
pipeline = ["test_agg_fake_source", "test_agg_fake_negative", "weak_hmm"]

[components]

[components.test_agg_fake_source]
factory = "test_agg_fake_source"

[components.test_agg_fake_negative]
factory = "test_agg_fake_negative"

[components.weak_hmm]
factory = "weak_hmm"
labels = ["CHEM"]
n_iter = 5
"""


def test_fit_command_from_config_with_overrides(tmp_path):
    import warnings

    _load_commands()
    (tmp_path / "recipe.cfg").write_text(CONFIG)
    nlp = _pipeline()
    DocBin(docs=list(nlp.pipe(TEXTS, disable=["weak_hmm"]))).to_disk(tmp_path / "a.spacy")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # no W100/W102 noise from initialising the config
        result = runner.invoke(
            app,
            ["fit", str(tmp_path / "recipe.cfg"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "out"),
             "--components.weak_hmm.n_iter", "2", "--components.weak_hmm.span_prob=min",
             "--components.weak_hmm.sources", '["fake", "neg*"]'],
        )
    assert result.exit_code == 0, (result.output, result.exception)
    fitted = spacy.load(tmp_path / "out")
    hmm = fitted.get_pipe("weak_hmm")
    assert hmm.cfg["n_iter"] == 2 and hmm.cfg["span_prob"] == "min" and hmm.is_fitted
    assert hmm.cfg["sources"] == ["fake", "neg*"]
    bad = runner.invoke(app, ["fit", str(tmp_path / "recipe.cfg"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "o2"), "--set", "nonsense"])
    assert bad.exit_code == 1 and "[E262]" in bad.output


def test_fit_default_component_and_factory_name(tmp_path):
    """-c defaults to the only fittable pipe; a factory name finds the pipe it made (the shipped configs name it 'hmm')."""
    _load_commands()
    (tmp_path / "recipe.cfg").write_text(CONFIG.replace("weak_hmm]", "hmm]").replace('"weak_hmm"]', '"hmm"]'))
    nlp = _pipeline()
    DocBin(docs=list(nlp.pipe(TEXTS, disable=["weak_hmm"]))).to_disk(tmp_path / "a.spacy")
    for extra in ([], ["-c", "weak_hmm"], ["-c", "hmm"]):
        out = tmp_path / f"out{len(extra)}{extra[-1] if extra else ''}"
        result = runner.invoke(app, ["fit", str(tmp_path / "recipe.cfg"), str(tmp_path / "a.spacy"), "-o", str(out), *extra])
        assert result.exit_code == 0, result.output
        assert "Fitted 'hmm'" in result.output
        assert spacy.load(out).get_pipe("hmm").is_fitted


def test_overrides_on_saved_pipeline_win_or_are_refused(tmp_path):
    """Class 6 of issue 15: an override of a saved component's setting is never ignored."""
    _load_commands()
    (tmp_path / "recipe.cfg").write_text(CONFIG)
    nlp = _pipeline()
    DocBin(docs=list(nlp.pipe(TEXTS, disable=["weak_hmm"]))).to_disk(tmp_path / "a.spacy")
    first = runner.invoke(app, ["fit", str(tmp_path / "recipe.cfg"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "fitted")])
    assert first.exit_code == 0, first.output
    assert spacy.load(tmp_path / "fitted").get_pipe("weak_hmm").cfg["n_iter"] == 5
    again = runner.invoke(app, ["fit", str(tmp_path / "fitted"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "refit"),
                                "--components.weak_hmm.n_iter", "1", "--components.weak_hmm.merge_adjacent", "true"])
    assert again.exit_code == 0, again.output
    refit = spacy.load(tmp_path / "refit").get_pipe("weak_hmm")
    assert refit.cfg["n_iter"] == 1 and refit.cfg["merge_adjacent"] is True
    assert "EM iterations: 1;" in again.output
    # apply does not refit: a decoding setting wins, a model-defining one is refused
    from spacy_weak.runs.overrides import enforce_component_overrides
    from spacy_weak.errors import SpacyWeakError
    import pytest

    loaded = spacy.load(tmp_path / "fitted", config={"components.weak_hmm.merge_adjacent": True})
    assert loaded.get_pipe("weak_hmm").cfg["merge_adjacent"] is False  # spaCy alone: the saved cfg wins
    assert enforce_component_overrides(loaded, {"components.weak_hmm.merge_adjacent": True}) == [
        "components.weak_hmm.merge_adjacent"]
    assert loaded.get_pipe("weak_hmm").cfg["merge_adjacent"] is True
    loaded = spacy.load(tmp_path / "fitted", config={"components.weak_hmm.labels": ["X"]})
    with pytest.raises(SpacyWeakError, match=r"E285.*labels"):
        enforce_component_overrides(loaded, {"components.weak_hmm.labels": ["X"]})


def test_deprecated_set_option_still_works_with_a_warning(tmp_path):
    _load_commands()
    (tmp_path / "recipe.cfg").write_text(CONFIG)
    nlp = _pipeline()
    DocBin(docs=list(nlp.pipe(TEXTS, disable=["weak_hmm"]))).to_disk(tmp_path / "a.spacy")
    import pytest

    with pytest.warns(UserWarning, match="W252"):
        result = runner.invoke(app, ["fit", str(tmp_path / "recipe.cfg"), str(tmp_path / "a.spacy"), "-o",
                                     str(tmp_path / "o"), "--set", "components.weak_hmm.n_iter=3"])
    assert result.exit_code == 0, result.output
    assert spacy.load(tmp_path / "o").get_pipe("weak_hmm").cfg["n_iter"] == 3
