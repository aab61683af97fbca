"""Boundary words: which words sit just outside a predicted span but inside its gold
mention ("missing left word: hereditary x60"), and which sit just inside a predicted
span but outside the gold one ("extra right word: ..."), per key and label.

Built on the pairs of :func:`~.breakdown.classify_key`: every predicted span of a boundary
class (``too_long``, ``too_short``, ``shifted``) with its gold partner. For such a pair
``(p, g)``:

``missing_left``   ``g.start < p.start``: the word just left of the prediction (``p.start - 1``);
``missing_right``  ``p.end < g.end``: the word just right of the prediction (``p.end``);
``extra_left``     ``p.start < g.start``: the first word of the prediction (``p.start``);
``extra_right``    ``g.end < p.end``: the last word of the prediction (``p.end - 1``).

Words are lower-cased. Each row gives ``count`` (pairs where the word is at that side),
``one_word`` (of those, pairs where that one word is the whole difference on that side, so
widening or trimming over it fixes the side), and ``breaks``: how often the same word sits
at that side of a prediction whose boundary on that side is already right (widening over a
``missing_left`` word moves those correct left edges; trimming an ``extra_left`` word cuts
them). ``count - breaks`` is a first estimate of what a rule over the word gains; the
:mod:`weak_boundary <spacy_weak.annotators.boundary>` source applies such rules.
"""
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from .breakdown import _P_EXACT, BOUNDARY_CLASSES, PRED_CLASSES, _Words, classify_key
from .data import CorpusData

SIDES = ("missing_left", "missing_right", "extra_left", "extra_right")


def _rows(count: Counter, one: Counter, breaks: Counter, n: int) -> list[dict[str, Any]]:
    ranked = sorted(count.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [{"word": w, "count": c, "one_word": one[w], "breaks": breaks[w]} for w, c in ranked]


def boundary_words(
    data: CorpusData, key: str, *, source_keys: Sequence[str] | None = None, n: int = 15
) -> dict[str, Any]:
    """``{"per_label": {label: {side: [{word, count, one_word, breaks}]}}, "all": {side: [...]}}``
    for the predicted spans of ``key`` (``[E600]`` unknown key, ``[E601]`` no gold)."""
    c = classify_key(data, key, source_keys)
    pred, gold = c["pred"], c["gold"]
    cls, partner = c["pred_class"], c["pred_partner"]
    words = _Words(data)
    boundary_codes = [PRED_CLASSES.index(b) for b in BOUNDARY_CLASSES]

    def w(i: int) -> str:
        return words.word(int(i)).lower()

    # per label and "all": side -> (count, one_word, breaks)
    tallies: dict[str, dict[str, list[Counter]]] = {}

    def tally(label: str) -> dict[str, list[Counter]]:
        return tallies.setdefault(label, {s: [Counter(), Counter(), Counter()] for s in SIDES})

    n_pairs = 0
    for i in range(len(pred)):
        j = int(partner[i])
        code = int(cls[i])
        if j < 0 or (code not in boundary_codes and code != _P_EXACT):
            continue
        ps, pe, gs, ge = int(pred.start[i]), int(pred.end[i]), int(gold.start[j]), int(gold.end[j])
        label = data.labels[int(pred.label[i])]
        events = []
        doc_lo = int(data.offsets[int(pred.doc[i])])
        doc_hi = int(data.offsets[int(pred.doc[i]) + 1])
        if code != _P_EXACT:
            n_pairs += 1
            if gs < ps:
                events.append(("missing_left", w(ps - 1), ps - gs == 1, 0))
            if pe < ge:
                events.append(("missing_right", w(pe), ge - pe == 1, 0))
            if ps < gs:
                events.append(("extra_left", w(ps), gs - ps == 1, 0))
            if ge < pe:
                events.append(("extra_right", w(pe - 1), pe - ge == 1, 0))
        # a right edge on a side: the word a rule for that side would wrongly move over
        if ps == gs:
            if ps > doc_lo:
                events.append(("missing_left", w(ps - 1), False, 1))
            if pe - ps > 1:
                events.append(("extra_left", w(ps), False, 1))
        if pe == ge:
            if pe < doc_hi:
                events.append(("missing_right", w(pe), False, 1))
            if pe - ps > 1:
                events.append(("extra_right", w(pe - 1), False, 1))
        for side, word, one, is_break in events:
            for lab in (label, "all"):
                count, one_c, breaks = tally(lab)[side]
                if is_break:
                    breaks[word] += 1
                else:
                    count[word] += 1
                    one_c[word] += int(one)
    out: dict[str, Any] = {"key": key, "pairs": n_pairs, "per_label": {}, "all": {}}
    for lab, sides in tallies.items():
        rows = {s: _rows(*sides[s], n) for s in SIDES}
        if lab == "all":
            out["all"] = rows
        else:
            out["per_label"][lab] = rows
    if not out["all"]:
        out["all"] = {s: [] for s in SIDES}
    return out


def boundary_words_all(data: CorpusData, keys: Sequence[str] | None = None, *, n: int = 15) -> dict[str, Any]:
    """:func:`boundary_words` for every key (aggregates, then sources), or ``{"skipped": "no gold"}``."""
    if data.gold is None or data.has_gold is None or not np.any(data.has_gold):
        return {"skipped": "no gold"}
    keys = list(data.aggregates) + list(data.sources) if keys is None else list(keys)
    return {"keys": {k: boundary_words(data, k, n=n) for k in keys}}


__all__ = ["SIDES", "boundary_words", "boundary_words_all"]
