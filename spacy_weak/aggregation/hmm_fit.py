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
        """The sources' redundancy matrix under ``model``'s posterior, on the fit view."""
        from .dependencies import learn_redundancy

        return learn_redundancy(model, self.X_fit, self.nz)

    def emission_counts(self, model) -> np.ndarray:
        """Expected emission counts ``(S, V, K)`` under ``model``, block by block (bounded memory)."""
        from .hmm import EMISSION_BLOCK, iter_blocks

        counts = np.zeros((model.n_sources, model.n_symbols, model.n_components))
        for a, b, block in iter_blocks(self.nz, EMISSION_BLOCK):
            _, post = model.score_samples(self.X[a:b], block)
            counts += model.emission_counts(self.X[a:b], post)
        return counts
