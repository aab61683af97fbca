"""``weak_doc_consistency``: the same string gets the same label across a document.

For every string that the ``sources`` (names or globs resolved against
``doc.spans``, leaving out this component, aggregates and doc-level groups)
labelled somewhere in the document, with at least ``min_votes`` votes (one vote
per source span) and a strict majority label, every *other* token-aligned
occurrence of the string — one where no source put a span with exactly those
boundaries — gets that label (and the most frequent ``kb_id``). Strings are
compared token by token, lower-cased unless ``case_sensitive``; strings shorter
than ``min_length`` characters are ignored. ``"O"`` spans (negative rules)
propagate like any label. Ties abstain (``self.stats["ties"]``).
"""
import logging
from collections import Counter
from typing import Callable, Dict, List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError
from ._align import NgramIndex, SourcePipe, check_sources, majority, span_source_groups

logger = logging.getLogger(__name__)


class DocConsistencyAnnotator(SourcePipe):
    READS_SOURCES = True

    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_doc_consistency",
        spans_key: Optional[str] = None,
        sources: Sequence[str] = ("*",),
        min_votes: int = 1,
        case_sensitive: bool = False,
        min_length: int = 2,
        label_map: Optional[Callable[[str], Optional[str]]] = None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        if not isinstance(min_votes, int) or min_votes < 1:
            raise SpacyWeakError(Errors.E050.format(param="min_votes", value=min_votes, options="an integer >= 1"))
        if not isinstance(min_length, int) or min_length < 1:
            raise SpacyWeakError(Errors.E050.format(param="min_length", value=min_length, options="an integer >= 1"))
        self.sources = check_sources(sources)
        self.min_votes = min_votes
        self.case_sensitive = case_sensitive
        self.min_length = min_length

    def match(self, doc: Doc) -> List[Span]:
        groups = span_source_groups(doc, self.sources, exclude=self.spans_key)
        if not groups:
            return []
        index = NgramIndex(doc, case_sensitive=self.case_sensitive)
        votes: Dict[Tuple[str, ...], Counter] = {}
        kbs: Dict[Tuple[Tuple[str, ...], str], Counter] = {}
        labelled: Set[Tuple[int, int]] = set()
        for _key, group in groups:
            for s in group:
                labelled.add((s.start, s.end))
                if s.end_char - s.start_char < self.min_length:  # len(s.text), without building it
                    continue
                key = index.key(s)
                label = s.label_
                counter = votes.get(key)
                if counter is None:
                    counter = votes[key] = Counter()
                counter[label] += 1
                kb_id = s.kb_id_
                if kb_id:
                    counter = kbs.get((key, label))
                    if counter is None:
                        counter = kbs[(key, label)] = Counter()
                    counter[kb_id] += 1
        spans: List[Span] = []
        for key, counter in votes.items():
            if sum(counter.values()) < self.min_votes:
                continue
            label = majority(counter)
            if label is None:
                self.stats["ties"] += 1
                continue
            mapped = self._map(label)
            if mapped is None:
                continue
            kb_counter = kbs.get((key, label))
            kb = sorted(kb_counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] if kb_counter else ""
            for start in index.find(key):
                end = start + len(key)
                if (start, end) in labelled:
                    continue
                spans.append(Span(doc, start, end, label=mapped, kb_id=kb))
        return spans

    def _cfg(self):
        return {
            "spans_key": self.spans_key,
            "sources": self.sources,
            "min_votes": self.min_votes,
            "case_sensitive": self.case_sensitive,
            "min_length": self.min_length,
        }
