"""The label model's settings chosen on the reviewed documents (the reviewed dev set).

A candidate is a set of ``weak_hmm`` config overrides (the current settings are always
the first candidate). Each is scored by the Horvitz-Thompson weighted strict span F1
(:func:`.design.weighted_prf`, weights ``1 / inclusion_prob`` from the review design)
of its silver on the reviewed documents, decoded *without* their reviews (the clamped
sources removed), against the reviews:

* a candidate whose fit ignores the reviews (``clamp_learn = false``) is fitted once on
  the corpus and scored on every reviewed document;
* a candidate that learns from the reviews (``clamp_learn = true``) is cross-fitted:
  the reviewed documents are split into ``folds`` parts, and each part is scored by a
  fit that saw the reviews of the other parts only.

The best candidate wins only when it beats the current settings by ``min_gain`` *and* on at
least ``confidence`` (0.9) of paired bootstrap resamples of the reviewed documents; otherwise the
current settings stay, so a user without reviews, or whose reviews do not separate the
candidates, keeps today's model. (Without the bootstrap guard, on BC5CDR, 50 reviewed documents
picked settings that lowered the test F1: docs/review.md.)
"""
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc

from .design import weighted_prf

logger = logging.getLogger("spacy_weak")

DEFAULT_CANDIDATES: tuple[dict, ...] = (
    {},
    {"anchor_strength": 10.0},
    {"merge_adjacent": "toggle"},
    {"clamp_learn": True},
)


@dataclass
class Choice:
    overrides: dict
    table: list[dict] = field(default_factory=list)

    def summary(self) -> dict:
        return {"chosen": self.overrides, "candidates": self.table}


def _without(docs: Sequence[Doc], keys: Sequence[str]) -> list[Doc]:
    out = []
    for doc in docs:
        copy = doc.copy()
        for k in keys:
            if k in copy.spans:
                del copy.spans[k]
        out.append(copy)
    return out


def _pairs(model, docs: Sequence[Doc], gold_key: str, labels: Sequence[str]):
    key = model.cfg["spans_key"]
    for doc in model.pipe(docs):
        pred = {(s.start, s.end, s.label_) for s in doc.spans.get(key, []) if s.label_ in labels}
        gold = {(s.start, s.end, s.label_) for s in doc.spans.get(gold_key, []) if s.label_ in labels}
        yield pred, gold


def resolve(cfg: dict, overrides: dict) -> dict:
    """``overrides`` applied to ``cfg`` (``"toggle"`` flips a boolean)."""
    out = dict(overrides)
    for k, v in overrides.items():
        if v == "toggle":
            out[k] = not bool(cfg.get(k))
    return out


def choose_settings(
    fit: Callable[[dict, Sequence[int]], object],
    cfg: dict,
    corpus: Sequence[Doc],
    reviewed: Sequence[int],
    weights: Sequence[float],
    *,
    gold: Sequence[Doc],
    gold_key: str = "gold",
    candidates: Sequence[dict] = DEFAULT_CANDIDATES,
    folds: int = 2,
    min_gain: float = 0.002,
    confidence: float = 0.9,
    n_boot: int = 500,
    seed: int = 0,
) -> Choice:
    """Pick the overrides of ``cfg`` that score best on the reviewed documents.

    ``fit(overrides, hidden)`` returns a fitted ``weak_hmm`` component with ``overrides``,
    fitted on ``corpus`` with the reviews of the documents ``hidden`` (corpus indices)
    left out; ``reviewed`` are the corpus indices of the reviewed documents, ``gold``
    their reviewed copies (``gold_key`` spans; ``review import --dev``), ``weights``
    their design weights."""
    labels = list(cfg.get("labels") or [])
    clamp = list(cfg.get("clamp_sources") or [])
    table: list[dict] = []
    best, best_f1, current = {}, None, None
    if not reviewed:
        return Choice({}, table)
    for cand in candidates:
        over = resolve(cfg, cand)
        learns = bool(over.get("clamp_learn", cfg.get("clamp_learn")))
        parts = [list(range(len(reviewed)))] if not learns else [
            list(range(f, len(reviewed), folds)) for f in range(min(folds, len(reviewed)))]
        pairs, w, order = [], [], []
        for part in parts:
            hidden = [reviewed[j] for j in part] if learns else []
            model = fit(over, hidden)
            labels = labels or list(model.labels)
            docs = _without([corpus[reviewed[j]] for j in part], clamp)
            for j, (pred, _) in zip(part, _pairs(model, docs, gold_key, labels)):
                g = {(s.start, s.end, s.label_) for s in gold[j].spans.get(gold_key, []) if s.label_ in labels}
                pairs.append((pred, g))
                w.append(weights[j])
                order.append(j)
        counts = _doc_counts(pairs, w, order, len(reviewed))
        score = weighted_prf(pairs, w)
        row = {"overrides": over, "f1": round(score["f1"], 4), "p": round(score["p"], 4), "r": round(score["r"], 4),
               "cross_fitted": learns}
        if current is None:
            current = counts
        else:
            row["p_better"] = round(_p_better(counts, current, n_boot, seed), 3)
        table.append(row)
        logger.info("review tuning: %s -> weighted F1 %.4f", over, score["f1"])
        if best_f1 is None:
            best, best_f1 = over, score["f1"]
        elif score["f1"] > best_f1 + min_gain and row["p_better"] >= confidence:
            best, best_f1 = over, score["f1"]
    return Choice(best, table)


def _doc_counts(pairs, weights, order, n) -> np.ndarray:
    """``(n, 3)`` weighted true positives, false positives, false negatives per reviewed document."""
    out = np.zeros((n, 3))
    for (pred, gold), w, j in zip(pairs, weights, order):
        out[j] = (w * len(pred & gold), w * len(pred - gold), w * len(gold - pred))
    return out


def _f1(c: np.ndarray) -> np.ndarray:
    tp, fp, fn = c[..., 0], c[..., 1], c[..., 2]
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.where(denom > 0, denom, 1), 0.0)


def _p_better(cand: np.ndarray, current: np.ndarray, n_boot: int, seed: int) -> float:
    """Share of bootstrap resamples of the reviewed documents (paired) where the candidate's
    weighted F1 beats the current settings': a few reviewed documents decide little, so a
    candidate must win on most resamples to replace the current settings."""
    n = len(cand)
    if n == 0:
        return 0.0
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    return float(np.mean(_f1(cand[idx].sum(axis=1)) > _f1(current[idx].sum(axis=1))))


def refitter(make: Callable[[dict], object], corpus: Sequence[Doc], clamp_keys: Sequence[str]):
    """A ``fit`` callable for :func:`choose_settings`: ``make(overrides)`` builds an
    unfitted component; the reviews (``clamp_keys`` groups) of the hidden documents are
    taken out of ``corpus`` for the fit and put back afterwards (the docs are unchanged)."""
    cache: dict = {}

    def fit(overrides: dict, hidden: Sequence[int]):
        key = (repr(sorted(overrides.items())), tuple(hidden) if overrides.get("clamp_learn") else ())
        if key in cache:
            return cache[key]
        saved = []
        for i in hidden:
            for k in clamp_keys:
                if k in corpus[i].spans:
                    saved.append((i, k, corpus[i].spans[k]))
                    del corpus[i].spans[k]
        try:
            model = make(overrides)
            model.fit(corpus)
        finally:
            for i, k, group in saved:
                corpus[i].spans[k] = group
        cache[key] = model
        return model

    return fit


def match_reviewed(corpus: Sequence[Doc], dev: Sequence[Doc], where: str = "the corpus") -> list[int]:
    """The corpus index of each reviewed dev-set document (by document id, else text);
    ``E413`` names a reviewed document the corpus does not hold, ``E414`` one whose text differs."""
    from ..corpora.align import ATTR_DOC_ID
    from ..errors import Errors, SpacyWeakError
    from .export import doc_key

    by_id = {doc_key(d, i): i for i, d in enumerate(corpus)}
    by_text: dict[str, int] = {}
    for i, d in enumerate(corpus):
        by_text.setdefault(d.text, i)
    out = []
    for j, rev in enumerate(dev):
        rid = rev.user_data.get(ATTR_DOC_ID)
        i = by_id.get(str(rid)) if rid is not None else None
        if i is not None and corpus[i].text != rev.text:
            raise SpacyWeakError(Errors.E414.format(doc_id=rid, where=where))
        i = by_text.get(rev.text) if i is None else i
        if i is None:
            raise SpacyWeakError(Errors.E413.format(doc_id=rid or f"#{j}", where=where))
        out.append(i)
    return out


def refit_with_reviews(component, corpus: Sequence[Doc], dev: Sequence[Doc], *, key: str = "human",
                       candidates: Sequence[dict] = DEFAULT_CANDIDATES, where: str = "the corpus") -> Choice:
    """Refit a ``weak_hmm`` component in place on ``corpus`` (which carries the reviews in
    ``doc.spans[key]``, ``review import``) with ``key`` clamped and the settings chosen on
    the reviewed dev set ``dev`` (``review import --dev``). Without reviews: the component's
    own settings, refitted (today's behaviour)."""
    from .importer import review_weights

    reviewed = match_reviewed(corpus, dev, where)
    weights = review_weights(dev)
    cfg = dict(component.cfg)
    cfg["clamp_sources"] = list(dict.fromkeys(list(cfg.get("clamp_sources") or []) + [key]))
    cls = type(component)

    def make(overrides):
        return cls(component.vocab, name=component.name, **{**cfg, **overrides})

    choice = choose_settings(refitter(make, corpus, [key]), cfg, corpus, reviewed, weights, gold=dev,
                             candidates=candidates) if reviewed else Choice({}, [])
    component.cfg.update(cfg)
    component.cfg.update(choice.overrides)
    component.fit(corpus)
    return choice
