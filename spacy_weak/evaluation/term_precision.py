"""Per-term and per-concept precision of a source (typically a gazetteer) on gold, and the
export of its worst terms as a stop-term list or a filtered lexicon.

Each predicted span of the key is classified as in :mod:`.breakdown` (exact, boundary,
wrong label, spurious). A *term* is the span's text, lower-cased; a *concept* its
``kb_id_`` (read from the Docs; unknown when only :class:`CorpusData` is given). Per term
and per concept:

``matches``     predicted spans (deduplicated on start, end, label) in documents with gold;
``exact``       of them, exact matches of a gold mention (strict: start, end and label);
``boundary``    overlapping a gold mention of the same label with other edges;
``wrong``       wrong label or spurious: the term marks no mention of its label there;
``precision``   ``exact / matches`` (the strict span precision of the term);
``hit_rate``    ``(exact + boundary) / matches``: the term sits on a mention of its label.

A *bad term* for a stop list has ``matches >= min_matches`` and ``hit_rate <= max_hit_rate``:
it mostly marks nothing (dropping a term with a low precision but a high hit rate, such as
"cancer" inside "breast cancer", would lose what the boundary source and the label model
widen).
"""
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from .breakdown import PRED_CLASSES, _Words, classify_key, collect_for_key
from .data import CorpusData

SORT_KEYS = ("wrong", "matches", "precision", "hit_rate", "term")
_BOUNDARY = {PRED_CLASSES.index(c) for c in ("too_long", "too_short", "shifted")}
_EXACT = PRED_CLASSES.index("exact")


def _row(name_key: str, name: str) -> dict[str, Any]:
    return {name_key: name, "matches": 0, "exact": 0, "boundary": 0, "wrong": 0}


def _finish(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        r["precision"] = r["exact"] / r["matches"] if r["matches"] else None
        r["hit_rate"] = (r["exact"] + r["boundary"]) / r["matches"] if r["matches"] else None
        if isinstance(r.get("concepts"), set):
            r["concepts"] = sorted(r["concepts"])
        if isinstance(r.get("terms"), set):
            r["terms"] = sorted(r["terms"])
        out.append(r)
    return out


def sort_rows(rows: list[dict[str, Any]], by: str = "wrong") -> list[dict[str, Any]]:
    """Sort term or concept rows: ``wrong`` / ``matches`` (most first), ``precision`` /
    ``hit_rate`` (lowest first, then most matches), ``term`` (alphabetical)."""
    if by not in SORT_KEYS:
        raise SpacyWeakError(Errors.E604.format(value=by, options=", ".join(SORT_KEYS)))
    name = "term" if rows and "term" in rows[0] else "concept"
    if by in ("wrong", "matches"):
        return sorted(rows, key=lambda r: (-r[by], r[name]))
    if by in ("precision", "hit_rate"):
        return sorted(rows, key=lambda r: (r[by] if r[by] is not None else 2.0, -r["matches"], r[name]))
    return sorted(rows, key=lambda r: r[name])


def term_precision_data(
    data: CorpusData,
    key: str,
    *,
    concepts: dict[tuple, set] | None = None,
) -> dict[str, Any]:
    """Per-term (and, given ``concepts`` — ``{(global start, end, label index): {kb_id}}`` —
    per-concept) rows for ``key``. ``[E600]`` unknown key, ``[E601]`` no gold."""
    c = classify_key(data, key)
    pred, cls = c["pred"], c["pred_class"]
    words = _Words(data)
    terms: dict[tuple, dict[str, Any]] = {}
    by_concept: dict[str, dict[str, Any]] = {}
    for i in range(len(pred)):
        s, e, lab = int(pred.start[i]), int(pred.end[i]), int(pred.label[i])
        label = data.labels[lab]
        text = words.text(s, e).lower()
        code = int(cls[i])
        field = "exact" if code == _EXACT else ("boundary" if code in _BOUNDARY else "wrong")
        row = terms.get((text, label))
        if row is None:
            row = terms[(text, label)] = _row("term", text)
            row["label"] = label
            row["concepts"] = set()
        row["matches"] += 1
        row[field] += 1
        for cid in (concepts or {}).get((s, e, lab), ()):
            if not cid:
                continue
            row["concepts"].add(cid)
            crow = by_concept.get(cid)
            if crow is None:
                crow = by_concept[cid] = _row("concept", cid)
                crow["terms"] = set()
            crow["matches"] += 1
            crow[field] += 1
            crow["terms"].add(text)
    out: dict[str, Any] = {"key": key, "docs": int(c["docs"].sum()), "terms": _finish(terms.values())}
    if concepts is not None:
        out["concepts"] = _finish(by_concept.values())
    return out


def term_precision(
    docs: CorpusData | Iterable[Doc],
    key: str,
    *,
    gold_key: str | None = "gold",
    gold_docs: Iterable[Doc] | None = None,
) -> dict[str, Any]:
    """Per-term and per-concept precision of the span key ``key`` on gold (module docstring).

    docs: annotated Docs (the concepts are the spans' ``kb_id_``), or a :class:`CorpusData`
    (terms only).
    """
    if isinstance(docs, CorpusData):
        return term_precision_data(docs, key)
    docs = list(docs)
    data = collect_for_key(docs, key, gold_docs=gold_docs, gold_key=gold_key)
    index = {label: i for i, label in enumerate(data.labels)}
    concepts: dict[tuple, set] = defaultdict(set)
    for i, doc in enumerate(docs):
        if key not in doc.spans:
            continue
        offset = int(data.offsets[i])
        for span in doc.spans[key]:
            if span.kb_id_ and span.label_ in index:
                concepts[(offset + span.start, offset + span.end, index[span.label_])].add(span.kb_id_)
    return term_precision_data(data, key, concepts=concepts)


def worst_terms(
    rows: Sequence[dict[str, Any]], *, min_matches: int = 2, max_hit_rate: float = 0.2
) -> list[dict[str, Any]]:
    """Term rows that mostly mark nothing: ``matches >= min_matches`` and ``hit_rate <= max_hit_rate``,
    most wrong matches first."""
    if min_matches < 1 or not 0.0 <= max_hit_rate <= 1.0:
        raise SpacyWeakError(Errors.E605.format(min_matches=min_matches, max_hit_rate=max_hit_rate))
    bad = [r for r in rows if r["matches"] >= min_matches and r["hit_rate"] is not None and r["hit_rate"] <= max_hit_rate]
    return sort_rows(bad, "wrong")


def write_stop_terms(path: str | Path, rows: Sequence[dict[str, Any]]) -> int:
    """One term per line (the format of ``--stop-terms`` and the gazetteer's ``stop_terms``)."""
    from ..io import write_text_atomic

    terms = sorted({r["term"] for r in rows})
    write_text_atomic(path, "".join(t + "\n" for t in terms))
    return len(terms)


def filter_lexicon(
    input_path: str | Path, output_path: str | Path, stop_terms: Iterable[str], *, shapes: Iterable[str] = ()
) -> dict[str, int]:
    """Copy a TSV/JSONL lexicon without the records whose term (normalised as the gazetteer
    matches it: lower case, hyphens and spaces folded) is a stop term, nor those whose term
    has one of ``shapes`` (:mod:`spacy_weak.lexicons.shapes`). Returns counts."""
    from ..lexicons.normalize import Normalizer
    from ..lexicons.shapes import SHAPES
    from ..lexicons.tabular import iter_jsonl, iter_tsv, write_jsonl, write_tsv

    norm = Normalizer()
    stop = {norm.key(t) for t in stop_terms}
    jsonl = str(input_path).endswith((".jsonl", ".jsonl.gz"))
    reader = iter_jsonl if jsonl else iter_tsv
    counts = {"read": 0, "dropped": 0, "kept": 0}
    predicates = [SHAPES[s] for s in shapes]

    def records():
        for rec in reader(input_path):
            counts["read"] += 1
            if norm.key(rec.term) in stop or any(p(rec.term) for p in predicates):
                counts["dropped"] += 1
                continue
            counts["kept"] += 1
            yield rec

    out = Path(output_path)  # both writers are atomic and gzip a ".gz" path
    (write_jsonl if str(out).endswith((".jsonl", ".jsonl.gz")) else write_tsv)(out, records())
    return counts


def term_precision_all(data: CorpusData, keys: Sequence[str] | None = None, *, n: int = 15) -> dict[str, Any]:
    """For the report: the ``n`` worst terms (most wrong matches) of every source."""
    if data.gold is None or data.has_gold is None or not np.any(data.has_gold):
        return {"skipped": "no gold"}
    keys = list(data.sources) if keys is None else list(keys)
    out = {}
    for key in keys:
        rows = term_precision_data(data, key)["terms"]
        out[key] = sort_rows([r for r in rows if r["wrong"]], "wrong")[:n]
    return {"keys": out}


__all__ = [
    "SORT_KEYS",
    "filter_lexicon",
    "sort_rows",
    "term_precision",
    "term_precision_all",
    "term_precision_data",
    "worst_terms",
    "write_stop_terms",
]
