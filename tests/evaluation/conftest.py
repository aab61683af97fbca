"""Fixtures: the hand-built corpora of ``corpora.py``."""
import pytest
import spacy

from .corpora import make_doc_corpus, make_span_corpus


@pytest.fixture
def nlp():
    return spacy.blank("en")


@pytest.fixture
def span_docs(nlp):
    return make_span_corpus(nlp)


@pytest.fixture
def doc_corpus(nlp):
    return make_doc_corpus(nlp)
