"""Collect an annotated corpus into flat numpy arrays, in one streaming pass.

The analysis never holds the corpus as Python ``Doc`` objects: each document
is read once, its span groups are appended to per-key arrays (global token
offsets, so corpus-level statistics are single numpy operations), and only
its words are kept so that sample documents can be rendered later.

Which span groups are what (see ``docs/conventions.md``):

* a group whose attrs carry ``aggregator`` or ``probs`` is an *aggregate*;
* a group with ``attrs["level"] == "doc"`` is a *document-level source*;
* the gold key (``gold_key``) is gold, never a source;
* every other group is a *span-level source*.

The key being present in a document means that the source ran on it.
"""
import logging
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union


import numpy as np
from spacy.attrs import ENT_IOB, ENT_TYPE, ORTH, SPACY
from spacy.tokens import Doc, Span
from spacy.training import Example
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..spans import (
    ATTR_AGGREGATOR,
    ATTR_DOC_VOTES,
    ATTR_LEVEL,
    ATTR_PROBS,
    LEVEL_DOC,
    NEGATIVE_LABEL,
    is_evaluation_group,
)

logger = logging.getLogger(__name__)

ENTS_KEY = "ents"  # pseudo key: ``doc.ents`` (as gold or as an aggregate)
GOLD_KEY = "gold"  # the key gold spans are shown under in reports
ATTR_GOLD = "gold"  # corpus readers mark their gold groups with attrs["gold"] = True
ATTR_DOC_ID = "doc_id"  # ... and store the document id there
CATS_KEY = "cats"  # pseudo key: ``doc.cats`` as a document-level aggregate


@dataclass
class SpanTable:
    """All spans of one key across the corpus (token indices are global)."""

    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    label: np.ndarray
    prob: Optional[np.ndarray] = None

    def __len__(self) -> int:
        return int(self.doc.shape[0])

    def for_doc(self, i: int) -> "SpanTable":
        lo, hi = np.searchsorted(self.doc, [i, i + 1])
        return SpanTable(
            self.doc[lo:hi],
            self.start[lo:hi],
            self.end[lo:hi],
            self.label[lo:hi],
            None if self.prob is None else self.prob[lo:hi],
        )

    def select(self, mask: np.ndarray) -> "SpanTable":
        return SpanTable(
            self.doc[mask],
            self.start[mask],
            self.end[mask],
            self.label[mask],
            None if self.prob is None else self.prob[mask],
        )


class _TableBuilder:
    def __init__(self, with_prob: bool = False) -> None:
        self.doc: List[int] = []
        self.start: List[int] = []
        self.end: List[int] = []
        self.label: List[int] = []
        self.prob: Optional[List[float]] = [] if with_prob else None

    def add(self, i: int, offset: int, start: int, end: int, label: int, prob: float = 1.0) -> None:
        self.doc.append(i)
        self.start.append(offset + start)
        self.end.append(offset + end)
        self.label.append(label)
        if self.prob is not None:
            self.prob.append(prob)

    def add_many(self, i: int, offset: int, starts: List[int], ends: List[int], labels: List[int], probs) -> None:
        n = len(starts)
        self.doc.extend([i] * n)
        self.start.extend([offset + x for x in starts])
        self.end.extend([offset + x for x in ends])
        self.label.extend(labels)
        if self.prob is not None:
            self.prob.extend([1.0] * n if probs is None else [float(p) for p in probs])

    def build(self) -> SpanTable:
        doc = np.asarray(self.doc, dtype=np.int64)
        start = np.asarray(self.start, dtype=np.int64)
        end = np.asarray(self.end, dtype=np.int64)
        label = np.asarray(self.label, dtype=np.int64)
        prob = None if self.prob is None else np.asarray(self.prob, dtype=np.float64)
        # stable order: doc, start, end, label (documents are appended in order already)
        order = np.lexsort((label, end, start, doc))
        table = SpanTable(doc[order], start[order], end[order], label[order], None if prob is None else prob[order])
        return table


@dataclass
class CorpusData:
    """The corpus as arrays; produced by :func:`collect`."""

    n_docs: int
    offsets: np.ndarray  # (n_docs + 1,) global token offset of each document
    labels: List[str]  # index 0 is always "O"
    sources: List[str]  # span-level sources, in report order
    aggregates: List[str]
    tables: Dict[str, SpanTable]  # sources and aggregates
    ran: Dict[str, np.ndarray]  # key -> bool (n_docs,): the key was present
    gold: Optional[SpanTable] = None
    has_gold: Optional[np.ndarray] = None  # bool (n_docs,)
    doc_sources: List[str] = field(default_factory=list)
    doc_votes: Dict[str, List[Optional[Dict[str, int]]]] = field(default_factory=dict)
    cats: List[Dict[str, float]] = field(default_factory=list)
    # document aggregators' probabilities per document (None: did not run), by span key
    doc_aggregates: Dict[str, List[Optional[Dict[str, float]]]] = field(default_factory=dict)
    gold_cats: Optional[List[Optional[Dict[str, float]]]] = None
    texts: List[Tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # token ORTH ids, SPACY flags
    strings: Optional[object] = None  # the StringStore the ORTH ids resolve in
    doc_ids: List[Optional[str]] = field(default_factory=list)

    @property
    def n_tokens(self) -> int:
        return int(self.offsets[-1])

    @property
    def token_doc(self) -> np.ndarray:
        """Document index of every token (n_tokens,)."""
        lengths = np.diff(self.offsets)
        return np.repeat(np.arange(self.n_docs), lengths)

    def token_mask(self, doc_mask: np.ndarray) -> np.ndarray:
        """Expand a per-document boolean mask to tokens."""
        return np.repeat(np.asarray(doc_mask, dtype=bool), np.diff(self.offsets))

    def words(self, i: int) -> Tuple[List[str], List[bool]]:
        """Words and trailing-space flags of document ``i`` (for rebuilding it)."""
        if not self.texts:
            n = int(self.offsets[i + 1] - self.offsets[i])
            return ["_"] * n, [True] * n
        orth, space = self.texts[i]
        strings = self.strings
        return [strings[int(o)] for o in orth], [bool(x) for x in space]

    def text(self, i: int, max_tokens: Optional[int] = None) -> str:
        words, spaces = self.words(i)
        if max_tokens is not None:
            words, spaces = words[:max_tokens], spaces[:max_tokens]
        return "".join(w + (" " if s else "") for w, s in zip(words, spaces))

    def entity_labels(self) -> List[str]:
        return [label for label in self.labels if label != NEGATIVE_LABEL]


def _match(key: str, patterns: Optional[Sequence[str]]) -> bool:
    if patterns is None:
        return True
    return any(fnmatchcase(key, p) for p in patterns)


def _doc_id(doc: Doc) -> Optional[str]:
    """The id a corpus reader stored: ``attrs["doc_id"]`` of a span group (gold), else ``user_data``;
    for plain text (``spacy_weak.corpora.plain_text``) the record's own ``id``, else its file name
    (``name.txt``, or ``name.jsonl:line`` when the file holds one document per line)."""
    for group in doc.spans.values():
        value = group.attrs.get(ATTR_DOC_ID)
        if value is not None:
            return str(value)
    if not doc.user_data:
        return None
    for name in (ATTR_DOC_ID, "id", "pmid"):
        value = doc.user_data.get(name)
        if value is not None:
            return str(value)
    meta = doc.user_data.get("meta")
    if isinstance(meta, dict):
        if meta.get("id") is not None:
            return str(meta["id"])
        if meta.get("path"):
            return str(meta["path"]) + (f":{meta['line']}" if meta.get("line") is not None else "")
    return None


def ents_array(doc: Doc) -> Optional[List[Tuple[int, int, str]]]:
    """``doc.ents`` as (start, end, label) read from the IOB arrays (faster than ``doc.ents``);
    None when the document has no entity annotation at all."""
    arr = doc.to_array([ENT_IOB, ENT_TYPE]).reshape(len(doc), 2)
    iob = arr[:, 0]
    if not len(doc) or not (iob != 0).any():
        return None
    starts = np.flatnonzero(iob == 3)
    not_inside = np.flatnonzero(iob != 1)
    # an entity ends at the first later token that is not I; at the end of the doc if none
    pos = np.searchsorted(not_inside, starts, side="right")
    ends = np.where(pos < len(not_inside), not_inside[np.minimum(pos, len(not_inside) - 1)], len(doc))
    strings = doc.vocab.strings
    return [(int(a), int(b), strings[int(arr[a, 1])]) for a, b in zip(starts, ends)]


def _gold_spans(gold_doc: Doc, gold_key: str, i: int) -> Optional[List[Tuple[int, int, str]]]:
    if gold_key == ENTS_KEY:
        return ents_array(gold_doc)
    if gold_key not in gold_doc.spans:
        return None
    return [(s.start, s.end, s.label_) for s in gold_doc.spans[gold_key]]


def _gold_cats(gold_doc: Doc, gold_key: Optional[str], separate: bool) -> Optional[Dict[str, float]]:
    """Gold classes: ``doc.cats`` of a separate gold doc, or a doc-level gold group's votes."""
    if gold_key and gold_key != ENTS_KEY and gold_key in gold_doc.spans:
        votes = gold_doc.spans[gold_key].attrs.get(ATTR_DOC_VOTES)
        if votes:
            return {str(k): float(v) for k, v in votes.items()}
    if separate and gold_doc.cats:
        return {str(k): float(v) for k, v in gold_doc.cats.items()}
    return None


def collect(
    docs: Iterable[Doc],
    *,
    gold_docs: Optional[Iterable[Doc]] = None,
    gold_key: Optional[str] = None,
    sources: Optional[Sequence[str]] = None,
    aggregates: Optional[Sequence[str]] = None,
    keep_words: bool = True,
    auto_gold: bool = True,
) -> CorpusData:
    """Read ``docs`` once into a :class:`CorpusData`.

    docs: annotated documents (streamed).
    gold_docs: reference documents aligned with ``docs`` by order (same text);
        their ``doc.ents`` (``gold_key`` None or ``"ents"``) or ``doc.spans[gold_key]``
        are the gold spans, their ``doc.cats`` the gold classes.
    gold_key: without ``gold_docs``: a span key (or ``"ents"``) of the annotated
        documents holding gold.
    sources / aggregates: names or glob patterns (``"gaz_*"``); None = detect
        from the span group attrs. ``"ents"`` as an aggregate reads ``doc.ents``.
    auto_gold: without ``gold_docs`` and ``gold_key``, a group marked ``attrs["gold"] = True``
        (as the corpus readers write it) is the gold. A marked group is never a source.
    """
    separate_gold = gold_docs is not None
    if separate_gold and gold_key is None:
        gold_key = ENTS_KEY
    collector = _Collector(
        gold_key=gold_key, separate_gold=separate_gold, sources=sources, aggregates=aggregates,
        keep_words=keep_words, auto_gold=auto_gold,
    )
    gold_iter: Optional[Iterator[Doc]] = iter(gold_docs) if gold_docs is not None else None
    docs = iter(docs)
    for i, doc in enumerate(docs):
        collector.add_doc(i, doc, gold_iter, docs)
    if gold_iter is not None:
        extra = next(gold_iter, None)
        if extra is not None:
            n_docs = collector.n_docs
            raise SpacyWeakError(Errors.E151.format(n_docs=n_docs, n_gold=n_docs + 1 + sum(1 for _ in gold_iter)))
    return collector.finish()


class _Labels:
    """Label name -> its index in ``labels`` (``"O"``, the negative label, is 0); also from a
    StringStore hash (memoised: the hashes of one corpus repeat)."""

    def __init__(self) -> None:
        self.labels: List[str] = [NEGATIVE_LABEL]
        self._index: Dict[str, int] = {NEGATIVE_LABEL: 0}
        self._hash_index: Dict[int, int] = {}

    def __call__(self, name: str) -> int:
        idx = self._index.get(name)
        if idx is None:
            idx = self._index[name] = len(self.labels)
            self.labels.append(name)
        return idx

    def of_hash(self, h: int, doc: Doc) -> int:
        idx = self._hash_index.get(h)
        if idx is None:
            idx = self._hash_index[h] = self(doc.vocab.strings[h])
        return idx


class _Collector:
    """The state :func:`collect` builds while it reads the documents once."""

    def __init__(self, *, gold_key, separate_gold, sources, aggregates, keep_words, auto_gold) -> None:
        self.gold_key: Optional[str] = gold_key
        self.separate_gold: bool = separate_gold
        self.sources = sources
        self.aggregates = aggregates
        self.keep_words = keep_words
        self.auto_gold = auto_gold
        self.want_ents_agg = aggregates is not None and ENTS_KEY in aggregates
        self.lab = _Labels()
        self.builders: Dict[str, _TableBuilder] = {}
        self.ran_docs: Dict[str, List[int]] = {}
        self.kinds: Dict[str, str] = {}  # key -> "source" | "aggregate" | "doc" | "doc_agg" | "skip"
        self.doc_votes: Dict[str, Dict[int, Dict[str, int]]] = {}
        self.doc_aggs: Dict[str, Dict[int, Dict[str, float]]] = {}
        self.gold_builder = _TableBuilder()
        self.has_gold: Dict[int, bool] = {}
        self.cats: List[Dict[str, float]] = []
        self.gold_cats: Dict[int, Optional[Dict[str, float]]] = {}
        self.texts: List[Tuple[np.ndarray, np.ndarray]] = []
        self.strings = None
        self.doc_ids: List[Optional[str]] = []
        self.offsets = [0]
        self.n_docs = 0

    def add_doc(self, i: int, doc: Doc, gold_iter: Optional[Iterator[Doc]], rest: Iterator[Doc]) -> None:
        """Document ``i``: its tokens, cats, span groups and gold (``rest``: the documents after it)."""
        self.n_docs += 1
        offset = self.offsets[-1]
        self.offsets.append(offset + len(doc))
        self.doc_ids.append(_doc_id(doc))
        arr = doc.to_array([ORTH, SPACY]).reshape(len(doc), 2)
        if self.keep_words:
            self.strings = doc.vocab.strings
            self.texts.append((arr[:, 0].copy(), arr[:, 1].astype(bool)))
        self.cats.append({str(k): float(v) for k, v in doc.cats.items()})
        for key, group in doc.spans.items():
            if key == self.gold_key and not self.separate_gold:
                continue
            kind = self.kinds.get(key)
            if kind is None:
                kind = self._classify(key, group)
                if kind is None:  # the gold
                    continue
                self.kinds[key] = kind
            if kind != "skip":
                self._add_group(i, offset, doc, key, group, kind)
        if self.want_ents_agg:
            self._add_ents_aggregate(i, offset, doc)
        same_tokens = True
        if gold_iter is not None:
            gdoc, same_tokens = self._next_gold(i, doc, arr, gold_iter, rest)
        elif self.gold_key is not None:
            gdoc = doc
        else:
            gdoc = None
        if gdoc is not None:
            self._add_gold(i, offset, doc, gdoc, same_tokens)

    def _classify(self, key: str, group) -> Optional[str]:
        """What the span group ``key`` is (decided at its first document); None: it is the gold
        (``attrs["gold"] = True``, taken as the gold when none was named)."""
        aggregates, sources = self.aggregates, self.sources
        attrs = group.attrs
        named = (aggregates is not None and _match(key, aggregates)) or (sources is not None and key in sources)
        if is_evaluation_group(key, group) and not named:
            if self.auto_gold and self.gold_key is None and not self.separate_gold:
                self.gold_key = key
                logger.info("gold: span group %r (attrs['gold'] = True)", key)
                return None
            return "skip"
        if attrs.get(ATTR_LEVEL) == LEVEL_DOC and ATTR_AGGREGATOR in attrs:
            # a document aggregator's probabilities (attrs["cats"]): scored beside doc.cats
            return "doc_agg" if aggregates is None or _match(key, aggregates) else "skip"
        if aggregates is not None and _match(key, aggregates):
            return "aggregate"
        if ATTR_AGGREGATOR in attrs or ATTR_PROBS in attrs:
            return "aggregate" if aggregates is None else "skip"
        if attrs.get(ATTR_LEVEL) == LEVEL_DOC:
            return "doc" if _match(key, sources) else "skip"
        return "source" if _match(key, sources) else "skip"

    def _add_group(self, i: int, offset: int, doc: Doc, key: str, group, kind: str) -> None:
        self.ran_docs.setdefault(key, []).append(i)
        if kind == "doc_agg":
            probs = group.attrs.get("cats") or {}
            self.doc_aggs.setdefault(key, {})[i] = {str(k): float(v) for k, v in probs.items()}
            return
        if kind == "doc":
            votes = group.attrs.get(ATTR_DOC_VOTES, {}) or {}
            self.doc_votes.setdefault(key, {})[i] = {str(k): int(v) for k, v in votes.items()}
            return
        builder = self.builders.get(key)
        if builder is None:
            builder = self.builders[key] = _TableBuilder(with_prob=(kind == "aggregate"))
        probs = group.attrs.get(ATTR_PROBS) if kind == "aggregate" else None
        if probs is not None and len(probs) != len(group):
            warn(Warnings.W150.format(key=key, n_probs=len(probs), n_spans=len(group), doc=i))
            probs = None
        if len(group):
            rows = [(span.start, span.end, span.label) for span in group]
            starts, ends, hashes = zip(*rows)
            builder.add_many(i, offset, starts, ends, [self.lab.of_hash(h, doc) for h in hashes], probs)

    def _add_ents_aggregate(self, i: int, offset: int, doc: Doc) -> None:
        """``doc.ents`` read as the aggregate ``"ents"``."""
        self.kinds.setdefault(ENTS_KEY, "aggregate")
        builder = self.builders.setdefault(ENTS_KEY, _TableBuilder(with_prob=True))
        if doc.has_annotation("ENT_IOB"):
            self.ran_docs.setdefault(ENTS_KEY, []).append(i)
            for start, end, label in ents_array(doc) or []:
                builder.add(i, offset, start, end, self.lab(label))

    def _next_gold(self, i: int, doc: Doc, arr: np.ndarray, gold_iter: Iterator[Doc], rest: Iterator[Doc]) -> Tuple[Doc, bool]:
        """The gold document of document ``i`` and whether their tokens are the same; E151 - E153
        when the gold corpus does not align with the annotated one."""
        try:
            gdoc = next(gold_iter)
        except StopIteration:
            # the counts of the whole inputs (an error path: reading the rest is affordable)
            raise SpacyWeakError(Errors.E151.format(n_docs=self.n_docs + sum(1 for _ in rest), n_gold=i)) from None
        g_id, d_id = _doc_id(gdoc), self.doc_ids[-1]
        if g_id is not None and d_id is not None and g_id != d_id:
            raise SpacyWeakError(Errors.E152.format(i=i, doc_id=d_id, gold_id=g_id))
        same_tokens = len(gdoc) == len(doc) and np.array_equal(gdoc.to_array([ORTH, SPACY]).reshape(len(gdoc), 2), arr)
        if not same_tokens and gdoc.text != doc.text:
            raise SpacyWeakError(Errors.E153.format(i=i, doc=doc.text[:60], gold=gdoc.text[:60]))
        return gdoc, same_tokens

    def _add_gold(self, i: int, offset: int, doc: Doc, gdoc: Doc, same_tokens: bool) -> None:
        spans = _gold_spans(gdoc, self.gold_key, i)
        self.gold_cats[i] = _gold_cats(gdoc, self.gold_key, self.separate_gold)
        if spans is None:
            return
        self.has_gold[i] = True
        if gdoc is not doc and not same_tokens:
            # different tokenisation: project gold spans with spaCy's alignment
            gspans = [Span(gdoc, s, e, label=lab_) for s, e, lab_ in spans]
            aligned = Example(doc, gdoc).get_aligned_spans_y2x(gspans, allow_overlap=True)
            spans = [(s.start, s.end, s.label_) for s in aligned]
        for start, end, label in spans:
            self.gold_builder.add(i, offset, start, end, self.lab(label))

    def finish(self) -> CorpusData:
        """The :class:`CorpusData` (``W151`` for a named source or aggregate found nowhere,
        ``W152`` for a gold key holding no gold)."""
        n_docs, kinds, sources, aggregates = self.n_docs, self.kinds, self.sources, self.aggregates
        source_keys = _order([k for k, v in kinds.items() if v == "source"], sources)
        agg_keys = _order([k for k, v in kinds.items() if v == "aggregate"], aggregates)
        doc_keys = _order([k for k, v in kinds.items() if v == "doc"], sources)
        if aggregates is not None:
            for pattern in aggregates:
                if not any(ch in pattern for ch in "*?[") and pattern not in agg_keys + list(self.doc_aggs):
                    warn(Warnings.W151.format(key=pattern, kind="aggregate"))
        if sources is not None:
            for pattern in sources:
                if not any(ch in pattern for ch in "*?[") and pattern not in source_keys + doc_keys:
                    warn(Warnings.W151.format(key=pattern, kind="source"))
        ran = {}
        for key, idx in self.ran_docs.items():
            mask = np.zeros(n_docs, dtype=bool)
            mask[np.asarray(idx, dtype=np.int64)] = True
            ran[key] = mask
        tables = {k: b.build() for k, b in self.builders.items()}
        for key in source_keys + agg_keys:
            tables.setdefault(key, _TableBuilder(with_prob=key in agg_keys).build())
            ran.setdefault(key, np.zeros(n_docs, dtype=bool))
        gold = None
        gold_mask = None
        if self.gold_key is not None:
            gold = self.gold_builder.build()
            gold_mask = np.zeros(n_docs, dtype=bool)
            gold_mask[[i for i in self.has_gold]] = True
            if not gold_mask.any() and not any(c for c in self.gold_cats.values()):
                warn(Warnings.W152.format(key=self.gold_key))
        votes_lists: Dict[str, List[Optional[Dict[str, int]]]] = {}
        for key in doc_keys:
            per_doc = self.doc_votes.get(key, {})
            votes_lists[key] = [per_doc.get(i) for i in range(n_docs)]
        return CorpusData(
            n_docs=n_docs,
            offsets=np.asarray(self.offsets, dtype=np.int64),
            labels=self.lab.labels,
            sources=source_keys,
            aggregates=agg_keys,
            tables=tables,
            ran=ran,
            gold=gold,
            has_gold=gold_mask,
            doc_sources=doc_keys,
            doc_votes=votes_lists,
            doc_aggregates={k: [per.get(i) for i in range(n_docs)] for k, per in self.doc_aggs.items()},
            cats=self.cats,
            gold_cats=[self.gold_cats.get(i) for i in range(n_docs)] if self.gold_key is not None else None,
            texts=self.texts,
            strings=self.strings,
            doc_ids=self.doc_ids,
        )


def _order(keys: List[str], patterns: Optional[Sequence[str]]) -> List[str]:
    if patterns is None:
        return sorted(keys)
    out: List[str] = []
    for p in patterns:
        for k in sorted(keys):
            if fnmatchcase(k, p) and k not in out:
                out.append(k)
    return out + [k for k in sorted(keys) if k not in out]


# ------------------------------------------------------------------ reading


def read_docbins(paths: Union[str, Path, Sequence[Union[str, Path]]], vocab: Optional[Vocab] = None) -> Iterator[Doc]:
    """Stream the documents of DocBin files / shard directories, one shard in memory at a time.

    Delegates to :func:`spacy_weak.corpora.shards.read_docs`: a shard directory is read in
    the order of its manifest (``W201`` if the run is unfinished), else its ``*.spacy`` files
    sorted by name; srsly's msgpack registry lookup is cached (about 1 ms per span group otherwise).
    """
    from ..corpora.shards import read_docs

    paths = [paths] if isinstance(paths, (str, Path)) else list(paths)
    for path in paths:
        if not Path(path).exists():
            raise SpacyWeakError(Errors.E150.format(path=path))
    yield from read_docs(paths, vocab if vocab is not None else Vocab())
