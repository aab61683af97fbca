"""``weak_vote``: majority vote over span-level sources (no fitting).
"""
import logging
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..spans import (
    resolve_sources,
)
from .base import _check_option
from .observations import (
    ObservationCollector,
    available_sources,
    is_span_source_group,
)
from .span_base import SpanAggregator, merge_adjacent_states
from .validation import check_aggregator_names, check_number_map, check_spans_key_free
from .voting import span_majority, states_to_span_arrays, token_majority

VOTE_LEVELS = ("token", "span")


def merge_adjacent_spans(kept):
    """``merge_adjacent`` at span level: kept spans ``(start, end, label, prob, voters)``
    of one label with no token between become one span (the lower probability, the
    union of the voters) -- the span-level twin of :func:`.span_base.merge_adjacent_states`."""
    out = []
    for span in sorted(kept, key=lambda x: (x[0], x[1])):
        if out and out[-1][1] == span[0] and out[-1][2] == span[2]:
            s, _, label, prob, voters = out[-1]
            out[-1] = (s, span[1], label, min(prob, span[3]), list(dict.fromkeys(list(voters) + list(span[4]))))
        else:
            out.append(span)
    return out

logger = logging.getLogger(__name__)


class VoteAggregator(SpanAggregator):
    """Majority vote over span-level sources (token or span level), no fitting.

    See :mod:`spacy_weak.aggregation.voting` for the exact rules.
    """

    def __init__(
        self,
        vocab: Vocab,
        *,
        name: str = "weak_vote",
        sources: Sequence[str] = ("*",),
        labels: Sequence[str] = (),
        weights: Optional[Dict[str, float]] = None,
        spans_key: str = "silver",
        annotate_ents: bool = True,
        level: str = "token",
        merge_adjacent: bool = False,
    ):
        super().__init__(vocab, name)
        check_number_map(name, "weights", weights, minimum=0)
        _check_option(name, "level", level, VOTE_LEVELS)
        check_aggregator_names(name, labels, spans_key, sources)
        self.cfg = {
            "sources": list(sources) or ["*"],
            "labels": list(labels),
            "weights": dict(weights or {}),
            "spans_key": spans_key,
            "annotate_ents": bool(annotate_ents),
            "level": level,
            "merge_adjacent": bool(merge_adjacent),
        }
        self.overlaps_resolved: Dict[str, int] = {}

    @property
    def labels(self) -> Tuple[str, ...]:
        return tuple(self.cfg["labels"])

    def initialize(self, get_examples=None, *, nlp=None, labels: Optional[Sequence[str]] = None) -> None:
        """Nothing to fit; ``labels`` (optional) fixes the label set."""
        if labels:
            check_aggregator_names(self.name, labels, self.cfg["spans_key"], self.cfg["sources"])
            self.cfg["labels"] = list(labels)
        check_spans_key_free(self.name, self.cfg["spans_key"], nlp)

    def predict(self, docs: Sequence[Doc]):
        if self.cfg["level"] == "span":
            return [self._predict_span(doc) for doc in docs]
        collector = ObservationCollector(self.cfg["sources"], self.cfg["labels"], exclude=[self.cfg["spans_key"]])
        collector.add_docs(docs)
        for k, v in collector.overlaps_resolved.items():
            self.overlaps_resolved[k] = self.overlaps_resolved.get(k, 0) + v
        X, lengths, sources, labels = collector.finalize()
        weights = np.array([float(self.cfg["weights"].get(s, 1.0)) for s in sources])
        states, probs = token_majority(X, lengths, len(labels), weights)
        if self.cfg["merge_adjacent"]:
            states = merge_adjacent_states(states, lengths, len(labels))
        spans = states_to_span_arrays(states, lengths)
        return self._span_details(X, lengths, states, probs, spans, sources, labels)

    def _predict_span(self, doc: Doc):
        keys = available_sources(doc, exclude=[self.cfg["spans_key"]])
        sources = [s for s in resolve_sources(self.cfg["sources"], keys) if s in doc.spans]
        allowed = set(self.cfg["labels"])
        proposals = {}
        for s in sources:
            group = doc.spans[s]
            if not is_span_source_group(group):
                continue
            proposals[s] = [
                (sp.start, sp.end, sp.label_)
                for sp in group
                if not allowed or sp.label_ in allowed or sp.label_ == "O"
            ]
        kept = span_majority(proposals, self.cfg["weights"])
        if self.cfg["merge_adjacent"]:
            kept = merge_adjacent_spans(kept)
        return ([(s, e, l) for s, e, l, _, _ in kept], [p for *_, p, _ in kept], [v for *_, v in kept])
