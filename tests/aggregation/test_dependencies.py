"""Source dependencies learned from the posterior: known answers and planted structure."""
import numpy as np
import pytest
from spacy.tokens import Span
from spacy.vocab import Vocab

from spacy_weak.aggregation.dependencies import (
    RedundancyAccumulator,
    dependency_groups,
    dependency_weights,
    identical_sources,
)
from spacy_weak.aggregation.hmm import WeakHMM
from spacy_weak.aggregation.hmm_component import HMMAggregator
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_source_spans

from .synth import LABELS, entity_prf, make_corpus


def _redundancy(X, states, n_states=3, n_symbols=4):
    post = np.eye(n_states)[states]
    acc = RedundancyAccumulator(X.shape[1], n_symbols, n_states)
    acc.add(X, post)
    return acc.redundancy()


def test_exact_copy_is_fully_redundant_and_independent_sources_are_not():
    rng = np.random.default_rng(0)
    states = rng.integers(0, 2, size=20000)  # O or B-X
    # two sources, each right with probability 0.8 and wrong independently given the state
    a = np.where(rng.random(len(states)) < 0.8, states * 2, 2 - states * 2)
    b = np.where(rng.random(len(states)) < 0.8, states * 2, 2 - states * 2)
    X = np.stack([a, b, a], axis=1)
    r = _redundancy(X, states)
    assert r[0, 2] == 1.0 and r[2, 0] == 1.0
    assert r[0, 1] < 0.01 and r[1, 0] < 0.01
    assert dependency_groups(r, 0.5) == [[0, 2]]
    np.testing.assert_allclose(dependency_weights(r, 0.5), [0.5, 1.0, 0.5])


def test_known_answer_half_redundant():
    # given the state, source 1 copies source 0 on half the tokens and is a fixed
    # symbol on the others: by hand, I(X0; X1 | Z) / H(X0 | Z) = 0.5 * ... computed below
    states = np.zeros(8, dtype=int)
    x0 = np.array([0, 2, 0, 2, 0, 2, 0, 2])
    x1 = np.array([0, 2, 0, 2, 0, 0, 0, 0])
    r = _redundancy(np.stack([x0, x1], axis=1), states)
    # joint (x0, x1): (0,0) 4/8, (2,2) 2/8, (2,0) 2/8; p(x0) = (1/2, 1/2), p(x1) = (3/4, 1/4)
    cmi = 0.5 * np.log(0.5 / (0.5 * 0.75)) + 0.25 * np.log(0.25 / (0.5 * 0.25)) + 0.25 * np.log(0.25 / (0.5 * 0.75))
    h0 = np.log(2)
    h1 = -(0.75 * np.log(0.75) + 0.25 * np.log(0.25))
    assert r[0, 1] == pytest.approx(cmi / h0, abs=1e-6)
    assert r[1, 0] == pytest.approx(cmi / h1, abs=1e-6)


def test_missing_entries_drop_out_of_the_pair():
    states = np.array([0, 1, 0, 1, 0, 1])
    x0 = np.array([0, 2, 0, 2, 0, 2])
    x1 = np.array([-1, -1, 0, 2, 0, 2])
    r = _redundancy(np.stack([x0, x1], axis=1), states)
    assert np.all(np.isfinite(r))


def test_identical_sources():
    X = np.array([[0, 2, 0], [2, 3, 2]])
    assert identical_sources(X, ["a", "b", "c"]) == [["a", "c"]]


def test_weighted_objective_never_decreases():
    rng = np.random.default_rng(1)
    X = rng.integers(0, 6, size=(400, 3))
    X = np.concatenate([X, X[:, :1]], axis=1)
    model = WeakHMM(n_labels=2, n_sources=4, n_iter=8, tol=0, params="ste", source_weights=np.array([0.5, 1, 1, 0.5]))
    model.fit(X, [100, 100, 200])
    h = np.array(model.history_)
    assert np.all(np.diff(h) >= -1e-6 * np.abs(h[:-1]))
    again = WeakHMM.from_dict(model.to_dict())
    np.testing.assert_allclose(again.score(X, [100, 100, 200]), model.score(X, [100, 100, 200]))


def _near_copy(docs, source, new, keep, seed):
    rng = np.random.default_rng(seed)
    for doc in docs:
        spans = [Span(doc, s.start, s.end, label=s.label_) for s in doc.spans[source] if rng.random() < keep]
        set_source_spans(doc, new, spans)


def _fit(docs, **kw):
    agg = HMMAggregator(Vocab(), labels=LABELS, **kw)
    agg.fit(docs)
    return agg


def _spans(agg, docs):
    return [[(s, e, lab) for s, e, lab in res[0]] for res in agg.predict(docs)]


def test_planted_dependencies_are_found_without_names(recwarn):
    docs = make_corpus(Vocab(), n_docs=150, seed=3, copies={"zz_first": "precise"})
    _near_copy(docs, "broad", "echo", keep=0.9, seed=4)
    agg = _fit(docs)
    groups = sorted(agg.dependencies_["groups"])
    assert groups == [["broad", "echo"], ["precise", "zz_first"]]
    weights = {k: v["weight"] for k, v in agg.dependencies_["sources"].items()}
    assert weights["precise"] == weights["zz_first"] == 0.5
    assert 0.5 <= weights["echo"] < 1 and 0.5 <= weights["broad"] < 1
    for name in ("mid", "confident_bad", "neg"):
        assert weights[name] == 1.0
    # the exact copy is named by a coded warning
    assert any("[W105]" in str(w.message) and "precise, zz_first" in str(w.message) for w in recwarn)
    # shown in the source report
    assert agg.dependency_report()["groups"] == agg.dependencies_["groups"]


def test_an_exact_copy_changes_nothing_with_dependencies():
    docs = make_corpus(Vocab(), n_docs=150, seed=5, copies={})
    base = _fit(docs)
    for doc in docs:
        set_source_spans(doc, "confident_bad_copy", list(doc.spans["confident_bad"]))
    with pytest.warns(UserWarning, match="W105"):
        copied = _fit(docs)
    assert copied.dependencies_["groups"] == [["confident_bad", "confident_bad_copy"]]
    assert _spans(copied, docs) == _spans(base, docs)
    # without the dependency model the copy is a second confident witness
    naive = _fit(docs, dependencies=False)
    assert naive.dependencies_ is None
    assert entity_prf(_spans(naive, docs), docs)["f1"] <= entity_prf(_spans(base, docs), docs)["f1"]


def test_bad_threshold():
    with pytest.raises(SpacyWeakError, match="E110"):
        HMMAggregator(Vocab(), dependency_threshold=0.0)


def test_identical_sources_leaves_out_sources_that_never_vote():
    # two silent sources (0 everywhere) and a missing one are not "copies" of each other (W100 names them)
    X = np.array([[0, 2, 0, -1, 2], [0, 3, 0, -1, 3]])
    assert identical_sources(X, ["silent1", "a", "silent2", "missing", "b"]) == [["a", "b"]]
