"""The end model's training-data policy chosen on the reviewed documents
(``export-training --reviewed DEV --policy auto``).

Each candidate policy (:mod:`spacy_weak.training.partial`) annotates the *silver* of the
reviewed documents, the silver they had before anybody reviewed them, which the reviewed
dev set keeps (``review import --dev`` copies the documents with their span groups). What a
policy teaches is compared with the reviews token by token, each document weighted by its
review-design weight ``1 / inclusion_prob`` (:func:`.importer.review_weights`):

* a token the policy makes an entity of label ``L``: a true positive when the review has
  ``L`` there, else a false positive (the NER is taught a wrong entity);
* a token the policy makes ``O``: a false negative when the review has an entity there
  (the NER is taught to miss it);
* a missing token counts nowhere: the NER's loss ignores it.

The score is the weighted token F1 of that supervision, ``2TP / (2TP + FP + FN)``: a policy
that drops every doubtful token gains nothing, one that labels every doubtful token pays for
its errors. The user's own policy is the first candidate and wins ties; another candidate
replaces it only when it is better by ``min_gain`` *and* on at least ``confidence`` (0.9) of
paired bootstrap resamples of the reviewed documents (the guard of :mod:`.tune`), and only from
``min_docs`` (10) usable reviewed documents on, so a user without reviews, or whose few reviews do
not separate the policies, keeps today's export.

A reviewed document whose silver already equals its review (clamped by ``review refit`` in an
earlier round) says nothing about a policy: it is left out and counted (``n_clamped``).
"""
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc

from .training import GOLD_KEY

logger = logging.getLogger("spacy_weak")

#: ``entity_threshold`` values of the partial candidates (the user's own settings come first).
THRESHOLDS: tuple[float, ...] = (0.3, 0.5, 0.7, 0.9)


@dataclass
class PolicyChoice:
    """The chosen candidate (``name``, ``params``), the scored table, the documents used."""

    name: str
    params: dict
    table: list[dict] = field(default_factory=list)
    n_docs: int = 0
    n_clamped: int = 0

    def summary(self) -> dict:
        return {"chosen": {"policy": self.name, **self.params}, "candidates": self.table, "reviewed_docs": self.n_docs,
                "clamped_docs_left_out": self.n_clamped}


def candidates(user: tuple[str, dict]) -> list[tuple[str, dict]]:
    """The user's ``(policy, params)`` first, then hard labels and partial annotation at
    :data:`THRESHOLDS` (the user's ``missing_voted`` / ``outside_keep`` / ``seed`` kept)."""
    name, params = user
    base = {k: params[k] for k in ("missing_voted", "outside_keep", "seed") if k in params}
    out = [(name, dict(params))]
    for cand in [("hard", {})] + [("partial", {**base, "entity_threshold": t}) for t in THRESHOLDS]:
        if cand not in out:
            out.append(cand)
    return out


def build(name: str, params: dict, *, spans_key: str, exclude: Sequence[str]) -> Callable:
    """The policy ``name`` (``hard`` / ``partial``) with ``params``."""
    from ..training.partial import make_hard_labels, make_partial_annotation

    if name == "hard":
        return make_hard_labels(spans_key=spans_key)
    return make_partial_annotation(spans_key=spans_key, exclude=list(exclude), **params)


def review_groups(doc: Doc, key: str = GOLD_KEY) -> list[str]:
    """The span groups of a reviewed document that are reviews, not labelling sources: the
    gold ``key`` and the clamped human source(s) (attrs ``reviewed_by``)."""
    return [k for k, g in doc.spans.items() if k == key or "reviewed_by" in g.attrs]


def token_counts(annotation, doc: Doc, key: str = GOLD_KEY) -> tuple[int, int, int]:
    """``(tp, fp, fn)`` tokens of one policy's :class:`TokenAnnotation` of ``doc`` against
    the reviewed spans in ``doc.spans[key]`` (see the module docstring)."""
    gold = [None] * len(doc)
    for s in doc.spans.get(key, []):
        for t in range(s.start, s.end):
            gold[t] = s.label_
    taught = [None] * len(doc)
    for s, e, label in annotation.entities:
        for t in range(s, e):
            taught[t] = label
    missing = set(annotation.missing)
    tp = fp = fn = 0
    for t in range(len(doc)):
        if t in missing:
            continue
        if taught[t] is not None:
            if taught[t] == gold[t]:
                tp += 1
            else:
                fp += 1
        elif gold[t] is not None:
            fn += 1
    return tp, fp, fn


def _clamped(doc: Doc, spans_key: str, key: str) -> bool:
    """The document's silver already is its review (clamped in an earlier round)."""
    silver = {(s.start, s.end, s.label_) for s in doc.spans.get(spans_key, []) if s.label_}
    review = {(s.start, s.end, s.label_) for s in doc.spans.get(key, [])}
    return bool(review) and silver == review


def choose_policy(
    reviewed: Sequence[Doc],
    weights: Sequence[float],
    user: tuple[str, dict],
    *,
    spans_key: str = "silver",
    key: str = GOLD_KEY,
    exclude: Sequence[str] = (),
    min_gain: float = 0.002,
    confidence: float = 0.9,
    min_docs: int = 10,
    n_boot: int = 500,
    seed: int = 0,
) -> PolicyChoice:
    """Pick the training-data policy whose supervision agrees best with the reviews.

    ``reviewed``: the reviewed dev set (reviews in ``doc.spans[key]``, the earlier silver in
    ``doc.spans[spans_key]``); ``weights``: their design weights; ``user``: the requested
    ``(policy name, params)`` (``params`` as :func:`build` takes them). ``exclude``: more span groups
    that are not labelling sources (the reviews' own groups, :func:`review_groups`, always are)."""
    from .tune import _f1, _p_better

    with_silver = [(d, w) for d, w in zip(reviewed, weights) if spans_key in d.spans]
    usable = [(d, w) for d, w in with_silver if not _clamped(d, spans_key, key)]
    n_clamped = len(with_silver) - len(usable)
    cands = candidates(user)
    if len(usable) < min_docs:  # a bootstrap of a handful of documents separates nothing
        if usable:
            logger.info("export policy: %d reviewed document(s) (< %d): the requested policy is kept", len(usable), min_docs)
        return PolicyChoice(user[0], dict(user[1]), [], len(usable), n_clamped)
    table: list[dict] = []
    best, best_f1, current = cands[0], None, None
    w = np.asarray([w for _, w in usable], dtype=float)
    views = [_sources_view(d, key, exclude) for d, _ in usable]  # once: every candidate reads the same votes
    for name, params in cands:
        policy = build(name, params, spans_key=spans_key, exclude=exclude)
        counts = np.asarray([token_counts(policy(v), d, key) for v, (d, _) in zip(views, usable)],
                            dtype=float) * w[:, None]
        f1 = float(_f1(counts.sum(axis=0)))
        tot = counts.sum(axis=0)
        row = {"policy": name, **params, "f1": round(f1, 4),
               "p": round(float(tot[0] / (tot[0] + tot[1])) if tot[0] + tot[1] else 0.0, 4),
               "r": round(float(tot[0] / (tot[0] + tot[2])) if tot[0] + tot[2] else 0.0, 4)}
        if current is None:
            current = counts
        else:
            row["p_better"] = round(_p_better(counts, current, n_boot, seed), 3)
        table.append(row)
        logger.info("export policy on the reviews: %s %s -> weighted token F1 %.4f", name, params, f1)
        if best_f1 is None:
            best_f1 = f1
        elif f1 > best_f1 + min_gain and row["p_better"] >= confidence:
            best, best_f1 = (name, params), f1
    return PolicyChoice(best[0], dict(best[1]), table, len(usable), n_clamped)


def _sources_view(doc: Doc, key: str, exclude: Sequence[str]) -> Doc:
    """``doc`` with the reviews' own groups hidden (they are not sources): what a policy may read."""
    hidden = [k for k in review_groups(doc, key) if k not in exclude]
    if not hidden:
        return doc
    copy = doc.copy()
    for k in hidden:
        del copy.spans[k]
    return copy
