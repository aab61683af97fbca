"""Document-level analysis on a hand-built corpus (see conftest.make_doc_corpus)."""
import pytest

from spacy_weak.evaluation.analysis import analyze
from spacy_weak.spans import set_doc_votes


@pytest.fixture
def dl(doc_corpus):
    docs, gold = doc_corpus
    return analyze(docs, gold_docs=gold).doc_level


def test_labels_and_mode(dl):
    assert dl["labels"] == ["ham", "spam"]
    assert dl["multilabel"] is False
    assert dl["gold_docs"] == 4


def test_coverage_overlaps_conflicts(dl):
    rows = {r["source"]: r for r in dl["sources"]}
    assert rows["lf1"]["coverage"] == 0.5  # d0, d1
    assert rows["lf1"]["ran_docs"] == 0.75  # d3 missing
    assert rows["lf1"]["overlaps"] == 0.5  # d0, d1 (lf2 votes on both)
    assert rows["lf1"]["conflicts"] == 0.25  # d0: spam vs ham
    assert rows["lf2"]["coverage"] == 1.0
    assert rows["lf2"]["overlaps"] == 0.5
    assert rows["lf2"]["conflicts"] == 0.25
    assert rows["lf2"]["polarity"] == ["ham", "spam", "not spam"]


def test_accuracy_vs_gold(dl):
    rows = {r["source"]: r for r in dl["sources"]}
    assert (rows["lf1"]["correct"], rows["lf1"]["incorrect"]) == (2, 0)
    # lf2: d0 ham (wrong), d1 spam, d2 ham, d3 "not spam" (right: gold ham)
    assert (rows["lf2"]["correct"], rows["lf2"]["incorrect"]) == (3, 1)
    assert rows["lf2"]["emp_acc"] == pytest.approx(0.75)


def test_confusion_matrices(dl):
    conf = dl["confusion"]
    assert conf["lf1"]["columns"] == ["ham", "spam", "(abstain)"]
    assert conf["lf1"]["matrix"] == [[0, 0, 2], [0, 2, 0]]
    assert conf["lf2"]["matrix"] == [[1, 0, 1], [1, 1, 0]]
    # doc.cats argmax: d0 spam, d1 spam, d2 ham, d3 spam (gold ham)
    assert conf["cats"]["matrix"] == [[1, 1, 0], [0, 2, 0]]


def test_cats_scored_with_spacy(dl, doc_corpus):
    cats = dl["cats"]
    assert cats["accuracy"] == pytest.approx(0.75)
    assert cats["docs"] == 4
    # spam: tp 2 (d0, d1), fp 1 (d3) -> P 2/3, R 1
    assert cats["cats_f_per_type"]["spam"]["p"] == pytest.approx(2 / 3)
    assert cats["cats_f_per_type"]["spam"]["r"] == pytest.approx(1.0)
    assert "cats_macro_auc" in cats


def test_multilabel_per_label_confusion(nlp):
    docs, gold = [], []
    votes = [{"a": 1, "b": 1}, {"a": 0}, {"b": 1}]
    golds = [{"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 0.0}]
    for v, g in zip(votes, golds):
        d = nlp("text")
        set_doc_votes(d, "lf", v)
        docs.append(d)
        r = nlp("text")
        r.cats = g
        gold.append(r)
    dl = analyze(docs, gold_docs=gold).doc_level
    assert dl["multilabel"] is True
    per = dl["confusion"]["lf"]["per_label"]
    assert per["a"] == {"tp": 1, "fp": 0, "tn": 0, "fn": 1, "abstain": 1}
    assert per["b"] == {"tp": 1, "fp": 1, "tn": 0, "fn": 0, "abstain": 1}
    rows = {r["source"]: r for r in dl["sources"]}
    assert (rows["lf"]["correct"], rows["lf"]["incorrect"]) == (2, 2)


def test_doc_level_without_gold(doc_corpus):
    docs, _ = doc_corpus
    dl = analyze(docs).doc_level
    assert "confusion" not in dl
    assert {r["source"] for r in dl["sources"]} == {"lf1", "lf2"}


def test_document_model_learned_vs_empirical(doc_corpus, tmp_path):
    import srsly

    from spacy_weak.evaluation.scoring import load_model_reports

    docs, gold = doc_corpus
    report = {"lf2": {"spam": {"p_for_given_true": 0.4, "p_for_given_false": 0.1}}}
    path = tmp_path / "doc_model.json"
    srsly.write_json(path, report)
    loaded = load_model_reports(path)
    assert loaded["doc"] == report and loaded["span"] is None
    dl = analyze(docs, gold_docs=gold, doc_model_report=loaded["doc"]).doc_level
    (row,) = dl["model"]
    assert row["learned_p_for_given_true"] == 0.4
    # lf2 votes spam on d1 of the two spam docs, on none of the two ham docs (d3 is "not spam")
    assert row["emp_p_for_given_true"] == pytest.approx(0.5)
    assert row["emp_p_for_given_false"] == pytest.approx(0.0)
