"""bench/textcat.py: the class balance given to Snorkel is estimated without gold."""
import numpy as np
import pytest

from . import load_bench


@pytest.fixture(scope="module")
def textcat():
    return load_bench("textcat")


def test_class_balance_from_majority_vote(textcat):
    L = np.array([[0, -1, 1], [1, 1, -1], [-1, -1, -1], [1, -1, -1], [0, 1, -1]])
    # majority labels: tie, 1, (no vote), 1, tie -> counts [0, 2] + one pseudo-document per class
    assert textcat.estimate_class_balance(L, 2) == pytest.approx([0.25, 0.75])


def test_label_matrix_is_the_packages(textcat):
    import spacy

    from spacy_weak.spans import set_doc_votes

    nlp = spacy.blank("en")
    docs = [nlp("a"), nlp("b")]
    set_doc_votes(docs[0], "lf", {"SPAM": 1})
    set_doc_votes(docs[1], "lf", {"SPAM": 0})
    assert textcat.label_matrix(docs, ["lf"], ["HAM", "SPAM"]).tolist() == [[1], [0]]
