"""Character offsets -> spaCy token spans, with every misalignment counted.

Gold annotations come as character offsets; spaCy spans are token ranges.
:func:`align_char_span` first tries an exact (``"strict"``) alignment; a span
whose boundaries fall inside a token is then fixed with the reader's
``alignment_mode`` (``"expand"`` to the covering tokens, ``"contract"`` to
the tokens inside it) or, with ``"strict"``, dropped. Nothing is dropped
silently: :class:`ReadStats` counts exact, fixed and dropped spans and keeps
the first few examples, readers warn (``W200``) when spans were dropped, and
``spacy-weak convert`` prints the counts.

The gold of a document is written by :func:`set_gold`: ``doc.spans["gold"]``
holds every gold span (overlaps kept, ``kb_id_`` = the concept id) and
``doc.ents`` the longest non-overlapping ones, other tokens explicitly ``O``.
The document id is stored in ``doc.spans["gold"].attrs["doc_id"]`` (span group
attrs survive ``DocBin`` without ``store_user_data``) and, for convenience,
in ``doc.user_data["doc_id"]``; read it with :func:`get_doc_id`.
"""
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

from spacy.tokens import Doc, Span, SpanGroup
from spacy.util import filter_spans

from ..errors import Errors, SpacyWeakError, Warnings, warn

logger = logging.getLogger(__name__)

GOLD_KEY = "gold"
ATTR_DOC_ID = "doc_id"
ATTR_GOLD = "gold"
ALIGNMENT_MODES = ("strict", "expand", "contract")
MAX_EXAMPLES = 5


def check_option(param: str, value: Any, options: Sequence[Any]) -> None:
    if value not in options:
        raise SpacyWeakError(
            Errors.E212.format(param=param, value=value, options=", ".join(str(o) for o in options))
        )


@dataclass
class ReadStats:
    """Counts kept by a corpus reader (and merged across files).

    ``fixed`` and ``dropped`` are gold spans whose character offsets did not
    fall on token boundaries; ``excluded`` counts raw labels removed by the
    label map / keep-only labels (on purpose, so reported separately).
    """

    docs: int = 0
    entities: Counter = field(default_factory=Counter)  # kept gold spans per (mapped) label
    exact: int = 0
    fixed: int = 0
    dropped: int = 0
    not_in_ents: int = 0  # overlapping gold spans kept in the span group only
    merged: int = 0  # spans that became identical to another after alignment (kept once)
    excluded: Counter = field(default_factory=Counter)  # raw labels removed by the label map
    repaired_tags: int = 0  # IOB: invalid transitions repaired (mode="fix")
    discontinuous: int = 0  # BioC: annotations with several locations
    skipped: Counter = field(default_factory=Counter)  # other annotations left out, by reason
    examples: List[str] = field(default_factory=list)

    @property
    def misaligned(self) -> int:
        return self.fixed + self.dropped

    def example(self, text: str) -> None:
        if len(self.examples) < MAX_EXAMPLES:
            self.examples.append(text)

    def snapshot(self) -> "ReadStats":
        """A copy, to report what one file added (see :meth:`since`)."""
        return ReadStats(
            docs=self.docs,
            entities=Counter(self.entities),
            exact=self.exact,
            fixed=self.fixed,
            dropped=self.dropped,
            not_in_ents=self.not_in_ents,
            merged=self.merged,
            excluded=Counter(self.excluded),
            repaired_tags=self.repaired_tags,
            discontinuous=self.discontinuous,
            skipped=Counter(self.skipped),
            examples=list(self.examples),
        )

    def since(self, before: "ReadStats") -> "ReadStats":
        """What was counted after ``before`` (a :meth:`snapshot`)."""
        return ReadStats(
            docs=self.docs - before.docs,
            entities=self.entities - before.entities,
            exact=self.exact - before.exact,
            fixed=self.fixed - before.fixed,
            dropped=self.dropped - before.dropped,
            not_in_ents=self.not_in_ents - before.not_in_ents,
            merged=self.merged - before.merged,
            excluded=self.excluded - before.excluded,
            repaired_tags=self.repaired_tags - before.repaired_tags,
            discontinuous=self.discontinuous - before.discontinuous,
            skipped=self.skipped - before.skipped,
            examples=self.examples[len(before.examples) :],
        )

    def to_dict(self) -> Dict[str, Any]:
        return {
            "docs": self.docs,
            "entities": dict(sorted(self.entities.items())),
            "spans_total": self.exact + self.fixed + self.dropped,
            "aligned_exact": self.exact,
            "misaligned": self.misaligned,
            "misaligned_fixed": self.fixed,
            "misaligned_dropped": self.dropped,
            "not_in_ents": self.not_in_ents,
            "merged_duplicates": self.merged,
            "excluded_labels": dict(sorted(self.excluded.items())),
            "repaired_tags": self.repaired_tags,
            "discontinuous": self.discontinuous,
            "skipped": dict(sorted(self.skipped.items())),
            "examples": list(self.examples),
        }


def align_char_span(
    doc: Doc,
    start: int,
    end: int,
    *,
    label: str,
    kb_id: str = "",
    alignment_mode: str = "expand",
    stats: Optional[ReadStats] = None,
    where: str = "",
) -> Optional[Span]:
    """The token span for characters ``start:end`` of ``doc.text``, or None.

    Exact alignments are returned as such; otherwise ``alignment_mode``
    decides (``"expand"``/``"contract"`` fix it, ``"strict"`` drops it).
    Fixed and dropped spans are counted in ``stats`` and logged.
    """
    check_option("alignment_mode", alignment_mode, ALIGNMENT_MODES)
    stats = stats if stats is not None else ReadStats()
    span = doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode="strict")
    if span is not None and len(span) > 0:
        stats.exact += 1
        return span
    text = doc.text[start:end]
    fixed = None
    if alignment_mode != "strict":
        fixed = doc.char_span(start, end, label=label, kb_id=kb_id, alignment_mode=alignment_mode)
        if fixed is not None and len(fixed) == 0:
            fixed = None
    if fixed is not None:
        stats.fixed += 1
        stats.example(f"{where} {text!r}@{start}-{end} -> {fixed.text!r} ({alignment_mode})")
        logger.debug("%s: span %r at %d-%d fixed to %r (%s)", where, text, start, end, fixed.text, alignment_mode)
        return fixed
    stats.dropped += 1
    stats.example(f"{where} {text!r}@{start}-{end} dropped")
    logger.debug("%s: span %r at %d-%d does not align with tokens, dropped", where, text, start, end)
    return None


def set_gold(
    doc: Doc,
    spans: Iterable[Span],
    *,
    doc_id: Optional[str] = None,
    key: str = GOLD_KEY,
    attrs: Optional[Mapping[str, Any]] = None,
    stats: Optional[ReadStats] = None,
) -> SpanGroup:
    """Write gold spans: ``doc.spans[key]`` (all) and ``doc.ents`` (non-overlapping).

    Tokens outside the entities are set to ``O`` (fully annotated gold).
    Duplicate spans (same tokens and label, e.g. two mentions inside one
    token after ``expand``) are kept once and counted in ``stats.merged``.
    """
    unique: Dict[tuple, Span] = {}
    n_in = 0
    for span in spans:
        n_in += 1
        unique.setdefault((span.start, span.end, span.label_), span)
    ordered = sorted(unique.values(), key=lambda s: (s.start, s.end, s.label_))
    group_attrs: Dict[str, Any] = {ATTR_GOLD: True}
    if doc_id is not None:
        group_attrs[ATTR_DOC_ID] = str(doc_id)
        doc.user_data[ATTR_DOC_ID] = str(doc_id)
    if attrs:
        group_attrs.update(attrs)
    group = SpanGroup(doc, name=key, attrs=group_attrs, spans=ordered)
    doc.spans[key] = group
    ents = filter_spans(ordered)
    doc.set_ents(ents, default="outside")
    if stats is not None:
        stats.docs += 1
        stats.entities.update(s.label_ for s in ordered)
        stats.not_in_ents += len(ordered) - len(ents)
        stats.merged += n_in - len(ordered)
    return group


def get_doc_id(doc: Doc, key: str = GOLD_KEY) -> Optional[str]:
    """The document id set by a reader (gold group attrs, then ``user_data``)."""
    if key in doc.spans and ATTR_DOC_ID in doc.spans[key].attrs:
        return str(doc.spans[key].attrs[ATTR_DOC_ID])
    value = doc.user_data.get(ATTR_DOC_ID)
    return None if value is None else str(value)


def warn_alignment(stats: ReadStats, path: str, alignment_mode: str, key: str = GOLD_KEY) -> None:
    """Report a file's alignment problems: warn on drops, log fixes."""
    if stats.dropped:
        warn(
            Warnings.W200.format(
                path=path,
                dropped=stats.dropped,
                total=stats.exact + stats.fixed + stats.dropped,
                mode=alignment_mode,
                examples="; ".join(stats.examples),
            )
        )
    if stats.fixed:
        logger.info(
            "%s: %d gold spans did not align with token boundaries and were fixed (alignment_mode=%s)",
            path,
            stats.fixed,
            alignment_mode,
        )
    if stats.not_in_ents:
        warn(Warnings.W202.format(path=path, n=stats.not_in_ents, key=key))


class LabelFilter:
    """Maps raw labels (``label_map``) and keeps only ``labels`` (if given).

    Returns None for a removed label and counts it in ``stats.excluded``.
    """

    def __init__(self, label_map: Optional[Mapping[str, Optional[str]]] = None, labels: Optional[Iterable[str]] = None):
        self.label_map = dict(label_map or {})
        self.labels = set(labels) if labels else None

    def __call__(self, raw: str, stats: Optional[ReadStats] = None) -> Optional[str]:
        label = self.label_map.get(raw, raw) if raw in self.label_map else raw
        if not label or (self.labels is not None and label not in self.labels):
            if stats is not None:
                stats.excluded[raw] += 1
            return None
        return label
