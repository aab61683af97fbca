import numpy as np

from spacy_weak.aggregation.observations import MISSING
from spacy_weak.aggregation.voting import repair_bio, span_majority, states_to_spans, token_majority


def test_token_majority_rules():
    # 2 labels: symbols 2/3 = B/I-L0, 4/5 = B/I-L1, 1 = "O", 0 silent
    X = np.array(
        [
            [2, 0, MISSING],  # one vote L0 -> B-L0
            [3, 3, 1],  # L0 2 vs O 1 -> I-L0
            [0, 0, 0],  # nobody -> O
            [4, 2, MISSING],  # tie L0/L1 -> first label L0, new entity -> B-L0
            [1, 4, MISSING],  # tie O/L1 -> O
        ],
        dtype=np.int8,
    )
    states, probs = token_majority(X, np.array([5]), 2)
    assert states.tolist() == [1, 2, 0, 1, 0]
    np.testing.assert_allclose(probs, [1.0, 2 / 3, 1.0, 0.5, 0.5])


def test_token_majority_weights_and_doc_boundary():
    X = np.array([[2, 0], [3, 1], [3, 1]], dtype=np.int8)
    states, _ = token_majority(X, np.array([1, 2]), 1, weights=np.array([2.0, 1.0]))
    # the second doc starts with an I vote: repaired to B
    assert states.tolist() == [1, 1, 2]


def test_repair_and_spans():
    states = np.array([2, 2, 0, 1, 2, 3, 4, 2])
    fixed = repair_bio(states, np.array([5, 3]), 2)
    assert fixed.tolist() == [1, 2, 0, 1, 2, 3, 4, 1]
    spans = states_to_spans(fixed, np.array([5, 0, 3]))
    assert spans == [[(0, 2, 0), (3, 5, 0)], [], [(0, 2, 1), (2, 3, 0)]]


def test_span_majority():
    proposals = {
        "a": [(0, 2, "X"), (5, 6, "Y")],
        "b": [(0, 2, "X"), (5, 6, "O")],
        "c": [(1, 3, "Y")],
    }
    kept = span_majority(proposals, {"b": 2.0})
    assert [(s, e, l) for s, e, l, _, _ in kept] == [(0, 2, "X")]
    assert kept[0][3] == 3.0 / 4.0 and kept[0][4] == ["a", "b"]


def _token_majority_per_token(X, lengths, n_labels, weights=None):
    """The implementation before issue 25 (every token counted): the reference."""
    from spacy_weak.aggregation.observations import doc_offsets
    from spacy_weak.aggregation.voting import vote_counts

    counts = vote_counts(X, n_labels, weights)
    n_tok = counts.shape[0]
    if n_tok == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    per_label = np.empty((n_tok, 1 + n_labels))
    per_label[:, 0] = counts[:, 0]
    per_label[:, 1:] = counts[:, 1::2] + counts[:, 2::2]
    winner = np.argmax(per_label, axis=1)
    total = per_label.sum(axis=1)
    probs = np.where(total > 0, per_label[np.arange(n_tok), winner] / np.where(total > 0, total, 1), 1.0)
    states = np.zeros(n_tok, dtype=np.int64)
    ent = winner > 0
    b_state = 2 * winner - 1
    b_w = counts[np.arange(n_tok), np.where(ent, b_state, 0)]
    i_w = counts[np.arange(n_tok), np.where(ent, b_state + 1, 0)]
    prev = np.empty(n_tok, dtype=np.int64)
    prev[0] = -1
    prev[1:] = winner[:-1]
    starts = doc_offsets(lengths)[:-1]
    prev[starts[starts < n_tok]] = -1
    begin = ent & ((prev != winner) | (b_w > i_w))
    states[ent] = np.where(begin[ent], b_state[ent], b_state[ent] + 1)
    return repair_bio(states, lengths, n_labels), probs


def test_token_majority_by_distinct_row_equals_every_token_counted():
    rng = np.random.default_rng(7)
    for trial in range(60):
        n_labels = 70 if trial == 5 else int(rng.integers(1, 4))  # 70: int16 codes
        n_src = int(rng.integers(0, 7))
        lengths = rng.integers(0, 9, size=int(rng.integers(1, 8)))
        n_tok = int(lengths.sum())
        # few distinct codes per column, as in a corpus (mostly silent)
        X = rng.choice(np.arange(-1, 2 + 2 * n_labels), size=(n_tok, n_src)).astype(
            np.int16 if n_labels > 60 else np.int8)
        if trial % 3 == 0 and n_tok:
            X[rng.random((n_tok, n_src)) < 0.7] = 0
        weights = None if trial % 4 == 0 else rng.random(n_src) * 3
        got = token_majority(X, lengths, n_labels, weights)
        want = _token_majority_per_token(X, lengths, n_labels, weights)
        assert got[0].tolist() == want[0].tolist()
        assert got[1].tobytes() == want[1].tobytes()
