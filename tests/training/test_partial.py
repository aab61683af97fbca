import pytest
from spacy.training import Example
from spacy.util import registry

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.partial import (
    annotate_doc,
    make_hard_labels,
    make_partial_annotation,
    resolve_policy,
)

from ._data import make_docs


def _iob(doc):
    return [t.ent_iob_ or "-" for t in doc]


def test_hard_labels_every_silver_span_is_an_entity_every_other_token_outside():
    doc = make_docs(1)[0]
    ann = annotate_doc(doc, make_hard_labels())
    assert ann.missing == []
    assert [(e.text, e.label_) for e in doc.ents] == [("aspirin", "Chemical"), ("headache", "Disease")]
    assert _iob(doc) == ["B", "O", "B", "O", "O", "O", "O", "O"]


def test_partial_annotation_marks_uncertain_tokens_missing():
    docs = make_docs(3)
    doc = docs[0]  # src_dis also voted the verb "caused"
    ann = annotate_doc(doc, make_partial_annotation(entity_threshold=0.5))
    # the disease span (p=0.4) is below the threshold: missing; the verb a source voted: missing
    assert [(e.text, e.label_) for e in doc.ents] == [("aspirin", "Chemical")]
    assert ann.missing == [1, 2]
    assert _iob(doc) == ["B", "-", "-", "O", "O", "O", "O", "O"]
    # spaCy's training example keeps the missing tokens missing (None), not "O"
    biluo = Example(doc.copy(), doc).get_aligned_ner()
    assert biluo[1] is None and biluo[2] is None and biluo[3] == "O" and biluo[0] == "U-Chemical"
    # a lower threshold keeps the disease; without missing_voted the verb is O
    other = docs[0].copy()
    ann = annotate_doc(other, make_partial_annotation(entity_threshold=0.3, missing_voted=False))
    assert [e.text for e in other.ents] == ["aspirin", "headache"] and ann.missing == []
    assert ann.counts(len(other)) == (2, 6, 0)


def test_outside_keep_drops_a_seeded_share_of_outside_tokens():
    docs = make_docs(40)
    policy = make_partial_annotation(entity_threshold=0.3, missing_voted=False, outside_keep=0.5, seed=1)
    first = [policy(d).missing for d in docs]
    assert first == [policy(d).missing for d in docs]  # deterministic
    n_missing = sum(len(m) for m in first)
    n_outside = sum(len(d) - 2 for d in docs)
    assert 0.35 < n_missing / n_outside < 0.65
    for d, miss in zip(docs, first):
        assert 0 not in miss and 2 not in miss  # entities are never dropped


@pytest.mark.parametrize("param,value", [("entity_threshold", 1.5), ("entity_threshold", -0.1), ("outside_keep", 2), ("outside_keep", "x")])
def test_thresholds_outside_unit_interval_are_coded_errors(param, value):
    with pytest.raises(SpacyWeakError) as err:
        make_partial_annotation(**{param: value})
    assert "[E300]" in str(err.value) and param in str(err.value)


def test_policies_are_registered_and_resolvable():
    policy = registry.resolve({"p": {"@misc": "spacy_weak.partial_annotation.v1", "entity_threshold": 0.8}})["p"]
    assert policy.entity_threshold == 0.8
    hard = resolve_policy({"@misc": "spacy_weak.hard_labels.v1"})
    assert hard(make_docs(1)[0]).entities == [(0, 1, "Chemical"), (2, 3, "Disease")]
    with pytest.raises(SpacyWeakError, match=r"\[E301\]"):
        resolve_policy(3)
