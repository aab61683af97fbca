"""A small synthetic corpus for suggest: two sources, one junk term, gold on every doc."""
import random

import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.corpora.align import set_gold
from spacy_weak.spans import set_source_spans

DRUGS = ["aspirin", "ibuprofen", "heparin", "warfarin", "cocaine", "lithium"]
DISEASES = ["asthma", "hepatitis", "anemia", "migraine"]


def make_docs(n: int = 80, seed: int = 0):
    """Docs with gold and the sources ``src_a`` (drugs and the junk word "foo" as Chemical),
    ``src_b`` (drugs, diseases; misses half of them) and ``neg`` ("patient" as O)."""
    nlp = spacy.blank("en")
    rng = random.Random(seed)
    docs = []
    for _ in range(n):
        drug, dis = rng.choice(DRUGS), rng.choice(DISEASES)
        words = ["The", "patient", "took", drug, "and", "foo", "for", "severe", dis, "today", "."]
        doc = spacy.tokens.Doc(nlp.vocab, words=words)
        set_gold(doc, [Span(doc, 3, 4, label="Chemical"), Span(doc, 8, 9, label="Disease")])
        set_source_spans(doc, "src_a", [Span(doc, 3, 4, label="Chemical"), Span(doc, 5, 6, label="Chemical")])
        b = [Span(doc, 3, 4, label="Chemical")] if rng.random() < 0.5 else []
        if rng.random() < 0.8:
            b.append(Span(doc, 7, 9, label="Disease"))  # "severe asthma": one word too long
        set_source_spans(doc, "src_b", b)
        set_source_spans(doc, "src_c", [Span(doc, 8, 9, label="Disease")] if rng.random() < 0.5 else [])
        set_source_spans(doc, "neg", [Span(doc, 1, 2, label="O")])
        docs.append(doc)
    return docs


HMM_CFG = {"sources": ["src_a", "src_b", "src_c", "neg"], "labels": ["Chemical", "Disease"], "spans_key": "silver",
           "n_iter": 10, "seed": 0, "merge_adjacent": True}


@pytest.fixture(scope="module")
def docs():
    return make_docs()


RECIPE = """
[nlp]
lang = "en"
pipeline = ["src_a", "src_b", "neg", "hmm"]

[components]

[components.src_a]
factory = "weak_function"

[components.src_a.function]
@misc = "spacy_weak.token_words.v1"
label = "Chemical"
words = ["aspirin", "ibuprofen", "heparin", "warfarin", "cocaine", "lithium", "foo"]

[components.src_b]
factory = "weak_function"

[components.src_b.function]
@misc = "spacy_weak.token_words.v1"
label = "Chemical"
words = ["aspirin"]

[components.neg]
factory = "weak_function"

[components.neg.function]
@misc = "spacy_weak.token_words.v1"
label = "O"
words = ["patient"]

[components.hmm]
factory = "weak_hmm"
sources = ["src_a", "src_b", "neg"]
labels = ["Chemical", "Disease"]
spans_key = "silver"
n_iter = 10
"""
