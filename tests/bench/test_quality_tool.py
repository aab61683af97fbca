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
    with pytest.raises(SystemExit, match=r"\[E603\]"):
        quality.main(argv)  # never overwrites without --overwrite
