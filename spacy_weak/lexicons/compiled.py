"""The compiled lexicon: an Aho-Corasick automaton over normalised terms plus compact tables.

Keys (normalised terms) are indexed by length:

* **short** keys (at most ``SHORT_KEY_MAX`` = 3 characters, mostly abbreviations): a dict
  ``short_keys`` (key -> index), looked up for token windows that short — in running text
  they would otherwise match inside most words;
* **medium** keys (up to ``ANCHOR_LEN`` = 12 characters): words of the automaton;
* **long** keys: their first ``ANCHOR_LEN`` characters (the *anchor*) are a word of the
  automaton, the whole key is in the dict ``long_keys``. An anchor found at a token start is
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

On disk (``to_disk``), a folder: ``meta.json`` (options, labels, counts, summary,
pyahocorasick version), ``automaton.bin`` (the automaton's own node dump: the byte chunks
pyahocorasick exposes through its ``__reduce__`` and takes back through its constructor — no
pickle involved), ``tables.npz`` (numpy arrays, loaded with ``allow_pickle=False``),
``kb.bin``, ``short_keys.msgpack`` and ``long_keys.msgpack`` (the dicts), ``keys.msgpack``
(every key in index order, to rebuild the automaton when the stored dump cannot be used, e.g.
after a pyahocorasick upgrade).
"""
import logging
import re
import zipfile
from array import array
from bisect import bisect_left
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple, Union

import numpy
import srsly

from ..errors import Errors, SpacyWeakError
from ..io import atomic_path, write_bytes_atomic
from .normalize import Normalizer
from .records import LexiconRecord, LexiconSummary

logger = logging.getLogger(__name__)

FORMAT_VERSION = 2
# Keys this short (in normalised characters) are looked up per token window in a dict instead
# of living in the automaton: in running text they would otherwise match inside most words
# (2-3 letter abbreviations are 85% of the automaton's raw matches on PubMed abstracts).
SHORT_KEY_MAX = 3
# Keys longer than this are found through their first ANCHOR_LEN characters (see above).
ANCHOR_LEN = 12
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


def _ahocorasick():
    import ahocorasick  # late: factories must import cheaply

    return ahocorasick


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
        long_keys: Dict[str, int],
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
        self.entry_ptr = entry_ptr
        self.entry_label = entry_label
        self.entry_cased = entry_cased
        self.cased_forms = list(cased_forms)
        self.kb_blob = kb_blob
        self.kb_offsets = kb_offsets
        self.anchor_key = anchor_key
        self.anchor_len = anchor_len
        self.anchor_lptr = anchor_lptr
        self.anchor_lens = anchor_lens
        self.short_keys = short_keys
        self.long_keys = long_keys
        self.summary = summary or LexiconSummary()
        self.path: Optional[Path] = None  # the folder it was loaded from, if any
        # array.array indexes fast from Python and keeps 4-8 bytes per item
        self._anchor_key = array("i", anchor_key.astype(numpy.int32).tobytes())
        self._anchor_len = array("i", anchor_len.astype(numpy.int32).tobytes())
        self._anchor_lptr = array("q", anchor_lptr.astype(numpy.int64).tobytes())
        self._anchor_lens = array("i", anchor_lens.astype(numpy.int32).tobytes())
        self._entry_ptr = array("q", entry_ptr.astype(numpy.int64).tobytes())
        self._entry_label = array("i", entry_label.astype(numpy.int32).tobytes())
        self._entry_cased = array("i", entry_cased.astype(numpy.int32).tobytes())
        self._kb_offsets = array("q", kb_offsets.astype(numpy.int64).tobytes())
        self._filter: Optional[Tuple[numpy.ndarray, numpy.uint64]] = None  # see _window_filter

    # ------------------------------------------------------------ properties

    @property
    def n_terms(self) -> int:
        return int(len(self.key_len))

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
        """Token-aligned matches ``(start_token, end_token, key)`` in normalised text, vectorised.

        The same matches as :meth:`find` for texts whose every token boundary has a position
        (``starts``/``ends`` strictly increasing, no -1), without running the automaton over
        the text: every window from a token start to a token end of at most ``ANCHOR_LEN``
        characters (a short or medium key) and every ``ANCHOR_LEN``-character window at a
        token start (a long key's anchor) is hashed in bulk with numpy; a bitmap of the hashes
        of the automaton's words and the short keys leaves the few windows worth an exact
        look-up. ``limits[i]``: where the text of token ``i``'s document ends (several
        documents may share ``ntext``, separated by ``ANCHOR_LEN`` NUL characters).
        """
        n = len(starts)
        if not n or not self.n_terms:
            return []
        bits, shift = self._window_filter()
        codes = numpy.frombuffer((ntext + _PAD).encode("utf-32-le"), dtype=numpy.uint32)
        # prefix hashes of the ANCHOR_LEN characters at each token start: h[i, L - 1] is the
        # hash of ntext[starts[i]:starts[i] + L]
        h = numpy.cumsum(codes[starts[:, None] + _W_RANGE].astype(numpy.uint64) * _POW, axis=1)
        # windows token i .. token j (j = i + d) of at most ANCHOR_LEN characters
        tok = numpy.arange(n)
        counts = numpy.searchsorted(ends, starts + ANCHOR_LEN, side="right") - tok
        numpy.maximum(counts, 0, out=counts)
        rows = numpy.repeat(tok, counts)
        cols = numpy.arange(len(rows)) - numpy.repeat(numpy.cumsum(counts) - counts, counts)
        lw = ends[rows + cols] - starts[rows]
        hw = h[rows, lw - 1]
        idx = hw >> shift
        keep = (bits[idx >> 3] >> (idx & 7).astype(numpy.uint8)) & 1
        sel = numpy.flatnonzero(keep)
        hits: List[Tuple[int, int, int]] = []
        append = hits.append
        if len(sel):
            short = self.short_keys
            get = self.automaton.get
            anchor_key = self._anchor_key
            has_automaton = len(self.automaton) > 0
            for i, d, length, s in zip(
                rows[sel].tolist(), cols[sel].tolist(), lw[sel].tolist(), starts[rows[sel]].tolist()
            ):
                key = ntext[s : s + length]
                if length <= SHORT_KEY_MAX:
                    k = short.get(key)
                    if k is not None:
                        append((i, i + d + 1, k))
                elif has_automaton:
                    a = get(key, -1)
                    if a >= 0:
                        k = anchor_key[a]
                        if k >= 0:
                            append((i, i + d + 1, k))
        if self.long_keys:
            # ANCHOR_LEN-character windows at token starts: a long key's anchor
            cand = numpy.flatnonzero(starts + ANCHOR_LEN <= limits)
            if len(cand):
                ha = h[cand, ANCHOR_LEN - 1]
                idx = ha >> shift
                keep = (bits[idx >> 3] >> (idx & 7).astype(numpy.uint8)) & 1
                cand = cand[keep.astype(bool)]
            if len(cand):
                get = self.automaton.get
                anchors = numpy.fromiter(
                    (get(ntext[s : s + ANCHOR_LEN], -1) for s in starts[cand].tolist()), dtype=numpy.int64, count=len(cand)
                )
                found = anchors >= 0
                cand, anchors = cand[found], anchors[found]
                lo, hi = self.anchor_lptr[anchors], self.anchor_lptr[anchors + 1]
                counts = hi - lo
                total = int(counts.sum())
                if total:
                    # every (anchor, long key length) pair: the window's end must be a token end
                    rep = numpy.repeat(numpy.arange(len(cand)), counts)
                    pos = numpy.arange(total) - numpy.repeat(numpy.cumsum(counts) - counts, counts) + lo[rep]
                    ti = cand[rep]
                    s_all = starts[ti]
                    e_all = s_all + self.anchor_lens[pos]
                    te = numpy.searchsorted(ends, e_all)
                    ok = (e_all <= limits[ti]) & (te < n)
                    ok[ok] = ends[te[ok]] == e_all[ok]
                    long_keys = self.long_keys
                    for i, s, e, t in zip(ti[ok].tolist(), s_all[ok].tolist(), e_all[ok].tolist(), te[ok].tolist()):
                        k = long_keys.get(ntext[s:e])
                        if k is not None:
                            append((i, t + 1, k))
        return hits

    def _window_filter(self) -> Tuple[numpy.ndarray, int]:
        """The bitmap of the window hashes of every automaton word and short key (built on first use)."""
        f = self._filter
        if f is None:
            keys = list(self.automaton.keys()) if len(self.automaton) else []
            keys.extend(self.short_keys)
            log_bits = min(max(16, int(len(keys) * 64).bit_length()), 27)  # ~64 bits per key, <= 16 MB
            bits = numpy.zeros(1 << (log_bits - 3), dtype=numpy.uint8)
            shift = numpy.uint64(64 - log_bits)
            for i in range(0, len(keys), 100_000):
                chunk = keys[i : i + 100_000]
                codes = numpy.frombuffer(
                    "".join(k.ljust(ANCHOR_LEN, "\0") for k in chunk).encode("utf-32-le"), dtype=numpy.uint32
                ).reshape(len(chunk), ANCHOR_LEN)
                idx = (codes.astype(numpy.uint64) * _POW).sum(axis=1, dtype=numpy.uint64) >> shift
                numpy.bitwise_or.at(bits, idx >> 3, (1 << (idx & 7)).astype(numpy.uint8))
            f = self._filter = (bits, shift)
        return f

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
        tables = _finalize(
            numpy.frombuffer(rec_key, dtype=numpy.int32),
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

    TABLES = ("key_len", "entry_ptr", "entry_label", "entry_cased", "kb_offsets",
              "anchor_key", "anchor_len", "anchor_lptr", "anchor_lens")

    def _meta(self) -> Dict[str, Any]:
        ac = _ahocorasick()
        return {
            "format": "spacy_weak.compiled_lexicon",
            "format_version": FORMAT_VERSION,
            "pyahocorasick": getattr(ac, "__version__", None) or _dist_version("pyahocorasick"),
            "short_key_max": SHORT_KEY_MAX,
            "anchor_len": ANCHOR_LEN,
            "options": self.options,
            "labels": self.labels,
            "cased_forms": self.cased_forms,
            "n_terms": self.n_terms,
            "n_anchors": len(self.automaton),
            "n_entries": self.n_entries,
            "summary": self.summary.to_dict(),
        }

    def _automaton_state(self) -> Tuple[List[bytes], List[Any]]:
        if not len(self.automaton):
            return [], []
        _, args = self.automaton.__reduce__()
        return list(args[0]), list(args[1:6])

    def keys_in_order(self) -> List[str]:
        keys: List[Optional[str]] = [None] * self.n_terms
        anchor_key = self._anchor_key
        if len(self.automaton):
            for key, a in self.automaton.items():
                k = anchor_key[a]
                if k >= 0:
                    keys[k] = key
        for table in (self.short_keys, self.long_keys):
            for key, k in table.items():
                keys[k] = key
        return keys  # type: ignore[return-value]

    def to_disk(self, path: PathLike, exclude=tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        chunks, args = self._automaton_state()
        meta = self._meta()
        meta["automaton_args"] = args
        meta["automaton_chunks"] = [len(c) for c in chunks]
        with atomic_path(path / "automaton.bin") as tmp, open(tmp, "wb") as fh:
            for c in chunks:
                fh.write(c)
        del chunks
        with atomic_path(path / "tables.npz") as tmp, open(tmp, "wb") as fh:
            numpy.savez(fh, **{name: getattr(self, name) for name in self.TABLES})
        write_bytes_atomic(path / "kb.bin", self.kb_blob)
        write_bytes_atomic(path / "short_keys.msgpack", srsly.msgpack_dumps(self.short_keys))
        write_bytes_atomic(path / "long_keys.msgpack", srsly.msgpack_dumps(self.long_keys))
        write_bytes_atomic(path / "keys.msgpack", srsly.msgpack_dumps(self.keys_in_order()))
        write_bytes_atomic(path / "meta.json", srsly.json_dumps(meta, indent=2).encode("utf8"))

    @classmethod
    def from_disk(cls, path: PathLike, exclude=tuple()) -> "CompiledLexicon":
        path = Path(path)
        meta = read_meta(path)
        for name in ("tables.npz", "kb.bin", "automaton.bin"):
            if not (path / name).exists():
                raise SpacyWeakError(Errors.E009.format(path=path, problem=f"{name} is missing"))
        try:
            with numpy.load(path / "tables.npz", allow_pickle=False) as z:
                tables = {name: z[name] for name in z.files}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
            raise SpacyWeakError(Errors.E009.format(path=path, problem=f"tables.npz cannot be read: {e}")) from None
        kb_blob = (path / "kb.bin").read_bytes()
        automaton = None
        dicts = None
        if _state_usable(meta) and (path / "short_keys.msgpack").exists() and (path / "long_keys.msgpack").exists():
            dicts = (_read_msgpack(path, "short_keys.msgpack"), _read_msgpack(path, "long_keys.msgpack"))
            if meta.get("n_anchors", 0):
                sizes = meta.get("automaton_chunks", [])
                if (path / "automaton.bin").stat().st_size != sum(sizes):
                    raise SpacyWeakError(Errors.E009.format(path=path, problem="automaton.bin has the wrong size"))
                with open(path / "automaton.bin", "rb") as fh:
                    chunks = [fh.read(n) for n in sizes]
                automaton = _automaton_from_state(chunks, meta["automaton_args"])
                del chunks
            else:
                automaton = _KeyIndex().automaton
        if automaton is None or dicts is None:
            if not (path / "keys.msgpack").exists():
                raise SpacyWeakError(Errors.E009.format(path=path, problem="keys.msgpack is missing"))
            keys = _read_msgpack(path, "keys.msgpack")
            logger.info("Rebuilding the automaton of %s from its %d keys", path, len(keys))
            rebuilt = _KeyIndex.from_keys(keys)
            automaton, dicts = rebuilt.automaton, (rebuilt.short, rebuilt.long)
            tables.update(rebuilt.finish())
        lex = cls._from_parts(meta, automaton, dicts, tables, kb_blob, path)
        lex.path = path
        return lex

    @classmethod
    def _from_parts(cls, meta, automaton, dicts, tables, kb_blob, path) -> "CompiledLexicon":
        try:
            lex = cls(
                options=meta["options"],
                labels=meta["labels"],
                automaton=automaton,
                cased_forms=meta.get("cased_forms", []),
                kb_blob=kb_blob,
                short_keys=dicts[0],
                long_keys=dicts[1],
                summary=LexiconSummary.from_dict(meta.get("summary", {})),
                **{name: tables[name] for name in cls.TABLES},
            )
        except KeyError as e:
            raise SpacyWeakError(Errors.E009.format(path=path, problem=f"missing {e}")) from None
        n_medium = int((lex.anchor_key >= 0).sum())
        if (
            len(automaton) != len(lex.anchor_key)
            or len(lex.short_keys) + len(lex.long_keys) + n_medium != lex.n_terms
            or len(lex.entry_ptr) != lex.n_terms + 1
            or int(lex.kb_offsets[-1]) != len(kb_blob)
        ):
            raise SpacyWeakError(Errors.E009.format(path=path, problem="automaton and tables disagree"))
        return lex

    def to_bytes(self, exclude=tuple()) -> bytes:
        chunks, args = self._automaton_state()
        meta = self._meta()
        meta["automaton_args"] = args
        return srsly.msgpack_dumps(
            {
                "meta": meta,
                "automaton": chunks,
                "tables": {name: getattr(self, name).tobytes() for name in self.TABLES},
                "kb": self.kb_blob,
                "short_keys": self.short_keys,
                "long_keys": self.long_keys,
                "keys": self.keys_in_order(),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes, exclude=tuple()) -> "CompiledLexicon":
        msg = srsly.msgpack_loads(data)
        meta = msg["meta"]
        tables = {name: numpy.frombuffer(buf, dtype=_DTYPES[name]).copy() for name, buf in msg["tables"].items()}
        automaton = None
        dicts = (msg["short_keys"], msg["long_keys"])
        if _state_usable(meta):
            if meta.get("n_anchors", 0):
                automaton = _automaton_from_state(list(msg["automaton"]), meta["automaton_args"])
            else:
                automaton = _KeyIndex().automaton
        if automaton is None:
            rebuilt = _KeyIndex.from_keys(msg["keys"])
            automaton, dicts = rebuilt.automaton, (rebuilt.short, rebuilt.long)
            tables.update(rebuilt.finish())
        return cls._from_parts(meta, automaton, dicts, tables, msg["kb"], "(bytes)")

    def __reduce__(self):
        # for multiprocessing with 'spawn'/'forkserver': through our own bytes, not pickled internals
        return (CompiledLexicon.from_bytes, (self.to_bytes(),))


_DTYPES = {"key_len": numpy.int32, "entry_ptr": numpy.int64, "entry_label": numpy.int32, "entry_cased": numpy.int32,
           "kb_offsets": numpy.int64, "anchor_key": numpy.int32, "anchor_len": numpy.int32,
           "anchor_lptr": numpy.int64, "anchor_lens": numpy.int32}


class _KeyIndex:
    """Assigns key indices while building: short keys -> dict, medium keys -> automaton words,
    long keys -> dict + their anchor (first ANCHOR_LEN characters) as an automaton word."""

    def __init__(self) -> None:
        ac = _ahocorasick()
        self.automaton = ac.Automaton(ac.STORE_INTS)
        self.short: Dict[str, int] = {}
        self.long: Dict[str, int] = {}
        self.key_len = array("i")
        self.anchor_key = array("i")  # per anchor: the medium key it is, or -1
        self.anchor_len = array("i")
        self.long_anchor = array("i")  # per long key: its anchor
        self.long_len = array("i")

    @classmethod
    def from_keys(cls, keys: List[str]) -> "_KeyIndex":
        index = cls()
        for i, key in enumerate(keys):
            if index.index(key) != i:
                raise SpacyWeakError(Errors.E009.format(path="(keys)", problem=f"key {i} is a duplicate"))
        return index

    def index(self, key: str) -> int:
        n = len(key)
        if n <= SHORT_KEY_MAX:
            k = self.short.get(key)
            if k is None:
                k = self.short[key] = self._new(n)
            return k
        if n > ANCHOR_LEN:
            k = self.long.get(key)
            if k is None:
                k = self.long[key] = self._new(n)
                self.long_anchor.append(self._anchor(key[:ANCHOR_LEN]))
                self.long_len.append(n)
            return k
        a = self._anchor(key)
        k = self.anchor_key[a]
        if k < 0:
            k = self.anchor_key[a] = self._new(n)
        return k

    def _new(self, n: int) -> int:
        self.key_len.append(n)
        return len(self.key_len) - 1

    def _anchor(self, anchor: str) -> int:
        a = self.automaton.get(anchor, -1)
        if a < 0:
            a = len(self.anchor_key)
            self.automaton.add_word(anchor, a)
            self.anchor_key.append(-1)
            self.anchor_len.append(len(anchor))
        return a

    def finish(self) -> Dict[str, Any]:
        """Make the automaton; the anchor tables (CSR of the long keys' lengths per anchor)."""
        if len(self.automaton):
            self.automaton.make_automaton()
        n_anchors = len(self.anchor_key)
        la = numpy.frombuffer(self.long_anchor, dtype=numpy.int32).astype(numpy.int64)
        ll = numpy.frombuffer(self.long_len, dtype=numpy.int32).astype(numpy.int64)
        pairs = numpy.unique((la << 32) | ll) if len(la) else numpy.zeros(0, dtype=numpy.int64)
        anchors = pairs >> 32
        return {
            "automaton": self.automaton,
            "key_len": numpy.frombuffer(self.key_len, dtype=numpy.int32).copy(),
            "anchor_key": numpy.frombuffer(self.anchor_key, dtype=numpy.int32).copy(),
            "anchor_len": numpy.frombuffer(self.anchor_len, dtype=numpy.int32).copy(),
            "anchor_lptr": numpy.searchsorted(anchors, numpy.arange(n_anchors + 1)).astype(numpy.int64),
            "anchor_lens": (pairs & 0xFFFFFFFF).astype(numpy.int32),
            "short_keys": self.short,
            "long_keys": self.long,
        }


# ---------------------------------------------------------------- helpers

_ALNUM = re.compile(r"[^\W_]").search  # a letter or digit

# window hashing (find_windows): sum of code point * B**(t + 1) over the window (mod 2**64); its
# top bits index the bitmap (multiplicative hashing: a finaliser bought ~0.1% fewer false hits)
_POW = numpy.cumprod(numpy.full(ANCHOR_LEN, 0x9E3779B97F4A7C15, dtype=numpy.uint64), dtype=numpy.uint64)
_W_RANGE = numpy.arange(ANCHOR_LEN, dtype=numpy.int64)[None, :]
_PAD = "\0" * ANCHOR_LEN




def _coerce_record(rec: Any, index: int) -> Tuple[str, str, str]:
    """``(term, label, id)`` of a tuple/list/dict record, or ``[E012]`` naming the record."""
    if isinstance(rec, dict):
        if "term" not in rec or "label" not in rec:
            raise SpacyWeakError(Errors.E012.format(index=index, record=repr(rec)[:200], problem="missing 'term' or 'label'"))
        term, label, cid = rec["term"], rec["label"], rec.get("id")
    elif isinstance(rec, (tuple, list)) and 2 <= len(rec) <= 3:
        term, label = rec[0], rec[1]
        cid = rec[2] if len(rec) == 3 else ""
    else:
        raise SpacyWeakError(Errors.E012.format(index=index, record=repr(rec)[:200], problem="expected 2 or 3 fields"))
    if not isinstance(term, str) or not isinstance(label, str):
        raise SpacyWeakError(
            Errors.E012.format(index=index, record=repr(rec)[:200], problem="term and label must be strings")
        )
    return term, label, "" if cid is None else str(cid)



def read_meta(path: PathLike) -> Dict[str, Any]:
    path = Path(path)
    meta_path = path / "meta.json"
    if not meta_path.exists():
        raise SpacyWeakError(Errors.E001.format(path=meta_path))
    try:
        meta = srsly.read_json(meta_path)
    except ValueError as e:
        raise SpacyWeakError(Errors.E009.format(path=path, problem=f"meta.json is not valid JSON: {e}")) from None
    if meta.get("format") != "spacy_weak.compiled_lexicon":
        raise SpacyWeakError(Errors.E009.format(path=path, problem="meta.json is not a compiled lexicon's"))
    if meta.get("format_version") != FORMAT_VERSION:
        raise SpacyWeakError(
            Errors.E009.format(path=path, problem=f"format version {meta.get('format_version')}, expected {FORMAT_VERSION}")
        )
    return meta


def _read_msgpack(path: Path, name: str) -> Any:
    try:
        return srsly.read_msgpack(path / name)
    except Exception as e:  # msgpack raises several types for truncated data
        raise SpacyWeakError(Errors.E009.format(path=path, problem=f"{name} cannot be read: {e}")) from None


def is_compiled_dir(path: PathLike) -> bool:
    return (Path(path) / "meta.json").exists() and (Path(path) / "tables.npz").exists()


def _dist_version(name: str) -> Optional[str]:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # pragma: no cover
        return None


def _state_usable(meta: Dict[str, Any]) -> bool:
    ac = _ahocorasick()
    current = getattr(ac, "__version__", None) or _dist_version("pyahocorasick")
    args = meta.get("automaton_args") or []
    if meta.get("pyahocorasick") != current or len(args) != 5:
        logger.info("Compiled with pyahocorasick %s, running %s: rebuilding the automaton", meta.get("pyahocorasick"), current)
        return False
    return args[0] == ac.AHOCORASICK and args[1] == ac.STORE_INTS and args[2] == ac.KEY_STRING


def _automaton_from_state(chunks: List[bytes], args: List[Any]):
    ac = _ahocorasick()
    try:
        return ac.Automaton(chunks, *args, None)
    except Exception as e:  # a dump this pyahocorasick cannot read: rebuild from the keys instead
        logger.info("Stored automaton not usable (%s): rebuilding from keys", e)
        return None


def _finalize(rk, rl, rc, rec_kb: "RecordIds", n_keys: int, summary: LexiconSummary) -> Dict[str, Any]:
    """Group records by (key, label, cased form) into entries; join their concept ids."""
    n = len(rk)
    if n == 0:
        return {
            "entry_ptr": numpy.zeros(1, dtype=numpy.int64),
            "entry_label": numpy.zeros(0, dtype=numpy.int32),
            "entry_cased": numpy.zeros(0, dtype=numpy.int32),
            "kb_blob": b"",
            "kb_offsets": numpy.zeros(1, dtype=numpy.int64),
        }
    # int32 indices where they fit (a million records: tens of MB less at the build's peak);
    # lexsort is stable, so records of one (key, label, cased form) stay in lexicon order
    idx_t = numpy.int32 if n < 2**31 - 1 else numpy.int64
    order = numpy.lexsort((rc, rl, rk)).astype(idx_t)
    new = numpy.zeros(n, dtype=bool)
    new[0] = True
    for col in (rk, rl, rc):
        sorted_col = col[order]
        new[1:] |= sorted_col[1:] != sorted_col[:-1]
        del sorted_col
    gstart = numpy.flatnonzero(new).astype(idx_t)
    del new
    sizes = numpy.diff(numpy.append(gstart, idx_t(n)))
    g_first = order[gstart]  # each group's first record
    g_key, g_label, g_cased = rk[g_first], rl[g_first], rc[g_first]
    # entries: by key, then by first appearance in the lexicon
    eorder = numpy.lexsort((g_first, g_key)).astype(idx_t)
    e_key = g_key[eorder]
    del g_key
    entry_ptr = numpy.searchsorted(e_key, numpy.arange(n_keys + 1), side="left").astype(numpy.int64)
    rec_of_entry = g_first[eorder]
    del g_first
    multi = numpy.flatnonzero(sizes > 1)
    # concept ids per entry: a single record's id as it is (without copying the list when the
    # records are already in entry order, e.g. one record per term), several joined (sorted, unique)
    duplicates = 0
    if not len(multi) and len(rec_of_entry) == n and bool((rec_of_entry == numpy.arange(n, dtype=idx_t)).all()):
        # one record per entry, in order: the records' blob is the entries' blob
        blob, kb_offsets = bytes(rec_kb.blob), numpy.frombuffer(rec_kb.offsets, dtype=numpy.int64).copy()
    else:
        # each entry's id bytes: its record's bytes in the records' blob, or (several records)
        # their ids joined, appended after it; gathered in chunks (no str object per entry)
        rec_off = numpy.frombuffer(rec_kb.offsets, dtype=numpy.int64)
        src_start = rec_off[rec_of_entry]
        src_len = rec_off[rec_of_entry + 1] - src_start
        del rec_of_entry
        extra = bytearray()
        if len(multi):
            entry_of_group = numpy.empty(len(eorder), dtype=idx_t)
            entry_of_group[eorder] = numpy.arange(len(eorder), dtype=idx_t)
            base = len(rec_kb.blob)
            for gi in multi.tolist():
                s = int(gstart[gi])
                ids = {rec_kb[j] for j in order[s : s + int(sizes[gi])].tolist()}
                duplicates += int(sizes[gi]) - len(ids)
                ids.discard("")
                joined = "|".join(sorted(ids)).encode("utf8")
                e = int(entry_of_group[gi])
                src_start[e] = base + len(extra)
                src_len[e] = len(joined)
                extra += joined
        blob, kb_offsets = _gather_bytes(bytes(rec_kb.blob) + bytes(extra) if extra else rec_kb.blob, src_start, src_len)
        del src_start, src_len, extra
    if duplicates:
        summary.drop("duplicate", duplicates)
    del order
    # ambiguous: keys whose entries carry more than one distinct label
    e_label = g_label[eorder].astype(numpy.int32)
    if len(e_key) > 1:
        same = (e_key[1:] == e_key[:-1]) & (e_label[1:] != e_label[:-1])
        summary.ambiguous = int(len(numpy.unique(e_key[1:][same])))
    summary.entries = int(len(e_key))
    return {
        "entry_ptr": entry_ptr,
        "entry_label": e_label,
        "entry_cased": g_cased[eorder].astype(numpy.int32),
        "kb_blob": blob,
        "kb_offsets": kb_offsets,
    }


class RecordIds:
    """The concept ids of the records read, as one UTF-8 blob + offsets (``ids[i]`` decodes one)."""

    def __init__(self, blob: bytearray, offsets: array) -> None:
        self.blob = blob
        self.offsets = offsets

    def __getitem__(self, i: int) -> str:
        o = self.offsets
        return self.blob[o[i] : o[i + 1]].decode("utf8")


def _gather_bytes(source, starts: numpy.ndarray, lens: numpy.ndarray, chunk: int = 200_000) -> Tuple[bytes, numpy.ndarray]:
    """``(b"".join(source[s:s + n] for s, n in zip(starts, lens)), offsets)``, vectorised by chunks."""
    src = numpy.frombuffer(source, dtype=numpy.uint8)
    offsets = numpy.zeros(len(lens) + 1, dtype=numpy.int64)
    numpy.cumsum(lens, out=offsets[1:])
    out = numpy.empty(int(offsets[-1]), dtype=numpy.uint8)
    for i in range(0, len(lens), chunk):
        st, ln = starts[i : i + chunk], lens[i : i + chunk]
        total = int(ln.sum())
        if not total:
            continue
        within = numpy.arange(total, dtype=numpy.int64) - numpy.repeat(numpy.cumsum(ln) - ln, ln)
        out[int(offsets[i]) : int(offsets[i]) + total] = src[numpy.repeat(st, ln) + within]
    return out.tobytes(), offsets
