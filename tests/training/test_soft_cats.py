"""Soft doc.cats targets through spaCy's unchanged textcat: one-hot copies in proportion to the probabilities."""
import pytest
import spacy

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.export import soft_cat_copies


def test_copies_follow_the_probabilities():
    nlp = spacy.blank("en")
    docs = [nlp.make_doc("buy now"), nlp.make_doc("nice song")]
    out = soft_cat_copies(docs, [{"SPAM": 0.74, "HAM": 0.26}, {"SPAM": 0.0, "HAM": 1.0}], ["HAM", "SPAM"], copies=10)
    assert len(out) == 20
    first = [d.cats for d in out if d.text == "buy now"]
    assert sum(c["SPAM"] for c in first) == 7 and sum(c["HAM"] for c in first) == 3
    assert all(sorted(c.values()) == [0.0, 1.0] for c in (d.cats for d in out))  # what textcat accepts
    assert all(d.cats == {"HAM": 1.0, "SPAM": 0.0} for d in out if d.text == "nice song")


def test_soft_copies_train_a_textcat():
    from spacy.training import Example

    nlp = spacy.blank("en")
    nlp.add_pipe("textcat")
    docs = soft_cat_copies([nlp.make_doc("buy cheap pills now")], [{"SPAM": 0.8, "HAM": 0.2}], ["HAM", "SPAM"], copies=5)
    examples = [Example(nlp.make_doc(d.text), d) for d in docs]
    nlp.initialize(lambda: examples)
    nlp.update(examples)  # no E851: every target is 0/1


@pytest.mark.parametrize("row", [{"SPAM": 1.5, "HAM": 0.0}, {"SPAM": -0.1, "HAM": 1.0}, {"SPAM": 0.0, "HAM": 0.0},
                                 {"SPAM": float("nan"), "HAM": 1.0}])
def test_bad_probabilities_are_e321(row):
    with pytest.raises(SpacyWeakError, match=r"\[E321\]"):
        soft_cat_copies([spacy.blank("en").make_doc("x")], [row], ["HAM", "SPAM"])
