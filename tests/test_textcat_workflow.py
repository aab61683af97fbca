"""The text-classification workflow scripts (docs/textcat_project_snippet.yml) on a tiny CSV."""
import json
from pathlib import Path

import pytest
import spacy
from spacy.tokens import DocBin
from spacy.util import import_file

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

ROWS = [
    ("Check out my channel http://example.com", 1),
    ("Subscribe to my channel please", 1),
    ("plz visit my page and share it on facebook", 1),
    ("Earn money online, check it out www.cash.com", 1),
    ("Hey guys check out my new song on my channel", 1),
    ("nobody votes on this sentence at all today", 1),
    ("I love this song", 0),
    ("best song ever :)", 0),
    ("This video has 2 billion views and it still makes me dance", 0),
    ("Love Song", 0),
    ("her voice is beautiful in this song", 0),
]


def script(name):
    return import_file(f"_test_{name}", str(SCRIPTS / f"{name}.py"))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("textcat")
    csv = tmp / "comments.csv"
    lines = ["CONTENT,label"] + ['"{}",{}'.format(text, y) for text, y in ROWS]
    csv.write_text("\n".join(lines) + "\n", encoding="utf8")
    gold = tmp / "gold.spacy"
    args = [str(csv), str(gold), "--text-column", "CONTENT", "--label-map", "0=HAM,1=SPAM"]
    assert script("textcat_convert").main(args) == 0
    return tmp, gold


def test_convert(corpus):
    _, gold = corpus
    docs = list(DocBin().from_disk(gold).get_docs(spacy.blank("en").vocab))
    assert len(docs) == len(ROWS)
    assert docs[0].cats == {"HAM": 0.0, "SPAM": 1.0} and docs[-1].cats == {"HAM": 1.0, "SPAM": 0.0}


def test_silver_and_score(corpus, capsys):
    tmp, gold = corpus
    train, dev, recipe = tmp / "silver_train.spacy", tmp / "silver_dev.spacy", tmp / "recipe"
    args = [
        str(ROOT / "configs" / "youtube_spam.cfg"), str(gold), str(train), str(dev),
        "--code", str(SCRIPTS / "spam_rules.py"), "--dev-fraction", "0.2", "--pipeline-out", str(recipe),
    ]
    assert script("textcat_silver").main(args) == 0
    vocab = spacy.blank("en").vocab
    silver = list(DocBin().from_disk(train).get_docs(vocab)) + list(DocBin().from_disk(dev).get_docs(vocab))
    # the doc no source voted on is left out; the rest carry one-hot cats (what textcat accepts), no vote groups
    assert len(silver) == len(ROWS) - 1
    assert len(list(DocBin().from_disk(dev).get_docs(vocab))) == 2
    texts = {d.text: d.cats for d in silver}
    assert "nobody votes on this sentence at all today" not in texts
    assert all(sorted(c.values()) == [0.0, 1.0] for c in texts.values())
    assert texts["Subscribe to my channel please"] == {"HAM": 0.0, "SPAM": 1.0}
    assert texts["Love Song"] == {"HAM": 1.0, "SPAM": 0.0}
    assert all(len(d.spans) == 0 for d in silver)
    # the fitted recipe reloads and scores against gold
    out = tmp / "metrics.json"
    args = [str(gold), "--model", str(recipe), "--code", str(SCRIPTS / "spam_rules.py"), "--positive", "SPAM",
            "--output", str(out)]
    assert script("textcat_score").main(args) == 0
    metrics = json.loads(out.read_text(encoding="utf8"))
    assert metrics["n"] == len(ROWS)
    # every doc the sources voted on is right (the one nobody voted on gets the learned prior)
    assert metrics["accuracy"] >= (len(ROWS) - 1) / len(ROWS)
    assert metrics["precision"] == 1.0


def test_score_silver_mode_and_hard_cats():
    score = script("textcat_score").score
    gold = [{"A": 1.0, "B": 0.0}, {"A": 0.0, "B": 1.0}, {"A": 0.0, "B": 1.0}]
    pred = [{"A": 0.9, "B": 0.1}, {"A": 0.5, "B": 0.5}, {"A": 0.2, "B": 0.8}]
    m = score(gold, pred, "B")
    assert m["accuracy"] == pytest.approx(2 / 3)  # the tie goes to the first label, A
    assert m["precision"] == 1.0 and m["recall"] == 0.5
    hard = script("textcat_silver").hard_cats
    assert hard({"B": 0.6, "A": 0.4}, False) == {"A": 0.0, "B": 1.0}
    assert hard({"A": 0.5, "B": 0.5}, False) == {"A": 1.0, "B": 0.0}
    assert hard({"A": 0.7, "B": 0.2}, True) == {"A": 1.0, "B": 0.0}
