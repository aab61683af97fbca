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
   * ``"x_linked"``: ``<letter>-linked`` right before the span ("X-linked agammaglobulinemia");
   * coordination variants: ``"coordination_one_token"`` (as ``coordination``, for one-token
     spans too: "renal and hepatic failure" from "hepatic failure" is two tokens, "breast and
     ovarian cancer" from "cancer" one), ``"coordination_slash"`` (``W /``),
     ``"coordination_hyphen"`` (``W - and|or``: "hepato- and nephrotoxicity") and
     ``"coordination_comma"`` (``coordination`` plus ``W ,`` repeated to the left: "breast,
     ovarian and prostate cancer").

3. ``widen_left`` / ``widen_right``: take in a listed word just outside the span,
   repeatedly, at most ``max_widen`` tokens a side ("hereditary" + "breast and ovarian cancer").

With ``trim_negative = true`` each word a trim removed also gets an ``"O"`` vote (a trimmed
"severe" is not part of the disease), so the label model hears the trim on the word itself.

A span whose boundaries changed is written to the component's own span group with the
same label and ``kb_id``: the component's votes are the corrected spans only, so the label
model weighs them like any source's (an unchanged span is not voted twice). Spans whose
new boundaries equal another source span are still written (an agreeing vote).
"""
import logging
import re
from collections.abc import Sequence
from typing import Any, NamedTuple

from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError
from ..spans import NEGATIVE_LABEL
from ._align import SourcePipe, check_sources, span_source_groups

logger = logging.getLogger(__name__)

PATTERNS = (
    "coordination", "coordination_one_token", "coordination_slash", "coordination_hyphen", "coordination_comma",
    "type_n", "x_linked",
)
CONJUNCTIONS = ("and", "or", "and/or")
_TYPE_ID = re.compile(r"^(\d{1,2}[a-z]?|[IVX]{1,4}|[A-Z])$")
_LINKED = re.compile(r"^[A-Za-z]-?linked$")


def _word_list(param: str, value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not all(isinstance(v, str) and v.strip() for v in value):
        raise SpacyWeakError(Errors.E074.format(param=param, value=repr(value)[:80], options="a list of non-empty words"))
    return sorted({v.strip().lower() for v in value})


class BoundaryRules(NamedTuple):
    """The word lists and patterns of one ``weak_boundary`` source (lower-cased words)."""

    trim_left: frozenset = frozenset()
    trim_right: frozenset = frozenset()
    widen_left: frozenset = frozenset()
    widen_right: frozenset = frozenset()
    patterns: tuple = ()
    max_widen: int = 3


class DocWords(NamedTuple):
    """What the rules read of a document: token texts, lower-cased texts, ``is_alpha``."""

    text: Sequence[str]
    low: Sequence[str]
    alpha: Sequence[bool]

    @classmethod
    def from_doc(cls, doc: Doc) -> "DocWords":
        texts = [t.text for t in doc]  # from the text: a Doc read without its language has no lexeme attributes
        return cls(texts, [t.lower() for t in texts], [t.isalpha() for t in texts])


def _free_word(words: DocWords, i: int, labelled: set[int]) -> bool:
    return i >= 0 and words.alpha[i] and i not in labelled


def _coordinate(words: DocWords, start: int, end: int, labelled: set[int], patterns: Sequence[str]) -> int:
    """The new start of a span after the coordination patterns ("breast and ovarian cancer")."""
    low = words.low
    new = start
    if start >= 2 and low[start - 1] in CONJUNCTIONS and _free_word(words, start - 2, labelled):
        if ("coordination" in patterns or "coordination_comma" in patterns) and end - start >= 2:
            new = start - 2
        elif "coordination_one_token" in patterns:
            new = start - 2
    if new == start and "coordination_slash" in patterns and start >= 2 and low[start - 1] == "/" \
            and _free_word(words, start - 2, labelled):
        new = start - 2
    if new == start and "coordination_hyphen" in patterns and start >= 3 and low[start - 1] in CONJUNCTIONS \
            and low[start - 2] == "-" and _free_word(words, start - 3, labelled):
        new = start - 3  # "hepato- and nephrotoxicity"
    if new < start and "coordination_comma" in patterns:
        while new >= 2 and low[new - 1] == "," and _free_word(words, new - 2, labelled):
            new -= 2  # "breast, ovarian and prostate cancer"
    return new


def adjust(words: DocWords, start: int, end: int, labelled: set[int], rules: BoundaryRules) -> tuple[int, int]:
    """The new edges of one span (module docstring: trims, patterns, then widening)."""
    low, text = words.low, words.text
    n_tok = len(low)
    while end - start > 1 and low[start] in rules.trim_left:
        start += 1
    while end - start > 1 and low[end - 1] in rules.trim_right:
        end -= 1
    patterns = rules.patterns
    if "x_linked" in patterns:
        if start >= 1 and _LINKED.match(text[start - 1]):
            start -= 1
        elif start >= 3 and low[start - 1] == "linked" and text[start - 2] == "-" and len(text[start - 3]) == 1:
            start -= 3
    if "type_n" in patterns:
        if end + 1 < n_tok and low[end] in ("type", "types") and _TYPE_ID.match(text[end + 1]):
            end += 2
        if start >= 2 and low[start - 2] in ("type", "types") and _TYPE_ID.match(text[start - 1]):
            start -= 2
    if any(p.startswith("coordination") for p in patterns):
        start = _coordinate(words, start, end, labelled, patterns)
    n = 0
    while n < rules.max_widen and start > 0 and low[start - 1] in rules.widen_left:
        start, n = start - 1, n + 1
    n = 0
    while n < rules.max_widen and end < n_tok and low[end] in rules.widen_right:
        end, n = end + 1, n + 1
    return start, end


def adjust_spans(
    words: DocWords,
    spans: Sequence[tuple[int, int, str, str]],
    labelled: set[int],
    rules: BoundaryRules,
    *,
    negative: bool = False,
) -> list[tuple[int, int, str, str]]:
    """The votes of a boundary source over ``spans`` ``(start, end, label, kb_id)``: every span
    whose edges changed, once, sorted; with ``negative``, also an ``"O"`` vote on each word a
    trim removed (a trimmed word is not part of the entity)."""
    out: dict[tuple[int, int, str], str] = {}
    trimmed: set[int] = set()
    for s, e, label, kb in spans:
        a, b = adjust(words, s, e, labelled, rules)
        if (a, b) == (s, e):
            continue
        key = (a, b, label)
        if key not in out or (kb and not out[key]):
            out[key] = kb
        if negative:
            i = s
            while i < e - 1 and words.low[i] in rules.trim_left:
                trimmed.add(i)
                i += 1
            j = e - 1
            while j > i and words.low[j] in rules.trim_right:
                trimmed.add(j)
                j -= 1
    entity_tokens = {t for a, b, _ in out for t in range(a, b)}
    for t in sorted(trimmed - entity_tokens):
        out[(t, t + 1, NEGATIVE_LABEL)] = ""
    return [(a, b, lab, kb) for (a, b, lab), kb in sorted(out.items())]


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
        trim_negative: bool = False,
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
            raise SpacyWeakError(Errors.E074.format(param="patterns", value=repr(patterns)[:80], options=", ".join(PATTERNS)))
        self.patterns = list(dict.fromkeys(patterns))
        if not isinstance(max_widen, int) or isinstance(max_widen, bool) or max_widen < 1:
            raise SpacyWeakError(Errors.E074.format(param="max_widen", value=max_widen, options="an integer >= 1"))
        self.max_widen = max_widen
        if not isinstance(trim_negative, bool):
            raise SpacyWeakError(Errors.E074.format(param="trim_negative", value=repr(trim_negative), options="true or false"))
        self.trim_negative = trim_negative
        if not (self.widen_left or self.widen_right or self.trim_left or self.trim_right or self.patterns):
            raise SpacyWeakError(Errors.E074.format(
                param="widen_left/widen_right/trim_left/trim_right/patterns", value="all empty",
                options="at least one word list or pattern (the component would vote nothing)"))

    # ------------------------------------------------------------------ matching
    def rules(self) -> "BoundaryRules":
        return BoundaryRules(
            frozenset(self.trim_left), frozenset(self.trim_right), frozenset(self.widen_left),
            frozenset(self.widen_right), tuple(self.patterns), self.max_widen,
        )

    def match(self, doc: Doc) -> list[Span]:
        groups = span_source_groups(doc, self.sources, exclude=self.spans_key)
        todo: list[tuple[int, int, str, str]] = []
        labelled: set[int] = set()
        for _key, group in groups:
            for s in group:
                if s.label_ == NEGATIVE_LABEL:
                    continue
                labelled.update(range(s.start, s.end))
                if self.span_labels and s.label_ not in self.span_labels:
                    continue
                label = self._map(s.label_)
                if label is not None:
                    todo.append((s.start, s.end, label, s.kb_id_))
        words = DocWords.from_doc(doc)
        out = adjust_spans(words, todo, labelled, self.rules(), negative=self.trim_negative)
        self.stats["adjusted"] += sum(1 for *_, lab, _kb in out if lab != NEGATIVE_LABEL)
        return [Span(doc, a, b, label=lab, kb_id=kb) for a, b, lab, kb in out]

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
            "trim_negative": self.trim_negative,
        }


__all__ = ["PATTERNS", "BoundaryAnnotator"]
