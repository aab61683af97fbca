import numpy as np
import spacy
from spacy.tokens import Doc, Span

from spacy_weak.aggregation.observations import (
    MISSING,
    NEGATIVE,
    SILENT,
    ObservationCollector,
    encode_docs,
    encode_spans,
)
from spacy_weak.spans import set_aggregate, set_doc_votes, set_source_spans


def _doc(nlp, n=8):
    return Doc(nlp.vocab, words=[f"t{i}" for i in range(n)])


def test_four_cases():
    nlp = spacy.blank("en")
    doc = _doc(nlp)
    set_source_spans(doc, "a", [Span(doc, 1, 3, label="CHEM"), Span(doc, 5, 6, label="O")])
    set_source_spans(doc, "b", [])
    X, lengths, sources, labels = ObservationCollector(["a", "b", "c"]).add_docs([doc]).finalize()
    assert sources == ["a", "b", "c"] and labels == ["CHEM"] and lengths.tolist() == [8]
    assert X[:, 0].tolist() == [SILENT, 2, 3, SILENT, SILENT, NEGATIVE, SILENT, SILENT]
    assert X[:, 1].tolist() == [SILENT] * 8  # ran, silent
    assert X[:, 2].tolist() == [MISSING] * 8  # never ran
    assert X.dtype == np.int8


def test_a_source_that_abstains_outside_its_spans_is_missing_there():
    """attrs["abstain_outside"]: no opinion outside the spans (a model's predictions), not an O vote."""
    nlp = spacy.blank("en")
    doc = _doc(nlp)
    set_source_spans(doc, "model", [Span(doc, 2, 4, label="CHEM")])
    doc.spans["model"].attrs["abstain_outside"] = True
    set_source_spans(doc, "gaz", [Span(doc, 2, 3, label="CHEM")])
    X, _, sources, _ = ObservationCollector(["model", "gaz"]).add_docs([doc]).finalize()
    assert X[:, 0].tolist() == [MISSING, MISSING, 2, 3, MISSING, MISSING, MISSING, MISSING]
    assert X[:, 1].tolist() == [SILENT, SILENT, 2, SILENT, SILENT, SILENT, SILENT, SILENT]


def test_longest_wins_and_count():
    codes, dropped = encode_spans(
        10, [(0, 2, 2, "A"), (1, 5, 4, "B"), (6, 7, 2, "A"), (6, 7, NEGATIVE, "O"), (8, 9, 2, "A")]
    )
    # (1,5) is longest; (0,2) overlaps it; same-boundary tie: the label beats "O"
    assert codes.tolist() == [0, 4, 5, 5, 5, 0, 2, 0, 2, 0]
    assert dropped == 2


def test_globs_exclude_aggregates_and_doc_level_and_sort():
    nlp = spacy.blank("en")
    d1, d2 = _doc(nlp, 4), _doc(nlp, 3)
    set_source_spans(d1, "rx_b", [Span(d1, 0, 1, label="ZED")])
    set_source_spans(d2, "rx_a", [Span(d2, 1, 2, label="ALPHA")])
    set_source_spans(d2, "gaz", [Span(d2, 0, 1, label="ZED")])
    set_doc_votes(d2, "rx_doc", {"X": 1})
    set_aggregate(d2, "rx_silver", [], [], [], aggregator="weak_hmm")
    set_source_spans(d2, "rx_gold", [Span(d2, 0, 1, label="GOLDEN")])
    d2.spans["rx_gold"].attrs["gold"] = True
    coll = ObservationCollector(["rx_*"], exclude=["silver"])
    X, lengths, sources, labels = coll.add_docs(iter([d1, d2])).finalize()
    assert sources == ["rx_a", "rx_b"]
    assert labels == ["ALPHA", "ZED"]
    assert lengths.tolist() == [4, 3]
    # d1: rx_a missing, rx_b votes ZED (codes 4/5 after sorting); d2: rx_a votes ALPHA, rx_b missing
    assert X[:4, 0].tolist() == [MISSING] * 4
    assert X[:4, 1].tolist() == [4, 0, 0, 0]
    assert X[4:, 0].tolist() == [0, 2, 0]
    assert X[4:, 1].tolist() == [MISSING] * 3


def test_fixed_labels_ignore_unknown():
    nlp = spacy.blank("en")
    doc = _doc(nlp, 3)
    set_source_spans(doc, "a", [Span(doc, 0, 1, label="X"), Span(doc, 1, 2, label="Y")])
    X, lengths, overlaps = encode_docs([doc], ["a"], ["Y"])
    assert X[:, 0].tolist() == [0, 2, 0]


def test_empty_docs():
    nlp = spacy.blank("en")
    empty = Doc(nlp.vocab, words=[])
    set_source_spans(empty, "a", [])
    X, lengths, sources, labels = ObservationCollector(["*"]).add_docs([empty, _doc(nlp, 2)]).finalize()
    assert X.shape == (2, 1) and lengths.tolist() == [0, 2]


def test_block_encoding_matches_per_span_rule():
    """The vectorised block encoder agrees with encode_spans doc by doc, overlaps included."""
    nlp = spacy.blank("en")
    rng = np.random.default_rng(0)
    docs, expected = [], []
    labels = ["A", "B", "O"]
    for i in range(60):
        n = int(rng.integers(0, 25))
        doc = _doc(nlp, n)
        cols = []
        for key in ("s1", "s2", "s3"):
            if rng.random() < 0.2:
                cols.append(np.full(n, MISSING))
                continue
            spans = []
            for _ in range(int(rng.integers(0, 6))) if n else []:
                a = int(rng.integers(0, n))
                b = int(min(n, a + rng.integers(1, 4)))
                spans.append((a, b, labels[int(rng.integers(0, 3))]))
            set_source_spans(doc, key, [Span(doc, a, b, label=l) for a, b, l in spans])
            code = {"A": 2, "B": 4, "O": NEGATIVE}
            codes, _ = encode_spans(n, [(a, b, code[l], l) for a, b, l in set(spans)])
            cols.append(codes)
        docs.append(doc)
        expected.append(np.stack(cols, axis=1) if n else np.zeros((0, 3)))
    coll = ObservationCollector(["s1", "s2", "s3"], ["A", "B"])
    X, lengths, _, _ = coll.add_docs(docs).finalize()
    np.testing.assert_array_equal(X, np.concatenate(expected))
    assert sum(coll.overlaps_resolved.values()) > 0


def test_many_labels_switch_to_int16():
    nlp = spacy.blank("en")
    doc = _doc(nlp, 80)
    set_source_spans(doc, "a", [Span(doc, i, i + 1, label=f"L{i:02d}") for i in range(70)])
    X, lengths, sources, labels = ObservationCollector(["a"]).add_docs([doc]).finalize()
    assert X.dtype == np.int16 and len(labels) == 70
    assert X[:70, 0].tolist() == [2 + 2 * i for i in range(70)]


def test_row_groups_match_numpy_unique():
    import numpy as np

    from spacy_weak.aggregation.observations import row_groups

    rng = np.random.default_rng(0)
    for n_sources, n_codes in [(18, 7), (40, 7), (3, 2), (70, 5), (0, 3)]:
        X = rng.integers(-1, n_codes - 1, size=(500, n_sources))
        X[:200] = 0
        first, inverse = row_groups(X, n_codes)
        assert (X[first][inverse] == X).all()
        assert len(first) == len(np.unique(X, axis=0))


def _encode_spans_reference(n_tokens, spans):
    """Longest wins, written with a boolean array (what encode_spans must equal)."""
    codes = np.zeros(n_tokens, dtype=np.int8)
    taken = np.zeros(n_tokens, dtype=bool)
    dropped = 0
    for start, end, code, _ in sorted(spans, key=lambda x: (-(x[1] - x[0]), x[0], x[2] == 1, x[3])):
        if taken[start:end].any():
            dropped += 1
            continue
        taken[start:end] = True
        codes[start:end] = 1 if code == 1 else code + 1
        if code != 1:
            codes[start] = code
    return codes, dropped


def test_encode_spans_equals_a_reference_on_random_overlaps():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n = int(rng.integers(1, 40))
        spans = []
        for _ in range(int(rng.integers(0, 12))):
            a = int(rng.integers(0, n))
            b = int(rng.integers(a + 1, min(n, a + 5) + 1))
            label = ["X", "Y", "O"][int(rng.integers(0, 3))]
            spans.append((a, b, {"X": 2, "Y": 4, "O": 1}[label], label))
        codes, dropped = encode_spans(n, list(spans))
        ref_codes, ref_dropped = _encode_spans_reference(n, spans)
        assert np.array_equal(codes, ref_codes) and dropped == ref_dropped
