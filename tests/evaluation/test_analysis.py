"""Source analysis on a hand-built corpus (numbers computed by hand, see conftest)."""
import numpy as np
import pytest

from spacy_weak.evaluation.analysis import analyze, source_summary, token_stats, vote_matrix
from spacy_weak.evaluation.data import collect


def rows_by_source(result):
    return {row["source"]: row for row in result.summary}


def test_detects_sources_aggregates_and_gold(span_docs):
    data = collect(span_docs, gold_key="gold")
    assert data.sources == ["a", "b", "c"]
    assert data.aggregates == ["silver"]
    assert data.n_docs == 2 and data.n_tokens == 9
    assert data.ran["b"].tolist() == [True, False]
    assert data.has_gold.tolist() == [True, True]
    assert len(data.gold) == 2


def test_vote_matrix_label_sets(span_docs):
    data = collect(span_docs, gold_key="gold")
    votes = vote_matrix(data, ["a", "b", "c"])
    chem = 1 << data.labels.index("Chemical")
    dis = 1 << data.labels.index("Disease")
    assert votes[:, 0].tolist() == [chem, 0, dis, dis, 0, 0, 0, 0, 0]
    assert votes[:, 1].tolist() == [chem, 0, 0, chem, 0, 0, 0, 0, 0]
    assert votes[:, 2].tolist() == [0, 1, 0, dis, 0, 0, 0, 0, 0]  # bit 0 = explicit "O"


def test_coverage_overlaps_conflicts_token_level(span_docs):
    rows = rows_by_source(analyze(span_docs, gold_key="gold"))
    # a labels tokens 0, 2, 3 of 9; overlaps at 0 (b) and 3 (b, c); conflicts at 3 (b says Chemical)
    assert rows["a"]["coverage"] == pytest.approx(3 / 9)
    assert rows["a"]["overlaps"] == pytest.approx(2 / 9)
    assert rows["a"]["conflicts"] == pytest.approx(1 / 9)
    assert rows["b"]["coverage"] == pytest.approx(2 / 9)
    assert rows["b"]["overlaps"] == pytest.approx(2 / 9)
    assert rows["b"]["conflicts"] == pytest.approx(1 / 9)
    # c: the explicit "O" at token 1 overlaps nobody; token 3 conflicts with b
    assert rows["c"]["coverage"] == pytest.approx(2 / 9)
    assert rows["c"]["overlaps"] == pytest.approx(1 / 9)
    assert rows["c"]["conflicts"] == pytest.approx(1 / 9)
    assert rows["a"]["polarity"] == ["Chemical", "Disease"]
    assert rows["c"]["polarity"] == ["Disease", "O"]


def test_documents_ran_and_covered(span_docs):
    rows = rows_by_source(analyze(span_docs, gold_key="gold"))
    assert rows["a"]["ran_docs"] == 1.0 and rows["a"]["coverage_docs"] == 0.5
    assert rows["b"]["ran_docs"] == 0.5 and rows["b"]["coverage_docs"] == 0.5
    assert rows["a"]["n_spans"] == 2


def test_span_level_overlaps_conflicts_agreement(span_docs):
    rows = rows_by_source(analyze(span_docs, gold_key="gold"))
    # a: Chemical[0,1) overlaps b and is identical to b's; Disease[2,4) overlaps b's Chemical[3,4) -> conflict
    assert rows["a"]["span_overlaps"] == 1.0
    assert rows["a"]["span_conflicts"] == 0.5
    assert rows["a"]["span_agreement"] == 0.5
    assert (rows["b"]["span_overlaps"], rows["b"]["span_conflicts"], rows["b"]["span_agreement"]) == (1.0, 0.5, 0.5)
    # c: O[1,2) touches nobody; Disease[3,4) conflicts with b, equals no other span exactly
    assert (rows["c"]["span_overlaps"], rows["c"]["span_conflicts"], rows["c"]["span_agreement"]) == (0.5, 0.5, 0.0)


def test_empirical_accuracy_counts_explicit_negative_votes(span_docs):
    rows = rows_by_source(analyze(span_docs, gold_key="gold"))
    assert (rows["a"]["correct"], rows["a"]["incorrect"]) == (2, 1)
    assert rows["a"]["emp_acc"] == pytest.approx(2 / 3)
    assert (rows["b"]["correct"], rows["b"]["incorrect"]) == (1, 1)
    # c's "O" on "causes" is correct, its Disease on "headache" too
    assert (rows["c"]["correct"], rows["c"]["incorrect"]) == (2, 0)


def test_without_gold_no_accuracy_columns(span_docs):
    for doc in span_docs:
        doc.spans["reference"] = doc.spans["gold"]
        del doc.spans["gold"]
    result = analyze(span_docs)
    assert "gold" not in result.scores
    # without a gold key an unmarked group is an ordinary source
    assert "reference" in result.data.sources
    assert "emp_acc" not in result.summary[0]


def test_a_group_called_gold_is_never_a_source_by_default(span_docs):
    # issue 26: the key "gold" is an evaluation group (like attrs["gold"]): found as gold, not analysed as a source
    result = analyze(span_docs)
    assert "gold" not in result.data.sources and "gold" in result.scores


def test_source_filter_with_glob(span_docs):
    result = analyze(span_docs, gold_key="gold", sources=["[ab]"])
    assert result.data.sources == ["a", "b"]
    stats = token_stats(result.data)
    assert stats.votes.shape == (9, 2)


def test_empty_corpus_and_empty_docs(nlp):
    result = analyze([])
    assert result.data.n_docs == 0 and result.summary == []
    doc = nlp("")
    result = analyze([doc])
    assert result.data.n_tokens == 0


def test_source_summary_is_vectorised_on_a_larger_corpus(nlp):
    """1,000 docs x 8 sources: numbers stay consistent with a direct per-token count."""
    from spacy.tokens import Span

    from spacy_weak.spans import set_source_spans

    rng = np.random.default_rng(0)
    docs = []
    for _ in range(200):
        doc = nlp("w " * 30)
        for s in range(8):
            starts = rng.choice(29, size=3, replace=False)
            set_source_spans(doc, f"s{s}", [Span(doc, int(x), int(x) + 1, "X" if s % 2 else "Y") for x in starts])
        docs.append(doc)
    data = collect(docs)
    stats = token_stats(data)
    rows = source_summary(data, stats)
    votes = stats.votes
    for j, row in enumerate(rows):
        lab = votes[:, j] != 0
        other = np.delete(votes, j, axis=1)
        conflict = lab & ((other != 0) & (other != votes[:, j : j + 1])).any(axis=1)
        assert row["conflicts"] == pytest.approx(conflict.sum() / data.n_tokens)
