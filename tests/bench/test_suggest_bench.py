"""bench/suggest.py smoke run: tiny splits of the sample corpus, one size, one draw."""
from pathlib import Path

import srsly

from . import load_bench

ROOT = Path(__file__).resolve().parents[2]


def _split_sample(tmp_path: Path) -> Path:
    text = (ROOT / "corpora" / "bc5cdr_sample.PubTator.txt").read_text(encoding="utf8")
    docs = [d for d in text.strip().split("\n\n") if d.strip()]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, part in (("train", docs[:20]), ("dev", docs[20:30]), ("test", docs[30:40])):
        (corpus / f"{name}.PubTator.txt").write_text("\n\n".join(part) + "\n\n", encoding="utf8")
    return corpus


def test_suggest_bench_smoke(tmp_path):
    bench = load_bench("suggest")
    corpus = _split_sample(tmp_path)
    out = tmp_path / "out.json"
    result = bench.main([
        "--corpus", str(corpus), "--config", str(ROOT / "configs" / "sample.cfg"),
        "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}", "--sizes", "8", "--draws", "1", "--folds", "2",
        "--work-dir", str(tmp_path / "work"), "--json", str(out),
    ])
    saved = srsly.read_json(out)
    row = saved["sizes"]["8"]
    for key in ("dev_f1_before", "dev_f1_after", "test_f1_before", "test_f1_after", "changes", "seconds"):
        assert key in row
    draw = row["draws"][0]
    assert len(draw["reviewed"]) == 8
    assert 0.0 < draw["dev_f1_before"] <= 1.0
    # the recipe copy is untouched; the new recipe and its changelog sit next to it
    work = tmp_path / "work" / "n8_d0"
    assert (work / "recipe.cfg").read_text() == (ROOT / "configs" / "sample.cfg").read_text()
    assert (work / "recipe.suggested.cfg").exists() and (work / "recipe.suggested.changes.md").exists()
    assert abs(result["sizes"]["8"]["dev_f1_before"] - row["dev_f1_before"]) < 1e-9
