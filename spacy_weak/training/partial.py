"""Silver docs -> ``spacy train`` input: which tokens are entities, ``O`` or missing.

A *policy* is a registered, versioned function (``@misc``) whose maker returns a
callable ``policy(doc) -> TokenAnnotation``. :func:`annotate_doc` writes the
result with ``Doc.set_ents(..., missing=...)``: spaCy's NER ignores missing
tokens in its loss, so a token the label model is unsure about teaches nothing
instead of teaching ``O``. See ``docs/training.md``.

* ``spacy_weak.hard_labels.v1``: every aggregate span is an entity, every other
  token ``O`` (what training on ``doc.ents`` of the silver DocBins does).
* ``spacy_weak.partial_annotation.v1``: an aggregate span is an entity when its
  probability is at least ``entity_threshold``, else its tokens are missing; a
  token outside the kept entities is missing when a source voted an entity label
  on it (the sources disagree with the label model); the remaining tokens are
  ``O``, of which a seeded share ``1 - outside_keep`` is made missing too (fewer
  ``O`` targets: the silent false negatives of the sources weigh less).
"""
import math
import zlib
from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span
from spacy.util import registry

from ..errors import Errors, SpacyWeakError
from ..spans import ATTR_PROBS, NEGATIVE_LABEL, SILVER_KEY

Triple = Tuple[int, int, str]


@dataclass
class TokenAnnotation:
    """What one doc teaches: entity spans (token offsets) and missing token indices."""

    entities: List[Triple] = field(default_factory=list)
    missing: List[int] = field(default_factory=list)

    def counts(self, n_tokens: int) -> Tuple[int, int, int]:
        """(entity tokens, outside tokens, missing tokens)."""
        ent = sum(e - s for s, e, _ in self.entities)
        miss = len(set(self.missing))
        return ent, n_tokens - ent - miss, miss


Policy = Callable[[Doc], TokenAnnotation]


def check_fraction(param: str, value, *, policy: str) -> float:
    """A threshold or share in [0, 1] (E300 names the parameter otherwise)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise SpacyWeakError(Errors.E300.format(policy=policy, param=param, value=value)) from None
    if math.isnan(v) or not 0.0 <= v <= 1.0:
        raise SpacyWeakError(Errors.E300.format(policy=policy, param=param, value=value))
    return v


def _aggregate(doc: Doc, spans_key: str) -> Tuple[List[Span], List[float]]:
    group = doc.spans.get(spans_key)
    if group is None:
        return [], []
    probs = list(group.attrs.get(ATTR_PROBS, [1.0] * len(group)))
    spans = [s for s in group if s.label_ != NEGATIVE_LABEL]
    probs = [p for s, p in zip(group, probs) if s.label_ != NEGATIVE_LABEL]
    return spans, probs


def _non_overlapping(spans: Iterable[Tuple[Span, float]]) -> List[Tuple[Span, float]]:
    """Longest first, then earliest; an aggregate written by Viterbi never overlaps."""
    taken = set()
    out = []
    for span, p in sorted(spans, key=lambda sp: (-(sp[0].end - sp[0].start), sp[0].start)):
        toks = range(span.start, span.end)
        if any(t in taken for t in toks):
            continue
        taken.update(toks)
        out.append((span, p))
    return sorted(out, key=lambda sp: sp[0].start)


def _source_keys(doc: Doc, spans_key: str, exclude: Sequence[str]) -> List[str]:
    from ..aggregation.observations import available_sources

    return available_sources(doc, exclude=[spans_key, *exclude])


class HardLabels:
    """Every aggregate span an entity, every other token ``O``."""

    def __init__(self, *, spans_key: str = SILVER_KEY):
        self.spans_key = spans_key

    def __call__(self, doc: Doc) -> TokenAnnotation:
        spans, probs = _aggregate(doc, self.spans_key)
        kept = _non_overlapping(zip(spans, probs))
        return TokenAnnotation([(s.start, s.end, s.label_) for s, _ in kept], [])


class PartialAnnotation:
    """Entities where the label model is confident, ``O`` where nobody disagrees, missing elsewhere."""

    name = "spacy_weak.partial_annotation.v1"

    def __init__(
        self,
        *,
        spans_key: str = SILVER_KEY,
        entity_threshold: float = 0.5,
        missing_voted: bool = True,
        outside_keep: float = 1.0,
        exclude: Sequence[str] = (),
        seed: int = 0,
    ):
        self.spans_key = spans_key
        self.entity_threshold = check_fraction("entity_threshold", entity_threshold, policy=self.name)
        self.outside_keep = check_fraction("outside_keep", outside_keep, policy=self.name)
        self.missing_voted = bool(missing_voted)
        self.exclude = list(exclude)
        self.seed = int(seed)

    def __call__(self, doc: Doc) -> TokenAnnotation:
        spans, probs = _aggregate(doc, self.spans_key)
        entities: List[Triple] = []
        missing = set()
        for span, p in _non_overlapping(zip(spans, probs)):
            if p >= self.entity_threshold:
                entities.append((span.start, span.end, span.label_))
            else:
                missing.update(range(span.start, span.end))
        in_entity = {t for s, e, _ in entities for t in range(s, e)}
        if self.missing_voted:
            for key in _source_keys(doc, self.spans_key, self.exclude):
                for span in doc.spans[key]:
                    if span.label_ == NEGATIVE_LABEL:
                        continue
                    missing.update(t for t in range(span.start, span.end) if t not in in_entity)
        if self.outside_keep < 1.0:
            import numpy as np

            rng = np.random.default_rng([self.seed, zlib.crc32(doc.text.encode("utf8"))])
            draws = rng.random(len(doc))
            missing.update(
                t for t in range(len(doc)) if t not in in_entity and t not in missing and draws[t] >= self.outside_keep
            )
        return TokenAnnotation(entities, sorted(missing))


@registry.misc("spacy_weak.hard_labels.v1")
def make_hard_labels(spans_key: str = SILVER_KEY) -> Policy:
    """Today's behaviour: the aggregate's spans are the entities, every other token is ``O``."""
    return HardLabels(spans_key=spans_key)


@registry.misc("spacy_weak.partial_annotation.v1")
def make_partial_annotation(
    spans_key: str = SILVER_KEY,
    entity_threshold: float = 0.5,
    missing_voted: bool = True,
    outside_keep: float = 1.0,
    exclude: Sequence[str] = (),
    seed: int = 0,
) -> Policy:
    """Partial annotation from an aggregate span group (``docs/training.md``).

    spans_key (str): the aggregate group with ``attrs["probs"]`` (default ``silver``).
    entity_threshold (float, 0-1): a span below this probability becomes missing.
    missing_voted (bool): tokens outside the kept entities on which a source voted an
        entity label are missing (the label model overruled a source there).
    outside_keep (float, 0-1): share of the remaining tokens kept as ``O`` (seeded per doc
        text); 1.0 keeps all.
    exclude (list): span keys never read as sources (aggregates, gold and document-level
        groups are never read anyway).
    seed (int): seed of the ``outside_keep`` draw.
    """
    return PartialAnnotation(
        spans_key=spans_key, entity_threshold=entity_threshold, missing_voted=missing_voted,
        outside_keep=outside_keep, exclude=exclude, seed=seed,
    )


def resolve_policy(policy) -> Policy:
    """A policy callable, or a config dict ``{"@misc": "...", ...}`` resolved through the registry."""
    if callable(policy):
        return policy
    if isinstance(policy, dict):
        from spacy.util import registry as spacy_registry

        return spacy_registry.resolve({"policy": policy})["policy"]
    raise SpacyWeakError(Errors.E301.format(value=policy))


def annotate_doc(doc: Doc, policy: Policy, *, ann: Optional[TokenAnnotation] = None, keep_spans: bool = True) -> TokenAnnotation:
    """Set ``doc.ents`` (entities; ``O`` elsewhere) and mark the policy's missing tokens.

    ``keep_spans=False`` then drops the span groups: ``spacy train`` reads the training
    DocBin every epoch, and the sources' groups are not needed by the NER.
    """
    ann = ann if ann is not None else policy(doc)
    if not keep_spans:
        doc.spans.clear()
    ents = [Span(doc, s, e, label=label) for s, e, label in ann.entities]
    missing_spans = _runs(ann.missing, doc)
    doc.set_ents(ents, missing=missing_spans, default="outside")
    return ann


def _runs(indices: Iterable[int], doc: Doc) -> List[Span]:
    out = []
    start = prev = None
    for i in sorted(set(indices)):
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append(Span(doc, start, prev + 1))
            start = prev = i
    if start is not None:
        out.append(Span(doc, start, prev + 1))
    return out
