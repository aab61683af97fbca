"""The documents of a ``suggest`` run held as arrays, so a recipe change is re-aggregated by
editing observation columns instead of re-running the pipeline.

The documents are annotated once. :class:`Workspace` keeps, per document, each source's
spans and the words, the observation array of the recipe's label-model sources
(``aggregation/observations.py`` codes) and the reviewed documents' gold. An
:class:`~.changes.Edit` (stop terms, shape filters, dropped sources, boundary rules, new terms)
recomputes only the columns it touches, for only the documents asked for: scoring one held-out
fold re-encodes a few documents and decodes them with a fitted HMM (milliseconds).
"""
import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
from spacy.tokens import Doc

from ..aggregation.observations import FIRST_LABEL_CODE, NEGATIVE, encode_docs, encode_spans, obs_dtype
from ..annotators.boundary import DocWords, adjust_spans
from ..lexicons.shapes import term_shape
from ..spans import NEGATIVE_LABEL

logger = logging.getLogger(__name__)

SpanRow = tuple[int, int, str, str, str]  # start, end, label, lower-cased text, text
Gold = set[tuple[int, int, str]]

TERMS_SOURCE = "suggested_terms"


def boundary_source(label: str) -> str:
    return f"suggested_boundary_{label.lower()}"


def match_terms(low: Sequence[str], terms: dict[tuple[str, ...], str], max_len: int) -> list[tuple[int, int, str]]:
    """Longest, left-to-right matches of lower-cased token sequences (``terms``: tokens -> label)."""
    out = []
    i, n = 0, len(low)
    while i < n:
        hit = None
        for k in range(min(max_len, n - i), 0, -1):
            label = terms.get(tuple(low[i:i + k]))
            if label is not None:
                hit = (i, i + k, label)
                break
        if hit:
            out.append(hit)
            i = hit[1]
        else:
            i += 1
    return out


class Workspace:
    """Annotated documents, the label-model sources' observations and the reviewed gold.

    docs: annotated Docs (every source's span group); sources: the label model's sources
    (in the recipe's order); labels: entity labels; reviewed: document index -> gold spans.
    """

    def __init__(self, docs: Sequence[Doc], sources: Sequence[str], labels: Sequence[str], reviewed: dict[int, Gold]):
        self.docs = list(docs)
        self.sources = list(sources)
        self.labels = list(labels)
        self.reviewed = dict(reviewed)
        self.label_index = {label: i for i, label in enumerate(self.labels)}
        self.X, self.lengths, _ = encode_docs(self.docs, self.sources, self.labels)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)]).astype(np.int64)
        self.dtype = obs_dtype(len(self.labels))
        self._words: dict[int, DocWords] = {}
        self._spans: dict[int, dict[str, list[SpanRow]]] = {}
        self._ran = {s: np.array([s in d.spans for d in self.docs]) for s in self.sources}

    # ----------------------------------------------------------------- per document
    def words(self, i: int) -> DocWords:
        w = self._words.get(i)
        if w is None:
            w = self._words[i] = DocWords.from_doc(self.docs[i])
        return w

    def spans(self, i: int) -> dict[str, list[SpanRow]]:
        """Each source's spans in document ``i`` (labels outside the label set left out)."""
        s = self._spans.get(i)
        if s is None:
            doc = self.docs[i]
            s = {}
            for src in self.sources:
                if src in doc.spans:
                    s[src] = [(sp.start, sp.end, sp.label_, sp.text.lower(), sp.text) for sp in doc.spans[src]
                              if sp.label_ == NEGATIVE_LABEL or sp.label_ in self.label_index]
            self._spans[i] = s
        return s

    def rows(self, docs: Sequence[int]) -> np.ndarray:
        return np.concatenate([np.arange(self.offsets[i], self.offsets[i + 1]) for i in docs]) if len(docs) else \
            np.zeros(0, np.int64)

    def encode(self, n_tokens: int, spans) -> np.ndarray:
        rows = []
        for start, end, label, *_ in spans:
            code = NEGATIVE if label == NEGATIVE_LABEL else FIRST_LABEL_CODE + 2 * self.label_index[label]
            rows.append((start, end, code, label))
        codes, _ = encode_spans(n_tokens, rows, dtype=self.dtype)
        return codes

    # ----------------------------------------------------------------- edited columns
    def columns(self, edit, docs: Sequence[int]) -> tuple[np.ndarray, list[str]]:
        """The observations of ``docs`` under ``edit`` (:class:`~.changes.Edit`): the recipe's
        sources (dropped ones missing, ``-1``) then the new sources the edit adds."""
        docs = list(docs)
        rows = self.rows(docs)
        base = self.X[rows].copy()
        names = list(self.sources)
        new = edit.new_sources(self.labels)
        extra = np.zeros((len(rows), len(new)), dtype=self.dtype)
        touched = [j for j, s in enumerate(self.sources) if edit.filters(s)]
        pos = 0
        for i in docs:
            n = int(self.lengths[i])
            if n == 0:
                continue
            sl = slice(pos, pos + n)
            spans = self.spans(i) if (touched or new) else None
            kept: dict[str, list] = {}
            if spans is not None:
                for src, rows_ in spans.items():
                    kept[src] = edit.filter_spans(src, rows_)
            for j in touched:
                src = self.sources[j]
                if src in kept:
                    base[sl, j] = self.encode(n, kept[src])
            if new:
                words = self.words(i)
                term_spans = []
                if TERMS_SOURCE in new:
                    term_spans = match_terms(words.low, edit.terms, edit.max_term_len)
                    extra[sl, new.index(TERMS_SOURCE)] = self.encode(n, term_spans)
                boundary = [s for s in new if s != TERMS_SOURCE]
                if boundary:
                    labelled = set()
                    todo = []
                    for rows_ in kept.values():
                        for s, e, lab, *_ in rows_:
                            if lab != NEGATIVE_LABEL:
                                labelled.update(range(s, e))
                                todo.append((s, e, lab, ""))
                    for s, e, lab in term_spans:
                        labelled.update(range(s, e))
                        todo.append((s, e, lab, ""))
                    todo = sorted(set(todo))
                    for label in edit.boundary:
                        name = boundary_source(label)
                        out = adjust_spans(words, [t for t in todo if t[2] == label], labelled,
                                           edit.rules(label), negative=True)
                        extra[sl, new.index(name)] = self.encode(n, out)
            pos += n
        for j, s in enumerate(self.sources):
            if s in edit.dropped:
                base[:, j] = -1
        # a source that did not run on a document stays missing
        for j, s in enumerate(self.sources):
            ran = self._ran[s][docs] if len(docs) else np.zeros(0, bool)
            if not ran.all():
                miss = np.repeat(~ran, self.lengths[docs])
                base[miss, j] = -1
        return np.concatenate([base, extra], axis=1), names + new

    # ----------------------------------------------------------------- scoring
    def gold(self, i: int) -> Gold:
        return self.reviewed[i]

    def shape(self, text: str) -> str:
        return term_shape(text)

    def counts(self, predicted: dict[int, Gold], docs: Sequence[int]) -> np.ndarray:
        """``[tp, fp, fn]`` of strict span matching over ``docs``."""
        tp = fp = fn = 0
        for i in docs:
            p, g = predicted.get(i, set()), self.reviewed[i]
            inter = len(p & g)
            tp += inter
            fp += len(p) - inter
            fn += len(g) - inter
        return np.array([tp, fp, fn], dtype=np.int64)


def f1(counts: np.ndarray) -> float:
    tp, fp, fn = (int(c) for c in counts)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


class LabelModel:
    """The recipe's ``weak_hmm`` fitted on workspace columns, decoding any rows of them."""

    def __init__(self, hmm_cfg: dict[str, Any]):
        import spacy

        self.nlp = spacy.blank("en")
        self.cfg = {k: v for k, v in hmm_cfg.items() if k != "factory"}
        self.n = 0

    def fit(self, X: np.ndarray, lengths: np.ndarray, sources: Sequence[str], labels: Sequence[str]):
        self.n += 1
        pipe = self.nlp.add_pipe("weak_hmm", name=f"hmm_{self.n}", config=self.cfg)
        keep = [j for j in range(X.shape[1]) if (X[:, j] >= 0).any()]
        pipe.fit_observations(np.ascontiguousarray(X[:, keep]), lengths, [sources[j] for j in keep], list(labels))
        return FittedModel(pipe, list(sources), keep)


class FittedModel:
    def __init__(self, pipe, sources: list[str], keep: list[int]):
        self.pipe = pipe
        self.sources = sources
        self.keep = keep

    def decode(self, X: np.ndarray, sources: Sequence[str], lengths: np.ndarray, docs: Sequence[int],
               labels: Sequence[str]) -> dict[int, Gold]:
        """Spans ``{doc: {(start, end, label)}}`` of ``docs`` whose rows ``X`` holds (columns named
        ``sources``; a fitted source absent there is missing)."""
        from ..aggregation.span_base import merge_adjacent_states
        from ..aggregation.voting import states_to_span_arrays

        col = {s: j for j, s in enumerate(sources)}
        fitted = [self.sources[j] for j in self.keep]
        Xf = np.full((X.shape[0], len(fitted)), -1, dtype=X.dtype)
        for k, s in enumerate(fitted):
            if s in col:
                Xf[:, k] = X[:, col[s]]
        lengths = np.asarray(lengths, dtype=np.int64)
        out: dict[int, Gold] = {i: set() for i in docs}
        if Xf.shape[0] == 0:
            return out
        sym = self.pipe._symbols(Xf, fitted)
        model = self.pipe._model()
        nz = lengths[lengths > 0]
        _, states = model.decode(sym, nz, algorithm="viterbi")
        if self.pipe.cfg.get("merge_adjacent"):
            states = merge_adjacent_states(states, lengths, len(labels))
        docs = list(docs)
        for d, s, e, lab in states_to_span_arrays(states, lengths).tolist():
            out[docs[d]].add((s, e, labels[lab]))
        return out


__all__ = ["TERMS_SOURCE", "FittedModel", "LabelModel", "Workspace", "boundary_source", "f1", "match_terms"]
