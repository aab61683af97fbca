"""Cross-validated selection of recipe changes (greedy forward, then a backward check).

The reviewed documents are split into ``k`` folds. A candidate's effect on fold ``f`` is
measured by deriving it on the other folds (:meth:`.changes.Candidate.derive`), re-aggregating
the held-out documents with it (:meth:`.workspace.Workspace.columns` + a fitted label model)
and counting strict span matches against the held-out gold; counts are pooled over folds
and turned into one F1. A change is never scored on the documents it was derived from.

1. The label model is fitted (unsupervised, on every document) on the recipe as it is
   (*base*) and on the recipe plus the new sources of every candidate (*union*: their
   emission parameters); forward selection decodes with the union fit, adding at each step
   the candidate with the best pooled F1 while it improves (only candidates that improved on
   their own in the first round are tried again).
2. The label model is refitted with the selected changes (derived on all reviewed documents);
   each change's cross-validated effect is the pooled F1 with all of them minus the F1
   without it, decoded with that fit; a change whose effect is not positive is removed (the
   worst first) and the rest rechecked.
3. ``cv_f1_before`` (the recipe, base fit) and ``cv_f1_after`` (the kept set, refit) are
   both pooled over the same held-out folds.
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

    def counts(self, chosen: Sequence[Candidate], model: FittedModel) -> np.ndarray:
        total = np.zeros(3, np.int64)
        for f, fold in enumerate(self.folds):
            edit = combine((c, self.derived(c, f)) for c in chosen)
            X, names = self.ws.columns(edit, fold)
            pred = model.decode(X, names, self.ws.lengths[fold], fold, self.ws.labels)
            total += self.ws.counts(pred, fold)
        return total


def fit_edit(ws: Workspace, lm: LabelModel, edit) -> FittedModel:
    """Fit on every document under ``edit``; dropped sources stay in the fit (so a decode
    can score the change with and without the drop) and are left out when decoding."""
    docs = list(range(len(ws.docs)))
    dropped, edit.dropped = edit.dropped, set()
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

    # 1. forward selection with the union fit
    union = combine((c, c.derive(stats, reviewed)) for c in cands if c.kind in ("boundary", "coordination", "new_terms"))
    union_model = fit_edit(ws, lm, union)
    chosen: list[Candidate] = []
    current = f1(cv.counts([], union_model))
    pool = list(cands)
    tried = {}
    first = True
    while pool and len(chosen) < max_changes:
        scored = []
        for c in pool:
            score = f1(cv.counts(chosen + [c], union_model))
            scored.append((score, c))
            if first:
                tried[c.name] = score - current
        scored.sort(key=lambda x: (-x[0], x[1].name))
        best, cand = scored[0]
        if best <= current + 1e-12:
            break
        if first:
            pool = [c for c in pool if tried[c.name] > 0]
            first = False
        chosen.append(cand)
        current = best
        pool = [c for c in pool if c != cand]
        logger.info("suggest: + %s (CV F1 %.4f)", cand.name, current)

    # 2. refit with the kept set, backward check
    model = base_model
    effects: dict[Candidate, float] = {}
    while chosen:
        edit = combine((c, c.derive(stats, reviewed)) for c in chosen)
        model = fit_edit(ws, lm, edit)
        full = f1(cv.counts(chosen, model))
        effects = {c: full - f1(cv.counts([x for x in chosen if x != c], model)) for c in chosen}
        worst = min(chosen, key=lambda c: (effects[c], c.name))
        if effects[worst] > 0:
            break
        logger.info("suggest: - %s (CV effect %.4f after the refit)", worst.name, effects[worst])
        chosen.remove(worst)
        effects = {}
    if not chosen:
        model = base_model
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
