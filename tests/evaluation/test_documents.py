"""Document rankings and the rebuilt sample documents."""
import numpy as np
import pytest

from spacy_weak.evaluation.analysis import analyze
from spacy_weak.evaluation.documents import CONFLICT_KEY, best_window, rebuild_doc


def test_most_conflict_and_lowest_confidence(span_docs):
    result = analyze(span_docs, gold_key="gold")
    most = result.documents["most_conflict"]
    assert [row["doc"] for row in most] == [0]  # d2 has no conflict: not listed
    assert most[0]["conflict_tokens"] == 1
    assert most[0]["conflict_rate"] == pytest.approx(1 / 6)
    assert most[0]["sources_ran"] == 3
    low = result.documents["lowest_confidence"]["silver"]
    assert low[0]["doc"] == 0
    assert low[0]["min_prob"] == pytest.approx(0.6)
    assert low[0]["mean_prob"] == pytest.approx(0.75)
    assert result.samples[0] == 0


def test_ranking_orders_by_confidence(nlp):
    from spacy.tokens import Span

    from spacy_weak.spans import set_aggregate

    docs = []
    for p in (0.9, 0.2, 0.5):
        d = nlp("a b c")
        set_aggregate(d, "silver", [Span(d, 0, 1, "X")], [p], [["s"]], aggregator="v")
        docs.append(d)
    ranked = analyze(docs).documents["lowest_confidence"]["silver"]
    assert [r["doc"] for r in ranked] == [1, 2, 0]


def test_constant_probabilities_are_not_ranked_and_plain_text_docs_have_ids(nlp):
    # issue 27: "lowest confidence (mv)" listed rows that all read 1.000, and the Id column was "–"
    # for text files (whose name is in user_data["meta"])
    from spacy.tokens import Span

    from spacy_weak.spans import set_aggregate

    docs = []
    for k, meta in enumerate([{"path": "a.txt"}, {"path": "b.jsonl", "line": 3}, {"id": 7, "path": "c.jsonl", "line": 1}]):
        d = nlp("a b c")
        d.user_data["meta"] = meta
        set_aggregate(d, "mv", [Span(d, 0, 1, "X")], [1.0], [["s"]], aggregator="vote")
        set_aggregate(d, "silver", [Span(d, 0, 1, "X")], [0.5 + 0.1 * k], [["s"]], aggregator="hmm")
        docs.append(d)
    documents = analyze(docs).documents
    assert "mv" not in documents["lowest_confidence"]
    assert [(r["doc"], r["id"]) for r in documents["lowest_confidence"]["silver"]] == [(0, "a.txt"), (1, "b.jsonl:3"),
                                                                                     (2, "7")]


def test_rebuild_doc_has_every_group_and_conflicts(span_docs):
    result = analyze(span_docs, gold_key="gold")
    doc = rebuild_doc(result.data, 0, result.stats)
    assert doc.text == span_docs[0].text
    assert [(s.start, s.end, s.label_) for s in doc.spans["gold"]] == [(0, 1, "Chemical"), (3, 4, "Disease")]
    assert [(s.start, s.end, s.label_) for s in doc.spans["c"]] == [(1, 2, "O"), (3, 4, "Disease")]
    assert [(s.start, s.end) for s in doc.spans[CONFLICT_KEY]] == [(3, 4)]
    assert "b" not in rebuild_doc(result.data, 1, result.stats).spans  # b did not run on d2


def test_rebuild_window_clips_spans(span_docs):
    result = analyze(span_docs, gold_key="gold")
    doc = rebuild_doc(result.data, 0, result.stats, window=(3, 6))
    assert doc.text.startswith("headache")
    assert [(s.start, s.end, s.label_) for s in doc.spans["a"]] == [(0, 1, "Disease")]  # [2,4) clipped


def test_best_window():
    interest = np.zeros(100, dtype=bool)
    interest[60:64] = True
    start, end = best_window(interest, 20)
    assert end - start == 20 and start <= 60 and end >= 64
    assert best_window(interest[:10], 20) == (0, 10)
