"""``weak_hmm``: the hidden Markov label model as a pipeline component.

This module imports spaCy and numpy only; hmmlearn (through :mod:`.hmm`) is
imported when an HMM is fitted, loaded or applied.
"""
import logging
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn
from .base import _check_option, _check_weights, docs_from_examples
from .clamp import check_review_weight, fit_view
from .observations import (
    ObservationCollector,
    doc_offsets,
    encode_docs,
)
from .span_base import (
    SCHEMES,
    SPAN_PROBS,
    SpanAggregator,
    merge_adjacent_states,
)
from .validation import (
    HMM_STATE_FORMAT,
    check_aggregator_names,
    check_hmm_params,
    check_source_labels,
    bad_state,
    check_all_finite,
    check_number,
    check_spans_key_free,
    check_table,
    saved_parts,
    warn_case_mismatches,
    warn_missing_sources,
)
from .voting import states_to_span_arrays

logger = logging.getLogger(__name__)


def validate_hmm_state(name: str, state: Dict, where: str) -> None:
    """Check a saved ``weak_hmm`` state (the rules: ``aggregation/validation.py``'s docstring)."""
    from .observations import n_states, n_symbols

    check_all_finite(name, where, state)
    sources, labels, hmm = saved_parts(name, state, HMM_STATE_FORMAT, where, "hmm")
    if hmm is None:
        return  # not fitted: nothing to check
    if not isinstance(hmm, dict):
        raise bad_state(name, where, "'hmm' must be a mapping")
    for key in ("n_labels", "n_sources", "startprob", "transmat", "emissionprob"):
        if key not in hmm:
            raise bad_state(name, where, f"'hmm.{key}' is missing")
    if hmm["n_labels"] != len(labels) or hmm["n_sources"] != len(sources):
        raise bad_state(
            name, where,
            f"the model is for {hmm['n_sources']} sources and {hmm['n_labels']} labels, but {len(sources)} sources "
            f"and {len(labels)} labels are saved",
        )
    for key in ("prior_strength", "pseudo_count"):
        if key in hmm:
            try:
                check_number(name, f"hmm.{key}", hmm[key], minimum=0)
            except SpacyWeakError as err:
                raise bad_state(name, where, str(err)) from None
    K, V, S = n_states(len(labels)), n_symbols(len(labels)), len(sources)
    check_table(name, where, "hmm.startprob", hmm["startprob"], (K,))
    check_table(name, where, "hmm.transmat", hmm["transmat"], (K, K))
    check_table(name, where, "hmm.emissionprob", hmm["emissionprob"], (S, K, V))
    counts = state.get("emission_counts")
    if counts is not None:
        try:
            arr = np.asarray(counts, dtype=float)
        except (TypeError, ValueError):
            raise bad_state(name, where, "'emission_counts' is not a numeric table") from None
        if arr.size != S * V * K or not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise bad_state(name, where, f"'emission_counts' must be {S}x{V}x{K} finite counts >= 0")


class HMMAggregator(SpanAggregator):
    """Hidden Markov label model over span-level sources (see ``docs/aggregation.md``)."""

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "weak_hmm",
        sources: Sequence[str] = ("*",),
        labels: Sequence[str] = (),
        spans_key: str = "silver",
        annotate_ents: bool = True,
        n_iter: int = 20,
        tol: float = 1e-3,
        seed: int = 0,
        prior_strength: float = 5.0,
        span_prob: str = "mean",
        weights: Optional[Dict[str, float]] = None,
        pseudo_count: float = 0.1,
        learn_transitions: bool = False,
        anchor_strength: float = 5.0,
        implementation: str = "scaling",
        scheme: str = "BIO",
        merge_adjacent: bool = False,
        dependencies: bool = True,
        dependency_threshold: float = 0.3,
        clamp_sources: Sequence[str] = (),
        clamp_learn: bool = False,
        review_weight: float = 1.0,
    ):
        super().__init__(vocab, name)
        _check_option(name, "span_prob", span_prob, SPAN_PROBS)
        _check_option(name, "scheme", scheme, SCHEMES)
        _check_option(name, "implementation", implementation, ("scaling", "log"))
        check_hmm_params(name, n_iter=n_iter, tol=tol, seed=seed, prior_strength=prior_strength,
                         pseudo_count=pseudo_count, anchor_strength=anchor_strength, weights=weights)
        if not 0.0 < dependency_threshold <= 1.0:
            raise SpacyWeakError(Errors.E110.format(name=name, value=dependency_threshold))
        check_aggregator_names(name, labels, spans_key, sources)
        check_review_weight(name, review_weight)
        self.cfg = {
            "sources": list(sources) or ["*"],
            "labels": list(labels),
            "spans_key": spans_key,
            "annotate_ents": bool(annotate_ents),
            "n_iter": int(n_iter),
            "tol": float(tol),
            "seed": int(seed),
            "prior_strength": float(prior_strength),
            "span_prob": span_prob,
            "weights": dict(weights or {}),
            "pseudo_count": float(pseudo_count),
            "learn_transitions": bool(learn_transitions),
            "anchor_strength": float(anchor_strength),
            "implementation": implementation,
            "scheme": scheme,
            "merge_adjacent": bool(merge_adjacent),
            "dependencies": bool(dependencies),
            "dependency_threshold": float(dependency_threshold),
            "clamp_sources": list(clamp_sources),  # reviewed (human) sources: observed labels (clamp.py)
            "clamp_learn": bool(clamp_learn),  # EM also learns from the clamped tokens (clamp.py)
            "review_weight": float(review_weight),  # with clamp_learn: a reviewed doc counts this many times
        }
        self._reset()

    def _clamp_columns(self, sources: Sequence[str]) -> List[int]:
        clamped = set(self.cfg.get("clamp_sources", []))
        return [i for i, s in enumerate(sources) if s in clamped]

    def _symbols(self, X: np.ndarray, sources: Sequence[str]) -> np.ndarray:
        """The scheme's symbols (``IO``: B votes become I), clamped columns kept as they are."""
        from .hmm_fit import scheme_symbols

        return scheme_symbols(X, self.cfg.get("scheme", "BIO") == "IO", self._clamp_columns(sources))

    def _reset(self) -> None:
        self.sources_: List[str] = []
        self.labels_: List[str] = []
        self.hmm_ = None
        self._hmm_state: Optional[Dict] = None
        self.history: List[float] = []
        self.loglik_history: List[float] = []
        self.overlaps_resolved: Dict[str, int] = {}
        self.unknown_labels: Dict[str, int] = {}
        self.emission_counts_: Optional[np.ndarray] = None
        self.n_docs_fit = 0
        self.n_tokens_fit = 0
        self.dependencies_: Optional[Dict] = None

    # ------------------------------------------------------------------ fitting
    @property
    def is_fitted(self) -> bool:
        return self._hmm_state is not None

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.labels_ or self.cfg["labels"])

    @property
    def sources(self) -> Tuple[str, ...]:
        return tuple(self.sources_)

    def initialize(self, get_examples=None, *, nlp=None, labels: Optional[Sequence[str]] = None) -> None:
        """Fit on the examples' docs (see the module docstring for which docs)."""
        if labels:
            check_aggregator_names(self.name, labels, self.cfg["spans_key"], self.cfg["sources"])
            self.cfg["labels"] = list(labels)
        check_spans_key_free(self.name, self.cfg["spans_key"], nlp)
        if get_examples is None:
            return
        docs = docs_from_examples(get_examples, nlp, self.name, self._has_sources)
        seen = {"any": False}

        def tracked():
            for doc in docs:
                if not seen["any"] and self._has_sources(doc):
                    seen["any"] = True
                yield doc

        collector = self._collect(tracked())
        collector._flush()  # span counts are taken when the queued docs are encoded
        if not seen["any"] or not any(collector.n_spans.values()):
            # no source group, or groups without a single span (e.g. spaCy's dummy
            # example when nlp.initialize() gets no data): nothing to fit on
            warn(Warnings.W102.format(name=self.name))
            return
        self._fit_arrays(collector)

    def source_patterns(self) -> list[str]:
        """The span groups a fit reads: ``sources`` plus the ``clamp_sources`` (reviews)."""
        return self.cfg["sources"] + [s for s in self.cfg.get("clamp_sources", []) if s not in self.cfg["sources"]]

    def _collect(self, docs: Iterable[Doc]) -> ObservationCollector:
        collector = ObservationCollector(self.source_patterns(), self.cfg["labels"], exclude=[self.cfg["spans_key"]])
        collector.add_docs(docs)
        return collector

    def fit(self, docs: Iterable[Doc]) -> "HMMAggregator":
        """Fit the HMM on ``docs`` (any iterable; streamed, one pass)."""
        return self._fit_arrays(self._collect(docs))

    def fit_sharded(self, shards) -> None:
        """The cluster fit's hook (:class:`~.contracts.ShardFittable`): EM statistics per shard."""
        from .sharded_fit import fit_hmm_sharded

        fit_hmm_sharded(self, shards)

    def _fit_arrays(self, collector: ObservationCollector) -> "HMMAggregator":
        X, lengths, sources, labels = collector.finalize()
        keep = self.start_fit(collector, sources, labels)
        if len(keep) < len(sources):
            X, sources = np.ascontiguousarray(X[:, keep]), [sources[i] for i in keep]
        return self.fit_observations(X, lengths, sources, labels, n_docs=collector.n_docs)

    def start_fit(self, summary, sources: Sequence[str], labels: Sequence[str]) -> list[int]:
        """Checks and warnings on the collected observations before a fit; resets the
        fitted state. ``summary`` has an :class:`ObservationCollector`'s ``n_docs``,
        ``seen_sources``, ``n_spans``, ``unknown_label_names``, ``overlaps_resolved``
        and ``unknown_labels`` (summed over shards by :mod:`spacy_weak.distributed.fit`).
        Returns the columns of ``sources`` to model: a source named in ``sources``
        but present in no document is left out (``W107``)."""
        seen = [i for i, s in enumerate(sources) if s in summary.seen_sources]
        kept = [sources[i] for i in seen]
        if len(seen) < len(sources):  # named in `sources` but in no document (W107): not modelled
            warn_missing_sources(self.name, self.cfg["sources"], kept, summary.n_docs)
        if not kept:
            raise SpacyWeakError(
                Errors.E101.format(name=self.name, patterns=self.cfg["sources"], n_docs=summary.n_docs)
            )
        if not labels:
            raise SpacyWeakError(Errors.E102.format(name=self.name, sources=", ".join(kept)))
        self._reset()
        warn_case_mismatches(self.name, summary.unknown_label_names, labels)
        check_source_labels(self.name, summary.unknown_label_names, labels, {s: summary.n_spans.get(s, 0) for s in kept})
        if self.cfg["spans_key"] in getattr(summary, "own_key_sources", ()):
            raise SpacyWeakError(Errors.E116.format(name=self.name, key=self.cfg["spans_key"], where="the fitted documents"))
        self.overlaps_resolved = dict(summary.overlaps_resolved)
        self.unknown_labels = dict(summary.unknown_labels)
        silent = [s for s in kept if summary.n_spans.get(s, 0) == 0]
        # a source that only adds to the spans of the sources it reads (consistency, abbreviations)
        # and found nothing to add is no fault of the recipe: the sources it reads already label
        # every occurrence. W100 is for the others; those are logged.
        reading = getattr(summary, "reading_sources", set())
        quiet = [s for s in silent if s in reading]
        silent = [s for s in silent if s not in reading]
        if silent:
            warn(Warnings.W100.format(name=self.name, sources=", ".join(silent), n_docs=summary.n_docs))
        if quiet:
            logger.info("%s: %s produced no span in the %d docs: they only add to the sources they read, or "
                        "cannot match (W003 at build time)", self.name, ", ".join(quiet), summary.n_docs)
        if self.overlaps_resolved:
            logger.info("%s: overlapping spans resolved (longest wins): %s", self.name, self.overlaps_resolved)
        return seen

    def fit_observations(
        self, X: np.ndarray, lengths: np.ndarray, sources: Sequence[str], labels: Sequence[str], *, n_docs=None
    ) -> "HMMAggregator":
        """Fit on a ready observation array (``observations.py`` codes)."""
        from .hmm_fit import LocalObservations

        X = self._symbols(X, sources)
        lengths = np.asarray(lengths, dtype=np.int64)
        nz = lengths[lengths > 0]
        X_fit = fit_view(X, self._clamp_columns(sources), self.cfg.get("clamp_learn", False))
        data = LocalObservations(X, nz, X_fit)
        return self.fit_data(data, sources, labels, n_docs=int(n_docs if n_docs is not None else len(lengths)))

    def fit_data(self, data, sources: Sequence[str], labels: Sequence[str], *, n_docs: int) -> "HMMAggregator":
        """The fit's steps on observations held by ``data`` (in memory:
        :class:`.hmm_fit.LocalObservations`; on a Dask cluster:
        :mod:`spacy_weak.distributed.fit`): EM, then with ``dependencies`` the
        redundancy of the sources under the fitted posterior and a refit with their
        weights, then the expected emission counts. ``data`` holds the symbols of
        the component's scheme; its ``em`` fits on the clamp view (``fit_view``)."""
        _check_weights(self.name, self.cfg["weights"], sources)
        n_tok = int(data.n_tokens)

        def new_model(source_weights=None):
            return self.make_hmm(sources, labels, n_tok, source_weights=source_weights)

        model = new_model()
        if n_tok:
            for group in data.identical_sources(sources):
                warn(Warnings.W105.format(name=self.name, sources=", ".join(group), n_tokens=n_tok))
        self.sources_ = list(sources)
        self.labels_ = list(labels)
        self.n_docs_fit = int(n_docs)
        self.n_tokens_fit = n_tok
        if n_tok == 0:
            warn(Warnings.W101.format(name=self.name))
            model._set_from_counts(
                np.zeros(model.n_components),
                np.zeros((model.n_components, model.n_components)),
                np.zeros((len(sources), model.n_symbols, model.n_components)),
            )
            model.n_features = len(sources)
            self.emission_counts_ = np.zeros((len(sources), model.n_symbols, model.n_components))
        else:
            if self.cfg["n_iter"] == 0:
                model.n_iter = 0
            data.em(model)
            if self.cfg["dependencies"]:
                model = self._fit_dependencies(model, new_model, data, sources)
            model.clamp_columns = tuple(self._clamp_columns(sources))
            if self.cfg["n_iter"] == 0:
                model.history_, model.loglik_history_ = [], []
            self.history = list(model.history_)
            self.loglik_history = list(model.loglik_history_)
            # expected counts under the final parameters (all columns, clamps included)
            self.emission_counts_ = data.emission_counts(model)
        self.hmm_ = model
        self._hmm_state = model.to_dict()
        logger.debug(  # the fit command prints the same figures
            "%s: fitted on %d docs, %d tokens, %d sources, labels %s; %d EM iterations",
            self.name, self.n_docs_fit, n_tok, len(sources), labels, len(self.history),
        )
        return self

    def _fit_dependencies(self, model, new_model, data, sources):
        """Learn the sources' redundancy given the fitted model's posterior, then refit
        with each source's emission log-likelihood weighted (``dependencies.py``)."""
        from .dependencies import dependency_weights, report

        threshold = self.cfg["dependency_threshold"]
        redundancy = data.redundancy(model)
        source_weights = dependency_weights(redundancy, threshold)
        self.dependencies_ = report(sources, redundancy, source_weights, threshold)
        if self.dependencies_["groups"]:
            logger.info("%s: dependent source groups %s", self.name, self.dependencies_["groups"])
        if np.all(source_weights >= 1.0):
            return model
        model = new_model(source_weights)
        if self.cfg["n_iter"] == 0:
            model.n_iter = 0
        data.em(model)
        return model

    def make_hmm(self, sources: Sequence[str], labels: Sequence[str], n_tokens: int, source_weights=None):
        """The unfitted :class:`WeakHMM` this component fits on ``n_tokens`` tokens
        (also used by :mod:`spacy_weak.distributed.fit`)."""
        from .hmm import WeakHMM

        weights = np.array([float(self.cfg["weights"].get(s, 1.0)) for s in sources])
        return WeakHMM(
            n_labels=len(labels),
            n_sources=len(sources),
            prior_strength=self.cfg["prior_strength"],
            pseudo_count=self.cfg["pseudo_count"],
            init_weights=weights if source_weights is None else weights * source_weights,
            n_iter=self.cfg["n_iter"],
            tol=self.cfg["tol"] * max(1, n_tokens),
            random_state=self.cfg["seed"],
            implementation=self.cfg["implementation"],
            params="ste" if self.cfg["learn_transitions"] else "e",
            anchor_strength=self.cfg["anchor_strength"],
            source_weights=source_weights,
            clamp_columns=self._clamp_columns(sources) if self.cfg.get("clamp_learn") else (),
            review_weights=self._review_weights(sources),
        )

    def _review_weights(self, sources: Sequence[str]):
        """Per clamped column, the weight of a reviewed document's EM statistics
        (``review_weight``; only with ``clamp_learn``; None = 1, today's fit)."""
        weight = float(self.cfg.get("review_weight", 1.0))
        if not self.cfg.get("clamp_learn") or weight == 1.0:
            return None
        return [weight] * len(self._clamp_columns(sources))

    def _model(self):
        if self.hmm_ is None:
            if self._hmm_state is None:
                raise SpacyWeakError(Errors.E103.format(name=self.name))
            from .hmm import WeakHMM

            self.hmm_ = WeakHMM.from_dict(self._hmm_state)
        return self.hmm_

    # ---------------------------------------------------------------- applying
    def predict(self, docs: Sequence[Doc]):
        model = self._model()
        unknown: Dict[str, Dict[str, int]] = {}
        X, lengths, overlaps = encode_docs(docs, self.sources_, self.labels_, unknown_labels=unknown)
        if unknown:
            warn_case_mismatches(self.name, unknown, self.labels_, self.__dict__.setdefault("_warned_labels", set()))
        X = self._symbols(X, self.sources_)
        # documents where none of the fitted sources ran carry no evidence: decoding them
        # would only replay the priors, so they get no span (warning W103)
        offsets = doc_offsets(lengths)
        ran = np.zeros(len(lengths), dtype=bool)
        if X.shape[0]:
            tok_ran = (X >= 0).any(axis=1)
            cs = np.concatenate([[0], np.cumsum(tok_ran)])
            ran = (cs[offsets[1:]] - cs[offsets[:-1]]) > 0
        blind = [i for i, doc in enumerate(docs) if len(doc) and not ran[i]]
        if blind:
            keys = sorted({k for i in blind for k in docs[i].spans.keys()})
            warn(Warnings.W103.format(
                name=self.name, sources=", ".join(self.sources_), n=len(blind), keys=", ".join(keys) or "none"
            ))
            keep = np.repeat(ran | (lengths == 0), lengths)
            if not keep.all():
                # drop their tokens from the arrays decoded below; they get empty results
                X = X[keep]
                lengths = np.where(ran, lengths, 0)
        self._warn_abstaining(docs, X, lengths, ran)
        nz = lengths[lengths > 0]
        if X.shape[0]:
            _, states = model.decode(X, nz, algorithm="viterbi")
            if self.cfg.get("merge_adjacent"):
                states = merge_adjacent_states(states, lengths, len(self.labels_))
            _, post = model.score_samples(X, nz)
            token_probs = post[np.arange(len(states)), states]
        else:
            states, token_probs = np.zeros(0, dtype=np.int64), np.zeros(0)
        spans = states_to_span_arrays(states, lengths)
        results = self._span_details(
            X, lengths, states, token_probs, spans, self.sources_, self.labels_, self.cfg["span_prob"]
        )
        for i in blind:
            results[i] = None  # set_annotations: empty silver group, doc.ents untouched
        return results

    def _warn_abstaining(self, docs, X, lengths, ran) -> None:
        """``[W106]`` for documents where the sources ran but every one abstained on every
        token (their silver group is empty: no evidence, not a dropped vote)."""
        if not X.shape[0]:
            return
        offsets = doc_offsets(lengths)
        voted = np.concatenate([[0], np.cumsum((X > 0).any(axis=1))])
        silent = ran & (lengths > 0) & ((voted[offsets[1:]] - voted[offsets[:-1]]) == 0)
        if silent.any():
            first = [str(i) for i in np.flatnonzero(silent)[:5]]
            warn(Warnings.W106.format(
                name=self.name, n=int(silent.sum()), total=len(lengths), sources=", ".join(self.sources_),
                first=", ".join(first),
            ))

    def predict_proba(self, docs: Sequence[Doc]) -> List[np.ndarray]:
        """Posterior marginals per doc, ``(n_tokens, n_states)`` (states: :meth:`state_names`)."""
        model = self._model()
        X, lengths, _ = encode_docs(docs, self.sources_, self.labels_)
        X = self._symbols(X, self.sources_)
        nz = lengths[lengths > 0]
        post = model.score_samples(X, nz)[1] if X.shape[0] else np.zeros((0, model.n_components))
        offsets = doc_offsets(lengths)
        return [post[offsets[i] : offsets[i + 1]] for i in range(len(lengths))]

    def state_names(self) -> List[str]:
        from .observations import state_names

        return state_names(self.labels_)

    # ----------------------------------------------------------------- reports
    def source_report(self) -> Dict[str, Dict[str, Dict[str, Optional[float]]]]:
        """Learned token-level precision and recall of each source per label.

        For source ``s`` and label ``X``, with the fitted HMM's posterior state
        marginals on the fit corpus taken as the truth, over the tokens where
        ``s`` ran: ``precision`` = expected share of the tokens ``s`` labelled
        ``X`` (B-X or I-X) whose true state is B-X or I-X; ``recall`` =
        expected share of the true X tokens that ``s`` labelled ``X``. ``n_votes``
        is the number of tokens ``s`` labelled ``X``. Precision is ``None`` when
        ``s`` never voted ``X``. The entry ``"O"`` (explicit negative spans) is
        present for sources that emitted ``"O"``: precision = share of their
        ``"O"`` tokens that are truly outside, recall = share of outside tokens
        they covered.

        With ``dependencies`` on, every entry also carries the source's learned
        ``weight`` (1 = an independent witness; ``1/m`` for each of ``m`` copies)
        and ``group``: the other sources of its dependency group (see
        :meth:`dependency_report`).
        """
        if self.emission_counts_ is None:
            raise SpacyWeakError(Errors.E103.format(name=self.name))
        deps = self.dependencies_ or {}
        linked = {name: [o for o in g if o != name] for g in deps.get("groups", []) for name in g}
        C = np.asarray(self.emission_counts_)  # (S, V, K)
        out: Dict[str, Dict[str, Dict[str, Optional[float]]]] = {}
        for s, name in enumerate(self.sources_):
            rep: Dict[str, Dict[str, Optional[float]]] = {}
            groups = [(lab, [2 + 2 * i, 3 + 2 * i], [1 + 2 * i, 2 + 2 * i]) for i, lab in enumerate(self.labels_)]
            if C[s, 1, :].sum() > 0:
                groups.append(("O", [1], [0]))
            for lab, syms, states in groups:
                tp = float(C[s][np.ix_(syms, states)].sum())
                voted = float(C[s][syms, :].sum())
                actual = float(C[s][:, states].sum())
                rep[lab] = {
                    "precision": tp / voted if voted > 0 else None,
                    "recall": tp / actual if actual > 0 else 0.0,
                    "n_votes": int(round(voted)),
                }
                if deps:
                    rep[lab]["weight"] = float(deps["sources"][name]["weight"])
                    rep[lab]["group"] = linked.get(name, [])
            out[name] = rep
        return out

    def dependency_report(self) -> Optional[Dict]:
        """The learned dependencies between sources (``dependencies.py``): ``{"threshold",
        "groups": [[source, ...], ...], "sources": {source: {"weight", "most_redundant_with",
        "redundancy"}}}``; ``None`` when the model was fitted with ``dependencies = false``."""
        if self.emission_counts_ is None:
            raise SpacyWeakError(Errors.E103.format(name=self.name))
        return self.dependencies_

    # ------------------------------------------------------------ serialisation
    def _validate_cfg(self, cfg: Dict) -> None:
        check_hmm_params(self.name, **{k: cfg.get(k) for k in (
            "n_iter", "tol", "seed", "prior_strength", "pseudo_count", "anchor_strength", "weights")})
        check_review_weight(self.name, cfg.get("review_weight", 1.0))

    def _validate_state(self, state: Dict, where: str) -> None:
        validate_hmm_state(self.name, state, where)

    def _get_state(self) -> Dict:
        return {
            "format": HMM_STATE_FORMAT,
            "sources": self.sources_,
            "labels": self.labels_,
            "hmm": self._hmm_state,
            "history": self.history,
            "loglik_history": self.loglik_history,
            "overlaps_resolved": self.overlaps_resolved,
            "unknown_labels": self.unknown_labels,
            "emission_counts": None if self.emission_counts_ is None else np.asarray(self.emission_counts_).tolist(),
            "n_docs_fit": self.n_docs_fit,
            "n_tokens_fit": self.n_tokens_fit,
            "dependencies": self.dependencies_,
        }

    def _set_state(self, state: Dict) -> None:
        self._reset()
        self.sources_ = list(state.get("sources") or [])
        self.labels_ = list(state.get("labels") or [])
        self._hmm_state = state.get("hmm")
        self.history = list(state.get("history") or [])
        self.loglik_history = list(state.get("loglik_history") or [])
        self.overlaps_resolved = dict(state.get("overlaps_resolved") or {})
        self.unknown_labels = dict(state.get("unknown_labels") or {})
        counts = state.get("emission_counts")
        self.emission_counts_ = None if counts is None else np.asarray(counts, dtype=float)
        self.n_docs_fit = int(state.get("n_docs_fit", 0))
        self.n_tokens_fit = int(state.get("n_tokens_fit", 0))
        self.dependencies_ = state.get("dependencies")


# ================================================================ doc-level
