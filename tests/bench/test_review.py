"""bench/review.py at tiny size: the embedded sample as pool and scored split, a few NER steps."""
from pathlib import Path

import pytest

from . import load_bench

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_review_bench_smoke(tmp_path):
    bench = load_bench("review")
    out = tmp_path / "review.json"
    result = bench.main([
        "--corpus", str(ROOT / "corpora"), "--split-file", "train=bc5cdr_sample.PubTator.txt",
        "--split-file", "test=bc5cdr_sample.PubTator.txt", "--config", str(ROOT / "configs" / "sample.cfg"),
        "--lexicon", f"lexicon={ROOT / 'corpora' / 'lexicon'}", "--labels", "Chemical,Disease",
        "--budgets", "0,8", "--seeds", "2", "--ner-budgets", "0,8", "--ner-steps", "2", "--ner-seeds", "1", "--ner-features",
        "--workdir", str(tmp_path / "ner"), "--json", str(out),
    ])
    assert out.exists()
    b0, b8 = result["budgets"]["0"], result["budgets"]["8"]
    assert b0["none"]["label_model_test_f1"] == result["before"]["label_model_test_f1"]  # no reviews: today's model
    for arm in ("ranked", "random"):
        row = b8[arm]
        assert row["seeds"] == 2 and row["n_reviewed"] == 8
        assert 0.0 <= row["silver_f1_not_reviewed"] <= 1.0 and 0.0 <= row["label_model_test_f1"] <= 1.0
        est = row["estimates"]
        assert set(est) == {"truth", "unweighted", "design_weighted", "random_share_only"}
        assert row["second_stage_kept"] == 0.0  # opt-in (--second-stage; tests/review/test_second_stage.py)
    assert {"ranked", "random", "gold_only"} <= set(b8["ner"])
    assert b8["ner"]["ranked"]["reviewed_in_train"] == 6 and b8["ner"]["ranked"]["reviewed_dev"] == 2
    assert b8["ner"]["gold_only"]["train_docs"] == 6
    assert result["ner_features"] and "vote_features" in (tmp_path / "ner" / "ner_features.cfg").read_text()
    assert b8["ner"]["ranked"]["seeds"] == 1 and len(b8["ner"]["ranked"]["ner_test_f1_per_seed"]) == 1
    assert result["summary"]["8"]["ner_gain"] == pytest.approx(
        b8["ner"]["ranked"]["ner_test_f1"] - result["budgets"]["0"]["ner"]["none"]["ner_test_f1"])
    summary = result["summary"]["8"]
    for key in ("label_model_test_f1", "silver_f1_not_reviewed", "ner_test_f1", "gold_only_ner_test_f1", "seconds"):
        assert summary[key] is not None, key
