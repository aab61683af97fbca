"""``weak_function``: a registered labelling function as a labelling source.

The config names a registered *maker* that returns the labelling function::

    [components.suffix]
    factory = "weak_function"

    [components.suffix.function]
    @misc = "my_rules.chemical_suffix.v1"

    @spacy.registry.misc("my_rules.chemical_suffix.v1")
    def make_chemical_suffix():
        def chemical_suffix(doc):
            for tok in doc:
                if tok.text.endswith("ine"):
                    yield tok.i, tok.i + 1, "Chemical"
        return chemical_suffix

The labelling function takes a ``Doc`` and returns (or yields) items, each one of

* a ``Span`` of that doc (its ``label_`` and ``kb_id_`` are used);
* a tuple ``(start, end, label)`` or ``(start, end, label, kb_id)``. With
  ``offsets = "token"`` (default) start/end are token indices as in
  ``doc[start:end]``; with ``offsets = "char"`` they are character offsets,
  aligned to tokens with ``alignment_mode`` (unalignable ones are dropped and
  counted in ``self.stats["unaligned"]``).

A label ``"O"`` is an explicit negative vote. Out-of-range token offsets,
items of another type, spans of another doc, and exceptions raised by the
function are coded errors naming the component and the function; they go
through the pipeline's error handler (``nlp.set_error_handler``).
"""
import logging
from typing import Any, Callable, Iterable, List, Optional

from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError
from ._align import SourcePipe, char_span, check_alignment_mode, function_name

logger = logging.getLogger(__name__)

OFFSETS = ("token", "char")


class FunctionAnnotator(SourcePipe):
    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_function",
        function: Callable[[Doc], Iterable[Any]],
        spans_key: Optional[str] = None,
        offsets: str = "token",
        alignment_mode: str = "strict",
        label_map: Optional[Callable[[str], Optional[str]]] = None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        if not callable(function):
            raise SpacyWeakError(Errors.E060.format(name=name, value=repr(function)[:100]))
        if offsets not in OFFSETS:
            raise SpacyWeakError(Errors.E050.format(param="offsets", value=offsets, options=", ".join(OFFSETS)))
        self.function = function
        self.function_name = function_name(function)
        self.offsets = offsets
        self.alignment_mode = check_alignment_mode(alignment_mode)

    def _call_function(self, doc: Doc) -> List[Any]:
        try:
            return list(self.function(doc) or [])
        except SpacyWeakError:
            raise
        except Exception as e:
            raise SpacyWeakError(
                Errors.E058.format(function=self.function_name, name=self.name, type=type(e).__name__, error=e)
            ) from e

    def match(self, doc: Doc) -> List[Span]:
        seen = set()
        spans: List[Span] = []
        self._text_length = len(doc.text) if self.offsets == "char" else 0
        for item in self._call_function(doc):
            span = self._to_span(doc, item)
            if span is None:
                continue
            key = (span.start, span.end, span.label_, span.kb_id_)
            if key not in seen:
                seen.add(key)
                spans.append(span)
        return spans

    def _to_span(self, doc: Doc, item: Any) -> Optional[Span]:
        if isinstance(item, Span):
            if item.doc is not doc:
                raise SpacyWeakError(Errors.E059.format(function=self.function_name, name=self.name, span=item.text))
            raw, kb_id = item.label_, item.kb_id_
            if not raw:
                raise self._bad_item(item, "the span has no label")
            label = self._map(raw)
            if label is None:
                return None
            return Span(doc, item.start, item.end, label=label, kb_id=kb_id)
        if not isinstance(item, (tuple, list)) or len(item) not in (3, 4):
            raise self._bad_item(item, "expected a Span or a (start, end, label[, kb_id]) tuple")
        start, end, raw = item[0], item[1], item[2]
        kb_id = str(item[3]) if len(item) == 4 and item[3] is not None else ""
        if not isinstance(start, int) or not isinstance(end, int) or isinstance(start, bool) or isinstance(end, bool):
            raise self._bad_item(item, "start and end must be integers")
        if not isinstance(raw, str) or not raw:
            raise self._bad_item(item, "the label must be a non-empty string")
        limit = len(doc) if self.offsets == "token" else self._text_length
        if not (0 <= start < end <= limit):
            raise SpacyWeakError(
                Errors.E057.format(
                    function=self.function_name, name=self.name, start=start, end=end, unit=self.offsets, length=limit
                )
            )
        label = self._map(raw)
        if label is None:
            return None
        if self.offsets == "token":
            return Span(doc, start, end, label=label, kb_id=kb_id)
        span = char_span(doc, start, end, label, kb_id=kb_id, alignment_mode=self.alignment_mode, text_length=limit)
        if span is None:
            self.stats["unaligned"] += 1
            logger.debug("%s: characters %d-%d do not align with tokens (%s); dropped", self.name, start, end,
                         self.alignment_mode)
        return span

    def _bad_item(self, item: Any, reason: str) -> SpacyWeakError:
        return SpacyWeakError(
            Errors.E056.format(function=self.function_name, name=self.name, item=repr(item)[:100], reason=reason)
        )

    def _cfg(self):
        return {
            "spans_key": self.spans_key,
            "function": self.function_name,
            "offsets": self.offsets,
            "alignment_mode": self.alignment_mode,
        }
