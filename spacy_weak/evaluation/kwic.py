"""Keyword in context for error strings, and the export of missed strings as a lexicon.

:func:`keyword_in_context`: for the most frequent strings of each error class of a key
(``spurious`` "VHL ×13", ``missed_no_vote`` "mesna ×20" ...), the words around a few of their
occurrences, so a reader sees *why* without opening the documents: ``"... loss of [VHL]
expression in ..."``. :func:`missed_lexicon_rows` lists the gold mentions no source voted on
(``missed_no_vote``) as ``(term, label, count)``, the rows of a TSV lexicon for a new gazetteer.
"""
from collections import Counter, defaultdict
from typing import Any

from .breakdown import GOLD_CLASSES, PRED_CLASSES, _Words
from .data import CorpusData


def _context(words: _Words, data: CorpusData, doc: int, start: int, end: int, width: int) -> str:
    lo, hi = int(data.offsets[doc]), int(data.offsets[doc + 1])
    left = words.text(max(lo, start - width), start) if start > lo else ""
    right = words.text(end, min(hi, end + width)) if end < hi else ""
    pre = "… " if start - width > lo else ""
    post = " …" if end + width < hi else ""
    return f"{pre}{left} [{words.text(start, end)}] {right}{post}".strip()


def keyword_in_context(
    data: CorpusData,
    classified: dict[str, Any],
    *,
    n_strings: int = 5,
    n_contexts: int = 3,
    width: int = 5,
    classes: tuple[str, ...] = ("spurious", "too_long", "too_short", "wrong_label", "missed_no_vote", "missed_voted"),
) -> dict[str, list[dict[str, Any]]]:
    """``{class: [{"text", "count", "contexts": [str]}]}`` for the ``n_strings`` most frequent
    strings of each class (predicted-span classes and gold classes of ``classify_key``)."""
    words = _Words(data)
    out: dict[str, list[dict[str, Any]]] = {}
    for side, names in (("pred", PRED_CLASSES), ("gold", GOLD_CLASSES)):
        table, cls = classified[side], classified[f"{side}_class"]
        for name in names:
            if name not in classes or name == "exact" or (side == "gold" and name in PRED_CLASSES):
                continue  # boundary and wrong-label strings are shown as predicted
            code = names.index(name)
            where: dict[str, list[int]] = defaultdict(list)
            counts: Counter = Counter()
            for i in range(len(table)):
                if int(cls[i]) != code:
                    continue
                text = words.text(int(table.start[i]), int(table.end[i]))
                counts[text] += 1
                where[text].append(i)
            rows = []
            for text, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n_strings]:
                ctx = [_context(words, data, int(table.doc[i]), int(table.start[i]), int(table.end[i]), width)
                       for i in where[text][:n_contexts]]
                rows.append({"text": text, "count": count, "contexts": ctx})
            out[name] = rows
    return out


def missed_lexicon_rows(data: CorpusData, classified: dict[str, Any]) -> list[tuple[str, str, int]]:
    """Gold mentions no source voted on, as ``(term, label, count)``, most frequent first."""
    words = _Words(data)
    gold, cls = classified["gold"], classified["gold_class"]
    code = GOLD_CLASSES.index("missed_no_vote")
    counts: Counter = Counter()
    for i in range(len(gold)):
        if int(cls[i]) == code:
            counts[(words.text(int(gold.start[i]), int(gold.end[i])), data.labels[int(gold.label[i])])] += 1
    return [(t, lab, n) for (t, lab), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def write_missed_lexicon(path, rows, *, min_count: int = 1) -> int:
    """A TSV lexicon (``term<TAB>label``, the format of ``spacy_weak.lexicon.v1``) of the rows."""
    from ..io import write_text_atomic

    kept = [(t, lab) for t, lab, n in rows if n >= min_count and "\t" not in t and "\n" not in t]
    write_text_atomic(path, "term\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in kept))
    return len(kept)


__all__ = ["keyword_in_context", "missed_lexicon_rows", "write_missed_lexicon"]
