"""Aggregator components: ``weak_vote``, ``weak_hmm``, ``weak_doc_vote``, ``weak_doc_em``.

This module imports spaCy and numpy only; hmmlearn (through :mod:`.hmm`) is
imported when an HMM is fitted, loaded or applied.

Fitting inside ``nlp.initialize``: spaCy hands every component the raw training
examples. The fitted aggregators (``weak_hmm``, ``weak_doc_em``) take, for each
example, ``eg.reference`` if it carries source span groups (e.g. a corpus of
annotated DocBins), else ``eg.predicted`` if it does, else a copy of
``eg.predicted`` run through the pipeline components *before* the aggregator
(already initialised, since spaCy initialises in pipeline order). Docs are
streamed: only the compact observation array is kept.
"""
import array
from fnmatch import fnmatchcase
import logging
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np
import srsly
from spacy import util
from spacy.pipeline import Pipe
from spacy.tokens import Doc, Span, SpanGroup
from spacy.training import Example
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..spans import (
    ATTR_AGGREGATOR,
    ATTR_DOC_VOTES,
    ATTR_LEVEL,
    LEVEL_DOC,
    is_doc_level,
    resolve_sources,
    set_aggregate,
)
from .dawid_skene import ABSTAIN, AGAINST, FOR, MISSING, DawidSkene, doc_majority
from .observations import (
    FIRST_LABEL_CODE,
    ObservationCollector,
    available_sources,
    doc_offsets,
    encode_docs,
    is_span_source_group,
)
from .voting import span_majority, states_to_span_arrays, token_majority

logger = logging.getLogger(__name__)

SPAN_PROBS = ("mean", "min")
CATS_OUTPUTS = ("hard", "probs")
SCHEMES = ("BIO", "IO")


def merge_adjacent_states(states: np.ndarray, lengths: np.ndarray, n_labels: int) -> np.ndarray:
    """``merge_adjacent = true``: a ``B-X`` right after ``B-X``/``I-X`` (same doc) becomes
    ``I-X``, so two decoded entities of one label with no token between are one entity.

    Why: sources that each cover one part of a multi-token name ("puromycin" from a
    vocabulary, "aminonucleoside" from a suffix rule) all vote ``B-`` on their first
    token, and no source says the second part continues the first.
    """
    states = np.asarray(states).copy()
    if len(states) < 2:
        return states
    is_b = (states > 0) & (states % 2 == 1)  # B-X = 1 + 2i
    lab = np.where(states > 0, (states - 1) // 2, -1)
    prev = np.empty_like(lab)
    prev[0] = -1
    prev[1:] = lab[:-1]
    starts = doc_offsets(np.asarray(lengths, dtype=np.int64))[:-1]
    prev[starts[starts < len(states)]] = -1
    merge = is_b & (prev == lab)
    states[merge] += 1
    return states


def io_symbols(X: np.ndarray) -> np.ndarray:
    """``scheme = "IO"``: every ``B-X`` vote becomes ``I-X`` (codes ``2+2i`` -> ``3+2i``), so
    the model sees *where* a source put label X, not where its spans start; adjacent
    votes for X from different sources (or spans) then decode as one entity."""
    X = np.asarray(X)
    if X.size == 0:
        return X
    return np.where((X >= FIRST_LABEL_CODE) & ((X - FIRST_LABEL_CODE) % 2 == 0), X + 1, X).astype(X.dtype, copy=False)
ATTR_CATS = "cats"  # doc-level aggregate groups: {label: probability}
VOTE_LEVELS = ("token", "span")


def _check_option(name: str, param: str, value: Any, options: Sequence[str]) -> None:
    if value not in options:
        raise SpacyWeakError(Errors.E100.format(name=name, param=param, value=value, options=", ".join(options)))


def _has_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _matching(patterns: Sequence[str], key: str) -> bool:
    """``key`` is one of the explicit names or matches one of the glob patterns."""
    return any((fnmatchcase(key, p) if _has_glob(p) else key == p) for p in patterns)


def _check_weights(name: str, weights: Dict[str, float], sources: Sequence[str]) -> None:
    unknown = sorted(set(weights) - set(sources))
    if unknown:
        warn(Warnings.W104.format(name=name, unknown=", ".join(map(repr, unknown)), sources=", ".join(sources)))


def _preceding_pipes(nlp, name: str) -> List[Tuple[str, Callable]]:
    names = nlp.pipe_names
    stop = names.index(name) if name in names else len(names)
    return [(n, p) for n, p in nlp.pipeline[:stop]]


def docs_from_examples(
    get_examples: Callable[[], Iterable[Example]], nlp, name: str, has_sources: Callable[[Doc], bool]
) -> Iterator[Doc]:
    """The docs an aggregator fits on during ``initialize`` (see module docstring)."""
    pipes = None
    for eg in get_examples():
        if has_sources(eg.reference):
            yield eg.reference
        elif has_sources(eg.predicted):
            yield eg.predicted
        else:
            doc = eg.predicted.copy()
            if nlp is not None:
                if pipes is None:
                    pipes = _preceding_pipes(nlp, name)
                for _, proc in pipes:
                    doc = proc(doc)
            yield doc


class _AggregatorBase(Pipe):
    """Shared plumbing: error handler, batching, serialisation of ``cfg`` + ``model``."""

    def __init__(self, vocab: Vocab, name: str):
        self.vocab = vocab
        self.name = name

    # subclasses: predict(docs) -> results, set_annotations(docs, results),
    #             _get_state() / _set_state(dict) (JSON/msgpack-able)

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            self.set_annotations([doc], self.predict([doc]))
            return doc
        except Exception as e:  # noqa: BLE001 - spaCy's error-handler protocol
            return error_handler(self.name, self, [doc], e)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        error_handler = self.get_error_handler()
        for docs in util.minibatch(stream, size=batch_size):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as e:  # noqa: BLE001
                error_handler(self.name, self, docs, e)

    def _get_state(self) -> Dict:
        return {}

    def _set_state(self, state: Dict) -> None:
        pass

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        serializers = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "model": lambda: srsly.msgpack_dumps(self._get_state()),
        }
        return util.to_bytes(serializers, exclude)

    def _load_state(self, data: bytes, where: str) -> None:
        try:
            state = srsly.msgpack_loads(data)
            if not isinstance(state, dict):
                raise ValueError(f"expected a mapping, got {type(state).__name__}")
            self._set_state(state)
        except SpacyWeakError:
            raise
        except Exception as err:  # noqa: BLE001 - msgpack raises several types on truncation
            raise SpacyWeakError(
                Errors.E108.format(name=self.name, path=where, err=f"{type(err).__name__}: {err}")
            ) from None

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()):
        def load_model(b):
            self._load_state(b, "(bytes) model")

        deserializers = {"cfg": lambda b: self.cfg.update(srsly.json_loads(b)), "model": load_model}
        util.from_bytes(bytes_data, deserializers, exclude)
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        path = util.ensure_path(path)
        serializers = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "model": lambda p: p.write_bytes(srsly.msgpack_dumps(self._get_state())),
        }
        util.to_disk(path, serializers, exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()):
        path = util.ensure_path(path)
        deserializers = {
            "cfg": lambda p: self.cfg.update(srsly.read_json(p)),
            "model": lambda p: self._load_state(p.read_bytes(), str(p)),
        }
        util.from_disk(path, deserializers, exclude)
        return self


# =============================================================== span-level


class _SpanAggregator(_AggregatorBase):
    def _has_sources(self, doc: Doc) -> bool:
        patterns = self.cfg["sources"] or ["*"]
        return any(
            _matching(patterns, key) for key in available_sources(doc, exclude=[self.cfg["spans_key"]])
        )

    def _write(self, doc: Doc, spans: List[Tuple[int, int, str]], probs, voters) -> None:
        objs = [Span(doc, s, e, label=label) for s, e, label in spans]
        set_aggregate(doc, self.cfg["spans_key"], objs, probs, voters, aggregator=self.name)
        if self.cfg["annotate_ents"]:
            doc.set_ents(objs, default="outside")

    def set_annotations(self, docs: Sequence[Doc], results) -> None:
        for doc, result in zip(docs, results):
            if result is None:  # no source ran: an empty aggregate, doc.ents left as they are
                set_aggregate(doc, self.cfg["spans_key"], [], [], [], aggregator=self.name)
                continue
            spans, probs, voters = result
            self._write(doc, spans, probs, voters)

    @staticmethod
    def _span_details(X, lengths, states, token_probs, spans, sources, labels, how="mean"):
        """Label names, probabilities and voters for decoded spans (vectorised over the batch).

        ``spans``: ``(n, 4)`` array ``(doc, start, end, label)`` from
        :func:`~.voting.states_to_span_arrays`. A span's probability is the mean
        (or min) over its tokens of the token-level probability of the decoded
        state; its voters are the sources with a B- or I- vote for its label on
        at least one of its tokens.
        """
        n_docs = len(lengths)
        if len(spans) == 0:
            return [([], [], []) for _ in range(n_docs)]
        offsets = doc_offsets(lengths)
        a = offsets[spans[:, 0]] + spans[:, 1]
        b = offsets[spans[:, 0]] + spans[:, 2]
        if how == "min":
            padded = np.append(token_probs, 1.0)
            probs = np.minimum.reduceat(padded, np.stack([a, b], axis=1).ravel())[::2]
        else:
            cs = np.concatenate([[0.0], np.cumsum(token_probs)])
            probs = (cs[b] - cs[a]) / (b - a)
        # per token and source: does the source vote (B- or I-) the label of the decoded state?
        X = np.asarray(X, dtype=np.int64)
        tok_label = np.where(states > 0, (states - 1) // 2, -2)
        votes = (X >= FIRST_LABEL_CODE) & (((X - FIRST_LABEL_CODE) // 2) == tok_label[:, None])
        cv = np.zeros((votes.shape[0] + 1, votes.shape[1]), dtype=np.int64)
        np.cumsum(votes, axis=0, out=cv[1:])
        voted = (cv[b] - cv[a]) > 0
        # voter lists per distinct pattern of voters
        patterns, inverse = np.unique(voted, axis=0, return_inverse=True)
        names = [[sources[c] for c in np.flatnonzero(row)] for row in patterns]
        voters = [names[i] for i in inverse.reshape(-1).tolist()]
        label_names = [labels[l] for l in spans[:, 3].tolist()]
        triples = list(zip(spans[:, 1].tolist(), spans[:, 2].tolist(), label_names))
        probs = probs.tolist()
        bounds = np.concatenate([[0], np.cumsum(np.bincount(spans[:, 0], minlength=n_docs))]).tolist()
        return [
            (triples[bounds[d] : bounds[d + 1]], probs[bounds[d] : bounds[d + 1]], voters[bounds[d] : bounds[d + 1]])
            for d in range(n_docs)
        ]


class VoteAggregator(_SpanAggregator):
    """Majority vote over span-level sources (token or span level), no fitting.

    See :mod:`spacy_weak.aggregation.voting` for the exact rules.
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "weak_vote",
        sources: Sequence[str] = ("*",),
        labels: Sequence[str] = (),
        weights: Optional[Dict[str, float]] = None,
        spans_key: str = "silver",
        annotate_ents: bool = True,
        level: str = "token",
    ):
        super().__init__(vocab, name)
        _check_option(name, "level", level, VOTE_LEVELS)
        self.cfg = {
            "sources": list(sources) or ["*"],
            "labels": list(labels),
            "weights": dict(weights or {}),
            "spans_key": spans_key,
            "annotate_ents": bool(annotate_ents),
            "level": level,
        }
        self.overlaps_resolved: Dict[str, int] = {}

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    def initialize(self, get_examples=None, *, nlp=None, labels: Optional[Sequence[str]] = None) -> None:
        """Nothing to fit; ``labels`` (optional) fixes the label set."""
        if labels:
            self.cfg["labels"] = list(labels)

    def predict(self, docs: Sequence[Doc]):
        if self.cfg["level"] == "span":
            return [self._predict_span(doc) for doc in docs]
        collector = ObservationCollector(self.cfg["sources"], self.cfg["labels"], exclude=[self.cfg["spans_key"]])
        collector.add_docs(docs)
        for k, v in collector.overlaps_resolved.items():
            self.overlaps_resolved[k] = self.overlaps_resolved.get(k, 0) + v
        X, lengths, sources, labels = collector.finalize()
        weights = np.array([float(self.cfg["weights"].get(s, 1.0)) for s in sources])
        states, probs = token_majority(X, lengths, len(labels), weights)
        spans = states_to_span_arrays(states, lengths)
        return self._span_details(X, lengths, states, probs, spans, sources, labels)

    def _predict_span(self, doc: Doc):
        keys = available_sources(doc, exclude=[self.cfg["spans_key"]])
        sources = [s for s in resolve_sources(self.cfg["sources"], keys) if s in doc.spans]
        allowed = set(self.cfg["labels"])
        proposals = {}
        for s in sources:
            group = doc.spans[s]
            if not is_span_source_group(group):
                continue
            proposals[s] = [
                (sp.start, sp.end, sp.label_)
                for sp in group
                if not allowed or sp.label_ in allowed or sp.label_ == "O"
            ]
        kept = span_majority(proposals, self.cfg["weights"])
        return ([(s, e, l) for s, e, l, _, _ in kept], [p for *_, p, _ in kept], [v for *_, v in kept])


class HMMAggregator(_SpanAggregator):
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
    ):
        super().__init__(vocab, name)
        _check_option(name, "span_prob", span_prob, SPAN_PROBS)
        _check_option(name, "scheme", scheme, SCHEMES)
        _check_option(name, "implementation", implementation, ("scaling", "log"))
        if n_iter < 0:
            raise SpacyWeakError(Errors.E100.format(name=name, param="n_iter", value=n_iter, options=">= 0"))
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
        }
        self._reset()

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
            self.cfg["labels"] = list(labels)
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

    def _collect(self, docs: Iterable[Doc]) -> ObservationCollector:
        collector = ObservationCollector(self.cfg["sources"], self.cfg["labels"], exclude=[self.cfg["spans_key"]])
        collector.add_docs(docs)
        return collector

    def fit(self, docs: Iterable[Doc]) -> "HMMAggregator":
        """Fit the HMM on ``docs`` (any iterable; streamed, one pass)."""
        return self._fit_arrays(self._collect(docs))

    def _fit_arrays(self, collector: ObservationCollector) -> "HMMAggregator":
        X, lengths, sources, labels = collector.finalize()
        if not sources:
            raise SpacyWeakError(
                Errors.E101.format(name=self.name, patterns=self.cfg["sources"], n_docs=collector.n_docs)
            )
        if not labels:
            raise SpacyWeakError(Errors.E102.format(name=self.name, sources=", ".join(sources)))
        self._reset()
        self.overlaps_resolved = dict(collector.overlaps_resolved)
        self.unknown_labels = dict(collector.unknown_labels)
        silent = [s for s in sources if collector.n_spans.get(s, 0) == 0]
        if silent:
            warn(Warnings.W100.format(name=self.name, sources=", ".join(silent), n_docs=collector.n_docs))
        if self.overlaps_resolved:
            logger.info("%s: overlapping spans resolved (longest wins): %s", self.name, self.overlaps_resolved)
        return self.fit_observations(X, lengths, sources, labels, n_docs=collector.n_docs)

    def fit_observations(
        self, X: np.ndarray, lengths: np.ndarray, sources: Sequence[str], labels: Sequence[str], *, n_docs=None
    ) -> "HMMAggregator":
        """Fit on a ready observation array (``observations.py`` codes)."""
        from .hmm import WeakHMM

        if self.cfg.get("scheme", "BIO") == "IO":
            X = io_symbols(X)
        lengths = np.asarray(lengths, dtype=np.int64)
        nz = lengths[lengths > 0]
        _check_weights(self.name, self.cfg["weights"], sources)
        weights = np.array([float(self.cfg["weights"].get(s, 1.0)) for s in sources])
        n_tok = int(X.shape[0])
        model = WeakHMM(
            n_labels=len(labels),
            n_sources=len(sources),
            prior_strength=self.cfg["prior_strength"],
            pseudo_count=self.cfg["pseudo_count"],
            init_weights=weights,
            n_iter=self.cfg["n_iter"],
            tol=self.cfg["tol"] * max(1, n_tok),
            random_state=self.cfg["seed"],
            implementation=self.cfg["implementation"],
            params="ste" if self.cfg["learn_transitions"] else "e",
            anchor_strength=self.cfg["anchor_strength"],
        )
        self.sources_ = list(sources)
        self.labels_ = list(labels)
        self.n_docs_fit = int(n_docs if n_docs is not None else len(lengths))
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
            model.fit(X, nz)
            if self.cfg["n_iter"] == 0:
                model.history_, model.loglik_history_ = [], []
            self.history = list(model.history_)
            self.loglik_history = list(model.loglik_history_)
            # expected counts under the final parameters, block by block (bounded memory)
            from .hmm import EMISSION_BLOCK, iter_blocks

            counts = np.zeros((len(sources), model.n_symbols, model.n_components))
            for a, b, block in iter_blocks(nz, EMISSION_BLOCK):
                _, post = model.score_samples(X[a:b], block)
                counts += model.emission_counts(X[a:b], post)
            self.emission_counts_ = counts
        self.hmm_ = model
        self._hmm_state = model.to_dict()
        logger.info(
            "%s: fitted on %d docs, %d tokens, %d sources, labels %s; %d EM iterations",
            self.name, self.n_docs_fit, n_tok, len(sources), labels, len(self.history),
        )
        return self

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
        X, lengths, overlaps = encode_docs(docs, self.sources_, self.labels_)
        if self.cfg.get("scheme", "BIO") == "IO":
            X = io_symbols(X)
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

    def predict_proba(self, docs: Sequence[Doc]) -> List[np.ndarray]:
        """Posterior marginals per doc, ``(n_tokens, n_states)`` (states: :meth:`state_names`)."""
        model = self._model()
        X, lengths, _ = encode_docs(docs, self.sources_, self.labels_)
        if self.cfg.get("scheme", "BIO") == "IO":
            X = io_symbols(X)
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
        """
        if self.emission_counts_ is None:
            raise SpacyWeakError(Errors.E103.format(name=self.name))
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
            out[name] = rep
        return out

    # ------------------------------------------------------------ serialisation
    def _get_state(self) -> Dict:
        return {
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


# ================================================================ doc-level


class DocVoteCollector:
    """Stream doc-level votes into ``V`` ``(n_docs, n_sources, n_labels)`` int8.

    Sources: doc-level groups (``attrs["level"] == "doc"``) matching the
    patterns. Labels: fixed, or discovered (then sorted). Kept as compact
    COO arrays while streaming.
    """

    def __init__(self, patterns: Sequence[str], labels: Sequence[str] = ()):
        self.patterns = list(patterns) or ["*"]
        self.fixed_labels = bool(labels)
        self.labels = list(labels)
        self._label_index = {l: i for i, l in enumerate(self.labels)}
        self.sources: List[str] = []
        self._source_index: Dict[str, int] = {}
        self._ran = array.array("i")  # pairs (doc, source)
        self._votes = array.array("i")  # quadruples (doc, source, label, code)
        self.n_docs = 0

    def add(self, doc: Doc) -> None:
        d = self.n_docs
        for key, group in doc.spans.items():
            if not is_doc_level(group) or ATTR_AGGREGATOR in group.attrs:
                continue
            s = self._source_index.get(key)
            if s is None:
                if not _matching(self.patterns, key):
                    continue
                s = len(self.sources)
                self.sources.append(key)
                self._source_index[key] = s
            self._ran.extend((d, s))
            for label, vote in (group.attrs.get(ATTR_DOC_VOTES) or {}).items():
                l = self._label_index.get(label)
                if l is None:
                    if self.fixed_labels:
                        continue
                    l = len(self.labels)
                    self.labels.append(label)
                    self._label_index[label] = l
                self._votes.extend((d, s, l, FOR if int(vote) else AGAINST))
        self.n_docs += 1

    def finalize(self) -> Tuple[np.ndarray, List[str], List[str]]:
        order = [s for s in resolve_sources(self.patterns, self.sources) if s in self._source_index]
        labels = sorted(self.labels) if not self.fixed_labels else list(self.labels)
        s_map = np.array([order.index(s) for s in self.sources], dtype=np.int64)
        l_map = np.array([labels.index(l) for l in self.labels], dtype=np.int64)
        V = np.full((self.n_docs, len(order), len(labels)), MISSING, dtype=np.int8)
        ran = np.frombuffer(self._ran, dtype=np.int32).reshape(-1, 2) if len(self._ran) else np.zeros((0, 2), int)
        if len(ran):
            V[ran[:, 0], s_map[ran[:, 1]], :] = ABSTAIN
        votes = np.frombuffer(self._votes, dtype=np.int32).reshape(-1, 4) if len(self._votes) else np.zeros((0, 4), int)
        if len(votes):
            V[votes[:, 0], s_map[votes[:, 1]], l_map[votes[:, 2]]] = votes[:, 3]
        return V, order, labels


def hard_cats(probs: Dict[str, float], multilabel: bool, threshold: float = 0.5) -> Dict[str, float]:
    """0/1 cats from probabilities, what spaCy's textcat(_multilabel) accepts ([E851]).

    Exclusive classes: one-hot of the most probable label (ties: the first
    label in ``probs`` order, i.e. the component's label order). Multi-label:
    ``1.0`` where ``p >= threshold``.
    """
    if multilabel:
        return {label: 1.0 if p >= threshold else 0.0 for label, p in probs.items()}
    if not probs:
        return {}
    labels = list(probs)
    best = max(range(len(labels)), key=lambda i: (round(probs[labels[i]], 12), -i))
    return {label: 1.0 if i == best else 0.0 for i, label in enumerate(labels)}


def cats_probs(doc: Doc, key: str) -> Optional[Dict[str, float]]:
    """The probabilities a document aggregator wrote to ``doc.spans[key]``
    (``attrs["cats"]``), or None if it did not run on ``doc``."""
    group = doc.spans.get(key) if key in doc.spans else None
    if group is None or ATTR_CATS not in group.attrs:
        return None
    return {str(k): float(v) for k, v in group.attrs[ATTR_CATS].items()}


class _DocAggregator(_AggregatorBase):
    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(getattr(self, "labels_", None) or self.cfg["labels"])

    @property
    def spans_key(self) -> str:
        return self.cfg.get("spans_key") or self.name

    def _output_cfg(self, cats_output: str, threshold: float, spans_key: Optional[str]) -> Dict:
        _check_option(self.name, "cats_output", cats_output, CATS_OUTPUTS)
        if not 0.0 <= float(threshold) <= 1.0:
            raise SpacyWeakError(
                Errors.E100.format(name=self.name, param="threshold", value=threshold, options="a number in [0, 1]")
            )
        return {"cats_output": cats_output, "threshold": float(threshold), "spans_key": spans_key or None}

    def set_annotations(self, docs: Sequence[Doc], results) -> None:
        """``doc.cats``: 0/1 (``cats_output = "hard"``) or the probabilities
        (``"probs"``); the probabilities always go to an empty span group
        ``doc.spans[spans_key]`` with ``attrs = {"aggregator", "level": "doc",
        "cats": {label: p}, "multilabel"}`` (survives DocBin)."""
        hard = self.cfg.get("cats_output", "hard") == "hard"
        multilabel = bool(self.cfg["multilabel"])
        threshold = float(self.cfg.get("threshold", 0.5))
        key = self.spans_key
        for doc, probs in zip(docs, results):
            probs = {str(k): float(v) for k, v in probs.items()}
            doc.spans[key] = SpanGroup(
                doc,
                name=key,
                attrs={ATTR_AGGREGATOR: self.name, ATTR_LEVEL: LEVEL_DOC, ATTR_CATS: probs, "multilabel": multilabel},
                spans=[],
            )
            doc.cats.update(hard_cats(probs, multilabel, threshold) if hard else probs)

    def _has_sources(self, doc: Doc) -> bool:
        patterns = self.cfg["sources"] or ["*"]
        return any(
            is_doc_level(g) and ATTR_AGGREGATOR not in g.attrs and _matching(patterns, k) for k, g in doc.spans.items()
        )


class DocVoteAggregator(_DocAggregator):
    """Document-level (weighted) majority vote into ``doc.cats``; no fitting.

    Multi-class: each class gets its share of the "for" votes (uniform when
    none). Multi-label: "for" / ("for" + "against") per label, ``0.0`` when
    nobody voted on it.
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "weak_doc_vote",
        sources: Sequence[str] = ("*",),
        labels: Sequence[str] = (),
        multilabel: bool = False,
        weights: Optional[Dict[str, float]] = None,
        cats_output: str = "hard",
        threshold: float = 0.5,
        spans_key: Optional[str] = None,
    ):
        super().__init__(vocab, name)
        self.cfg = {
            "sources": list(sources) or ["*"],
            "labels": list(labels),
            "multilabel": bool(multilabel),
            "weights": dict(weights or {}),
            **self._output_cfg(cats_output, threshold, spans_key),
        }

    def initialize(self, get_examples=None, *, nlp=None, labels: Optional[Sequence[str]] = None) -> None:
        if labels:
            self.cfg["labels"] = list(labels)

    def predict(self, docs: Sequence[Doc]) -> List[Dict[str, float]]:
        collector = DocVoteCollector(self.cfg["sources"], self.cfg["labels"])
        for doc in docs:
            collector.add(doc)
        V, sources, labels = collector.finalize()
        w = np.array([float(self.cfg["weights"].get(s, 1.0)) for s in sources])
        P = doc_majority(V, self.cfg["multilabel"], w)
        return [{l: float(P[d, i]) for i, l in enumerate(labels)} for d in range(len(docs))]


class DocEMAggregator(_DocAggregator):
    """Dawid-Skene / naive-Bayes EM over document-level votes into ``doc.cats``."""

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "weak_doc_em",
        sources: Sequence[str] = ("*",),
        labels: Sequence[str] = (),
        multilabel: bool = False,
        n_iter: int = 50,
        tol: float = 1e-4,
        seed: int = 0,
        class_priors: Optional[Dict[str, float]] = None,
        prior_strength: float = 2.0,
        cats_output: str = "hard",
        threshold: float = 0.5,
        spans_key: Optional[str] = None,
    ):
        super().__init__(vocab, name)
        self.cfg = {
            **self._output_cfg(cats_output, threshold, spans_key),
            "sources": list(sources) or ["*"],
            "labels": list(labels),
            "multilabel": bool(multilabel),
            "n_iter": int(n_iter),
            "tol": float(tol),
            "seed": int(seed),
            "class_priors": dict(class_priors) if class_priors else None,
            "prior_strength": float(prior_strength),
        }
        self.sources_: List[str] = []
        self.labels_: List[str] = []
        self.model_: Optional[DawidSkene] = None
        self.history: List[float] = []

    @property
    def is_fitted(self) -> bool:
        return self.model_ is not None

    def initialize(self, get_examples=None, *, nlp=None, labels: Optional[Sequence[str]] = None) -> None:
        if labels:
            self.cfg["labels"] = list(labels)
        if get_examples is None:
            return
        collector = DocVoteCollector(self.cfg["sources"], self.cfg["labels"])
        for doc in docs_from_examples(get_examples, nlp, self.name, self._has_sources):
            collector.add(doc)
        if not collector.sources:
            warn(Warnings.W102.format(name=self.name))
            return
        self._fit_collector(collector)

    def fit(self, docs: Iterable[Doc]) -> "DocEMAggregator":
        collector = DocVoteCollector(self.cfg["sources"], self.cfg["labels"])
        for doc in docs:
            collector.add(doc)
        return self._fit_collector(collector)

    def _priors_array(self, labels: Sequence[str]) -> Optional[np.ndarray]:
        priors = self.cfg["class_priors"]
        if not priors:
            return None
        for label in priors:
            if label not in labels:
                raise SpacyWeakError(Errors.E107.format(name=self.name, label=label, labels=", ".join(labels)))
        default = 0.0 if not self.cfg["multilabel"] else 0.5
        return np.array([float(priors.get(l, default)) for l in labels])

    def _fit_collector(self, collector: DocVoteCollector) -> "DocEMAggregator":
        V, sources, labels = collector.finalize()
        if not sources:
            raise SpacyWeakError(Errors.E101.format(name=self.name, patterns=self.cfg["sources"], n_docs=collector.n_docs))
        if not labels:
            raise SpacyWeakError(Errors.E102.format(name=self.name, sources=", ".join(sources)))
        return self.fit_votes(V, sources, labels)

    def fit_votes(self, V: np.ndarray, sources: Sequence[str], labels: Sequence[str]) -> "DocEMAggregator":
        """Fit on a ready vote array (codes of :mod:`.dawid_skene`)."""
        model = DawidSkene(
            len(sources),
            len(labels),
            multilabel=self.cfg["multilabel"],
            class_priors=self._priors_array(labels),
            prior_strength=self.cfg["prior_strength"],
            n_iter=self.cfg["n_iter"],
            tol=self.cfg["tol"],
        )
        model.fit(V)
        self.model_ = model
        self.sources_ = list(sources)
        self.labels_ = list(labels)
        self.history = list(model.history)
        return self

    def predict(self, docs: Sequence[Doc]) -> List[Dict[str, float]]:
        if self.model_ is None:
            raise SpacyWeakError(Errors.E103.format(name=self.name))
        collector = DocVoteCollector(self.sources_, self.labels_)
        for doc in docs:
            collector.add(doc)
        V, sources, _ = collector.finalize()
        # keep the fitted source order even when some sources are absent from the batch
        full = np.full((V.shape[0], len(self.sources_), len(self.labels_)), MISSING, dtype=np.int8)
        for j, s in enumerate(sources):
            full[:, self.sources_.index(s), :] = V[:, j, :]
        P = self.model_.predict_proba(full)
        return [{l: float(P[d, i]) for i, l in enumerate(self.labels_)} for d in range(len(docs))]

    def source_report(self) -> Dict[str, Dict[str, Dict[str, Optional[float]]]]:
        """Per source and label: ``{"p_for_given_true", "p_for_given_false"}``
        -- the learned probability that the source votes *for* the label when
        the document truly has it / does not (multi-class: does not = any
        other class, weighted by the learned class priors)."""
        if self.model_ is None:
            raise SpacyWeakError(Errors.E103.format(name=self.name))
        th, pri = self.model_.theta, self.model_.priors
        out = {}
        for s, name in enumerate(self.sources_):
            out[name] = {}
            for l, label in enumerate(self.labels_):
                if self.model_.multilabel:
                    t, f = th[s, l, 1, FOR], th[s, l, 0, FOR]
                else:
                    others = [c for c in range(len(self.labels_)) if c != l]
                    w = pri[others] / max(pri[others].sum(), 1e-12) if others else np.zeros(0)
                    t = th[s, l, l, FOR]
                    f = float(np.sum(w * th[s, l, others, FOR])) if others else 0.0
                out[name][label] = {"p_for_given_true": float(t), "p_for_given_false": float(f)}
        return out

    def _get_state(self) -> Dict:
        return {
            "sources": self.sources_,
            "labels": self.labels_,
            "model": None if self.model_ is None else self.model_.to_dict(),
            "history": self.history,
        }

    def _set_state(self, state: Dict) -> None:
        self.sources_ = list(state.get("sources") or [])
        self.labels_ = list(state.get("labels") or [])
        self.history = list(state.get("history") or [])
        data = state.get("model")
        if data is None:
            self.model_ = None
            return
        model = DawidSkene(len(self.sources_), len(self.labels_), multilabel=bool(data["multilabel"]))
        self.model_ = model.load_dict(data)
