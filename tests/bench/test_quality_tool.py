"""bench/quality.py as a user's tool: --code, --save-annotated / --save-aggregated feed analyze."""
from pathlib import Path

import pytest
import spacy

from spacy_weak.evaluation import analyze, read_docbins

from . import load_bench

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def quality():
    return load_bench("quality")


def test_code_and_saved_docbins_feed_analyze(quality, tmp_path):
    code = tmp_path / "my_code.py"
    code.write_text("import spacy\n\n@spacy.registry.misc('test_quality_user.v1')\ndef make():\n    return 1\n")
    agg, ann = tmp_path / "agg.spacy", tmp_path / "ann.spacy"
    argv = ["--corpus", str(ROOT / "corpora"), "--split", "dev", "--split-file", "dev=bc5cdr_sample.PubTator.txt",
            "--fit-splits", "dev", "--config", str(ROOT / "configs" / "sample.cfg"),
            "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}", "--limit", "4", "--code", str(code),
            "--save-aggregated", str(agg), "--save-annotated", str(ann)]
    result = quality.main(argv)
    assert spacy.registry.misc.get("test_quality_user.v1")() == 1
    analysis = analyze(read_docbins(agg))  # gold found by its attrs, aggregates by theirs
    assert analysis.data.n_docs == 4 and set(analysis.data.aggregates) == {"mv", "silver"}
    total = analysis.diagnostics["breakdown"]["keys"]["silver"]["pred"]["total"]
    assert total["exact"] == round(result["hmm"]["p"] * total["n"])  # the same strict matches as the benchmark
    annotated = analyze(read_docbins(ann))
    assert annotated.data.aggregates == [] and annotated.data.sources
    with pytest.raises(SystemExit, match=r"\[E701\]"):
        quality.main(argv)  # never overwrites without --overwrite


def test_set_takes_lists_and_first_runs_say_what_matters(quality, tmp_path, capsys):
    # issue 27: --set split on the comma of a JSON list; W102 "hmm left unfitted" on every run although
    # the script fits it next; --labels that keep no gold mention gave rows of 0.0 without a word
    import warnings

    assert quality.parse_overrides(['components.gaz_umls.split_shapes=["acronym","short_symbol"]',
                                    "components.hmm.n_iter=3,components.hmm.seed=1"]) == {
        "components.gaz_umls.split_shapes": '["acronym","short_symbol"]',
        "components.hmm.n_iter": "3", "components.hmm.seed": "1"}
    argv = ["--corpus", str(ROOT / "corpora"), "--split", "dev", "--split-file", "dev=bc5cdr_sample.PubTator.txt",
            "--fit-splits", "dev", "--config", str(ROOT / "configs" / "sample.cfg"),
            "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}", "--limit", "3",
            "--set", 'components.gaz_umls.split_shapes=["acronym","short_symbol"]', "--set", "components.hmm.n_iter=2"]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = quality.main(argv + ["--labels", "Gene"])
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if "W102" in m]
    err = capsys.readouterr().err
    assert "no gold mention" in err and "--label-map" in err and "Chemical (" in err and "Disease (" in err
    assert result["hmm"]["f1"] == 0.0
    quality.main(argv)  # labels with gold: no such warning
    assert "no gold mention" not in capsys.readouterr().err
