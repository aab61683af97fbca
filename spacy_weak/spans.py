"""Span conventions shared by every source, aggregator and evaluator.

See ``docs/conventions.md``. In short:

* A span-level source writes a :class:`SpanGroup` into ``doc.spans[key]``
  (``key`` defaults to the component name), replacing what the key held.
  The key being present means "the source ran on this document"; a token
  covered by none of its spans means "the source ran and was silent".
* A span labelled ``"O"`` (:data:`NEGATIVE_LABEL`) is an explicit vote for
  "not an entity" (a negative rule), distinct from silence.
* Spans carry ``label_`` and, where known, ``kb_id_`` (e.g. a UMLS CUI).
  Overlapping and nested spans within one group are allowed.
* A document-level source writes an *empty* span group whose
  ``attrs["doc_votes"]`` maps label -> 1 (vote for) or 0 (vote against);
  an empty mapping means "ran and abstained". Span groups, their attrs
  included, survive ``DocBin`` (no ``store_user_data`` needed).
* Aggregators write ``doc.spans["silver"]`` (configurable) whose
  ``attrs["probs"]`` and ``attrs["sources"]`` are lists aligned with the
  spans (probability of each span; names of the sources that voted it).
"""
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from spacy.tokens import Doc, Span, SpanGroup

SILVER_KEY = "silver"
NEGATIVE_LABEL = "O"

ATTR_SOURCE = "source"  # name of the component that wrote the group
ATTR_LEVEL = "level"  # "span" or "doc"
ATTR_DOC_VOTES = "doc_votes"  # doc-level sources: {label: 1 | 0}
ATTR_PROBS = "probs"  # aggregate groups: probability per span
ATTR_SOURCES = "sources"  # aggregate groups: list of voting sources per span
ATTR_AGGREGATOR = "aggregator"  # aggregate groups: component name
ATTR_ABSTAIN_OUTSIDE = "abstain_outside"  # span sources: no opinion outside their spans (not an "O" vote)
ATTR_CANNOT_MATCH = "cannot_match"  # a sub-source the build found unable to match (W003)
ATTR_READS = "reads"  # span sources that add to other sources' spans (consistency, abbreviations): what they read
ATTR_GOLD = "gold"  # evaluation groups: gold written by the corpus readers (attrs["gold"] = True)
ATTR_REVIEWED_BY = "reviewed_by"  # evaluation groups: reviewed gold written by `review import --dev`
EVALUATION_KEYS = frozenset({"gold"})  # span keys that hold gold whatever their attrs

LEVEL_SPAN = "span"
LEVEL_DOC = "doc"


def set_source_spans(doc: Doc, key: str, spans: Iterable[Span], *, source: Optional[str] = None,
                     reads: Optional[List[str]] = None) -> SpanGroup:
    """Replace ``doc.spans[key]`` with ``spans`` (sorted, overlaps kept). ``reads``: the
    source patterns a source reads when its spans only add to theirs (``ATTR_READS``)."""
    spans = sorted(spans, key=lambda s: (s.start, s.end, s.label_))
    attrs = {ATTR_SOURCE: source or key, ATTR_LEVEL: LEVEL_SPAN}
    if reads:
        attrs[ATTR_READS] = list(reads)
    group = SpanGroup(doc, name=key, attrs=attrs, spans=spans)
    doc.spans[key] = group
    return group


def set_doc_votes(doc: Doc, key: str, votes: Dict[str, int], *, source: Optional[str] = None) -> SpanGroup:
    """Record a document-level source's votes ({label: 1|0}; {} = abstain)."""
    clean = {str(label): int(bool(v)) for label, v in votes.items()}
    group = SpanGroup(
        doc, name=key, attrs={ATTR_SOURCE: source or key, ATTR_LEVEL: LEVEL_DOC, ATTR_DOC_VOTES: clean}, spans=[]
    )
    doc.spans[key] = group
    return group


def get_doc_votes(doc: Doc, key: str) -> Optional[Dict[str, int]]:
    """The votes of a document-level source, or None if it did not run."""
    if key not in doc.spans:
        return None
    return dict(doc.spans[key].attrs.get(ATTR_DOC_VOTES, {}))


def source_ran(doc: Doc, key: str) -> bool:
    return key in doc.spans


def is_doc_level(group: SpanGroup) -> bool:
    return group.attrs.get(ATTR_LEVEL) == LEVEL_DOC


def set_aggregate(
    doc: Doc,
    key: str,
    spans: Sequence[Span],
    probs: Sequence[float],
    sources: Sequence[Sequence[str]],
    *,
    aggregator: str,
) -> SpanGroup:
    """Write an aggregate span group with per-span probabilities and voters."""
    if not (len(spans) == len(probs) == len(sources)):
        raise ValueError("spans, probs and sources must have the same length")
    keys = [(s.start, s.end, s.label_) for s in spans]
    order = sorted(range(len(spans)), key=keys.__getitem__)
    # voter lists repeat (a few distinct sets per corpus): each distinct one sorted once, a new list per span
    voters: Dict[Tuple, List[str]] = {}
    sorted_sources = []
    for i in order:
        names = tuple(sources[i])
        try:
            done = voters.get(names)
        except TypeError:  # unhashable voter objects: sorted by their names, not remembered
            sorted_sources.append(sorted(str(s) for s in names))
            continue
        if done is None:
            done = voters[names] = sorted(str(s) for s in names)
        sorted_sources.append(list(done))
    group = SpanGroup(
        doc,
        name=key,
        attrs={
            ATTR_AGGREGATOR: aggregator,
            ATTR_PROBS: [float(probs[i]) for i in order],
            ATTR_SOURCES: sorted_sources,
        },
        spans=[spans[i] for i in order],
    )
    doc.spans[key] = group
    return group


def span_probs(group: SpanGroup) -> List[float]:
    """Probabilities of an aggregate group's spans (aligned with the group)."""
    return list(group.attrs.get(ATTR_PROBS, [1.0] * len(group)))


def is_evaluation_group(key: str, group: SpanGroup) -> bool:
    """Gold or reviewed labels kept for scoring (never a source unless named explicitly):
    ``attrs["gold"]`` (corpus readers, ``set_gold``), ``attrs["reviewed_by"]`` (review dev sets),
    or a key in :data:`EVALUATION_KEYS`."""
    attrs = group.attrs
    return attrs.get(ATTR_GOLD) is True or ATTR_REVIEWED_BY in attrs or key in EVALUATION_KEYS


def has_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def glob_may_match(key: str, group: SpanGroup, extra: Iterable[str] = ()) -> bool:
    """Whether a glob pattern (``"*"``, ``"gaz_*"``) may select span group ``key`` as a source:
    never an evaluation group (:func:`is_evaluation_group`) nor a key in ``extra`` (e.g. a
    ``--gold-key``). Explicit names select any group: gold is a source only when named."""
    return key not in extra and not is_evaluation_group(key, group)


def resolve_source_groups(
    patterns: Union[str, Sequence[str]], spans, *, exclude: Iterable[str] = (), evaluation: Iterable[str] = ()
) -> List[str]:
    """The keys of ``spans`` (``doc.spans``) that ``patterns`` select as sources.

    The one place globs are resolved against a document's groups: explicit names select
    their group whatever it is; globs skip evaluation groups (gold, reviewed dev sets, and
    the keys in ``evaluation``). ``exclude`` (e.g. the caller's own key) is never selected.
    Order as :func:`resolve_sources`.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    excluded = set(exclude)
    extra = set(evaluation)
    explicit = {p for p in patterns if not has_glob(p)}
    available = [
        k for k in spans.keys() if k not in excluded and (k in explicit or glob_may_match(k, spans[k], extra))
    ]
    return [k for k in resolve_sources(patterns, available) if k in spans and k not in excluded]


def resolve_sources(patterns: Union[str, Sequence[str]], available: Iterable[str]) -> List[str]:
    """Expand source names / glob patterns (``"gaz_*"``) against available keys.

    Order follows ``patterns`` then the sorted available keys, without duplicates.
    """
    if isinstance(patterns, str):
        patterns = [patterns]
    return list(_resolve_sources(tuple(patterns), tuple(sorted(available))))


@lru_cache(maxsize=4096)
def _resolve_sources(patterns: Tuple[str, ...], available: Tuple[str, ...]) -> Tuple[str, ...]:
    """:func:`resolve_sources` on sorted keys, remembered: every document of a corpus
    usually has the same groups, so the glob matching runs once per key set."""
    out: List[str] = []
    for pattern in patterns:
        if any(ch in pattern for ch in "*?["):
            matches = [k for k in available if fnmatchcase(k, pattern)]
        else:
            matches = [pattern]
        for m in matches:
            if m not in out:
                out.append(m)
    return tuple(out)
