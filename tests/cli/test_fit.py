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
    assert "[E105]" in result.output and "no_model" in result.output


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
             "--set", "components.weak_hmm.n_iter=2", "--set", "components.weak_hmm.span_prob=min"],
        )
    assert result.exit_code == 0, (result.output, result.exception)
    fitted = spacy.load(tmp_path / "out")
    hmm = fitted.get_pipe("weak_hmm")
    assert hmm.cfg["n_iter"] == 2 and hmm.cfg["span_prob"] == "min" and hmm.is_fitted
    bad = runner.invoke(app, ["fit", str(tmp_path / "recipe.cfg"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "o2"), "--set", "nonsense"])
    assert bad.exit_code == 1 and "[E109]" in bad.output
