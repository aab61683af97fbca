"""spacy_weak.label_matrix: Snorkel's convention (abstain -1) at token and document level."""
import numpy as np
import pytest
import spacy
from spacy.tokens import Span

import spacy_weak
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_aggregate, set_doc_votes, set_source_spans


@pytest.fixture
def docs():
    nlp = spacy.blank("en")
    a = nlp("aspirin causes headache 12 times")
    set_source_spans(a, "gaz", [Span(a, 0, 1, "Chemical"), Span(a, 2, 3, "Disease")])
    set_source_spans(a, "neg", [Span(a, 3, 4, "O")])
    # overlapping spans of one source: the longest wins, as the aggregators read them
    set_source_spans(a, "rx", [Span(a, 0, 2, "Chemical"), Span(a, 1, 2, "Disease")])
    set_aggregate(a, "silver", [Span(a, 0, 1, "Chemical")], [0.9], [["gaz"]], aggregator="hmm")
    b = nlp("nothing here")
    set_source_spans(b, "gaz", [])  # ran and abstained; "neg" and "rx" did not run
    for doc, votes in ((a, {"SPAM": 1}), (b, {"HAM": 0})):
        set_doc_votes(doc, "lf_a", votes)
    set_doc_votes(a, "lf_b", {})
    return [a, b]


def test_token_level(docs):
    lm = spacy_weak.label_matrix(docs)
    assert lm.sources == ["gaz", "neg", "rx"]  # the aggregate and doc-level groups are not sources
    assert lm.labels == ["O", "Chemical", "Disease"]
    assert lm.lengths.tolist() == [5, 2]
    assert lm.L.dtype == np.int64 and lm.L.shape == (7, 3)
    assert lm.L[:, 0].tolist() == [1, -1, 2, -1, -1, -1, -1]
    assert lm.L[:, 1].tolist() == [-1, -1, -1, 0, -1, -1, -1]
    assert lm.L[:, 2].tolist() == [1, 1, -1, -1, -1, -1, -1]
    only = spacy_weak.label_matrix(docs, sources="g*", labels=["Disease", "Chemical"])
    assert only.sources == ["gaz"] and only.labels == ["O", "Disease", "Chemical"]
    assert only.L[:3, 0].tolist() == [2, -1, 1]


def test_doc_level(docs):
    lm = spacy_weak.label_matrix(docs, level="doc", labels=["HAM", "SPAM"])
    assert lm.sources == ["lf_a", "lf_b"] and lm.lengths is None
    assert lm.L.tolist() == [[1, -1], [1, -1]]  # a lone vote against HAM is a vote for SPAM
    with pytest.raises(SpacyWeakError, match=r"E118.*lf_a.*document 1"):
        spacy_weak.label_matrix(docs, level="doc", labels=["HAM", "SPAM", "OTHER"])  # against HAM: which other?
    with pytest.raises(SpacyWeakError, match="E119") as err:
        spacy_weak.label_matrix(docs, level="sentence")
    assert "label_matrix" in str(err.value) and "tabular" not in str(err.value)  # not the CSV reader's error
