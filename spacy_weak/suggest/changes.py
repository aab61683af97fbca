"""Candidate recipe changes and how each is derived from a set of reviewed documents.

A :class:`Candidate` is a *kind* of change with its target ("stop terms of ``gaz_ctd``",
"words to widen left for Disease"); :meth:`Candidate.derive` turns it into concrete items
(the terms, the words) from the statistics of the reviewed documents it is given only, so
cross-validation derives it on k-1 folds and scores it on the held-out fold. An :class:`Edit`
is the union of derived changes, read by :meth:`.workspace.Workspace.columns`.

Kinds (``KINDS``):

``stop_terms``      span texts of a source that mostly mark nothing (matches >= 2, hit rate
                    <= 0.2 as in ``diagnose terms``): its spans with that text are dropped;
``shape_filter``    a gazetteer's matches of one shape (``gene_symbol``, ``acronym``,
                    ``short_symbol``) when they are mostly wrong (matches >= 2, precision < 0.5);
``boundary``        words to widen over / trim at one side of one label's spans (boundary words
                    of the label model's output with ``net >= 1`` or ``>= 2``), written by a
                    ``weak_boundary`` source whose trims also vote ``"O"`` on the trimmed word;
``coordination``    one coordination form of ``weak_boundary`` for one label;
``new_terms``       strings of reviewed mentions the label model missed, as a new gazetteer
                    (kept when at least ``n`` mentions and half their occurrences are mentions);
``drop_source``     a source left out of the label model (it still runs for the others).
"""
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..annotators.boundary import BoundaryRules
from ..spans import NEGATIVE_LABEL
from .workspace import TERMS_SOURCE, Workspace, boundary_source, match_terms

KINDS = ("stop_terms", "shape_filter", "boundary", "coordination", "new_terms", "drop_source")
SIDES = ("trim_left", "trim_right", "widen_left", "widen_right")
SHAPE_NAMES = ("gene_symbol", "acronym", "short_symbol")
COORDINATION = ("coordination", "coordination_one_token", "coordination_slash", "coordination_hyphen",
                "coordination_comma")


@dataclass
class Edit:
    """The union of derived changes (what the workspace re-aggregates)."""

    stop: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    shapes: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    dropped: set = field(default_factory=set)
    boundary: dict[str, dict[str, set]] = field(default_factory=dict)
    terms: dict[tuple, str] = field(default_factory=dict)

    @property
    def max_term_len(self) -> int:
        return max((len(t) for t in self.terms), default=1)

    def filters(self, source: str) -> bool:
        return bool(self.stop.get(source)) or bool(self.shapes.get(source))

    def filter_spans(self, source: str, rows):
        stop, shapes = self.stop.get(source), self.shapes.get(source)
        if not stop and not shapes:
            return rows
        from ..lexicons.shapes import SHAPES

        out = []
        for row in rows:
            if stop and row[3] in stop:
                continue
            if shapes and row[2] != NEGATIVE_LABEL and any(SHAPES[s](row[4]) for s in shapes):
                continue
            out.append(row)
        return out

    def new_sources(self, labels: Sequence[str]) -> list[str]:
        out = [TERMS_SOURCE] if self.terms else []
        return out + [boundary_source(lab) for lab in labels if self._has_rules(lab)]

    def _has_rules(self, label: str) -> bool:
        return any(self.boundary.get(label, {}).values())

    def rules(self, label: str) -> BoundaryRules:
        b = self.boundary.get(label, {})
        return BoundaryRules(
            frozenset(b.get("trim_left", ())), frozenset(b.get("trim_right", ())),
            frozenset(b.get("widen_left", ())), frozenset(b.get("widen_right", ())),
            tuple(sorted(b.get("patterns", ()))), 3,
        )

    def add(self, candidate: "Candidate", items: Sequence) -> None:
        kind, target = candidate.kind, candidate.target
        if not items:
            return
        if kind == "stop_terms":
            self.stop[target].update(items)
        elif kind == "shape_filter":
            self.shapes[target].update(items)
        elif kind == "drop_source":
            self.dropped.add(target)
        elif kind == "boundary":
            self.boundary.setdefault(target, {}).setdefault(candidate.side, set()).update(items)
        elif kind == "coordination":
            self.boundary.setdefault(target, {}).setdefault("patterns", set()).update(items)
        elif kind == "new_terms":
            for t in items:
                self.terms.setdefault(tuple(t), target)


def combine(pairs: Iterable[tuple["Candidate", Sequence]]) -> Edit:
    edit = Edit()
    for cand, items in pairs:
        edit.add(cand, items)
    for label in list(edit.boundary):  # only labels with rules vote
        if not any(edit.boundary[label].values()):
            del edit.boundary[label]
    return edit


# --------------------------------------------------------------------------- statistics
class ReviewStats:
    """Per reviewed document, what the derivations count (summed over any set of documents)."""

    def __init__(self, ws: Workspace, predicted: dict[int, set], gazetteers: Sequence[str]):
        self.ws = ws
        self.terms: dict[int, dict[tuple, np.ndarray]] = {}
        self.shapes: dict[int, dict[tuple, np.ndarray]] = {}
        self.bounds: dict[int, list[tuple]] = {}
        self.missed: dict[int, Counter] = {}
        self.texts: dict[tuple, str] = {}  # missed mention tokens -> its text as written
        gaz = set(gazetteers)
        for i in ws.reviewed:
            gold = ws.gold(i)
            by_label = defaultdict(list)
            for s, e, lab in gold:
                by_label[lab].append((s, e))
            terms, shapes = defaultdict(lambda: np.zeros(3, np.int64)), defaultdict(lambda: np.zeros(3, np.int64))
            from ..lexicons.shapes import term_shape

            for src, rows in ws.spans(i).items():
                for s, e, lab, low, text in rows:
                    if lab == NEGATIVE_LABEL:
                        continue
                    exact = (s, e, lab) in gold
                    hit = exact or any(gs < e and s < ge for gs, ge in by_label[lab])
                    vec = np.array([1, int(exact), int(hit)])
                    terms[(src, low)] += vec
                    if src in gaz:
                        shapes[(src, term_shape(text))] += vec
            self.terms[i], self.shapes[i] = dict(terms), dict(shapes)
            self.bounds[i] = _boundary_events(ws, i, predicted.get(i, set()), gold)
            low = ws.words(i).low
            self.missed[i] = Counter((tuple(low[s:e]), lab) for s, e, lab in gold - predicted.get(i, set()))
            for s, e, _lab in gold - predicted.get(i, set()):
                self.texts.setdefault(tuple(low[s:e]), ws.docs[i][s:e].text)

    def sum(self, table: dict[int, dict], docs: Sequence[int]) -> dict[tuple, np.ndarray]:
        out: dict[tuple, np.ndarray] = {}
        for i in docs:
            for key, vec in table[i].items():
                out[key] = out[key] + vec if key in out else vec.copy()
        return out


def _boundary_events(ws: Workspace, i: int, pred: set, gold: set) -> list[tuple]:
    """``(label, side, word, one_word, is_break)`` for the predictions of document ``i`` (the
    definitions of :mod:`spacy_weak.evaluation.boundary_words`; sides named by the rule that
    fixes them: ``widen_*`` for a missing word, ``trim_*`` for an extra one)."""
    low = ws.words(i).low
    n = len(low)
    events = []
    for ps, pe, lab in pred:
        best, ov = None, 0
        for gs, ge, glab in gold:
            if glab != lab:
                continue
            o = min(pe, ge) - max(ps, gs)
            if o > ov:
                best, ov = (gs, ge), o
        if best is None:
            continue
        gs, ge = best
        if (gs, ge) != (ps, pe):
            if gs < ps:
                events.append((lab, "widen_left", low[ps - 1], ps - gs == 1, False))
            if pe < ge:
                events.append((lab, "widen_right", low[pe], ge - pe == 1, False))
            if ps < gs:
                events.append((lab, "trim_left", low[ps], gs - ps == 1, False))
            if ge < pe:
                events.append((lab, "trim_right", low[pe - 1], pe - ge == 1, False))
        if ps == gs:
            if ps > 0:
                events.append((lab, "widen_left", low[ps - 1], False, True))
            if pe - ps > 1:
                events.append((lab, "trim_left", low[ps], False, True))
        if pe == ge:
            if pe < n:
                events.append((lab, "widen_right", low[pe], False, True))
            if pe - ps > 1:
                events.append((lab, "trim_right", low[pe - 1], False, True))
    return events


# --------------------------------------------------------------------------- candidates
@dataclass(frozen=True)
class Candidate:
    kind: str
    target: str  # a source or a label
    detail: str = ""  # side, shape, pattern, threshold

    @property
    def side(self) -> str:
        return self.detail.split(":")[0]

    @property
    def name(self) -> str:
        return f"{self.kind}({self.target}{', ' + self.detail if self.detail else ''})"

    def derive(self, stats: ReviewStats, docs: Sequence[int]) -> tuple:
        """The concrete items of this change, from the reviewed documents ``docs`` only."""
        ws = stats.ws
        if self.kind == "stop_terms":
            per: dict[str, np.ndarray] = {}
            for (src, low), vec in stats.sum(stats.terms, docs).items():
                if src == self.target:
                    per[low] = vec
            return tuple(sorted(t for t, (m, _e, h) in per.items() if m >= 2 and h / m <= 0.2))
        if self.kind == "shape_filter":
            vec = stats.sum(stats.shapes, docs).get((self.target, self.detail))
            return (self.detail,) if vec is not None and vec[0] >= 2 and vec[1] / vec[0] < 0.5 else ()
        if self.kind == "boundary":
            side, thr = self.detail.split(":")
            count, breaks = Counter(), Counter()
            for i in docs:
                for lab, s, word, one, is_break in stats.bounds[i]:
                    if lab == self.target and s == side:
                        if is_break:
                            breaks[word] += 1
                        elif one:
                            count[word] += 1
            return tuple(sorted(w for w in count if w.isalpha() and count[w] - breaks[w] >= int(thr)))
        if self.kind == "coordination":
            return (self.detail,)
        if self.kind == "drop_source":
            return (self.target,)
        if self.kind == "new_terms":
            min_n = int(self.detail.split(">=")[1])
            missed = Counter()
            for i in docs:
                for (toks, lab), c in stats.missed[i].items():
                    if lab == self.target and any(ch.isalnum() for ch in "".join(toks)):
                        missed[toks] += c
            cands = {t: self.target for t, c in missed.items() if c >= min_n and len("".join(t)) >= 3}
            if not cands:
                return ()
            max_len = max(len(t) for t in cands)
            seen, good = Counter(), Counter()
            for i in docs:
                gold = ws.gold(i)
                for s, e, lab in match_terms(ws.words(i).low, cands, max_len):
                    toks = tuple(ws.words(i).low[s:e])
                    seen[toks] += 1
                    good[toks] += int((s, e, lab) in gold)
            return tuple(sorted(t for t in cands if seen[t] and good[t] / seen[t] >= 0.5))
        raise ValueError(self.kind)


def candidates(sources: Sequence[str], labels: Sequence[str], gazetteers: Sequence[str],
               kinds: Sequence[str] = KINDS) -> list[Candidate]:
    out: list[Candidate] = []
    if "stop_terms" in kinds:
        out += [Candidate("stop_terms", s) for s in sources]
    if "shape_filter" in kinds:
        out += [Candidate("shape_filter", g, shape) for g in gazetteers for shape in SHAPE_NAMES]
    if "boundary" in kinds:
        out += [Candidate("boundary", lab, f"{side}:{thr}") for lab in labels for side in SIDES for thr in (2, 1)]
    if "coordination" in kinds:
        out += [Candidate("coordination", lab, p) for lab in labels for p in COORDINATION]
    if "new_terms" in kinds:
        out += [Candidate("new_terms", lab, f"n>={n}") for lab in labels for n in (2, 1)]
    if "drop_source" in kinds:
        out += [Candidate("drop_source", s) for s in sources]
    return out


def describe(candidate: Candidate, items: Sequence) -> dict[str, Any]:
    """A JSON-able record of one derived change."""
    shown = [" ".join(t) if isinstance(t, tuple) else t for t in items]
    return {"kind": candidate.kind, "target": candidate.target, "detail": candidate.detail, "items": shown}


__all__ = ["COORDINATION", "KINDS", "SIDES", "Candidate", "Edit", "ReviewStats", "candidates", "combine", "describe"]
