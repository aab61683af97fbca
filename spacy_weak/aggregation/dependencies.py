"""Dependencies between sources, learned from the label model's own posterior.

The HMM treats sources as independent given the hidden state: a source that
copies another (the same lexicon under a second name, a rule that re-emits
another source's spans) counts as a second, independent witness. This module
measures, without gold and without reading source names, how much of what a
source says is already said by another source *once the hidden state is
known*, and turns that into one weight per source.

Redundancy. With ``gamma[t, k]`` the posterior of state ``k`` on token ``t``
and ``x_s`` the symbol of source ``s``, the expected joint counts
``N_k(a, b) = sum_t gamma[t, k] [x_s = a] [x_u = b]`` give the conditional
mutual information ``I(X_s; X_u | Z)`` and the conditional entropy
``H(X_s | Z)`` (both over the tokens where both sources ran). The redundancy
of ``s`` given ``u`` is

    r[s, u] = I(X_s; X_u | Z) / H(X_s | Z)        (0 <= r <= 1)

the share of the information ``s`` carries beyond the state that ``u``
already carries: 1 for an exact copy (``X_s = X_u`` gives ``I = H``), near 0
for sources that are independent given the state, whatever their accuracy. It
is asymmetric: a source whose votes are a subset of another's is redundant
given it, not the other way round.

Weights. A group of ``m`` exact copies should weigh as one source; the weight
of ``s`` is ``w_s = 1 / (1 + sum_{u != s} r'[s, u])`` with
``r'[s, u] = r[s, u]`` when ``r[s, u] >= threshold`` (0.3 by default) and 0 below, so each of
``m`` copies gets ``1/m`` and their summed log-likelihood equals one copy's,
while sources that are only loosely related (two vocabularies that agree on
common terms because both are right) keep weight 1. The HMM multiplies each
source's emission log-likelihood by its weight (a composite likelihood, see
``docs/aggregation.md``).

Groups. Sources joined by a redundancy at or above the threshold (either
direction) form a dependency group (connected components); they are shown in
the HMM's ``source_report()`` and ``spacy-weak analyze``.
"""
from typing import Dict, List, Sequence

import numpy as np
from scipy import sparse

from .observations import row_groups


def _pair_tables(X: np.ndarray, posteriors: np.ndarray, n_symbols: int) -> np.ndarray:
    """Expected joint counts ``(K, S*V, S*V)`` of symbol pairs per hidden state
    (a missing entry has no one-hot column, so it drops out of every pair).

    Tokens with the same observation row have the same one-hot row: their
    posteriors are summed first, so the products run over the block's distinct
    rows (a few thousand: most tokens are silent everywhere), not its tokens."""
    X = np.asarray(X)
    T, S = X.shape
    K = posteriors.shape[1]
    V = n_symbols
    out = np.zeros((K, S * V, S * V))
    if T == 0 or S == 0:
        return out
    first, inverse = row_groups(X, V + 1)
    U = len(first)
    weights = np.empty((U, K))
    for k in range(K):
        weights[:, k] = np.bincount(inverse, weights=posteriors[:, k], minlength=U)
    Xu = X[first].astype(np.int64)
    rows, cols = np.nonzero(Xu >= 0)
    onehot = sparse.csr_matrix((np.ones(len(rows)), (rows, cols * V + Xu[rows, cols])), shape=(U, S * V))
    onehot_t = onehot.T.tocsr()
    for k in range(K):
        weighted = sparse.diags(weights[:, k]) @ onehot
        out[k] = (onehot_t @ weighted).toarray()
    return out


def _xlogy_ratio(n: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((n > 0) & (den > 0), n * np.log(np.where(num > 0, num, 1.0) / np.where(den > 0, den, 1.0)), 0.0)


class RedundancyAccumulator:
    """Streams ``(X, posteriors)`` blocks into the pair tables; :meth:`redundancy` reads them."""

    def __init__(self, n_sources: int, n_symbols: int, n_states: int):
        self.S, self.V, self.K = n_sources, n_symbols, n_states
        self.tables = np.zeros((n_states, n_sources * n_symbols, n_sources * n_symbols))

    @classmethod
    def from_tables(cls, tables: np.ndarray, n_sources: int, n_symbols: int) -> "RedundancyAccumulator":
        """An accumulator holding ``tables`` (e.g. the sum of several accumulators' tables)."""
        acc = cls(n_sources, n_symbols, tables.shape[0])
        acc.tables = np.array(tables, dtype=float)
        return acc

    def add(self, X: np.ndarray, posteriors: np.ndarray) -> None:
        if len(X):
            self.tables += _pair_tables(X, posteriors, self.V)

    def redundancy(self) -> np.ndarray:
        """``(S, S)`` matrix ``r[s, u]`` (diagonal 1 for a source that ever varies)."""
        S, V, K = self.S, self.V, self.K
        N = self.tables.reshape(K, S, V, S, V).transpose(1, 3, 0, 2, 4)  # (s, u, k, a, b)
        n_k = N.sum(axis=(3, 4))  # (s, u, k): tokens where both ran, per state
        n_a = N.sum(axis=4)  # (s, u, k, a)
        n_b = N.sum(axis=3)  # (s, u, k, b)
        total = n_k.sum(axis=2)  # (s, u)
        # I(X_s; X_u | Z) = sum N log(N n_k / (n_a n_b)) / total
        num = N * n_k[..., None, None]
        den = n_a[..., :, None] * n_b[..., None, :]
        cmi = _xlogy_ratio(N, num, den).sum(axis=(2, 3, 4))
        # H(X_s | Z) = -sum n_a log(n_a / n_k) / total
        ent = -_xlogy_ratio(n_a, n_a, np.broadcast_to(n_k[..., None], n_a.shape)).sum(axis=(2, 3))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where((ent > 1e-9 * np.maximum(total, 1)) & (total > 0), cmi / np.where(ent > 0, ent, 1.0), 0.0)
        # rounded: an estimate is not meaningful to 1e-6, and an exact copy must weigh
        # exactly 1/2 (1/2 + 1/2 == 1, no tie broken by the last bit of a float)
        return np.clip(np.round(r, 6), 0.0, 1.0)


def dependency_weights(redundancy: np.ndarray, threshold: float) -> np.ndarray:
    """``w_s = 1 / (1 + sum_{u != s} r[s, u] [r[s, u] >= threshold])``."""
    r = np.array(redundancy, dtype=float)
    np.fill_diagonal(r, 0.0)
    r = np.where(r >= threshold, r, 0.0)
    return 1.0 / (1.0 + r.sum(axis=1))


def dependency_groups(redundancy: np.ndarray, threshold: float) -> List[List[int]]:
    """Connected components (size >= 2) of the graph ``r[s, u] >= threshold`` (either direction)."""
    r = np.array(redundancy, dtype=float)
    S = r.shape[0]
    np.fill_diagonal(r, 0.0)
    linked = (r >= threshold) | (r.T >= threshold)
    seen, groups = np.zeros(S, dtype=bool), []
    for s in range(S):
        if seen[s] or not linked[s].any():
            continue
        stack, comp = [s], []
        seen[s] = True
        while stack:
            v = stack.pop()
            comp.append(v)
            for u in np.flatnonzero(linked[v] & ~seen):
                seen[u] = True
                stack.append(int(u))
        groups.append(sorted(comp))
    return groups


def identical_sources(X: np.ndarray, sources: Sequence[str]) -> List[List[str]]:
    """Groups (size >= 2) of sources whose observation columns are identical on every token.

    Sources that never vote (every token silent or missing) are left out: they are not copies of
    each other, they are silent (W100 names them)."""
    X = np.asarray(X)
    if X.shape[0] == 0:
        return []
    by_column: Dict[bytes, List[str]] = {}
    for s, name in enumerate(sources):
        if not (X[:, s] > 0).any():
            continue
        by_column.setdefault(np.ascontiguousarray(X[:, s]).tobytes(), []).append(name)
    return [names for names in by_column.values() if len(names) > 1]


def report(sources: Sequence[str], redundancy: np.ndarray, weights: np.ndarray, threshold: float) -> Dict:
    """JSON-ready summary: groups by name, each source's weight and its strongest redundancy."""
    r = np.array(redundancy, dtype=float)
    np.fill_diagonal(r, 0.0)
    per_source = {}
    for s, name in enumerate(sources):
        u = int(np.argmax(r[s])) if len(sources) > 1 else s
        per_source[name] = {
            "weight": float(weights[s]),
            "most_redundant_with": sources[u] if len(sources) > 1 and r[s, u] > 0 else None,
            "redundancy": float(r[s, u]) if len(sources) > 1 else 0.0,
        }
    return {
        "threshold": float(threshold),
        "groups": [[sources[i] for i in g] for g in dependency_groups(redundancy, threshold)],
        "sources": per_source,
    }


def redundancy_tables(model, X: np.ndarray, lengths: np.ndarray, block_tokens: int = 1 << 16) -> RedundancyAccumulator:
    """The pair tables of a fitted :class:`~.hmm.WeakHMM` on ``(X, lengths)``
    (posteriors from hmmlearn's public ``score_samples``, block by block); the
    tables of corpus parts add up (:meth:`RedundancyAccumulator.from_tables`)."""
    from .hmm import iter_blocks

    acc = RedundancyAccumulator(model.n_sources, model.n_symbols, model.n_components)
    nz = np.asarray(lengths, dtype=np.int64)
    nz = nz[nz > 0]
    for a, b, block in iter_blocks(nz, block_tokens):
        _, post = model.score_samples(X[a:b], block)
        acc.add(X[a:b], post)
    return acc


def learn_redundancy(model, X: np.ndarray, lengths: np.ndarray, block_tokens: int = 1 << 16) -> np.ndarray:
    """The redundancy matrix of a fitted :class:`~.hmm.WeakHMM` on ``(X, lengths)``."""
    return redundancy_tables(model, X, lengths, block_tokens).redundancy()


def format_report(dep: Dict) -> str:
    """Plain-text table of :func:`report` (what ``spacy-weak analyze --hmm`` prints)."""
    lines = [f"Source dependencies learned by the HMM (redundancy >= {dep['threshold']:.2f} links two sources)"]
    groups = dep.get("groups") or []
    lines.append("groups: " + ("; ".join(", ".join(g) for g in groups) if groups else "none (all sources independent)"))
    lines.append(f"{'source':24s} {'weight':>6s} {'redundancy':>10s}  most redundant with")
    for name, row in dep.get("sources", {}).items():
        lines.append(f"{name:24s} {row['weight']:6.2f} {row['redundancy']:10.2f}  {row['most_redundant_with'] or '-'}")
    return "\n".join(lines)
