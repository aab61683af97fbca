"""Diagnostics that tell a user what to change next (``docs/diagnostics.md``).

:func:`diagnose` gathers, for :class:`~.analysis.AnalysisResult`:

* ``breakdown``: the error breakdown of every aggregate and source (:mod:`.breakdown`);
* ``boundary_words``: the words at wrong span edges (:mod:`.boundary_words`);
* ``source_health``: dead sources (write nothing), redundant sources (every vote also
  cast, identically, by another source), negative sources that never meet a positive vote;
* ``error_documents``: per aggregate, the documents with most errors and the sources
  whose spans drove the wrong predictions;
* ``term_precision``: per source, the terms (span texts) with most wrong matches
  (:mod:`.term_precision`);
* ``misclassified_documents``: documents whose ``doc.cats`` disagree with gold, and the
  document-level sources that voted for the wrong class.

Sections that need gold are ``{"skipped": "no gold"}`` without it.
"""
from collections import Counter
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..spans import NEGATIVE_LABEL
from .boundary_words import boundary_words
from .breakdown import (
    PRED_CLASSES,
    breakdown_data,
    classify_key,
    entity_table,
    overlap_pairs,
)
from .data import CorpusData
from .tokens import TokenStats, span_keys, token_stats, unique

SKIPPED_NO_GOLD = {"skipped": "no gold"}


def _has_gold(data: CorpusData) -> bool:
    return data.gold is not None and data.has_gold is not None and bool(data.has_gold.any())


def source_health(data: CorpusData, stats: TokenStats | None = None) -> list[dict[str, Any]]:
    """One row per span-level source: is it dead, redundant, or a negative source that never
    meets a positive vote? Needs no gold.

    ``dead``: it wrote no span in any document (``never_ran`` if its key is in no document).
    ``duplicated``: share of its spans that another source also writes (same start, end, label);
    ``redundant``: that share is 1 (every vote it casts is already cast); ``subsumed_by``: the
    sources that alone cast every one of its votes.
    ``negative_meets``: for a source whose spans are all ``"O"``, the share of its ``"O"`` tokens
    on which another source votes an entity label; ``inert_negative``: that share is 0, so its
    votes never oppose anything and the label model learns nothing from them.
    """
    stats = stats if stats is not None else token_stats(data)
    neg = data.labels.index(NEGATIVE_LABEL) if NEGATIVE_LABEL in data.labels else -1
    keys = {k: unique(span_keys(data.tables[k], data)) for k in data.sources}
    o_bit = np.uint64(1)
    positive_votes = (stats.votes & ~o_bit) != 0  # (tokens, sources): an entity vote
    rows = []
    for j, key in enumerate(data.sources):
        table = data.tables[key]
        mine = keys[key]
        row: dict[str, Any] = {
            "source": key,
            "n_spans": len(table),
            "never_ran": not bool(data.ran[key].any()),
            "dead": len(table) == 0,
        }
        if len(mine):
            seen = np.zeros(len(mine), dtype=bool)
            subsumed = []
            for other, theirs in keys.items():
                if other == key or not len(theirs):
                    continue
                hit = np.isin(mine, theirs, assume_unique=True)
                seen |= hit
                if hit.all():
                    subsumed.append(other)
            row["duplicated"] = float(seen.mean())
            row["redundant"] = bool(seen.all())
            row["subsumed_by"] = subsumed
        else:
            row.update(duplicated=None, redundant=False, subsumed_by=[])
        only_negative = len(table) > 0 and bool((table.label == neg).all())
        row["only_negative"] = only_negative
        if only_negative:
            mine_o = stats.votes[:, j] & o_bit != 0
            others = np.delete(positive_votes, j, axis=1).any(axis=1) if positive_votes.shape[1] > 1 else np.zeros(data.n_tokens, bool)
            n_o = int(mine_o.sum())
            row["negative_meets"] = float((mine_o & others).sum() / n_o) if n_o else None
            row["inert_negative"] = n_o > 0 and not bool((mine_o & others).any())
        else:
            row["negative_meets"] = None
            row["inert_negative"] = False
        rows.append(row)
    return rows


def error_documents(
    data: CorpusData, key: str, classified: dict[str, Any], *, n: int = 10, source_keys: Sequence[str] | None = None
) -> list[dict[str, Any]]:
    """The ``n`` documents where ``key`` makes most errors (non-exact predicted spans plus missed
    or wrong gold mentions), each with the sources whose spans overlap its wrong predictions
    (the votes that drove them), most frequent first."""
    pred, gold = classified["pred"], classified["gold"]
    p_err = classified["pred_class"] != PRED_CLASSES.index("exact")
    g_err = classified["gold_class"] != 0
    err = np.bincount(pred.doc[p_err], minlength=data.n_docs) + np.bincount(gold.doc[g_err], minlength=data.n_docs)
    wrong = pred.select(p_err)
    drivers: dict[int, Counter] = {}
    for other in data.sources if source_keys is None else source_keys:
        if other == key or other not in data.tables:
            continue
        t = entity_table(data, data.tables[other], classified["docs"])
        ia, _ = overlap_pairs(wrong, t)
        if len(ia):
            for d, count in zip(*np.unique(wrong.doc[ia], return_counts=True)):
                drivers.setdefault(int(d), Counter())[other] += int(count)
    order = np.lexsort((np.arange(data.n_docs), -err))
    rows = []
    for d in order[:n]:
        if err[d] == 0:
            break
        n_pred_err = int((pred.doc[p_err] == d).sum())
        rows.append(
            {
                "doc": int(d),
                "id": data.doc_ids[d] if data.doc_ids else None,
                "errors": int(err[d]),
                "wrong_predictions": n_pred_err,
                "gold_not_found": int(err[d]) - n_pred_err,
                "drivers": [f"{s} ×{c}" for s, c in drivers.get(int(d), Counter()).most_common(5)],
            }
        )
    return rows


def misclassified_documents(data: CorpusData, *, n: int = 10) -> Any:
    """Documents whose ``doc.cats`` top class (exclusive classes) is not the gold class, with the
    document-level sources that voted for the predicted class (drivers) and against gold."""
    gold_cats = data.gold_cats or []
    if not any(c for c in gold_cats):
        return SKIPPED_NO_GOLD
    rows = []
    for d, (cats, gold) in enumerate(zip(data.cats, gold_cats)):
        if not cats or not gold:
            continue
        pred_label = max(cats, key=cats.get)
        gold_label = max(gold, key=gold.get)
        if pred_label == gold_label:
            continue
        drivers, against = [], []
        for key in data.doc_sources:
            votes = data.doc_votes[key][d] or {}
            if votes.get(pred_label) == 1:
                drivers.append(key)
            if votes.get(gold_label) == 0 or any(v == 1 and lab != gold_label for lab, v in votes.items()):
                against.append(key)
        rows.append(
            {
                "doc": d,
                "id": data.doc_ids[d] if data.doc_ids else None,
                "gold": gold_label,
                "predicted": pred_label,
                "prob": float(cats[pred_label]),
                "drivers": drivers,
                "against_gold": against,
            }
        )
    rows.sort(key=lambda r: (-r["prob"], r["doc"]))
    driver_counts = Counter(s for r in rows for s in r["drivers"])
    return {"n": len(rows), "documents": rows[:n], "driver_counts": dict(driver_counts.most_common())}


def diagnose(
    data: CorpusData,
    stats: TokenStats | None = None,
    *,
    n_examples: int = 10,
    n_words: int = 15,
    n_documents: int = 10,
) -> dict[str, Any]:
    """All diagnostics of :mod:`spacy_weak.evaluation.diagnostics` for one corpus."""
    out: dict[str, Any] = {"source_health": source_health(data, stats)}
    if _has_gold(data):
        breakdown, words, docs = {}, {}, {}
        for key in list(data.aggregates) + list(data.sources):
            c = classify_key(data, key)
            breakdown[key] = breakdown_data(data, key, n_examples=n_examples, classified=c)
            words[key] = boundary_words(data, key, n=n_words, classified=c)
            if key in data.aggregates:
                docs[key] = error_documents(data, key, c, n=n_documents)
        out["breakdown"] = {"keys": breakdown}
        out["boundary_words"] = {"keys": words}
        out["error_documents"] = docs
        from .term_precision import term_precision_all

        out["term_precision"] = term_precision_all(data, n=n_words)
    else:
        out["breakdown"] = dict(SKIPPED_NO_GOLD)
        out["boundary_words"] = dict(SKIPPED_NO_GOLD)
        out["error_documents"] = dict(SKIPPED_NO_GOLD)
        out["term_precision"] = dict(SKIPPED_NO_GOLD)
    if data.doc_sources or any(data.cats):
        out["misclassified_documents"] = misclassified_documents(data, n=n_documents)
    return out


__all__ = ["diagnose", "error_documents", "misclassified_documents", "source_health"]
