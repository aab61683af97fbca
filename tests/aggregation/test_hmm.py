import numpy as np
import pytest

from spacy_weak.aggregation.hmm import WeakHMM, bio_masks
from spacy_weak.aggregation.observations import MISSING
from spacy_weak.aggregation.voting import repair_bio


def _hand_model():
    """1 label (states O, B, I), 1 source; symbols: 0 silent, 1 "O", 2 B, 3 I."""
    m = WeakHMM(n_labels=1, n_sources=1, n_iter=0)
    m.startprob_ = np.array([0.8, 0.2, 0.0])
    m.transmat_ = np.array([[0.9, 0.1, 0.0], [0.3, 0.2, 0.5], [0.6, 0.1, 0.3]])
    m.emissionprob_ = np.array(
        [[[0.9, 0.05, 0.03, 0.02], [0.2, 0.0, 0.7, 0.1], [0.3, 0.0, 0.1, 0.6]]]
    )
    m.n_features = 1
    return m


def test_known_answer_posteriors_two_tokens():
    m = _hand_model()
    # the source votes B on token 1 and I on token 2
    X = np.array([[2], [3]], dtype=np.int8)
    s = m.startprob_
    A = m.transmat_
    e1 = np.array([0.03, 0.7, 0.1])  # P(B-vote | O, B, I)
    e2 = np.array([0.02, 0.1, 0.6])  # P(I-vote | O, B, I)
    # every path (z1, z2) written out: p = s[z1] e1[z1] A[z1, z2] e2[z2]
    paths = {
        (0, 0): 0.8 * 0.03 * 0.9 * 0.02,
        (0, 1): 0.8 * 0.03 * 0.1 * 0.1,
        (1, 0): 0.2 * 0.7 * 0.3 * 0.02,
        (1, 1): 0.2 * 0.7 * 0.2 * 0.1,
        (1, 2): 0.2 * 0.7 * 0.5 * 0.6,
    }
    for (a, b), p in paths.items():
        assert p == pytest.approx(s[a] * e1[a] * A[a, b] * e2[b])
    Z = sum(paths.values())  # 0.000432 + 0.00024 + 0.00084 + 0.0028 + 0.042
    assert Z == pytest.approx(0.046312)
    expected = np.zeros((2, 3))
    for (a, b), p in paths.items():
        expected[0, a] += p / Z
        expected[1, b] += p / Z
    for impl in ("scaling", "log"):
        m.implementation = impl
        logprob, post = m.score_samples(X)
        assert logprob == pytest.approx(np.log(Z))
        np.testing.assert_allclose(post, expected, rtol=1e-9)
    # Viterbi: the best path is (B, I) with 0.042
    logp, states = m.decode(X, algorithm="viterbi")
    assert states.tolist() == [1, 2]
    assert logp == pytest.approx(np.log(0.042))


def test_known_answer_missing_source_contributes_nothing():
    m = _hand_model()
    X = np.array([[MISSING], [MISSING]], dtype=np.int8)
    logprob, post = m.score_samples(X)
    assert logprob == pytest.approx(0.0)  # sum over all paths of s*A = 1
    # marginal of token 1 is the start distribution
    np.testing.assert_allclose(post[0], m.startprob_)
    np.testing.assert_allclose(post[1], m.startprob_ @ m.transmat_)


def _random_obs(rng, n_tokens, n_sources, n_labels, p_missing=0.1):
    V = 2 + 2 * n_labels
    X = rng.choice(np.arange(V), p=None, size=(n_tokens, n_sources)).astype(np.int8)
    X[rng.random((n_tokens, n_sources)) < 0.6] = 0
    X[rng.random((n_tokens, n_sources)) < p_missing] = MISSING
    return X


def test_log_likelihood_matches_naive_loop():
    rng = np.random.default_rng(1)
    X = _random_obs(rng, 50, 4, 2)
    m = WeakHMM(n_labels=2, n_sources=4, n_iter=1)
    m.fit(X, [20, 30])
    ll = m._compute_log_likelihood(X)
    naive = np.zeros_like(ll)
    for t in range(X.shape[0]):
        for s in range(X.shape[1]):
            if X[t, s] >= 0:
                naive[t] += np.log(m.emissionprob_[s, :, X[t, s]])
    np.testing.assert_allclose(ll, naive)


def test_emission_counts_match_naive_loop():
    rng = np.random.default_rng(2)
    X = _random_obs(rng, 40, 3, 2)
    post = rng.dirichlet(np.ones(5), size=40)
    m = WeakHMM(n_labels=2, n_sources=3)
    counts = m.emission_counts(X, post)
    naive = np.zeros((3, 6, 5))
    for t in range(40):
        for s in range(3):
            if X[t, s] >= 0:
                naive[s, X[t, s]] += post[t]
    np.testing.assert_allclose(counts, naive)


def test_em_objective_never_decreases():
    rng = np.random.default_rng(3)
    X = _random_obs(rng, 3000, 5, 2)
    lengths = [300] * 10
    for impl in ("scaling", "log"):
        m = WeakHMM(n_labels=2, n_sources=5, n_iter=15, tol=-np.inf, implementation=impl)
        m.fit(X, lengths)
        h = np.array(m.history_)
        assert len(h) == 15
        assert np.all(np.diff(h) >= -1e-7 * np.abs(h[:-1]))


def test_scaling_and_log_agree():
    rng = np.random.default_rng(4)
    X = _random_obs(rng, 400, 3, 2)
    res = {}
    for impl in ("scaling", "log"):
        m = WeakHMM(n_labels=2, n_sources=3, n_iter=5, tol=-np.inf, implementation=impl).fit(X, [100] * 4)
        res[impl] = (m.emissionprob_, m.predict_proba(X, [100] * 4))
    np.testing.assert_allclose(res["scaling"][0], res["log"][0], rtol=1e-6)
    np.testing.assert_allclose(res["scaling"][1], res["log"][1], atol=1e-8)


def test_constraints_and_no_nan_on_degenerate_data():
    # source 0 never fires, source 1 always missing, source 2 only label 1
    X = np.zeros((200, 3), dtype=np.int8)
    X[:, 1] = MISSING
    X[10:12, 2] = [4, 5]
    X[50, 2] = 4
    m = WeakHMM(n_labels=2, n_sources=3, n_iter=10).fit(X, [100, 100])
    start_ok, trans_ok = bio_masks(2)
    assert np.all(m.startprob_[~start_ok] == 0)
    assert np.all(m.transmat_[~trans_ok] == 0)
    assert np.all(m.transmat_[trans_ok] > 0)
    assert np.all(np.isfinite(m.emissionprob_)) and np.all(m.emissionprob_ > 0)
    _, post = m.score_samples(X, [100, 100])
    assert np.all(np.isfinite(post))
    _, states = m.decode(X, [100, 100])
    assert np.array_equal(repair_bio(states, np.array([100, 100]), 2), states)
    assert states[10] == 3 and states[11] == 4


def test_deterministic():
    rng = np.random.default_rng(5)
    X = _random_obs(rng, 500, 4, 1)
    a = WeakHMM(n_labels=1, n_sources=4, n_iter=5, random_state=0).fit(X, [250, 250])
    b = WeakHMM(n_labels=1, n_sources=4, n_iter=5, random_state=0).fit(X, [250, 250])
    np.testing.assert_array_equal(a.emissionprob_, b.emissionprob_)
    np.testing.assert_array_equal(a.transmat_, b.transmat_)


def test_dict_round_trip():
    rng = np.random.default_rng(6)
    X = _random_obs(rng, 300, 2, 2)
    a = WeakHMM(n_labels=2, n_sources=2, n_iter=3).fit(X)
    b = WeakHMM.from_dict(a.to_dict())
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.decode(X)[1], b.decode(X)[1])
