"""Rough edges a new user hit on the command line (issue 16)."""
import json

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from tests.evaluation.corpora import make_span_corpus

from ..aggregation.test_components import TEXTS, _pipeline

runner = CliRunner()

CONFIG = """
[nlp]
lang = "en"
pipeline = ["test_agg_fake_source", "test_agg_fake_negative", "hmm"]

[components]

[components.test_agg_fake_source]
factory = "test_agg_fake_source"

[components.test_agg_fake_negative]
factory = "test_agg_fake_negative"

[components.hmm]
factory = "weak_hmm"
labels = ["CHEM"]
n_iter = 5
"""


def _corpus(tmp_path):
    DocBin(docs=[spacy.blank("en")(t) for t in TEXTS]).to_disk(tmp_path / "raw.spacy")
    return tmp_path / "raw.spacy"


def test_apply_initialize_with_unfitted_aggregator_fails_before_writing_and_rerun_works(tmp_path):
    _load_commands()
    (tmp_path / "recipe.cfg").write_text(CONFIG)
    raw = _corpus(tmp_path)
    out = tmp_path / "annotated"
    first = runner.invoke(app, ["apply", str(tmp_path / "recipe.cfg"), str(raw), str(out), "--initialize"])
    assert first.exit_code == 1
    assert "[E287]" in first.output and "--exclude hmm" in first.output
    second = runner.invoke(app, ["apply", str(tmp_path / "recipe.cfg"), str(raw), str(out), "--initialize",
                                 "--exclude", "hmm"])
    assert second.exit_code == 0, second.output
    # the whole chain by hand: fit with the default component, apply the fitted pipeline
    fitted = runner.invoke(app, ["fit", str(tmp_path / "recipe.cfg"), str(out), "-o", str(tmp_path / "model")])
    assert fitted.exit_code == 0, fitted.output
    silver = runner.invoke(app, ["apply", str(tmp_path / "model"), str(raw), str(tmp_path / "silver"),
                                 "--components.hmm.merge_adjacent", "true"])
    assert silver.exit_code == 0, silver.output
    assert "ents CHEM" in silver.output
    # a [paths] override on a saved pipeline does nothing: said, not ignored
    with pytest.warns(UserWarning, match="W254"):
        again = runner.invoke(app, ["apply", str(tmp_path / "model"), str(raw), str(tmp_path / "silver2"),
                                    "--paths.lexicon", "x.tsv"])
    assert again.exit_code == 0, again.output


def test_e250_names_the_difference_in_long_lists(tmp_path):
    from spacy_weak.corpora.shards import ShardWriter
    from spacy_weak.errors import SpacyWeakError

    names = [f"source_number_{i:02d}" for i in range(30)]
    with ShardWriter(tmp_path / "o", settings={"pipe_names": names}, shard_size=1) as writer:
        writer.add(spacy.blank("en")("a"))
        writer.flush()
    with pytest.raises(SpacyWeakError, match=r"E250.*not now: \[\"source_number_29\"\].*new: \[\"zz\"\]"):
        ShardWriter(tmp_path / "o", settings={"pipe_names": names[:-1] + ["zz"]}, shard_size=1)
    # an unfinished run that wrote nothing holds no work: replaced
    ShardWriter(tmp_path / "empty", settings={"a": 1}, shard_size=1)
    with pytest.warns(UserWarning, match="W251"):
        ShardWriter(tmp_path / "empty", settings={"a": 2}, shard_size=1)


def test_analyze_takes_model_and_code_and_deprecated_hmm(tmp_path):
    _load_commands()
    nlp = spacy.blank("en")
    DocBin(docs=make_span_corpus(nlp)).to_disk(tmp_path / "a.spacy")
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"a": {"Chemical": {"precision": 0.9, "recall": 0.5}}}))
    code = tmp_path / "rules.py"
    code.write_text("MARK = 1\n")
    ok = runner.invoke(app, ["analyze", str(tmp_path / "a.spacy"), "--gold-key", "gold", "--model", str(report),
                             "--code", str(code), "-q"])
    assert ok.exit_code == 0, ok.output
    with pytest.warns(UserWarning, match="W253"):
        old = runner.invoke(app, ["analyze", str(tmp_path / "a.spacy"), "--gold-key", "gold", "--hmm", str(report), "-q"])
    assert old.exit_code == 0, old.output
    missing = runner.invoke(app, ["analyze", str(tmp_path / "a.spacy"), "--code", str(tmp_path / "nope.py")])
    assert missing.exit_code == 1 and "[E256]" in missing.output


def test_fit_with_several_aggregators_asks_which(tmp_path):
    _load_commands()
    nlp = _pipeline()
    nlp.add_pipe("weak_hmm", name="hmm2", config={"labels": ["CHEM"], "n_iter": 2, "spans_key": "s2"})
    nlp.to_disk(tmp_path / "p")
    DocBin(docs=list(nlp.pipe(TEXTS[:3], disable=["weak_hmm", "hmm2"]))).to_disk(tmp_path / "a.spacy")
    result = runner.invoke(app, ["fit", str(tmp_path / "p"), str(tmp_path / "a.spacy"), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1 and "[E286]" in result.output and "weak_hmm, hmm2" in result.output


def test_help_is_never_cut_at_80_columns():
    # issue 27: rich's tables cut option descriptions ("--policy ... (spacy_weak.parti…")
    import os
    import subprocess
    import sys

    env = dict(os.environ, COLUMNS="80")
    out = subprocess.run([sys.executable, "-m", "spacy_weak", "export-training", "--help"], capture_output=True,
                         text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "spacy_weak.partial_annotation.v1" in out.stdout and "spacy_weak.hard_labels.v1" in out.stdout
    assert "…" not in out.stdout
    assert max(len(line) for line in out.stdout.splitlines()) <= 80
