"""Registered functions (``@misc``), announced through ``spacy_misc`` entry points.

Each ``make_*`` is the registered *maker*: called with its config arguments it
returns the function the components use. A released ``.v1`` is never edited;
a change of behaviour is a ``.v2`` beside it. Imports stay cheap.
"""
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Union

from spacy.tokens import Span
from spacy.util import SimpleFrozenList, filter_spans, registry

from .errors import Errors, SpacyWeakError


class LabelMap:
    """Maps a source's raw labels to the project's labels.

    ``mapping`` maps raw label -> target label; a target of ``None`` or ``""``
    drops the label. Labels missing from ``mapping`` are kept (``unknown="keep"``),
    dropped (``"drop"``) or rejected (``"error"``). When ``labels`` is given,
    every target must be one of them (or ``"O"``), checked at construction.
    """

    def __init__(
        self,
        mapping: Dict[str, Optional[str]],
        *,
        labels: Sequence[str] = (),
        unknown: str = "keep",
    ) -> None:
        if unknown not in ("keep", "drop", "error"):
            raise SpacyWeakError(Errors.E050.format(param="unknown", value=unknown, options="keep, drop, error"))
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in mapping.items()
        ):
            raise SpacyWeakError(
                Errors.E050.format(param="mapping", value=mapping, options="a dict {raw label: label, or null to drop}")
            )
        self.mapping = dict(mapping)
        self.labels = list(labels)
        self.unknown = unknown
        if self.labels:
            allowed = set(self.labels) | {"O"}
            for raw, target in self.mapping.items():
                if target and target not in allowed:
                    raise SpacyWeakError(Errors.E051.format(raw=raw, target=target, labels=", ".join(self.labels)))

    def __call__(self, label: str) -> Optional[str]:
        if label in self.mapping:
            return self.mapping[label] or None
        if self.unknown == "keep":
            return label
        if self.unknown == "drop":
            return None
        raise SpacyWeakError(Errors.E052.format(label=label, known=", ".join(sorted(self.mapping))))

    def to_dict(self) -> Dict:
        return {"mapping": self.mapping, "labels": self.labels, "unknown": self.unknown}

    def __repr__(self) -> str:
        return f"LabelMap({self.mapping!r}, labels={self.labels!r}, unknown={self.unknown!r})"


@registry.misc("spacy_weak.label_map.v1")
def make_label_map(
    mapping: Dict[str, Optional[str]], labels: List[str] = SimpleFrozenList(), unknown: str = "keep"
) -> LabelMap:
    """The label mapping shared by every source: ``{"@misc": "spacy_weak.label_map.v1", ...}``."""
    return LabelMap(mapping, labels=labels, unknown=unknown)


def keep_all_spans(spans: Iterable[Span]) -> List[Span]:
    return list(spans)


keep_all_spans.keeps_all = True  # type: ignore[attr-defined]  # components may skip calling it


@registry.misc("spacy_weak.keep_all_spans.v1")
def make_keep_all_spans() -> Callable[[Iterable[Span]], List[Span]]:
    """Keep overlapping and nested spans (the aggregator resolves them)."""
    return keep_all_spans


def longest_spans(spans: Iterable[Span]) -> List[Span]:
    """Longest non-overlapping spans (ties: the earlier one), as ``spacy.util.filter_spans``.

    Spans with the same boundaries but different labels are all kept.
    """
    spans = list(spans)
    kept = {(s.start, s.end) for s in filter_spans(spans)}
    return [s for s in spans if (s.start, s.end) in kept]


@registry.misc("spacy_weak.longest_spans_filter.v1")
def make_longest_spans_filter() -> Callable[[Iterable[Span]], List[Span]]:
    """Keep the longest non-overlapping spans of a source."""
    return longest_spans


@registry.misc("spacy_weak.lexicon.v1")
def make_lexicon_reader(
    path: str,
    format: str = "auto",
    semantic_map: Optional[Union[str, Dict[str, Optional[str]]]] = None,
    language: Optional[Union[str, List[str]]] = None,
    suppress: Optional[List[str]] = None,
    sources: Optional[List[str]] = None,
    exclude_sources: Optional[List[str]] = None,
    label: Optional[str] = None,
):
    """Read a lexicon (RRF folder, TSV, JSONL or compiled folder) for ``initialize``.

    Options left as ``null`` take the reader's defaults (RRF: language ENG, suppress O/E/Y,
    every source vocabulary, semantic groups as labels). Returns a lazy, re-iterable
    record source, or the compiled lexicon; see :mod:`spacy_weak.lexicons.readers`.
    """
    from .lexicons.readers import read_lexicon

    given = {"semantic_map": semantic_map, "language": language, "suppress": suppress, "sources": sources,
             "exclude_sources": exclude_sources, "label": label}
    return read_lexicon(path, format=format, **{k: v for k, v in given.items() if v is not None})
