"""The compiled lexicon: an Aho-Corasick automaton over normalised terms plus compact tables.

Keys (normalised terms) are indexed by length:

* **short** keys (at most ``SHORT_KEY_MAX`` = 3 characters, mostly abbreviations): a dict
  ``short_keys`` (key -> index), looked up for token windows that short — in running text
  they would otherwise match inside most words;
* **medium** keys (up to ``ANCHOR_LEN`` = 12 characters): words of the automaton;
* **long** keys: their first ``ANCHOR_LEN`` characters (the *anchor*) are a word of the
  automaton, the whole key is in ``long_keys`` (a :class:`~.long_keys.LongKeyTable`: CRC-32
  open addressing over the keys' blob, dict-like). An anchor found at a token start is
  completed by looking up the text up to each token end at a length some key with that anchor
  has (``anchor_lens``). The trie then holds the keys' prefixes only: 2.0M nodes instead of
  14M for a million synthetic terms (averaging 28 characters), a sevenfold saving of memory,
  build time, load time and disk.

The automaton is ``ahocorasick.Automaton(STORE_INTS)`` storing an *anchor* index; per anchor,
``anchor_key`` (the medium key it is, or -1), ``anchor_len`` (its length) and
``anchor_lptr``/``anchor_lens`` (CSR: the lengths of the long keys it starts).

Entries: ``entry_ptr[k]:entry_ptr[k+1]`` are the entries of key ``k``, one per (label, cased
form), in the order their first record was read (the lexicon's order is its priority);
``entry_label`` (index into ``labels``), ``entry_cased`` (index into ``cased_forms`` or -1: a
short term matched case-sensitively), and the concept id(s) of each entry (several concepts of
one term and label joined with ``|``) as one UTF-8 blob + offsets.

Every key, in index order, is in one UTF-8 blob ``key_blob`` + ``key_off`` (the long keys'
table checks its matches against it; ``keys_in_order`` reads it).

On disk (``to_disk``), a folder: ``meta.json`` (options, labels, counts, summary,
pyahocorasick version), ``automaton.bin`` (the automaton's own node dump: the byte chunks
pyahocorasick exposes through its ``__reduce__`` and takes back through its constructor — no
pickle involved), ``tables.npz`` (numpy arrays, loaded with ``allow_pickle=False``),
``kb.bin``, ``keys.bin`` (the keys' blob: with ``key_off`` it rebuilds the automaton when the
stored dump cannot be used, e.g. after a pyahocorasick upgrade; the short keys' dict is read
from it), ``keys.msgpack`` (every key in index order, for ``lexicon info`` and format 2).
Format 2 (the short and long keys as msgpack dicts) is read by rebuilding from ``keys.msgpack``.
"""
import logging
import re
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import numpy

from ..errors import Errors, SpacyWeakError
from . import char_windows, lexicon_store
from .char_windows import _PAD  # noqa: F401  (imported from here by the gazetteer)
from .entries import RecordIds, _coerce_record, _finalize
from .key_index import ANCHOR_LEN, SHORT_KEY_MAX, _KeyIndex
from .long_keys import LongKeyTable, decode_keys
from .lexicon_store import FORMAT_VERSION, is_compiled_dir, read_meta  # noqa: F401  (the public names)
from .normalize import Normalizer
from .records import LexiconRecord, LexiconSummary

logger = logging.getLogger(__name__)

NORMALIZATION_OPTIONS = (
    "case_sensitive",
    "short_term_max_len",
    "normalize_unicode",
    "fold_hyphens",
    "min_term_length",
    "stop_terms",
)
DEFAULT_OPTIONS: Dict[str, Any] = {
    "case_sensitive": False,
    "short_term_max_len": 3,
    "normalize_unicode": True,
    "fold_hyphens": True,
    "min_term_length": 2,
    "stop_terms": [],
}

PathLike = Union[str, Path]


def normalization_options(**options) -> Dict[str, Any]:
    out = dict(DEFAULT_OPTIONS)
    for key, value in options.items():
        if key not in DEFAULT_OPTIONS:
            raise SpacyWeakError(Errors.E007.format(value=key, param="compile option", options=", ".join(DEFAULT_OPTIONS)))
        out[key] = value
    out["case_sensitive"] = bool(out["case_sensitive"])
    out["normalize_unicode"] = bool(out["normalize_unicode"])
    out["fold_hyphens"] = bool(out["fold_hyphens"])
    for key in ("short_term_max_len", "min_term_length"):
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise SpacyWeakError(Errors.E007.format(value=value, param=key, options="an integer >= 0"))
        out[key] = int(value)
    out["stop_terms"] = sorted({str(t) for t in (out["stop_terms"] or [])})
    return out


class CompiledLexicon:
    """Normalised terms in an Aho-Corasick automaton with their labels and concept ids."""

    def __init__(
        self,
        *,
        options: Dict[str, Any],
        labels: List[str],
        automaton,
        key_len: numpy.ndarray,
        entry_ptr: numpy.ndarray,
        entry_label: numpy.ndarray,
        entry_cased: numpy.ndarray,
        cased_forms: List[str],
        kb_blob: bytes,
        kb_offsets: numpy.ndarray,
        anchor_key: numpy.ndarray,
        anchor_len: numpy.ndarray,
        anchor_lptr: numpy.ndarray,
        anchor_lens: numpy.ndarray,
        short_keys: Dict[str, int],
        key_blob: bytes,
        key_off: numpy.ndarray,
        long_slots: numpy.ndarray,
        summary: Optional[LexiconSummary] = None,
    ) -> None:
        self.options = normalization_options(**options)
        self.normalizer = Normalizer(
            case_sensitive=self.options["case_sensitive"],
            normalize_unicode=self.options["normalize_unicode"],
            fold_hyphens=self.options["fold_hyphens"],
        )
        self.labels = list(labels)
        self.automaton = automaton
        self.key_len = key_len
        self.cased_forms = list(cased_forms)
        self.kb_blob = kb_blob
        self.short_keys = short_keys
        self.key_blob = key_blob  # every key, UTF-8, in index order (see .long_keys)
        self._key_off, self.key_off = _shared(key_off, "q")
        self.long_keys = LongKeyTable(key_blob, self._key_off, long_slots)
        self.summary = summary or LexiconSummary()
        self.path: Optional[Path] = None  # the folder it was loaded from, if any
        # array.array indexes fast from Python and keeps 4-8 bytes per item; the numpy tables
        # are views of the same memory (one copy of each table, not two)
        self._anchor_key, self.anchor_key = _shared(anchor_key, "i")
        self._anchor_len, self.anchor_len = _shared(anchor_len, "i")
        self._anchor_lptr, self.anchor_lptr = _shared(anchor_lptr, "q")
        self._anchor_lens, self.anchor_lens = _shared(anchor_lens, "i")
        self._entry_ptr, self.entry_ptr = _shared(entry_ptr, "q")
        self._entry_label, self.entry_label = _shared(entry_label, "i")
        self._entry_cased, self.entry_cased = _shared(entry_cased, "i")
        self._kb_offsets, self.kb_offsets = _shared(kb_offsets, "q")
        self._filter: Optional[Tuple[numpy.ndarray, numpy.uint64]] = None  # see char_windows.window_filter
        # the token-window matcher's bitmaps, once built (saved by to_disk: loading skips their build)
        self.token_bitmaps: Optional[Dict[str, Any]] = None

    # ------------------------------------------------------------ properties

    @property
    def n_terms(self) -> int:
        return int(len(self.key_len))

    @property
    def long_slots(self) -> numpy.ndarray:  # the long keys' table (stored with the other tables)
        return self.long_keys.slots

    @property
    def n_entries(self) -> int:
        return int(len(self.entry_label))

    def __len__(self) -> int:
        return self.n_terms

    def kb_id(self, entry: int) -> str:
        o = self._kb_offsets
        return self.kb_blob[o[entry] : o[entry + 1]].decode("utf8")

    def entries(self, key_index: int) -> range:
        return range(int(self.entry_ptr[key_index]), int(self.entry_ptr[key_index + 1]))

    def lookup(self, term: str) -> List[Tuple[str, str]]:
        """``[(label, kb_id)]`` of a term (normalised like the text), honouring short-term case."""
        k = self.key_index(self.normalizer.key(term))
        if k < 0:
            return []
        cased = None
        out = []
        for e in self.entries(k):
            c = int(self.entry_cased[e])
            if c >= 0:
                cased = cased if cased is not None else self.normalizer.cased(term)
                if self.cased_forms[c] != cased:
                    continue
            out.append((self.labels[int(self.entry_label[e])], self.kb_id(e)))
        return out

    def key_index(self, key: str) -> int:
        """The index of a normalised key, or -1."""
        n = len(key)
        if n <= SHORT_KEY_MAX:
            return self.short_keys.get(key, -1)
        if n > ANCHOR_LEN:
            return self.long_keys.get(key, -1)
        a = self.automaton.get(key, -1) if len(self.automaton) else -1
        return self._anchor_key[a] if a >= 0 else -1

    def __contains__(self, term: str) -> bool:
        return bool(self.lookup(term))

    # ------------------------------------------------------------ matching

    def find(
        self, ntext: str, starts: numpy.ndarray, ends: numpy.ndarray, *, single_token_short: bool = True
    ) -> List[Tuple[int, int, int, int, int]]:
        """Token-aligned matches in *normalised* text: ``(start_token, end_token, key, start, end)``.

        ``starts``/``ends`` are the tokens' offsets in ``ntext`` (int arrays, token order; -1
        where a token boundary has no position in the normalised text). A match counts only
        if it starts at a token start and ends at a token end. The key's entries are
        ``entries(key)``; case-sensitive short entries are checked by :meth:`cased_ok`.
        ``single_token_short=False`` leaves out short keys matching one whole token (the
        caller looks those up per token type).
        """
        n = len(starts)
        if not n or not self.n_terms:
            return []
        starts = numpy.asarray(starts, dtype=numpy.int64)
        ends = numpy.asarray(ends, dtype=numpy.int64)
        end_valid = None
        if starts.min() < 0 or ends.min() < 0:
            # boundaries without a normalised position: keep the lists ascending for bisect (a
            # repeated value resolves to its first, valid, token) and remember which are real
            end_valid = (ends >= 0).tolist()
            starts_ok = starts >= 0
            starts = numpy.maximum.accumulate(starts)
            ends = numpy.maximum.accumulate(ends)
        else:
            starts_ok = True
        start_list = starts.tolist()
        end_list = ends.tolist()
        hits = []
        append = hits.append
        if len(self.automaton):
            anchor_key, anchor_len = self._anchor_key, self._anchor_len
            lptr, lens, long_keys = self._anchor_lptr, self._anchor_lens, self.long_keys
            for end, a in self.automaton.iter(ntext):
                ea = end + 1
                s = ea - anchor_len[a]
                ts = bisect_left(start_list, s)  # cheaper than a dict per document: few raw matches
                if ts == n or start_list[ts] != s:
                    continue
                k = anchor_key[a]
                if k >= 0:
                    te = bisect_left(end_list, ea, ts)
                    if te < n and end_list[te] == ea:
                        append((ts, te + 1, k, s, ea))
                lo = lptr[a]
                hi = lptr[a + 1]
                if lo != hi:
                    # a long key's anchor: complete it up to token ends at its keys' lengths
                    for length in lens[lo:hi]:
                        e = s + length
                        te = bisect_left(end_list, e, ts)
                        if te < n and end_list[te] == e:
                            k = long_keys.get(ntext[s:e])
                            if k is not None:
                                append((ts, te + 1, k, s, e))
        short = self.short_keys
        if short:
            # token windows of at most SHORT_KEY_MAX characters
            first = 0 if single_token_short else 1
            if single_token_short:
                cand = (ends - starts <= SHORT_KEY_MAX) & starts_ok & (starts >= 0)
            else:
                # windows of two or more tokens: the first two must fit
                cand = numpy.zeros(n, dtype=bool)
                cand[:-1] = (ends[1:] - starts[:-1] <= SHORT_KEY_MAX) & (starts[:-1] >= 0)
                cand &= starts_ok
            for i in numpy.flatnonzero(cand).tolist():
                s = start_list[i]
                for j in range(i + first, n):
                    e = end_list[j]
                    if e - s > SHORT_KEY_MAX:
                        break
                    if e > s and (end_valid is None or end_valid[j]):
                        k = short.get(ntext[s:e])
                        if k is not None:
                            append((i, j + 1, k, s, e))
        return hits

    def find_windows(
        self, ntext: str, starts: numpy.ndarray, ends: numpy.ndarray, limits: numpy.ndarray
    ) -> List[Tuple[int, int, int]]:
        """Token-aligned matches ``(start_token, end_token, key)`` in normalised text, vectorised
        (:func:`.char_windows.find_windows`: the same matches as :meth:`find` when every token
        boundary has a position)."""
        return char_windows.find_windows(self, ntext, starts, ends, limits)

    def cased_ok(self, entry: int, original: str) -> bool:
        """False when ``entry`` is a case-sensitive short term and ``original`` differs in case."""
        c = self._entry_cased[entry]
        return c < 0 or self.cased_forms[c] == self.normalizer.cased(original)

    # ------------------------------------------------------------ building

    @classmethod
    def build(
        cls,
        records: Iterable,
        *,
        summary: Optional[LexiconSummary] = None,
        **options,
    ) -> "CompiledLexicon":
        """Compile records (``LexiconRecord``, ``(term, label[, id])`` or dicts), streaming."""
        opts = normalization_options(**options)
        summary = summary if summary is not None else LexiconSummary()
        norm = Normalizer(
            case_sensitive=opts["case_sensitive"], normalize_unicode=opts["normalize_unicode"], fold_hyphens=opts["fold_hyphens"]
        )
        index = _KeyIndex()
        key_index = index.index
        stop = {norm.key(t) for t in opts["stop_terms"]}
        min_len = opts["min_term_length"]
        short_max = -1 if opts["case_sensitive"] else opts["short_term_max_len"]
        rec_key, rec_label, rec_cased = array("i"), array("i"), array("i")
        kb_buf = bytearray()  # the records' concept ids, UTF-8, one blob (not a million str objects)
        kb_off = array("q", [0])
        labels: Dict[str, int] = {}
        cased_ids: Dict[str, int] = {}
        compiled_kept: Dict[str, int] = {}
        n_in = 0
        key_fn, cased_fn = norm.key, norm.cased
        for rec in records:
            n_in += 1
            if type(rec) is LexiconRecord:
                term, label, cid = rec
            else:
                term, label, cid = _coerce_record(rec, n_in - 1)
            if not label:
                summary.drop("empty_label")
                continue
            key = key_fn(term)
            lk = len(key)
            if lk < min_len:
                summary.drop("too_short" if key else "empty_term")
                continue
            if key in stop:
                summary.drop("stop_term")
                continue
            if not _ALNUM(key):
                summary.drop("punctuation_only")
                continue
            k = key_index(key)
            li = labels.get(label)
            if li is None:
                li = labels[label] = len(labels)
            if lk <= short_max:
                cased = cased_fn(term)
                ci = cased_ids.get(cased)
                if ci is None:
                    ci = cased_ids[cased] = len(cased_ids)
            else:
                ci = -1
            rec_key.append(k)
            rec_label.append(li)
            rec_cased.append(ci)
            kb_buf += cid.encode("utf8")
            kb_off.append(len(kb_buf))
            compiled_kept[label] = compiled_kept.get(label, 0) + 1
        if not summary.read:
            summary.read = n_in
        # per-label counts of what went into the lexicon (after the drops made here)
        summary.kept.clear()
        summary.kept.update(compiled_kept)
        remap = index.dedupe()  # the repeated long keys merged: the records' keys renumbered
        rec_key = remap[numpy.frombuffer(rec_key, dtype=numpy.int32)].astype(numpy.int32)
        del remap
        tables = _finalize(
            rec_key,
            numpy.frombuffer(rec_label, dtype=numpy.int32),
            numpy.frombuffer(rec_cased, dtype=numpy.int32),
            RecordIds(kb_buf, kb_off),
            len(index.key_len),
            summary,
        )
        del kb_buf, kb_off
        tables.update(index.finish())
        label_list = [None] * len(labels)
        for label, i in labels.items():
            label_list[i] = label
        cased_list = [None] * len(cased_ids)
        for cased, i in cased_ids.items():
            cased_list[i] = cased
        summary.terms = len(index.key_len)
        return cls(options=opts, labels=label_list, cased_forms=cased_list, summary=summary, **tables)

    # ------------------------------------------------------------ serialisation
    # (the formats: the module docstring; the code: :mod:`.lexicon_store`)

    TABLES = lexicon_store.TABLES

    def keys_in_order(self) -> List[str]:
        return decode_keys(self.key_blob, self._key_off)

    def to_disk(self, path: PathLike, exclude=tuple()) -> None:
        lexicon_store.to_disk(self, path)

    @classmethod
    def from_disk(cls, path: PathLike, exclude=tuple()) -> "CompiledLexicon":
        return lexicon_store.from_disk(cls, path)

    def to_bytes(self, exclude=tuple()) -> bytes:
        return lexicon_store.to_bytes(self)

    @classmethod
    def from_bytes(cls, data: bytes, exclude=tuple()) -> "CompiledLexicon":
        return lexicon_store.from_bytes(cls, data)

    def __reduce__(self):
        # for multiprocessing with 'spawn'/'forkserver': through our own bytes, not pickled internals
        return (CompiledLexicon.from_bytes, (self.to_bytes(),))


_ALNUM = re.compile(r"[^\W_]").search  # a letter or digit
_NUMPY_TYPES = {"i": numpy.int32, "q": numpy.int64}


def _shared(values: numpy.ndarray, code: str) -> Tuple[array, numpy.ndarray]:
    """``values`` as an ``array.array(code)`` and a numpy view of that same array's memory."""
    out = array(code)
    out.frombytes(numpy.ascontiguousarray(values, dtype=_NUMPY_TYPES[code]).reshape(-1).view(numpy.uint8))
    return out, numpy.frombuffer(out, dtype=_NUMPY_TYPES[code])
