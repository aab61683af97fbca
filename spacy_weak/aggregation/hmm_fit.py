"""Where the HMM aggregator's fit reads its observations: in memory, or elsewhere.

:meth:`HMMAggregator.fit_data <spacy_weak.aggregation.hmm_component.HMMAggregator.fit_data>`
runs the fit's steps (EM, the sources' redundancy under the fitted posterior,
the refit with dependency weights, the expected emission counts) on an object
with the interface of :class:`LocalObservations`. Every step is a sum over
documents, so :mod:`spacy_weak.distributed.fit` provides the same interface
with each sum mapped over shards on a Dask cluster: one code path, two
places for the data.
"""
from collections.abc import Sequence

import numpy as np


def scheme_symbols(X: np.ndarray, io_scheme: bool, clamp_columns: Sequence[int]) -> np.ndarray:
    """The scheme's symbols (``IO``: B votes become I), clamped columns kept as they are."""
    if not io_scheme:
        return X
    from .span_base import io_symbols

    out = io_symbols(X)
    if len(clamp_columns) and X.size:
        out = out.copy()
        out[:, list(clamp_columns)] = np.asarray(X)[:, list(clamp_columns)]
    return out


class LocalObservations:
    """Observations in memory: ``X`` (the scheme's symbols, all columns), the
    non-empty document lengths ``nz``, and ``X_fit``, the view EM fits on
    (:func:`.clamp.fit_view`: clamped columns hidden unless ``clamp_learn``)."""

    def __init__(self, X: np.ndarray, nz: np.ndarray, X_fit: np.ndarray) -> None:
        self.X, self.nz, self.X_fit = X, nz, X_fit
        self._counts = None  # (model key, emission counts) of the last redundancy pass

    @property
    def n_tokens(self) -> int:
        return int(self.X.shape[0])

    def identical_sources(self, sources: Sequence[str]) -> list[list[str]]:
        """Groups of sources with identical columns on every token (``W105``)."""
        from .dependencies import identical_sources

        return identical_sources(self.X, sources)

    def em(self, model) -> None:
        """Initialise and fit ``model`` on the fit view (hmmlearn's ``fit``)."""
        model.fit(self.X_fit, self.nz)

    def redundancy(self, model) -> np.ndarray:
        """The sources' redundancy matrix under ``model``'s posterior, on the fit view.

        When the fit view is ``X`` itself (no hidden clamp columns), the same posterior
        pass also adds up the expected emission counts under ``model``:
        :meth:`emission_counts` returns them if it is asked for the same, unchanged
        model (the usual fit: no dependency found, no refit), instead of a second
        ``score_samples`` pass over the corpus. Same blocks, same order: same sums."""
        from .dependencies import RedundancyAccumulator
        from .hmm import EMISSION_BLOCK, iter_blocks

        acc = RedundancyAccumulator(model.n_sources, model.n_symbols, model.n_components)
        share = self.X_fit is self.X
        counts = np.zeros((model.n_sources, model.n_symbols, model.n_components)) if share else None
        for a, b, block in iter_blocks(self.nz, EMISSION_BLOCK):
            _, post = model.score_samples(self.X_fit[a:b], block)
            acc.add(self.X_fit[a:b], post)
            if share:
                counts += model.emission_counts(self.X[a:b], post)
        self._counts = (_model_key(model), counts) if share else None
        return acc.redundancy()

    def emission_counts(self, model) -> np.ndarray:
        """Expected emission counts ``(S, V, K)`` under ``model``, block by block (bounded memory)."""
        from .hmm import EMISSION_BLOCK, iter_blocks

        kept, self._counts = self._counts, None
        if kept is not None and _same(kept[0], _model_key(model)):
            return kept[1]
        counts = np.zeros((model.n_sources, model.n_symbols, model.n_components))
        for a, b, block in iter_blocks(self.nz, EMISSION_BLOCK):
            _, post = model.score_samples(self.X[a:b], block)
            counts += model.emission_counts(self.X[a:b], post)
        return counts


def _model_key(model) -> tuple:
    """What a posterior pass depends on: the model and its parameter arrays (an M-step or
    a refit replaces them), clamp columns and weights; held, so no identity is reused."""
    return (model, model.startprob_, model.transmat_, model.emissionprob_, model.source_weights,
            tuple(model.clamp_columns))


def _same(a: tuple, b: tuple) -> bool:
    return all(x is y for x, y in zip(a[:-1], b[:-1])) and a[-1] == b[-1]
