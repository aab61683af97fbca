"""``weak_span_filter``: drop other sources' spans by text or shape (stop terms for any source).

``terms`` maps a source's span key to texts (compared lower-cased with the whole span text):
its spans with such a text are removed from its group, in place. ``shapes`` maps a span key to
term shapes (:mod:`spacy_weak.lexicons.shapes`): its entity spans of such a shape are removed.
``"O"`` spans are never removed by shape. Place the component after the sources it filters
and before the components that read them (``spacy-weak suggest --apply`` does). It writes no
span group of its own; ``self.stats`` counts the spans removed per source.
"""
from collections.abc import Mapping, Sequence
from typing import Any

from spacy.tokens import Doc, SpanGroup

from ..errors import Errors, SpacyWeakError
from ..spans import NEGATIVE_LABEL
from ._align import SourcePipe


def _check(param: str, value: Any, known: Sequence[str] = ()) -> dict[str, frozenset]:
    if not isinstance(value, Mapping):
        raise SpacyWeakError(Errors.E075.format(param=param, value=repr(value)[:80]))
    out = {}
    for key, items in value.items():
        if isinstance(items, str) or not all(isinstance(v, str) and v.strip() for v in items):
            raise SpacyWeakError(Errors.E075.format(param=f"{param}.{key}", value=repr(items)[:80]))
        if known and any(v not in known for v in items):
            raise SpacyWeakError(Errors.E075.format(param=f"{param}.{key}", value=repr(items)[:80]))
        out[str(key)] = frozenset(v.strip().lower() if not known else v for v in items)
    return out


class SpanFilter(SourcePipe):
    def __init__(self, vocab, *, name: str = "weak_span_filter", terms=None, shapes=None) -> None:
        from ..lexicons.shapes import SHAPES

        self._init_source(vocab, name, None, None)
        self.terms = _check("terms", terms or {})
        self.shapes = _check("shapes", shapes or {}, tuple(SHAPES))
        self._predicates = {k: [SHAPES[s] for s in sorted(v)] for k, v in self.shapes.items()}

    def __call__(self, doc: Doc) -> Doc:
        for key in set(self.terms) | set(self.shapes):
            if key not in doc.spans:
                continue
            group = doc.spans[key]
            stop = self.terms.get(key, frozenset())
            preds = self._predicates.get(key, [])
            keep = [s for s in group if not (
                s.text.lower() in stop or (preds and s.label_ != NEGATIVE_LABEL and any(p(s.text) for p in preds)))]
            if len(keep) < len(group):
                self.stats[key] += len(group) - len(keep)
                doc.spans[key] = SpanGroup(doc, name=key, attrs=dict(group.attrs), spans=keep)
        self.stats["docs"] += 1
        return doc

    def _cfg(self) -> dict[str, Any]:
        return {"terms": {k: sorted(v) for k, v in self.terms.items()}, "shapes": {k: sorted(v) for k, v in self.shapes.items()}}


__all__ = ["SpanFilter"]
