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
