"""``weak_boundary``: a span-boundary source that widens or trims other sources' spans.

For every span of the ``sources`` (names or globs resolved against ``doc.spans``, leaving
out this component, aggregates and document-level groups) whose label is in ``labels``
(empty: every label except ``"O"``), the component applies, in this order:

1. ``trim_left`` / ``trim_right``: drop a first / last token whose lower-cased text is
   listed, repeatedly, while at least one token is left ("acute" in "acute hepatitis" when
   gold leaves such modifiers out);
2. ``patterns``: the boundary patterns named (each a generic shape, no word list):

   * ``"coordination"``: a span of two or more tokens preceded by ``W and|or`` (``W`` an
     alphabetic word that no source labels) takes both in — the shared head of
     "breast and ovarian cancer";
   * ``"type_n"``: ``type``/``types`` followed by a number, a Roman numeral or a capital
     letter right after the span ("diabetes type 2") or right before it ("type 2 diabetes");
   * ``"x_linked"``: ``<letter>-linked`` right before the span ("X-linked agammaglobulinemia").

3. ``widen_left`` / ``widen_right``: take in a listed word just outside the span,
   repeatedly, at most ``max_widen`` tokens a side ("hereditary" + "breast and ovarian cancer").

A span whose boundaries changed is written to the component's own span group with the
same label and ``kb_id``: the component's votes are the corrected spans only, so the label
model weighs them like any source's (an unchanged span is not voted twice). Spans whose
new boundaries equal another source span are still written (an agreeing vote).
"""
import logging
import re
from collections.abc import Sequence
from typing import Any

from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError
from ..spans import NEGATIVE_LABEL
from ._align import SourcePipe, check_sources, span_source_groups

logger = logging.getLogger(__name__)

PATTERNS = ("coordination", "type_n", "x_linked")
CONJUNCTIONS = ("and", "or", "and/or")
_TYPE_ID = re.compile(r"^(\d{1,2}[a-z]?|[IVX]{1,4}|[A-Z])$")
_LINKED = re.compile(r"^[A-Za-z]-?linked$")


def _word_list(param: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SpacyWeakError(Errors.E609.format(param=param, value=repr(value)[:80], options="a list of non-empty words"))
    return sorted({v.strip().lower() for v in value})


class BoundaryAnnotator(SourcePipe):
    READS_SOURCES = True

    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_boundary",
        spans_key: str | None = None,
        sources: Sequence[str] = ("*",),
        labels: Sequence[str] = (),
        widen_left: Sequence[str] = (),
        widen_right: Sequence[str] = (),
        trim_left: Sequence[str] = (),
        trim_right: Sequence[str] = (),
        patterns: Sequence[str] = (),
        max_widen: int = 3,
        label_map=None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        self.sources = check_sources(sources)
        _word_list("labels", labels)
        self.span_labels = [str(v).strip() for v in labels]
        self.widen_left = _word_list("widen_left", widen_left)
        self.widen_right = _word_list("widen_right", widen_right)
        self.trim_left = _word_list("trim_left", trim_left)
        self.trim_right = _word_list("trim_right", trim_right)
        if isinstance(patterns, str) or any(p not in PATTERNS for p in patterns):
            raise SpacyWeakError(Errors.E609.format(param="patterns", value=repr(patterns)[:80], options=", ".join(PATTERNS)))
        self.patterns = list(dict.fromkeys(patterns))
        if not isinstance(max_widen, int) or isinstance(max_widen, bool) or max_widen < 1:
            raise SpacyWeakError(Errors.E609.format(param="max_widen", value=max_widen, options="an integer >= 1"))
        self.max_widen = max_widen
        if not (self.widen_left or self.widen_right or self.trim_left or self.trim_right or self.patterns):
            raise SpacyWeakError(Errors.E609.format(
                param="widen_left/widen_right/trim_left/trim_right/patterns", value="all empty",
                options="at least one word list or pattern (the component would vote nothing)"))

    # ------------------------------------------------------------------ matching
    def _adjust(self, doc: Doc, low: list[str], start: int, end: int, labelled: set[int]) -> tuple[int, int]:
        while end - start > 1 and low[start] in self.trim_left:
            start += 1
        while end - start > 1 and low[end - 1] in self.trim_right:
            end -= 1
        if "x_linked" in self.patterns:
            if start >= 1 and _LINKED.match(doc[start - 1].text):
                start -= 1
            elif start >= 3 and doc[start - 1].lower_ == "linked" and doc[start - 2].text == "-" and len(doc[start - 3].text) == 1:
                start -= 3
        if "type_n" in self.patterns:
            if end + 1 < len(doc) and low[end] in ("type", "types") and _TYPE_ID.match(doc[end + 1].text):
                end += 2
            if start >= 2 and low[start - 2] in ("type", "types") and _TYPE_ID.match(doc[start - 1].text):
                start -= 2
        if "coordination" in self.patterns and end - start >= 2 and start >= 2:
            conj, word = doc[start - 1], doc[start - 2]
            if conj.lower_ in CONJUNCTIONS and word.is_alpha and (start - 2) not in labelled:
                start -= 2
        n = 0
        while n < self.max_widen and start > 0 and low[start - 1] in self.widen_left:
            start, n = start - 1, n + 1
        n = 0
        while n < self.max_widen and end < len(doc) and low[end] in self.widen_right:
            end, n = end + 1, n + 1
        return start, end

    def match(self, doc: Doc) -> list[Span]:
        groups = span_source_groups(doc, self.sources, exclude=self.spans_key)
        spans: dict[tuple[int, int, str], str] = {}
        labelled: set[int] = set()
        todo = []
        low = [t.lower_ for t in doc]
        for _key, group in groups:
            for s in group:
                if s.label_ == NEGATIVE_LABEL:
                    continue
                labelled.update(range(s.start, s.end))
                if self.span_labels and s.label_ not in self.span_labels:
                    continue
                todo.append(s)
        for s in todo:
            start, end = self._adjust(doc, low, s.start, s.end, labelled)
            if (start, end) == (s.start, s.end):
                continue
            label = self._map(s.label_)
            if label is None:
                continue
            key = (start, end, label)
            if key not in spans or (s.kb_id_ and not spans[key]):
                spans[key] = s.kb_id_
        self.stats["adjusted"] += len(spans)
        return [Span(doc, a, b, label=lab, kb_id=kb) for (a, b, lab), kb in sorted(spans.items())]

    def _cfg(self) -> dict[str, Any]:
        return {
            "spans_key": self.spans_key,
            "sources": self.sources,
            "labels": self.span_labels,
            "widen_left": self.widen_left,
            "widen_right": self.widen_right,
            "trim_left": self.trim_left,
            "trim_right": self.trim_right,
            "patterns": self.patterns,
            "max_widen": self.max_widen,
        }


__all__ = ["PATTERNS", "BoundaryAnnotator"]
