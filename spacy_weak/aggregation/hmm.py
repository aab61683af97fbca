"""The sequence label model: an HMM over BIO states with per-source categorical emissions.

:class:`WeakHMM` subclasses hmmlearn's public :class:`hmmlearn.base.BaseHMM` and
overrides only its documented hooks (``_check_and_set_n_features``, ``_init``,
``_check``, ``_compute_log_likelihood``, ``_initialize_sufficient_statistics``,
``_accumulate_sufficient_statistics``, ``_do_mstep``, ``_compute_lower_bound``,
``_get_n_fit_scalars_per_param``, ``_generate_sample_from_state``); the forward-
backward, Viterbi and EM loop are hmmlearn's compiled code.

Model (see ``docs/aggregation.md``):

* hidden states ``O, B-L1, I-L1, B-L2, ...``; ``startprob_`` is zero on every
  ``I-`` state and ``transmat_`` is zero on every transition into ``I-X`` from a
  state other than ``B-X``/``I-X`` -- only valid BIO sequences have mass, and
  hmmlearn's Viterbi therefore decodes valid spans only;
* observations: one integer per token and source (``observations.py``); each
  source ``s`` has a categorical emission table ``emissionprob_[s]`` of shape
  ``(n_states, n_symbols)``; a *missing* source (code ``-1``) contributes
  ``log 1 = 0`` to every state;
* MAP-EM with Dirichlet priors: pseudo-counts ``pseudo_count`` on every allowed
  parameter (so no probability is ever 0 where the model allows mass: no -inf,
  no NaN) plus ``prior_strength`` on the symbols that *agree* with each state
  (``O`` -> silent / ``"O"``; ``B-X`` -> ``B-X``; ``I-X`` -> ``I-X``; entity
  states also -> silent, i.e. a neutral prior on recall);
* initialisation from the (weighted) token-level majority vote;
* optional per-source weights ``source_weights`` on the emission log-likelihoods (a
  composite likelihood for sources that repeat each other, learned by
  ``dependencies.py``): each source's log-emission and its emission prior are multiplied
  by its weight, so the M-step is unchanged and EM still never decreases the objective.

* reviewed documents (``clamp_columns``, ``clamp.py``) may weigh more or less than the
  others in EM: ``review_weights`` (one per clamped column) multiplies a reviewed
  document's sufficient statistics in ``_accumulate_sufficient_statistics``; a document is
  reviewed when a clamped column carries a code on it, so the weight depends on the
  observations only (a sharded fit sums the same statistics). The objective then reports the
  unweighted log-likelihood, which EM need not increase.

The objective reported per iteration (``history_``) is the log posterior
``log p(X | theta) + log p(theta)`` (Dirichlet log densities up to a
constant), which MAP-EM never decreases; ``loglik_history_`` holds the plain
log-likelihood.
"""
import logging
from typing import Dict, Optional, Sequence

import numpy as np
from hmmlearn.base import BaseHMM
from scipy import sparse

from .clamp import clamp_log_mask
from .frames import RowLikelihoods
from .observations import FIRST_LABEL_CODE, NEGATIVE, SILENT, doc_offsets, n_states, n_symbols
from .voting import token_majority

logger = logging.getLogger(__name__)

LOG_FLOOR = -700.0  # per-entry floor of the emission log-likelihood (exp() stays > 0)
EMISSION_BLOCK = 1 << 16  # tokens buffered before their emission counts are added


def iter_blocks(lengths: np.ndarray, block_tokens: int):
    """``(token_start, token_end, lengths)`` of consecutive runs of whole documents
    holding about ``block_tokens`` tokens (a longer document is a block alone)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = doc_offsets(lengths)
    d, n = 0, len(lengths)
    while d < n:
        e = int(np.searchsorted(offsets, offsets[d] + block_tokens, side="right")) - 1
        e = min(max(e, d + 1), n)
        yield int(offsets[d]), int(offsets[e]), lengths[d:e]
        d = e


def bio_masks(n_labels: int):
    """``(allowed_start, allowed_trans)`` boolean masks for valid BIO."""
    K = n_states(n_labels)
    start = np.ones(K, dtype=bool)
    start[2::2] = False  # I- states cannot start a sequence
    trans = np.ones((K, K), dtype=bool)
    for i in range(n_labels):
        inside = 2 + 2 * i
        trans[:, inside] = False
        trans[inside - 1, inside] = True  # B-X -> I-X
        trans[inside, inside] = True  # I-X -> I-X
    return start, trans


def agreement_prior(n_labels: int, prior_strength: float, pseudo_count: float) -> np.ndarray:
    """Emission pseudo-counts ``(n_states, n_symbols)`` favouring agreement."""
    K, V = n_states(n_labels), n_symbols(n_labels)
    prior = np.full((K, V), float(pseudo_count))
    prior[0, SILENT] += prior_strength
    prior[0, NEGATIVE] += prior_strength
    for k in range(1, K):
        prior[k, FIRST_LABEL_CODE + k - 1] += prior_strength
        prior[k, SILENT] += prior_strength
    return prior


def _normalize(a: np.ndarray, axis: int = -1) -> np.ndarray:
    s = a.sum(axis=axis, keepdims=True)
    return a / np.where(s > 0, s, 1.0)


def add_stats(*parts):
    """Sum of :meth:`WeakHMM.estep` results (``(stats, logprob)`` pairs), in the given order."""
    stats = {k: (np.copy(v) if isinstance(v, np.ndarray) else v) for k, v in parts[0][0].items()}
    logprob = parts[0][1]
    for other, lp in parts[1:]:
        for k, v in other.items():
            stats[k] = stats[k] + v
        logprob += lp
    return stats, logprob


class WeakHMM(BaseHMM):
    """HMM label model over the observation arrays of :mod:`.observations`.

    n_labels (int): number of entity labels (states: ``1 + 2 * n_labels``).
    n_sources (int): number of sources (columns of ``X``).
    prior_strength (float): Dirichlet pseudo-count on agreeing symbols.
    pseudo_count (float): pseudo-count on every allowed parameter.
    init_weights (array or None): per-source weights of the majority vote
        used for initialisation.
    source_weights (array or None): per-source weights of the emission
        log-likelihoods (None = all 1; see ``dependencies.py``).
    n_iter, tol, random_state, verbose, params, init_params, implementation:
        as in :class:`hmmlearn.base.BaseHMM` (``params``/``init_params`` use
        ``s`` start, ``t`` transitions, ``e`` emissions). The model has no
        random initialisation, so results do not depend on ``random_state``.
    """

    def __init__(
        self,
        n_labels: int = 1,
        n_sources: int = 1,
        prior_strength: float = 5.0,
        pseudo_count: float = 0.1,
        init_weights: Optional[np.ndarray] = None,
        n_iter: int = 20,
        tol: float = 1e-2,
        random_state=0,
        verbose: bool = False,
        params: str = "ste",
        init_params: str = "ste",
        implementation: str = "scaling",
        anchor_strength: float = 0.0,
        source_weights: Optional[np.ndarray] = None,
        clamp_columns: Sequence[int] = (),
        review_weights: Optional[Sequence[float]] = None,
    ):
        super().__init__(
            n_components=n_states(n_labels),
            algorithm="viterbi",
            random_state=random_state,
            n_iter=n_iter,
            tol=tol,
            verbose=verbose,
            params=params,
            init_params=init_params,
            implementation=implementation,
        )
        self.n_labels = n_labels
        self.n_sources = n_sources
        self.prior_strength = prior_strength
        self.pseudo_count = pseudo_count
        self.init_weights = init_weights
        self.anchor_strength = anchor_strength
        self.source_weights = source_weights
        self.clamp_columns = tuple(int(c) for c in clamp_columns)  # observed (human) columns: clamp.py
        # weight of a reviewed document's statistics, one per clamp column (None: 1)
        self.review_weights = None if review_weights is None else tuple(float(w) for w in review_weights)

    # ------------------------------------------------------------------ helpers
    @property
    def n_symbols(self) -> int:
        return n_symbols(self.n_labels)

    def _priors(self):
        start_ok, trans_ok = bio_masks(self.n_labels)
        pc = float(self.pseudo_count)
        return (
            start_ok,
            trans_ok,
            np.where(start_ok, max(pc, 1e-3) * 10, 0.0),
            np.where(trans_ok, max(pc, 1e-3) * 10, 0.0),
            agreement_prior(self.n_labels, self.prior_strength, max(pc, 1e-3)),
        )

    def _weights(self) -> np.ndarray:
        """Per-source weights of the emission log-likelihoods (1 = independent source;
        ``aggregation/dependencies.py`` learns them for redundant sources)."""
        if self.source_weights is None:
            return np.ones(self.n_sources)
        return np.asarray(self.source_weights, dtype=float)

    def _log_table(self) -> np.ndarray:
        """``(n_sources, n_symbols + 1, n_states)`` weighted log emissions; the last
        row (indexed by the missing code ``-1``) is zero."""
        cached = getattr(self, "_table_cache", None)
        if cached is not None and cached[0] is self.emissionprob_ and cached[2] is self.source_weights:
            return cached[1]
        S, K, V = self.emissionprob_.shape
        table = np.zeros((S, V + 1, K))
        with np.errstate(divide="ignore"):
            table[:, :V, :] = np.log(self.emissionprob_).transpose(0, 2, 1)
        np.maximum(table, LOG_FLOOR, out=table)
        if self.source_weights is not None:
            table *= self._weights()[:, None, None]
        self._table_cache = (self.emissionprob_, table, self.source_weights)
        return table

    def emission_counts(self, X: np.ndarray, posteriors: np.ndarray) -> np.ndarray:
        """Expected counts ``(n_sources, n_symbols, n_states)`` of each symbol
        in each state, summed over tokens (missing entries skipped)."""
        X = np.asarray(X, dtype=np.int64)
        T, S = X.shape
        K = posteriors.shape[1]
        V1 = self.n_symbols + 1
        if T == 0 or S == 0:
            return np.zeros((S, V1 - 1, K))
        idx = (np.arange(S) * V1 + np.mod(X, V1)).ravel()  # missing (-1) -> the dummy symbol V
        # a sparse one-hot (source-symbol x token) matrix, one column per token with
        # exactly S entries, times the posteriors: counts in one compiled product
        onehot = sparse.csc_matrix((np.ones(T * S), idx, np.arange(0, T * S + 1, S)), shape=(S * V1, T))
        counts = np.asarray(onehot @ posteriors).reshape(S, V1, K)
        return counts[:, : V1 - 1, :]

    def _emission_pseudo_counts(self, emit_pc: np.ndarray) -> np.ndarray:
        """``(S, K, V)`` Dirichlet pseudo-counts of the emissions: the agreement prior,
        plus ``anchor_strength`` times the majority-vote counts of the initialisation."""
        anchor = getattr(self, "anchor_counts_", None)
        if self.anchor_strength and anchor is not None:
            return emit_pc[None] + self.anchor_strength * anchor
        return np.broadcast_to(emit_pc[None], (self.n_sources,) + emit_pc.shape)

    def log_prior(self) -> float:
        _, _, start_pc, trans_pc, emit_pc = self._priors()
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = np.sum(np.where(start_pc > 0, start_pc * np.log(self.startprob_), 0.0))
            lp += np.sum(np.where(trans_pc > 0, trans_pc * np.log(self.transmat_), 0.0))
            # each source's emission prior is weighted like its log-likelihood (so the
            # weighted objective's M-step is the usual normalised counts + pseudo-counts)
            lp += np.sum(
                self._weights()[:, None, None] * self._emission_pseudo_counts(emit_pc) * np.log(self.emissionprob_)
            )
        return float(lp)

    def _set_from_counts(self, start, trans, emit) -> None:
        """MAP estimates from expected counts (the M-step formulas)."""
        start_ok, trans_ok, start_pc, trans_pc, emit_pc = self._priors()
        if start is not None:
            self.startprob_ = _normalize(np.where(start_ok, start + start_pc, 0.0))
        if trans is not None:
            self.transmat_ = _normalize(np.where(trans_ok, trans + trans_pc, 0.0), axis=1)
        if emit is not None:
            # emit: (S, V, K) -> emissionprob_ (S, K, V)
            self.emissionprob_ = _normalize(emit.transpose(0, 2, 1) + self._emission_pseudo_counts(emit_pc))

    # ------------------------------------------------------------ hmmlearn hooks
    def _check_and_set_n_features(self, X):
        _, n_features = X.shape
        if n_features != self.n_sources:
            raise ValueError(f"X has {n_features} columns but the model has {self.n_sources} sources")
        self.n_features = n_features
        if X.size and (X.min() < -1 or X.max() >= self.n_symbols):
            raise ValueError(f"observation codes must lie in [-1, {self.n_symbols - 1}]")

    def _get_n_fit_scalars_per_param(self):
        K, V, S = self.n_components, self.n_symbols, self.n_sources
        return {"s": K - 1, "t": K * (K - 1), "e": S * K * (V - 1)}

    def _init(self, X, lengths=None):
        self._check_and_set_n_features(X)
        X = np.asarray(X)
        if lengths is None:
            lengths = np.asarray([X.shape[0]])
        self.init_from_counts(*self.initial_counts(X, lengths))
        n_fit = self._get_n_fit_scalars_per_param()
        n_scalars = sum(n_fit[p] for p in self.params if p in n_fit)
        if X.size < n_scalars:
            logger.debug("fitting %d free parameters on %d observations", n_scalars, X.size)

    # ---------------------------------------- EM in pieces (spacy_weak.distributed)
    def initial_counts(self, X, lengths):
        """``(start, trans, emit)`` majority-vote counts of the initialisation (None
        for a parameter not to initialise); sums over corpus parts add up."""
        X = np.asarray(X)
        lengths = np.asarray(lengths, dtype=np.int64)
        K = self.n_components
        weights = None if self.init_weights is None else np.asarray(self.init_weights, dtype=float)
        need_s = self._needs_init("s", "startprob_")
        need_t = self._needs_init("t", "transmat_")
        need_e = self._needs_init("e", "emissionprob_")
        start = np.zeros(K) if need_s else None
        trans = np.zeros((K, K)) if need_t else None
        emit = np.zeros((self.n_sources, self.n_symbols, K)) if need_e else None
        if not (need_s or need_t or need_e):
            return start, trans, emit
        # majority vote block by block (bounded memory), counted like an E-step
        for a, b, block_lengths in iter_blocks(lengths, EMISSION_BLOCK):
            Xb = X[a:b]
            states, _ = token_majority(Xb, block_lengths, self.n_labels, weights)
            offsets = doc_offsets(block_lengths)
            if need_s:
                firsts = offsets[:-1][block_lengths > 0]
                start += np.bincount(states[firsts], minlength=K)
            if need_t and len(states) > 1:
                same_doc = np.ones(len(states) - 1, dtype=bool)
                inner = offsets[1:-1]
                same_doc[inner[(inner > 0) & (inner < len(states))] - 1] = False
                pairs = states[:-1][same_doc] * K + states[1:][same_doc]
                trans += np.bincount(pairs, minlength=K * K).reshape(K, K)
            if need_e:
                emit += self.emission_counts(Xb, np.eye(K)[states])
        return start, trans, emit

    def init_from_counts(self, start, trans, emit) -> None:
        """Initialise from (summed) :meth:`initial_counts`; what ``fit`` does before EM."""
        self.history_ = []
        self.loglik_history_ = []
        # the majority-vote counts anchor the emissions (a fixed, data-dependent prior)
        self.anchor_counts_ = None if emit is None else emit.transpose(0, 2, 1).copy()
        self._set_from_counts(start, trans, emit)

    def estep(self, X, lengths):
        """``(stats, log_likelihood)`` of ``X`` under the current parameters: hmmlearn's
        own E-step, run through the public ``fit`` (one iteration, no initialisation)
        on a copy whose ``_do_mstep`` keeps the statistics. Sums over corpus parts
        (:func:`add_stats`) give the statistics of the whole corpus."""
        import copy

        from hmmlearn.base import ConvergenceMonitor

        probe = copy.copy(self)
        probe.init_params = ""
        probe.n_iter = 1
        probe.monitor_ = ConvergenceMonitor(self.tol, 1, False)
        probe._estep_only = True
        probe.fit(X, lengths)
        stats = dict(probe.estep_stats_)
        stats.pop("pending", None)
        return stats, float(probe.loglik_history_[-1])

    def mstep(self, stats) -> None:
        """The M-step on (summed) :meth:`estep` statistics."""
        stats = dict(stats)
        stats.setdefault("pending", ([], [], [0]))
        self._do_mstep(stats)

    def fit_with(self, initial_counts, estep) -> "WeakHMM":
        """hmmlearn's ``fit`` loop with the data elsewhere: initialise from
        ``initial_counts(self)`` (summed :meth:`initial_counts`), check, then per
        iteration ``estep(self)`` (summed :meth:`estep`: ``(stats, log_likelihood)``),
        the objective, :meth:`mstep` and hmmlearn's public ``ConvergenceMonitor``.
        Same steps in the same order as ``BaseHMM.fit``, so the parameters equal a
        fit on the concatenated data up to the order of floating-point sums."""
        from hmmlearn.base import ConvergenceMonitor

        self.init_from_counts(*initial_counts(self))
        self.n_features = self.n_sources
        self._check()
        self.monitor_ = ConvergenceMonitor(self.tol, self.n_iter, self.verbose)
        for _ in range(self.n_iter):
            stats, logprob = estep(self)
            lower_bound = self._compute_lower_bound(logprob)
            self.mstep(stats)
            self.monitor_.report(lower_bound)
            if self.monitor_.converged:
                break
        return self

    def _check(self):
        K = self.n_components
        self.startprob_ = np.asarray(self.startprob_, dtype=float)
        self.transmat_ = np.asarray(self.transmat_, dtype=float)
        self.emissionprob_ = np.asarray(self.emissionprob_, dtype=float)
        if self.startprob_.shape != (K,) or self.transmat_.shape != (K, K):
            raise ValueError("startprob_ / transmat_ have the wrong shape")
        if self.emissionprob_.shape != (self.n_sources, K, self.n_symbols):
            raise ValueError(
                f"emissionprob_ must have shape {(self.n_sources, K, self.n_symbols)}, got {self.emissionprob_.shape}"
            )
        # checked here rather than with hmmlearn's private _check_sum_1
        if not np.allclose(self.startprob_.sum(), 1.0):
            raise ValueError("startprob_ must sum to 1")
        for name in ("transmat_", "emissionprob_"):
            if not np.allclose(getattr(self, name).sum(axis=-1), 1.0):
                raise ValueError(f"{name} rows must sum to 1")

    def _compute_log_likelihood(self, X):
        X = np.asarray(X)
        table = self._log_table()
        if X.shape[1] == 0:
            return np.zeros((X.shape[0], self.n_components))
        # the rows' values under this table, each distinct row computed once (frames.py)
        rows = getattr(self, "_rows_cache", None)
        if rows is None or rows.table is not table:
            rows = self._rows_cache = RowLikelihoods(table)
        ll = rows(X)
        if self.clamp_columns:  # reviewed tokens are observed states, not votes (clamp.py)
            ll += clamp_log_mask(X, self.clamp_columns, self.n_labels)
        return ll

    def _compute_likelihood(self, X):
        # the scaling implementation's emission probabilities; LOG_FLOOR keeps them > 0
        return np.exp(self._compute_log_likelihood(X))

    def _initialize_sufficient_statistics(self):
        stats = super()._initialize_sufficient_statistics()
        stats["emit"] = np.zeros((self.n_sources, self.n_symbols, self.n_components))
        stats["pending"] = ([], [], [0])  # X blocks, posterior blocks, token count
        return stats

    def _flush_emissions(self, stats) -> None:
        """Add the buffered documents' expected emission counts (one bincount per block)."""
        xs, posts, count = stats["pending"]
        if xs:
            stats["emit"] += self.emission_counts(np.concatenate(xs), np.concatenate(posts))
            xs.clear()
            posts.clear()
            count[0] = 0

    def review_weight(self, X: np.ndarray) -> float:
        """The weight of one document's statistics: 1, or for a reviewed document (a
        clamped column carries a code on one of its tokens) that column's
        ``review_weights`` entry (the first reviewing column's, when several do)."""
        if self.review_weights is None or not self.clamp_columns or not len(X):
            return 1.0
        for c, w in zip(self.clamp_columns, self.review_weights):
            if (np.asarray(X)[:, c] > 0).any():
                return w
        return 1.0

    def _accumulate_sufficient_statistics(self, stats, X, lattice, posteriors, fwdlattice, bwdlattice):
        weight = self.review_weight(X)
        if weight == 1.0:
            super()._accumulate_sufficient_statistics(stats, X, lattice, posteriors, fwdlattice, bwdlattice)
        else:  # a reviewed document counted ``weight`` times (semi-supervised EM, docs/review.md)
            part = super()._initialize_sufficient_statistics()
            super()._accumulate_sufficient_statistics(part, X, lattice, posteriors, fwdlattice, bwdlattice)
            stats["nobs"] += part["nobs"]
            stats["start"] += weight * part["start"]
            stats["trans"] += weight * part["trans"]
            posteriors = weight * posteriors
        if "e" in self.params:
            # documents are short: buffer them (bounded) and count in blocks
            xs, posts, count = stats["pending"]
            xs.append(X)
            posts.append(posteriors)
            count[0] += len(X)
            if count[0] >= EMISSION_BLOCK:
                self._flush_emissions(stats)

    def _compute_lower_bound(self, curr_logprob):
        objective = float(curr_logprob) + self.log_prior()
        self.loglik_history_.append(float(curr_logprob))
        self.history_.append(objective)
        return objective

    def _do_mstep(self, stats):
        self._flush_emissions(stats)
        if getattr(self, "_estep_only", False):  # estep(): keep the statistics, not the update
            self.estep_stats_ = stats
            return
        self.last_emission_counts_ = stats["emit"]
        self._set_from_counts(
            stats["start"] if "s" in self.params else None,
            stats["trans"] if "t" in self.params else None,
            stats["emit"] if "e" in self.params else None,
        )

    def _generate_sample_from_state(self, state, random_state):
        probs = self.emissionprob_[:, state, :]
        cdf = np.cumsum(probs, axis=1)
        r = random_state.rand(probs.shape[0], 1)
        return (cdf > r).argmax(axis=1)

    # ------------------------------------------------------------------- report
    def to_dict(self) -> Dict:
        return {
            "n_labels": int(self.n_labels),
            "n_sources": int(self.n_sources),
            "prior_strength": float(self.prior_strength),
            "pseudo_count": float(self.pseudo_count),
            "implementation": self.implementation,
            "startprob": self.startprob_.tolist(),
            "transmat": self.transmat_.tolist(),
            "emissionprob": self.emissionprob_.tolist(),
            "source_weights": None if self.source_weights is None else self._weights().tolist(),
            "clamp_columns": list(self.clamp_columns),
            "review_weights": None if self.review_weights is None else list(self.review_weights),
        }

    @classmethod
    def from_dict(cls, data: Dict) -> "WeakHMM":
        model = cls(
            n_labels=data["n_labels"],
            n_sources=data["n_sources"],
            prior_strength=data["prior_strength"],
            pseudo_count=data["pseudo_count"],
            implementation=data.get("implementation", "scaling"),
            source_weights=None if data.get("source_weights") is None else np.asarray(data["source_weights"]),
            clamp_columns=data.get("clamp_columns", ()),
            review_weights=data.get("review_weights"),
        )
        model.startprob_ = np.asarray(data["startprob"], dtype=float)
        model.transmat_ = np.asarray(data["transmat"], dtype=float)
        model.emissionprob_ = np.asarray(data["emissionprob"], dtype=float).reshape(
            model.n_sources, model.n_components, model.n_symbols
        )
        model.n_features = model.n_sources
        return model
