"""Cross-validated selection of recipe changes (greedy forward, then a backward check).

The reviewed documents are split into ``k`` folds. A candidate's effect on fold ``f`` is
measured by deriving it on the other folds (:meth:`.changes.Candidate.derive`), re-aggregating
the held-out documents with it (:meth:`.workspace.Workspace.columns` + a fitted label model)
and counting strict span matches against the held-out gold; counts are pooled over folds
and turned into one F1. A change is never scored on the documents it was derived from.

1. The label model is fitted (unsupervised, on every document) on the recipe as it is
   (*base*) and on the recipe plus the new sources of every candidate (*union*: their
   emission parameters). Forward selection decodes with the union fit and adds, at each step,
   the candidate with the best pooled F1 that gains at least ``min_gain`` with more held-out
   folds gaining than losing (:func:`accept`); after the first round only the candidates that
   gained on their own are tried again.
2. The label model is refitted with the selected changes (derived on all reviewed documents);
   each change's cross-validated effect is the pooled F1 with all of them minus the F1
   without it, decoded with that fit; a change below ``min_gain`` is removed (the worst
   first) and the rest rechecked.
3. Sources to drop: those whose removal gains at decoding are refitted without the source
   (a dropped source changes what the label model learns of the others) and pass when that
   refit passes :func:`accept`. Kinds in ``propose_only`` (default: ``drop_source``) are
   reported as proposals and not applied: on BC5CDR dev, every source drop chosen from 50
   reviewed documents lowered the F1 (4 of 4 in three draws, -0.1 to -0.6), although each
   passed this test; a drop changes every document, and 50 documents do not show it.
4. ``cv_f1_before`` (the recipe, base fit) and ``cv_f1_after`` (the kept set, its refit) are
   pooled over the same held-out folds.
"""
import logging
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .changes import KINDS, Candidate, ReviewStats, candidates, combine, describe
from .workspace import FittedModel, LabelModel, Workspace, f1

logger = logging.getLogger(__name__)


def make_folds(docs: Sequence[int], k: int, seed: int) -> list[list[int]]:
    order = list(docs)
    np.random.default_rng(seed).shuffle(order)
    k = max(2, min(k, len(order)))
    return [sorted(order[j::k]) for j in range(k)]


class CrossValidation:
    def __init__(self, ws: Workspace, stats: ReviewStats, folds: list[list[int]]):
        self.ws = ws
        self.stats = stats
        self.folds = folds
        self.train = [[d for g, fold in enumerate(folds) if g != f for d in fold] for f in range(len(folds))]
        self._derived: dict[tuple[Candidate, int], tuple] = {}

    def derived(self, cand: Candidate, f: int) -> tuple:
        key = (cand, f)
        if key not in self._derived:
            self._derived[key] = cand.derive(self.stats, self.train[f])
        return self._derived[key]

    def per_fold(self, chosen: Sequence[Candidate], model: FittedModel) -> np.ndarray:
        """``(reviewed docs, 3)`` strict ``tp, fp, fn`` of each document while its fold is
        held out, under ``chosen`` (rows in fold order)."""
        rows = []
        for f, fold in enumerate(self.folds):
            edit = combine((c, self.derived(c, f)) for c in chosen)
            X, names = self.ws.columns(edit, fold)
            pred = model.decode(X, names, self.ws.lengths[fold], fold, self.ws.labels)
            rows += [self.ws.counts(pred, [i]) for i in fold]
        return np.array(rows, dtype=np.int64).reshape(-1, 3)

    def counts(self, chosen: Sequence[Candidate], model: FittedModel) -> np.ndarray:
        return self.per_fold(chosen, model).sum(0)


N_BOOTSTRAP = 400
CONFIDENCE = 0.8


def accept(new: np.ndarray, old: np.ndarray, min_gain: float, confidence: float = CONFIDENCE) -> bool:
    """A change is kept when its pooled held-out F1 gains at least ``min_gain`` and the gain
    holds up when the reviewed documents are resampled: in a paired bootstrap over documents
    (their held-out counts with and without the change), at least ``confidence`` of the
    resamples gain. A gain carried by one or two documents does not pass."""
    if f1(new.sum(0)) - f1(old.sum(0)) < min_gain:
        return False
    n = len(new)
    idx = np.random.default_rng(0).integers(0, n, size=(N_BOOTSTRAP, n))
    a, b = new[idx].sum(1), old[idx].sum(1)  # (resamples, 3)

    def f1v(c):
        den = 2 * c[:, 0] + c[:, 1] + c[:, 2]
        return np.where(den > 0, 2 * c[:, 0] / np.maximum(den, 1), 0.0)

    return float(np.mean(f1v(a) - f1v(b) > 0)) >= confidence


def fit_edit(ws: Workspace, lm: LabelModel, edit, *, keep_dropped: bool = True) -> FittedModel:
    """Fit on every document under ``edit``; with ``keep_dropped`` dropped sources stay in the
    fit (a decode scores the change with and without the drop) and are left out when decoding."""
    docs = list(range(len(ws.docs)))
    dropped = edit.dropped
    if keep_dropped:
        edit.dropped = set()
    try:
        X, names = ws.columns(edit, docs)
    finally:
        edit.dropped = dropped
    return lm.fit(X, ws.lengths, names, ws.labels)


def suggest_changes(
    ws: Workspace,
    hmm_cfg: dict[str, Any],
    *,
    gazetteers: Sequence[str] = (),
    kinds: Sequence[str] = KINDS,
    k: int = 5,
    seed: int = 0,
    max_changes: int = 20,
    min_gain: float = 0.001,
    confidence: float = CONFIDENCE,
    max_drop_refits: int = 3,
    propose_only: Sequence[str] = ("drop_source",),
) -> dict[str, Any]:
    """Select recipe changes by cross-validation over ``ws.reviewed`` (module docstring).

    Returns ``{"changes": [{kind, target, detail, items, cv_effect}], "cv_f1_before",
    "cv_f1_after", "folds", "tried", "model": the label model fitted with the kept changes,
    "edit": the kept changes derived on all reviewed documents, "seconds"}``.
    """
    t0 = time.perf_counter()
    lm = LabelModel(hmm_cfg)
    reviewed = sorted(ws.reviewed)
    all_docs = list(range(len(ws.docs)))
    base = combine([])
    base_model = fit_edit(ws, lm, base)
    X, names = ws.columns(base, reviewed)
    predicted = base_model.decode(X, names, ws.lengths[reviewed], reviewed, ws.labels)
    stats = ReviewStats(ws, predicted, gazetteers)
    cands = candidates(ws.sources, ws.labels, gazetteers, kinds)
    cands = [c for c in cands if c.derive(stats, reviewed)]  # nothing to derive even from all: skip
    folds = make_folds(reviewed, k, seed)
    cv = CrossValidation(ws, stats, folds)
    before = cv.counts([], base_model)
    logger.info("suggest: %d candidates, %d folds of %d reviewed docs; CV F1 before %.4f",
                len(cands), len(folds), len(reviewed), f1(before))

    # 1. forward selection with the union fit (sources to drop come last, with their own refits)
    union = combine((c, c.derive(stats, reviewed)) for c in cands if c.kind in ("boundary", "coordination", "new_terms"))
    union_model = fit_edit(ws, lm, union)
    chosen: list[Candidate] = []
    cur = cv.per_fold([], union_model)
    pool = [c for c in cands if c.kind != "drop_source"]
    tried: dict[str, float] = {}
    first = True
    while pool and len(chosen) < max_changes:
        scored = []
        for c in pool:
            per = cv.per_fold(chosen + [c], union_model)
            scored.append((f1(per.sum(0)), c, per))
            if first:
                tried[c.name] = f1(per.sum(0)) - f1(cur.sum(0))
        scored.sort(key=lambda x: (-x[0], x[1].name))
        best = next(((sc, c, per) for sc, c, per in scored if accept(per, cur, min_gain, confidence)), None)
        if first:
            pool = [c for c in pool if tried[c.name] >= min_gain]
            first = False
        if best is None:
            break
        _sc, cand, cur = best
        chosen.append(cand)
        pool = [c for c in pool if c != cand]
        logger.info("suggest: + %s (CV F1 %.4f)", cand.name, f1(cur.sum(0)))

    # 2. refit with the kept set; backward check (a change must still gain under the refit)
    model = base_model
    effects: dict[Candidate, float] = {}
    while chosen:
        model = fit_edit(ws, lm, combine((c, c.derive(stats, reviewed)) for c in chosen))
        full = cv.per_fold(chosen, model)
        effects = {c: f1(full.sum(0)) - f1(cv.per_fold([x for x in chosen if x != c], model).sum(0)) for c in chosen}
        worst = min(chosen, key=lambda c: (effects[c], c.name))
        if effects[worst] >= min_gain:
            break
        logger.info("suggest: - %s (CV effect %.4f after the refit)", worst.name, effects[worst])
        chosen.remove(worst)
        effects = {}
    if not chosen:
        model = base_model

    # 3. sources to drop: a refit without the source must gain on the held-out folds
    proposed: list[dict[str, Any]] = []
    drops = [c for c in cands if c.kind == "drop_source"]
    if drops and len(chosen) < max_changes:
        cur = cv.per_fold(chosen, model)
        quick = []
        for c in drops:
            per = cv.per_fold(chosen + [c], model)
            tried[c.name] = f1(per.sum(0)) - f1(cur.sum(0))
            if tried[c.name] >= min_gain:
                quick.append((tried[c.name], c))
        for _g, c in sorted(quick, key=lambda x: (-x[0], x[1].name))[:max_drop_refits]:
            refit = fit_edit(ws, lm, combine((x, x.derive(stats, reviewed)) for x in chosen + [c]), keep_dropped=False)
            per = cv.per_fold(chosen + [c], refit)
            gain = f1(per.sum(0)) - f1(cur.sum(0))
            tried[c.name + " refit"] = gain
            if not accept(per, cur, min_gain, confidence):
                continue
            if c.kind in propose_only:
                rec = describe(c, c.derive(stats, reviewed))
                rec.update(cv_effect=gain, why=_why(c, stats, reviewed))
                proposed.append(rec)
                logger.info("suggest: proposed, not applied: %s (CV effect %.4f, refitted)", c.name, gain)
                continue
            chosen.append(c)
            effects[c] = gain
            model, cur = refit, per
            logger.info("suggest: + %s (CV F1 %.4f, refitted)", c.name, f1(cur.sum(0)))
    after = cv.counts(chosen, model)
    edit = combine((c, c.derive(stats, reviewed)) for c in chosen)
    changes = []
    for c in chosen:
        rec = describe(c, c.derive(stats, reviewed))
        rec["cv_effect"] = effects.get(c, 0.0)
        rec["why"] = _why(c, stats, reviewed)
        changes.append(rec)
    return {
        "changes": changes,
        "proposed": proposed,
        "cv_f1_before": f1(before),
        "cv_f1_after": f1(after),
        "cv_counts_before": before.tolist(),
        "cv_counts_after": after.tolist(),
        "folds": len(folds),
        "reviewed_docs": len(reviewed),
        "docs": len(all_docs),
        "candidates": len(cands),
        "tried": tried,
        "term_texts": {" ".join(t): text for t, text in stats.texts.items()},
        "edit": edit,
        "chosen": chosen,
        "model": model,
        "base_model": base_model,
        "seconds": time.perf_counter() - t0,
    }


def _why(c: Candidate, stats: ReviewStats, docs: Sequence[int]) -> str:
    """One line on what the reviewed documents showed."""
    if c.kind == "stop_terms":
        tab = stats.sum(stats.terms, docs)
        items = c.derive(stats, docs)
        m = sum(int(tab[(c.target, t)][0]) for t in items)
        h = sum(int(tab[(c.target, t)][2]) for t in items)
        return f"{len(items)} texts of {c.target} with {m} matches on the reviewed docs, {h} on a mention"
    if c.kind == "shape_filter":
        vec = stats.sum(stats.shapes, docs)[(c.target, c.detail)]
        return f"{c.target}'s {c.detail}-shaped matches: {int(vec[0])}, {int(vec[1])} exact"
    if c.kind == "boundary":
        return f"words at the {c.side.replace('_', ' ')} of {c.target} mentions (net one-word fixes >= {c.detail.split(':')[1]})"
    if c.kind == "coordination":
        return f"the {c.detail} form of weak_boundary for {c.target}"
    if c.kind == "new_terms":
        return f"{c.target} mentions the label model missed ({c.detail.replace('n', 'mentions ')}), mostly mentions where they occur"
    return f"{c.target} left out of the label model"


__all__ = ["CrossValidation", "make_folds", "suggest_changes"]
