"""Review import: reviewed JSONL (Prodigy span format or Argilla 2.x records) back into
the corpus.

Each reviewed record is matched to a corpus document by ``meta.doc_id`` (Prodigy) /
``id`` (Argilla), else by the text. Its spans (character offsets) are aligned to the
corpus tokens: exact spans are kept, spans whose boundaries fall inside a token are
expanded to the covering tokens and counted as *fixed*, spans that cannot be aligned
(outside the text) are *dropped* and reported (``W404``); none is lost silently.

Annotators: Prodigy's ``_annotator_id`` (else ``_session_id``, else ``default``),
Argilla's response ``user_id``. The result is written back as

* ``doc.spans[key]`` (default ``"human"``): the reviewed entities plus ``"O"`` spans over
  every other token of the reviewed document, so "reviewed, not an entity" differs from
  "not reviewed" (the label model clamps these tokens: ``aggregation/clamp.py``);
  with several annotators it is their *consensus* (an HMM over the annotator sources,
  fitted on the reviewed documents), and each annotator also gets its own source
  ``doc.spans[f"{key}_{annotator}"]``; their learned reliability is in
  :attr:`ImportResult.reliability`;
* a reviewed dev set: copies of the reviewed documents with the reviewed entities as
  gold (``doc.spans["gold"]``, ``doc.ents``), scored by ``analyze --gold`` and the
  benchmarks like any gold set.
"""
import logging
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import srsly
from spacy.tokens import Doc, Span

from ..corpora.align import ReadStats, align_char_span, set_gold
from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..spans import NEGATIVE_LABEL, set_source_spans
from .export import ARGILLA_QUESTION, doc_key, input_hash

logger = logging.getLogger(__name__)

SKIP_ANSWERS = ("reject", "ignore")
DEFAULT_ANNOTATOR = "default"

SpanTuple = tuple[int, int, str]


@dataclass
class Review:
    annotator: str
    doc_index: int
    spans: tuple[SpanTuple, ...]  # token spans (start, end, label), sorted, unique
    where: str  # "file:line"


@dataclass
class ImportResult:
    reviews: dict[int, dict[str, Review]] = field(default_factory=dict)  # doc index -> annotator -> review
    stats: ReadStats = field(default_factory=ReadStats)
    n_records: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> count
    unknown_docs: list[str] = field(default_factory=list)  # "file:line id"
    duplicates: int = 0
    reliability: dict[str, dict] = field(default_factory=dict)
    design: dict[int, dict] = field(default_factory=dict)  # doc index -> {"stratum", "inclusion_prob"} (design.py)
    round_conflicts: list[str] = field(default_factory=list)  # docs an earlier round reviewed otherwise (W409)

    @property
    def annotators(self) -> list[str]:
        return sorted({a for per in self.reviews.values() for a in per})

    @property
    def reviewed(self) -> list[int]:
        return sorted(self.reviews)

    def summary(self) -> dict:
        return {
            "records": self.n_records,
            "reviewed_docs": len(self.reviews),
            "annotators": self.annotators,
            "spans_exact": self.stats.exact,
            "spans_fixed": self.stats.fixed,
            "spans_dropped": self.stats.dropped,
            "unknown_docs": len(self.unknown_docs),
            "skipped": dict(self.skipped),
            "identical_duplicates": self.duplicates,
            "reliability": self.reliability,
            "strata": dict(Counter(d.get("stratum", "unknown") for d in self.design.values())),
            "round_conflicts": len(self.round_conflicts),
        }


def safe_name(annotator: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", str(annotator)) or DEFAULT_ANNOTATOR


def _parse_record(rec: dict, where: str) -> tuple[str | None, str, list[tuple[str, list[dict]]]]:
    """``(doc_id, text, [(annotator, spans)])`` of a Prodigy or Argilla record."""
    if not isinstance(rec, dict):
        raise SpacyWeakError(Errors.E400.format(where=where, err="a line is not a JSON object"))
    if "fields" in rec:  # Argilla 2.x
        text = _shaped(rec.get("fields"), dict, "fields", where).get("text")
        doc_id = rec.get("id")
        doc_id = None if doc_id is None else str(doc_id)
        out = []
        responses = _shaped(rec.get("responses"), dict, "responses", where)
        answers = _shaped(responses.get(ARGILLA_QUESTION), list, f"responses.{ARGILLA_QUESTION}", where)
        for n, resp in enumerate(answers):
            resp = _shaped(resp, dict, f"responses.{ARGILLA_QUESTION}[{n}]", where)
            if resp.get("status", "submitted") in ("discarded", "draft"):
                continue
            value = _shaped(resp.get("value"), list, f"responses.{ARGILLA_QUESTION}[{n}].value", where)
            out.append((str(resp.get("user_id") or DEFAULT_ANNOTATOR), value))
        return doc_id, text, out
    text = rec.get("text")
    meta = _shaped(rec.get("meta"), dict, "meta", where)
    doc_id = meta.get("doc_id")
    if rec.get("answer") in SKIP_ANSWERS:
        return (None if doc_id is None else str(doc_id)), text, []
    annotator = rec.get("_annotator_id") or rec.get("_session_id") or DEFAULT_ANNOTATOR
    return (None if doc_id is None else str(doc_id)), text, [(str(annotator), _shaped(rec.get("spans"), list, "spans", where))]


def _shaped(value, kind: type, field: str, where: str):
    """``value`` if it is a ``kind`` (missing/null/empty: an empty one), else ``E400`` naming the field."""
    if value is None or (not value and not isinstance(value, kind)):
        return kind()
    if not isinstance(value, kind):
        expected = "a JSON object" if kind is dict else "a JSON list"
        raise SpacyWeakError(Errors.E400.format(where=where, err=f"'{field}' must be {expected}, got {value!r:.60}"))
    return list(value) if kind is list else value


def _design_meta(rec: dict, doc_id: str) -> dict:
    """The review design fields of the export (``stratum``, ``inclusion_prob``; design.py),
    from Prodigy ``meta`` or Argilla ``metadata``; ``E412`` for a weight that is not finite > 0."""
    from .design import check_weights

    meta = rec.get("metadata") if "fields" in rec else rec.get("meta")
    if not isinstance(meta, dict) or "inclusion_prob" not in meta:
        return {}
    try:
        pi = float(meta["inclusion_prob"])
    except (TypeError, ValueError):
        pi = float("nan")
    check_weights([1.0 / pi if pi > 0 else float("inf")], [doc_id])
    return {"stratum": str(meta.get("stratum", "unknown")), "inclusion_prob": pi}


def read_reviews(
    paths: str | Path | Sequence[str | Path],
    docs: Sequence[Doc],
    *,
    labels: Sequence[str],
) -> ImportResult:
    """Read reviewed JSONL files against ``docs`` (the corpus the export was made from)."""
    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    by_id = {doc_key(d, i): i for i, d in enumerate(docs)}
    by_hash: dict[int, int] = {}
    for i, d in enumerate(docs):
        by_hash.setdefault(input_hash(d.text), i)
    label_set = set(labels)
    result = ImportResult()
    seen_unknown_labels: Counter = Counter()
    for where, rec in _jsonl_records(paths):
        result.n_records += 1
        doc_id, text, answers = _parse_record(rec, where)
        if not isinstance(text, str):
            raise SpacyWeakError(Errors.E400.format(where=where, err="no text"))
        index = by_id.get(doc_id) if doc_id is not None else None
        if index is None:
            index = by_hash.get(input_hash(text))
        if index is None:
            result.unknown_docs.append(f"{where} {doc_id or text[:40]!r}")
            continue
        doc = docs[index]
        if doc.text != text:
            raise SpacyWeakError(Errors.E401.format(where=where, doc_id=doc_key(doc, index)))
        if not answers:
            result.skipped["not reviewed (rejected, ignored or no response)"] += 1
            continue
        design = _design_meta(rec, doc_key(doc, index))
        if design:
            result.design[index] = design
        for annotator, raw_spans in answers:
            spans = _aligned_spans(doc, raw_spans, where, label_set, result, seen_unknown_labels)
            _add_review(result, Review(safe_name(annotator), index, tuple(sorted(spans)), where), doc)
    _warn_about_import(result, seen_unknown_labels, labels, paths)
    return result


def _jsonl_records(paths: Sequence[str | Path]) -> Iterator[tuple[str, Any]]:
    """``(file:line, record)`` for every non-blank line of the reviewed files (E405, E201, E400)."""
    for path in paths:
        path = Path(path)
        if not path.is_file():
            raise SpacyWeakError(Errors.E405.format(path=path))
        with path.open("rb") as fh:
            for line_no, raw in enumerate(fh, 1):
                try:
                    line = raw.decode("utf8")
                except UnicodeDecodeError as err:
                    raise SpacyWeakError(Errors.E201.format(path=path, line=line_no, err=err.reason)) from None
                if not line.strip():
                    continue
                where = f"{path}:{line_no}"
                try:
                    rec = srsly.json_loads(line)
                except ValueError as err:
                    raise SpacyWeakError(Errors.E400.format(where=where, err=err)) from None
                yield where, rec


def _aligned_spans(
    doc: Doc, raw_spans, where: str, label_set: set, result: ImportResult, seen_unknown_labels: Counter
) -> set:
    """One annotator's character spans as token spans of ``doc`` (expanded to the covering tokens;
    unknown labels and spans outside the text are counted, not kept)."""
    text = doc.text
    spans = set()
    for s in raw_spans:
        try:
            start, end, label = int(s["start"]), int(s["end"]), str(s["label"])
        except (KeyError, TypeError, ValueError):
            raise SpacyWeakError(Errors.E402.format(where=where, span=s)) from None
        if label not in label_set:
            seen_unknown_labels[label] += 1
            continue
        if not (0 <= start < end <= len(text)):
            result.stats.dropped += 1
            result.stats.example(f"{where} {label}@{start}-{end} outside the text")
            continue
        span = align_char_span(doc, start, end, label=label, alignment_mode="expand", stats=result.stats, where=where)
        if span is not None:
            spans.add((span.start, span.end, label))
    return spans


def _add_review(result: ImportResult, review: Review, doc: Doc) -> None:
    """Keep ``review``; the same annotator's review of the same document again is counted as a
    duplicate when identical, ``E403`` when it differs."""
    per_doc = result.reviews.setdefault(review.doc_index, {})
    old = per_doc.get(review.annotator)
    if old is not None:
        if old.spans != review.spans:
            raise SpacyWeakError(Errors.E403.format(
                annotator=review.annotator, doc_id=doc_key(doc, review.doc_index), first=old.where, second=review.where
            ))
        result.duplicates += 1
        return
    per_doc[review.annotator] = review


def _warn_about_import(result: ImportResult, seen_unknown_labels: Counter, labels: Sequence[str], paths) -> None:
    """W400 (unknown documents), W401 (unknown labels), W404 (realigned spans), W402 (annotators
    who labelled nothing), W403 (nothing imported)."""
    if result.unknown_docs:
        warn(Warnings.W400.format(n=len(result.unknown_docs), examples="; ".join(result.unknown_docs[:3])))
    if seen_unknown_labels:
        warn(Warnings.W401.format(labels=dict(seen_unknown_labels), known=", ".join(labels)))
    if result.stats.dropped or result.stats.fixed:
        warn(Warnings.W404.format(
            fixed=result.stats.fixed, dropped=result.stats.dropped, examples="; ".join(result.stats.examples[:3])
        ))
    spans_per_annotator: Counter = Counter()
    for per in result.reviews.values():
        for a, r in per.items():
            spans_per_annotator[a] += len(r.spans)
    empty = [a for a in result.annotators if spans_per_annotator[a] == 0]
    if empty:
        files = sorted({r.where.rsplit(":", 1)[0] for per in result.reviews.values() for a, r in per.items() if a in empty})
        warn(Warnings.W402.format(annotators=", ".join(empty), files=", ".join(files)))
    if not result.reviews:
        warn(Warnings.W403.format(paths=", ".join(str(p) for p in paths), n=result.n_records))


def _with_negatives(doc: Doc, spans: Sequence[SpanTuple]) -> list[Span]:
    """Entity spans plus ``"O"`` spans over every token outside them."""
    out = [Span(doc, s, e, label=lab) for s, e, lab in spans]
    covered = [False] * len(doc)
    for s, e, _ in spans:
        for t in range(s, e):
            covered[t] = True
    t = 0
    while t < len(doc):
        if covered[t]:
            t += 1
            continue
        u = t
        while u < len(doc) and not covered[u]:
            u += 1
        out.append(Span(doc, t, u, label=NEGATIVE_LABEL))
        t = u
    return out


def consensus(docs: Sequence[Doc], result: ImportResult, *, key: str, labels: Sequence[str]) -> dict[int, tuple[SpanTuple, ...]]:
    """Span-level consensus of several annotators: an HMM over one source per annotator,
    fitted on the reviewed documents; per-annotator reliability goes to ``result.reliability``."""
    from spacy.vocab import Vocab

    from ..aggregation.hmm_component import HMMAggregator

    annotators = result.annotators
    reviewed = [docs[i] for i in result.reviewed]
    names = [f"{key}_{a}" for a in annotators]
    model = HMMAggregator(
        reviewed[0].vocab if reviewed else Vocab(), name=f"{key}_consensus", sources=names, labels=list(labels),
        spans_key=f"{key}_consensus", annotate_ents=False, learn_transitions=False,
    )
    model.fit(reviewed)
    report = model.source_report()
    n_docs = Counter(a for per in result.reviews.values() for a in per)
    for a, name in zip(annotators, names):
        per_label = report.get(name, {})
        result.reliability[a] = {
            "docs": int(n_docs[a]),
            "per_label": {
                lab: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in vals.items()}
                for lab, vals in per_label.items()
            },
        }
    out = {}
    for i, doc in zip(result.reviewed, model.pipe(reviewed)):
        out[i] = tuple(sorted((s.start, s.end, s.label_) for s in doc.spans[f"{key}_consensus"]))
        del doc.spans[f"{key}_consensus"]
    return out


def apply_reviews(
    docs: Sequence[Doc], result: ImportResult, *, key: str = "human", labels: Sequence[str] = ()
) -> list[Doc]:
    """Write the reviews into ``docs`` (in place) and return the reviewed dev set (copies)."""
    annotators = result.annotators
    if len(annotators) > 1:
        for i, per in result.reviews.items():
            for a, review in per.items():
                set_source_spans(docs[i], f"{key}_{a}", _with_negatives(docs[i], review.spans))
        final = consensus(docs, result, key=key, labels=labels)
    else:
        final = {i: next(iter(per.values())).spans for i, per in result.reviews.items()}
    dev: list[Doc] = []
    earlier = {i: previous_review(doc, key) for i, doc in enumerate(docs) if key in doc.spans}
    for i, doc in enumerate(docs):
        if i in result.reviews:
            spans = final[i]
            before = earlier.get(i)
            history = list(doc.spans[key].attrs.get("previous_rounds", [])) if before is not None else []
            if before is not None and before != spans:
                result.round_conflicts.append(f"{doc_key(doc, i)} ({_diff(before, spans)})")
                history.append([list(s) for s in before])
            design = result.design.get(i, {})
            set_source_spans(doc, key, _with_negatives(doc, spans))
            if history:
                doc.spans[key].attrs["previous_rounds"] = history
            attrs = {"reviewed_by": sorted(result.reviews[i])}
        elif i in earlier and earlier[i] is not None:  # reviewed in an earlier round only: kept
            spans = earlier[i]
            design = {k: doc.spans[key].attrs[k] for k in ("stratum", "inclusion_prob") if k in doc.spans[key].attrs}
            attrs = {"reviewed_by": list(doc.spans[key].attrs.get("reviewed_by", [])), "round": "earlier"}
        else:
            continue
        for k, v in design.items():
            doc.spans[key].attrs[k] = v
        doc.spans[key].attrs["reviewed_by"] = attrs["reviewed_by"]
        copy = doc.copy()
        set_gold(copy, [Span(copy, s, e, label=lab) for s, e, lab in spans], doc_id=doc_key(doc, i),
                 attrs={**attrs, **design})
        dev.append(copy)
    if result.round_conflicts:
        warn(Warnings.W409.format(n=len(result.round_conflicts), examples="; ".join(result.round_conflicts[:5])))
    return dev


def previous_review(doc: Doc, key: str) -> tuple[SpanTuple, ...] | None:
    """The entity spans of an earlier round's review (``doc.spans[key]`` with its ``"O"``
    spans), or None when the group holds no review."""
    group = doc.spans[key]
    if not len(group):
        return None
    return tuple(sorted((s.start, s.end, s.label_) for s in group if s.label_ != NEGATIVE_LABEL))


def _diff(before: Sequence[SpanTuple], after: Sequence[SpanTuple]) -> str:
    gone, new = sorted(set(before) - set(after)), sorted(set(after) - set(before))
    return f"earlier {gone[:2]} -> now {new[:2]}"


def review_weights(docs: Sequence[Doc], key: str = "gold") -> list[float]:
    """Each reviewed document's design weight ``1 / inclusion_prob`` (1 without a design),
    from the group ``key`` (the dev set's gold, or the corpus's human source); ``E412``
    names a document whose weight is not finite > 0."""
    from .design import check_weights

    out, ids = [], []
    for i, doc in enumerate(docs):
        attrs = doc.spans[key].attrs if key in doc.spans else {}
        pi = attrs.get("inclusion_prob")
        try:
            w = 1.0 if pi is None else (1.0 / float(pi) if float(pi) > 0 else float("inf"))
        except (TypeError, ValueError):
            w = float("nan")
        out.append(w)
        ids.append(doc_key(doc, i))
    return check_weights(out, ids).tolist()
