import numpy as np
import spacy
from spacy.tokens import Span

from spacy_weak.aggregation.clamp import CLAMP_LOG, allowed_states, clamp_log_mask
from spacy_weak.aggregation.hmm_component import HMMAggregator
from spacy_weak.spans import set_source_spans

from .synth import LABELS, make_corpus


def test_allowed_states_table():
    t = allowed_states(2)  # codes: 0 silent, 1 O, 2 B-A, 3 I-A, 4 B-B, 5 I-B; last row = missing
    assert t[0].all() and t[-1].all()
    assert t[1].tolist() == [True, False, False, False, False]
    assert t[2].tolist() == [False, True, False, False, False]
    assert t[5].tolist() == [False, False, False, False, True]


def test_clamp_mask_columns_and_contradictions():
    X = np.array([[0, 2], [1, -1], [2, 4]])
    m = clamp_log_mask(X, [1], 2)
    assert (m[0] == [CLAMP_LOG, 0, CLAMP_LOG, CLAMP_LOG, CLAMP_LOG]).all()
    assert (m[1] == 0).all()  # missing: nothing clamped
    both = clamp_log_mask(X, [0, 1], 2)
    assert (both[2] == 0).all()  # two clamps contradict (B-A vs B-B): fall back to all states


def _human(doc, spans):
    covered = np.zeros(len(doc), dtype=bool)
    out = []
    for s, e, lab in spans:
        out.append(Span(doc, s, e, label=lab))
        covered[s:e] = True
    out += [Span(doc, t, t + 1, label="O") for t in np.nonzero(~covered)[0]]
    set_source_spans(doc, "human", out)


def test_clamped_docs_decode_to_the_reviews_even_against_every_source():
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=60, seed=3)
    reviewed = docs[:5]
    wanted = {}
    for doc in reviewed:
        # a review that contradicts the sources: every gold entity with the other label, plus one new span
        spans = [(e.start, e.end, LABELS[1 - LABELS.index(e.label_)]) for e in doc.ents]
        free = [t for t in range(len(doc)) if not any(s <= t < e for s, e, _ in spans)]
        spans.append((free[0], free[0] + 1, "CHEM"))
        wanted[id(doc)] = sorted(spans)
        _human(doc, spans)
    agg = HMMAggregator(nlp.vocab, sources=["*"], labels=LABELS, clamp_sources=["human"], n_iter=5)
    agg.fit(docs)
    assert "human" in agg.sources_
    out = list(agg.pipe(docs[:5]))
    for doc in out:
        got = sorted((s.start, s.end, s.label_) for s in doc.spans["silver"])
        assert got == wanted[id(doc)]
    # as a plain vote the same source does not override the others
    plain = HMMAggregator(nlp.vocab, sources=["*"], labels=LABELS, n_iter=5)
    plain.fit(docs)
    agree = [sorted((s.start, s.end, s.label_) for s in d.spans["silver"]) == wanted[id(d)] for d in plain.pipe(docs[:5])]
    assert not all(agree)
    # the clamp survives serialisation
    again = HMMAggregator(nlp.vocab, sources=["*"], labels=LABELS, clamp_sources=["human"]).from_bytes(agg.to_bytes())
    d = again(docs[0])
    assert sorted((s.start, s.end, s.label_) for s in d.spans["silver"]) == wanted[id(docs[0])]


def test_clamp_in_io_scheme_keeps_human_boundaries():
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=40, seed=5)
    doc = docs[0]
    spans = [(0, 1, "CHEM"), (1, 2, "CHEM")]  # two adjacent entities of one label
    _human(doc, spans)
    agg = HMMAggregator(nlp.vocab, labels=LABELS, clamp_sources=["human"], scheme="IO", n_iter=3)
    agg.fit(docs)
    got = sorted((s.start, s.end, s.label_) for s in agg(doc).spans["silver"] if s.start < 2)
    assert got == spans


def _reviewed_corpus(seed=3, n_docs=60, n_reviewed=10):
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=n_docs, seed=seed)
    for doc in docs[:n_reviewed]:
        _human(doc, [(e.start, e.end, e.label_) for e in doc.ents])
    return nlp, docs


def test_review_weight_scales_the_reviewed_documents_statistics():
    """Semi-supervised EM: a reviewed document's expected counts (its clamped posterior)
    count ``review_weight`` times; the unreviewed documents' once. Weight 1 is the old fit."""
    from spacy_weak.aggregation.hmm import WeakHMM

    rng = np.random.default_rng(0)
    X = np.where(rng.random((120, 3)) < 0.6, 0, rng.integers(1, 6, size=(120, 3)))
    X[:, 2] = -1
    X[:40, 2] = np.where(rng.random(40) < 0.7, 1, 2)  # the first document is reviewed
    lengths = np.array([40, 40, 40])
    fits = {}
    for w in (None, 1.0, 3.0):
        m = WeakHMM(n_labels=2, n_sources=3, clamp_columns=(2,), review_weights=None if w is None else (w,),
                    params="e", n_iter=1, init_params="e")
        m.fit(X, lengths)
        fits[w] = m
        assert m.review_weight(X[:40]) == (1.0 if w is None else w)
        assert m.review_weight(X[40:80]) == 1.0
    np.testing.assert_allclose(fits[None].emissionprob_, fits[1.0].emissionprob_)
    assert not np.allclose(fits[None].emissionprob_, fits[3.0].emissionprob_)
    # the weighted statistics are the unweighted ones with the reviewed document counted 3 times
    base = fits[None]
    probe = WeakHMM.from_dict(base.to_dict())
    probe.clamp_columns, probe.review_weights, probe.params = (2,), (3.0,), "e"
    stats, _ = probe.estep(X, lengths)
    parts = [WeakHMM.from_dict(base.to_dict()) for _ in range(2)]
    for p in parts:
        p.clamp_columns, p.params = (2,), "e"
    reviewed, _ = parts[0].estep(X[:40], lengths[:1])
    rest, _ = parts[1].estep(X[40:], lengths[1:])
    np.testing.assert_allclose(stats["emit"], 3.0 * reviewed["emit"] + rest["emit"])
    assert WeakHMM.from_dict(probe.to_dict()).review_weights == (3.0,)


def test_component_review_weight_only_with_clamp_learn_and_validated():
    import pytest

    from spacy_weak.errors import SpacyWeakError

    nlp, docs = _reviewed_corpus()
    learn = HMMAggregator(nlp.vocab, labels=LABELS, clamp_sources=["human"], clamp_learn=True, review_weight=0.5, n_iter=3)
    learn.fit(docs)
    assert learn._model().review_weights == (0.5,)
    hidden = HMMAggregator(nlp.vocab, labels=LABELS, clamp_sources=["human"], review_weight=0.5, n_iter=3)
    hidden.fit(docs)
    assert hidden._model().review_weights is None  # decode-only clamp: the reviews are not in the fit
    for bad in (0.0, -1.0, float("nan"), float("inf"), "x", True):
        with pytest.raises(SpacyWeakError, match="E111"):
            HMMAggregator(nlp.vocab, labels=LABELS, review_weight=bad)
    cfg = nlp.add_pipe("weak_hmm", config={"labels": LABELS, "review_weight": 2.0}).cfg
    assert cfg["review_weight"] == 2.0
