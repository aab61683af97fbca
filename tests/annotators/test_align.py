"""``_align.NgramIndex``: occurrences found on token hashes equal those found on token texts."""
import random

import spacy
from spacy.attrs import LOWER
from spacy.tokens import Doc

from spacy_weak.annotators._align import NgramIndex

WORDS = ["Acute", "acute", "ACUTE", "renal", "Renal", "failure", "(", ")", "ARF", "arf", "of", "the", "é", "É"]


def _reference(texts, key_texts, case_sensitive):
    norm = [t if case_sensitive else t.lower() for t in texts]
    key = [t if case_sensitive else t.lower() for t in key_texts]
    return [i for i in range(len(norm) - len(key) + 1) if norm[i : i + len(key)] == key]


def _check(nlp, case_sensitive, n_docs=150):
    rng = random.Random(7)
    for _ in range(n_docs):
        words = [rng.choice(WORDS) for _ in range(rng.randint(0, 90))]  # > 64 repeats: the n-gram index too
        doc = Doc(nlp.vocab, words=words)
        index = NgramIndex(doc, case_sensitive=case_sensitive)
        for _ in range(5):
            if not len(doc):
                break
            start = rng.randrange(len(doc))
            span = doc[start : min(len(doc), start + rng.randint(1, 3))]
            assert index.find(index.key(span)) == _reference(words, [t.text for t in span], case_sensitive)


def test_hash_index_equals_text_reference():
    nlp = spacy.blank("en")
    _check(nlp, case_sensitive=True)
    _check(nlp, case_sensitive=False)


def test_a_vocab_with_another_lower_getter_uses_texts():
    nlp = spacy.blank("en")
    nlp.vocab.lex_attr_getters[LOWER] = lambda text: text.lower()  # not spaCy's own getter
    doc = Doc(nlp.vocab, words=["Acute", "acute"])
    index = NgramIndex(doc, case_sensitive=False)
    assert index.tokens == ("acute", "acute") and index.find(index.key(doc[0:1])) == [0, 1]
