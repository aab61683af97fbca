"""``weak_abbreviations``: a short form defined in the document takes the label of its long form.

Definitions are found with the Schwartz & Hearst (2003) algorithm:

* ``long form (SF)``: the short form is the text in parentheses (up to the
  first ``;`` or ``,``) with 1-2 words, ``2..max_short_length`` characters,
  starting with a letter or digit and containing an upper-case letter; the long
  form is the shortest run of the preceding words (at most
  ``min(|SF| + 5, 2 |SF|)`` words, not crossing ``. ; : ( ) [ ]``) in which the
  short form's letters and digits occur in order, its first character at the
  start of a word;
* ``SF (long form)``: the same test the other way round, when the
  parentheses hold more than two words and the token before them is a short form.

Then, from the spans the other sources (``sources``: names or globs resolved
against ``doc.spans``, leaving out this component, aggregates and doc-level
groups) wrote in the same document:

* long form labelled -> every occurrence of the short form (case-sensitive,
  token-aligned) gets the majority label of the sources' spans that end where
  the long form ends and cover at least ``min_long_coverage`` of its tokens
  (one vote per source and label);
* otherwise, short form labelled (a source span on exactly an occurrence of
  it) -> the long form, and every occurrence of the long form's words, get the
  majority label of the short form.

Ties abstain (counted in ``self.stats["ties"]``). Nothing is corpus-specific.
"""
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from spacy.attrs import ORTH
from spacy.strings import get_string_id
from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError
from ._align import NgramIndex, SourcePipe, check_sources, majority, span_source_groups

logger = logging.getLogger(__name__)

STOP_TOKENS = {".", ";", ":", "(", ")", "[", "]", "{", "}", "!", "?"}
MAX_PAREN_TOKENS = 30


@dataclass(frozen=True)
class Definition:
    short: Tuple[int, int]  # token range of the short form (at the definition)
    long: Tuple[int, int]  # token range of the long form

    def short_text(self, doc: Doc) -> str:
        return doc[self.short[0] : self.short[1]].text

    def long_text(self, doc: Doc) -> str:
        return doc[self.long[0] : self.long[1]].text


def is_short_form(text: str, max_length: int) -> bool:
    if not (2 <= len(text) <= max_length):
        return False
    if len(text.split()) > 2 or not text[0].isalnum():
        return False
    return any(c.isupper() for c in text)


def best_long_form(short: str, long: str) -> Optional[int]:
    """Schwartz-Hearst ``findBestLongForm``: start offset in ``long`` of the long form, or None."""
    s = len(short) - 1
    l = len(long) - 1
    while s >= 0:
        c = short[s].lower()
        if not c.isalnum():
            s -= 1
            continue
        while l >= 0 and (long[l].lower() != c or (s == 0 and l > 0 and long[l - 1].isalnum())):
            l -= 1
        if l < 0:
            return None
        l -= 1
        s -= 1
    return long.rfind(" ", 0, l + 1) + 1


def find_definitions(doc: Doc, max_short_length: int = 10, texts: Optional[List[str]] = None) -> List[Definition]:
    """Every ``long form (SF)`` / ``SF (long form)`` definition in ``doc`` (``texts``: its token
    texts, :func:`~spacy_weak.annotators._align.token_texts`, when the caller has them)."""
    found: List[Definition] = []
    if texts is None:  # the ORTH hashes stand for the texts: only ( ) ; , are compared
        texts = doc.to_array(ORTH).tolist() if len(doc) else []
        opening, closing, semicolon, comma = (get_string_id(t) for t in ("(", ")", ";", ","))
    else:
        opening, closing, semicolon, comma = "(", ")", ";", ","
    n = len(texts)
    for i in [i for i, text in enumerate(texts) if text == opening]:
        j = i + 1
        while j < n and j - i <= MAX_PAREN_TOKENS and texts[j] != opening and texts[j] != closing:
            j += 1
        if j >= n or texts[j] != closing or j == i + 1:
            continue
        k = i + 1
        while k < j and texts[k] != semicolon and texts[k] != comma:
            k += 1
        if k == i + 1:
            continue
        inner = doc[i + 1 : k]
        definition = _long_before(doc, i, inner, max_short_length)
        if definition is None:
            definition = _long_inside(doc, i, doc[i + 1 : j], max_short_length)
        if definition is not None:
            found.append(definition)
    return found


def _long_before(doc: Doc, paren: int, inner: Span, max_short_length: int) -> Optional[Definition]:
    short = inner.text
    if not is_short_form(short, max_short_length):
        return None
    max_words = min(len(short) + 5, 2 * len(short))
    start = paren
    words = 0
    while start > 0 and words < max_words:
        prev = doc[start - 1]
        if prev.text in STOP_TOKENS or prev.is_space:
            break
        start -= 1
        if not prev.is_punct:
            words += 1
    if start == paren:
        return None
    window = doc[start:paren]
    offset = best_long_form(short, window.text)
    if offset is None:
        return None
    first = doc.char_span(window.start_char + offset, window.end_char, alignment_mode="expand")
    if first is None or len(first) == 0:
        return None
    long = doc[first.start : paren]
    if len(long.text) <= len(short) or short.lower() in {t.lower_ for t in long}:
        return None
    return Definition(short=(inner.start, inner.end), long=(long.start, long.end))


def _long_inside(doc: Doc, paren: int, inner: Span, max_short_length: int) -> Optional[Definition]:
    if paren == 0 or len(inner.text.split()) <= 2:
        return None
    prev = doc[paren - 1]
    short = prev.text
    if not is_short_form(short, max_short_length):
        return None
    if len(inner) > min(len(short) + 5, 2 * len(short)) + 2:
        return None
    offset = best_long_form(short, inner.text)
    if offset is None or offset != 0:
        return None
    return Definition(short=(prev.i, prev.i + 1), long=(inner.start, inner.end))


class AbbreviationAnnotator(SourcePipe):
    READS_SOURCES = True

    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_abbreviations",
        spans_key: Optional[str] = None,
        sources: Sequence[str] = ("*",),
        max_short_length: int = 10,
        min_long_coverage: float = 0.5,
        label_map: Optional[Callable[[str], Optional[str]]] = None,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        if not isinstance(max_short_length, int) or max_short_length < 2:
            raise SpacyWeakError(Errors.E050.format(param="max_short_length", value=max_short_length, options="an integer >= 2"))
        if not 0.0 <= min_long_coverage <= 1.0:
            raise SpacyWeakError(
                Errors.E050.format(param="min_long_coverage", value=min_long_coverage, options="a fraction in [0, 1]")
            )
        self.sources = check_sources(sources)
        self.max_short_length = max_short_length
        self.min_long_coverage = float(min_long_coverage)

    def match(self, doc: Doc) -> List[Span]:
        definitions = find_definitions(doc, self.max_short_length)
        self.stats["definitions"] += len(definitions)
        if not definitions:
            return []
        groups = span_source_groups(doc, self.sources, exclude=self.spans_key)
        by_bounds: Dict[Tuple[int, int], List[Tuple[str, Span]]] = {}
        for key, group in groups:
            for s in group:
                by_bounds.setdefault((s.start, s.end), []).append((key, s))
        # source spans by end token, so finding those that end with a long form
        # costs the spans ending there, not all spans (linear in the document)
        by_end: Dict[int, List[Tuple[int, List[Tuple[str, Span]]]]] = {}
        for (s_start, s_end), items in by_bounds.items():
            by_end.setdefault(s_end, []).append((s_start, items))
        exact = NgramIndex(doc, case_sensitive=True)
        folded = NgramIndex(doc, case_sensitive=False)
        # group definitions by short form
        by_short: Dict[Tuple[str, ...], List[Definition]] = {}
        for d in definitions:
            by_short.setdefault(exact.key(doc[d.short[0] : d.short[1]]), []).append(d)
        out: Dict[Tuple[int, int, str], str] = {}
        for short_key, defs in by_short.items():
            short_starts = exact.find(short_key)
            long_votes, long_kb = self._votes(
                ((key, s) for d in defs for key, s in self._ending_at(by_end, d.long, self.min_long_coverage))
            )
            label = majority(long_votes)
            if label is not None:
                targets = [(i, i + len(short_key)) for i in short_starts]
                kb = _top_kb(long_kb, label)
            else:
                if long_votes:
                    self.stats["ties"] += 1
                    continue
                short_votes, short_kb = self._votes(
                    (key, s) for i in short_starts for key, s in by_bounds.get((i, i + len(short_key)), [])
                )
                label = majority(short_votes)
                if label is None:
                    self.stats["ties" if short_votes else "unlabelled"] += 1
                    continue
                kb = _top_kb(short_kb, label)
                targets = []
                for long_key in dict.fromkeys(folded.key(doc[d.long[0] : d.long[1]]) for d in defs):
                    targets.extend((i, i + len(long_key)) for i in folded.find(long_key))
            mapped = self._map(label)
            if mapped is None:
                continue
            for start, end in targets:
                out.setdefault((start, end, mapped), kb)
        return [Span(doc, start, end, label=label, kb_id=kb) for (start, end, label), kb in out.items()]

    @staticmethod
    def _ending_at(by_end: Dict[int, List[Tuple[int, List[Tuple[str, Span]]]]], long: Tuple[int, int], coverage: float):
        """Source spans that end where the long form ends (they cover its head word) and cover at
        least ``coverage`` of its tokens."""
        start, end = long
        for s_start, items in by_end.get(end, ()):
            if s_start < end and (end - max(s_start, start)) >= coverage * (end - start):
                yield from items

    @staticmethod
    def _votes(items) -> Tuple[Counter, Dict[str, Counter]]:
        seen = set()
        votes: Counter = Counter()
        kbs: Dict[str, Counter] = {}
        for key, span in items:
            label = span.label_
            if span.kb_id_:
                kbs.setdefault(label, Counter())[span.kb_id_] += 1
            if (key, label) in seen:
                continue
            seen.add((key, label))
            votes[label] += 1
        return votes, kbs

    def _cfg(self):
        return {
            "spans_key": self.spans_key,
            "sources": self.sources,
            "max_short_length": self.max_short_length,
            "min_long_coverage": self.min_long_coverage,
        }


def _top_kb(kbs: Dict[str, Counter], label: str) -> str:
    counter = kbs.get(label)
    if not counter:
        return ""
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
