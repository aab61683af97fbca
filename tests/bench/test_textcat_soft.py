"""bench/textcat.py textcat_soft at tiny size: soft targets from the label model's probabilities."""
import csv
import json

import pytest

from . import load_bench

SPAM = ["Check out my channel http://x.co subscribe", "subscribe to my channel please", "free money click here http://y.co",
        "Please check out my new song on my channel", "visit my website www.spam.com for free gifts"]
HAM = ["I love this song", "Great video, best song ever", "This song is so good", "Who is watching in 2015?",
       "Her voice is beautiful"]


def _csv(path, rows):
    with open(path, "w", newline="", encoding="utf8") as fh:
        w = csv.writer(fh)
        w.writerow(["COMMENT_ID", "AUTHOR", "DATE", "CONTENT", "label"])
        for i, (text, label) in enumerate(rows):
            w.writerow([f"c{i}", "a", "2015-01-01", text, label])


@pytest.mark.slow
def test_textcat_soft_key(tmp_path):
    textcat = load_bench("textcat")
    rows = [(t, 1) for t in SPAM] + [(t, 0) for t in HAM]
    _csv(tmp_path / "Youtube01-a.csv", rows * 2)
    _csv(tmp_path / "Youtube05-b.csv", rows)
    out = tmp_path / "t.json"
    assert textcat.main(["--data", str(tmp_path), "--json", str(out), "--out-dir", str(tmp_path / "o"),
                         "--soft-copies", "3", "--soft-from", "em,vote"]) == 0
    result = json.loads(out.read_text())
    for key in ("textcat", "textcat_soft", "textcat_soft_vote"):
        assert 0.0 <= result[key]["accuracy"] <= 1.0 and result[key]["n"] == 10
    assert result["textcat_soft"]["copies"] == 3
    # a second run with another key and a threshold (chosen elsewhere, on a dev split) keeps the first run's keys
    assert textcat.main(["--data", str(tmp_path), "--json", str(out), "--out-dir", str(tmp_path / "o2"),
                         "--soft-copies", "0", "--key", "textcat_ensemble", "--positive-threshold", "0.3",
                         "--textcat-config", str(textcat.ROOT / "configs" / "textcat_ensemble.cfg")]) == 0
    result = json.loads(out.read_text())
    assert result["textcat_soft"]["copies"] == 3
    assert result["textcat_ensemble"]["at_threshold"]["threshold"] == 0.3
    assert set(result["textcat_ensemble"]["threshold_sweep"]) == {str(t) for t in textcat.THRESHOLDS}


def test_threshold_sweep():
    import numpy as np

    textcat = load_bench("textcat")
    probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8]])
    gold = np.array([0, 1, 1])
    assert textcat.at_threshold(probs, 1, 0.3).tolist() == [[1, 0], [0, 1], [0, 1]]
    sweep = textcat.threshold_sweep(gold, probs, 1)
    assert sweep["0.3"] == 1.0 and sweep["0.5"] == 2 / 3
