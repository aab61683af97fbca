"""``hmm_fit.LocalObservations``: the redundancy pass also yields the emission counts."""
import numpy as np
from spacy.vocab import Vocab

from spacy_weak.aggregation.dependencies import learn_redundancy
from spacy_weak.aggregation.hmm_component import HMMAggregator
from spacy_weak.aggregation.hmm_fit import LocalObservations

from .synth import LABELS, make_corpus


def _fitted(n_docs=60):
    docs = make_corpus(Vocab(), n_docs=n_docs, seed=3)
    agg = HMMAggregator(docs[0].vocab, labels=LABELS, n_iter=3, dependencies=False)
    collector = agg._collect(docs)
    X, lengths, sources, labels = collector.finalize()
    agg.fit_observations(X, lengths, sources, labels)
    nz = lengths[lengths > 0]
    return agg._model(), X, nz


def _fresh_counts(model, X, nz):
    return LocalObservations(X, nz, X).emission_counts(model)


def test_counts_of_the_redundancy_pass_equal_a_fresh_pass():
    model, X, nz = _fitted()
    data = LocalObservations(X, nz, X)
    redundancy = data.redundancy(model)
    assert np.array_equal(redundancy, learn_redundancy(model, X, nz))
    assert data._counts is not None  # kept for the same model
    shared = data.emission_counts(model)
    assert np.array_equal(shared, _fresh_counts(model, X, nz))  # same blocks, same order: the same bits
    assert data._counts is None  # used once


def test_counts_are_not_reused_for_another_model_or_changed_parameters():
    model, X, nz = _fitted()
    data = LocalObservations(X, nz, X)
    data.redundancy(model)
    model.emissionprob_ = np.ascontiguousarray(model.emissionprob_[:, :, ::-1])  # a new parameter array
    model.emissionprob_ = model.emissionprob_ / model.emissionprob_.sum(axis=-1, keepdims=True)
    assert np.array_equal(data.emission_counts(model), _fresh_counts(model, X, nz))


def test_no_sharing_when_the_fit_view_hides_columns():
    model, X, nz = _fitted()
    X_fit = X.copy()
    X_fit[:, 0] = -1
    data = LocalObservations(X, nz, X_fit)
    data.redundancy(model)
    assert data._counts is None
    assert np.array_equal(data.emission_counts(model), _fresh_counts(model, X, nz))
