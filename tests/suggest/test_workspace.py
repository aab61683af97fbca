import numpy as np
import spacy

from spacy_weak.aggregation.observations import encode_docs
from spacy_weak.suggest.changes import Candidate, combine
from spacy_weak.suggest.workspace import Workspace, boundary_source

from .conftest import HMM_CFG


def _ws(docs):
    gold = {i: {(s.start, s.end, s.label_) for s in docs[i].spans["gold"]} for i in range(10)}
    return Workspace(docs, HMM_CFG["sources"], HMM_CFG["labels"], gold)


def test_no_edit_is_the_encoded_corpus(docs):
    ws = _ws(docs)
    X, names = ws.columns(combine([]), list(range(len(docs))))
    X0, _, _ = encode_docs(docs, HMM_CFG["sources"], HMM_CFG["labels"])
    assert names == HMM_CFG["sources"] and np.array_equal(X, X0)


def test_stop_terms_and_drop_edit_only_their_columns(docs):
    ws = _ws(docs)
    edit = combine([(Candidate("stop_terms", "src_a"), ("foo",)), (Candidate("drop_source", "neg"), ("neg",))])
    X, _ = ws.columns(edit, [0])
    X0, _, _ = encode_docs(docs[:1], HMM_CFG["sources"], HMM_CFG["labels"])
    assert X[5, 0] == 0 and X0[5, 0] != 0  # "foo" no longer voted by src_a
    assert (X[:, 3] == -1).all()  # neg dropped: missing
    assert np.array_equal(X[:, 1], X0[:, 1])


def test_boundary_column_is_what_weak_boundary_writes(docs):
    """The workspace's boundary source and the pipeline component agree token for token."""
    ws = _ws(docs)
    cands = [(Candidate("boundary", "Disease", "trim_left:1"), ("severe",)),
             (Candidate("coordination", "Chemical", "coordination_one_token"), ("coordination_one_token",))]
    edit = combine(cands)
    nlp = spacy.blank("en")
    pipes = {}
    for label in ("Chemical", "Disease"):
        rules = edit.rules(label)
        pipes[label] = nlp.add_pipe("weak_boundary", name=boundary_source(label), config={
            "sources": HMM_CFG["sources"], "labels": [label], "trim_left": sorted(rules.trim_left),
            "patterns": list(rules.patterns), "trim_negative": True})
    for i in range(5):
        X, names = ws.columns(edit, [i])
        doc = docs[i].copy()
        for label, pipe in pipes.items():
            pipe(doc)
        Xp, _, _ = encode_docs([doc], [boundary_source(lab) for lab in ("Chemical", "Disease")], HMM_CFG["labels"])
        assert np.array_equal(X[:, names.index(boundary_source("Chemical"))], Xp[:, 0])
        assert np.array_equal(X[:, names.index(boundary_source("Disease"))], Xp[:, 1])
    # "severe asthma" -> "asthma", and an "O" vote on "severe"
    assert [(s.start, s.end, s.label_) for s in doc.spans[boundary_source("Disease")]][:2] == [(7, 8, "O"), (8, 9, "Disease")]
