"""Document-level aggregators ``weak_doc_vote`` and ``weak_doc_em`` (into ``doc.cats``).
"""
import array
import logging
from typing import (
    Dict,
    Iterable,
    List,
    Optional,
    Sequence,
    Tuple,
)

import numpy as np
from spacy.tokens import Doc, SpanGroup
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..spans import (
    ATTR_AGGREGATOR,
    ATTR_DOC_VOTES,
    ATTR_LEVEL,
    LEVEL_DOC,
    is_doc_level,
    resolve_sources,
)
from .base import (
    AggregatorBase,
    _check_option,
    _selects,
    docs_from_examples,
)
from .dawid_skene import ABSTAIN, AGAINST, FOR, MISSING, DawidSkene, doc_majority
from .validation import (
    DOC_EM_STATE_FORMAT,
    check_class_priors,
    check_em_params,
    check_identifiable,
    bad_state,
    check_all_finite,
    check_number_map,
    check_table,
    saved_parts,
    warn_missing_sources,
)

logger = logging.getLogger(__name__)


def validate_doc_em_state(name: str, state: Dict, where: str) -> None:
    """Check a saved ``weak_doc_em`` state (the rules: ``aggregation/validation.py``'s docstring)."""
    from .dawid_skene import N_OBS

    check_all_finite(name, where, state)
    sources, labels, model = saved_parts(name, state, DOC_EM_STATE_FORMAT, where, "model")
    if model is None:
        return
    if not isinstance(model, dict) or "theta" not in model or "priors" not in model:
        raise bad_state(name, where, "'model' must hold 'theta' and 'priors'")
    multilabel = bool(model.get("multilabel"))
    C = 2 if multilabel else len(labels)
    check_table(name, where, "model.theta", model["theta"], (len(sources), len(labels), C, N_OBS))
    check_table(name, where, "model.priors", model["priors"], (len(labels),), normalised_axis=None if multilabel else -1)


CATS_OUTPUTS = ("hard", "probs")
ATTR_CATS = "cats"  # doc-level aggregate groups: {label: probability}


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
                if not _selects(self.patterns, key, group):
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


class DocAggregator(AggregatorBase):
    """The base of document-level aggregators (``weak_doc_vote``, ``weak_doc_em``; see
    :mod:`.contracts`): reads the ``doc_votes`` of document-level sources, writes ``doc.cats``
    (and, with ``spans_key``, an empty span group carrying the probabilities).

    A subclass gives ``predict(docs)`` returning per doc a ``{label: probability}`` dict
    (or ``None``: no source ran), and its own state methods.
    """

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
            is_doc_level(g) and ATTR_AGGREGATOR not in g.attrs and _selects(patterns, k, g) for k, g in doc.spans.items()
        )


class DocVoteAggregator(DocAggregator):
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
        check_number_map(name, "weights", weights, minimum=0)
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


class DocEMAggregator(DocAggregator):
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
        check_em_params(name, n_iter=n_iter, tol=tol, prior_strength=prior_strength, seed=seed)
        check_class_priors(name, class_priors, bool(multilabel))
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

    def fit_sharded(self, shards) -> None:
        """The cluster fit's hook (:class:`~.contracts.ShardFittable`): Dawid-Skene's statistics per shard."""
        from .sharded_fit import fit_doc_em_sharded

        fit_doc_em_sharded(self, shards, DocVoteCollector)

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
        warn_missing_sources(self.name, self.cfg["sources"], sources, collector.n_docs)
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
        if not self.cfg["class_priors"]:
            check_identifiable(self.name, V, labels, self.cfg["multilabel"], None if self.cfg["multilabel"] else model.predict_proba(V))
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

    def _validate_state(self, state: Dict, where: str) -> None:
        validate_doc_em_state(self.name, state, where)

    def _get_state(self) -> Dict:
        return {
            "format": DOC_EM_STATE_FORMAT,
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


_DocAggregator = DocAggregator  # the name before issue 23 (kept for code written against it)
