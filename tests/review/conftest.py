import pytest
import spacy

from spacy_weak.aggregation.hmm_component import HMMAggregator

from ..aggregation.synth import LABELS, make_corpus


@pytest.fixture(scope="module")
def fitted():
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=40, seed=1, doc_len=(10, 25))
    for i, doc in enumerate(docs):
        doc.user_data["doc_id"] = f"d{i}"
        doc.user_data["year"] = 2000 + i % 2
    hmm = HMMAggregator(nlp.vocab, labels=LABELS, n_iter=3)
    hmm.fit(docs)
    docs = list(hmm.pipe(docs))
    return nlp, hmm, docs
