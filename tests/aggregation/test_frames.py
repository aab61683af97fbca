"""``frames.RowLikelihoods`` gives exactly what the direct computation gives."""
import numpy as np
import pytest

from spacy_weak.aggregation import frames
from spacy_weak.aggregation.frames import RowLikelihoods, emission_log_likelihood


def _table(rng, S, V, K):
    table = np.zeros((S, V + 1, K))
    table[:, :V, :] = np.log(rng.dirichlet(np.ones(V), size=(S, K))).transpose(0, 2, 1) * rng.uniform(0.3, 1.0, (S, 1, 1))
    return table


def _docs(rng, n_docs, S, V, p_vote=0.15):
    for _ in range(n_docs):
        T = int(rng.integers(1, 80))
        X = np.where(rng.random((T, S)) < p_vote, rng.integers(-1, V, (T, S)), rng.choice([-1, 0], (T, S), p=[0.1, 0.9]))
        yield X.astype(np.int8)


@pytest.mark.parametrize("S,V,K", [(18, 6, 5), (3, 4, 3), (1, 8, 7)])
def test_rows_equal_the_direct_computation_bit_for_bit(S, V, K):
    rng = np.random.default_rng(S * 100 + V)
    table = _table(rng, S, V, K)
    rows = RowLikelihoods(table)
    assert rows.packable
    for X in _docs(rng, 200, S, V):
        assert np.array_equal(rows(X), emission_log_likelihood(table, X))  # new rows and remembered ones
    assert 0 < len(rows.keys) == len(np.unique(rows.keys))


def test_rows_that_do_not_pack_and_a_full_cache_are_computed_directly(monkeypatch):
    rng = np.random.default_rng(1)
    wide = _table(rng, 40, 6, 5)  # 40 sources x log2(7) bits > 62: no int64 key
    rows = RowLikelihoods(wide)
    assert not rows.packable
    X = next(_docs(rng, 1, 40, 6))
    assert np.array_equal(rows(X), emission_log_likelihood(wide, X))
    monkeypatch.setattr(frames, "MAX_ROWS", 4)
    table = _table(rng, 6, 6, 5)
    rows = RowLikelihoods(table)
    sizes = []
    for X in _docs(rng, 20, 6, 6, p_vote=0.5):
        assert np.array_equal(rows(X), emission_log_likelihood(table, X))
        sizes.append(len(rows.keys))
    full = [n for n in sizes if n >= 4]
    assert full and len(set(full)) == 1  # once MAX_ROWS rows are kept, no more are added


def test_empty_input():
    table = _table(np.random.default_rng(2), 3, 4, 3)
    assert RowLikelihoods(table)(np.zeros((0, 3), dtype=np.int8)).shape == (0, 3)
