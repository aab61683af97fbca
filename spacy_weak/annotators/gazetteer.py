"""``weak_gazetteer``: dictionary matching with an Aho-Corasick automaton over normalised text.

The lexicon (UMLS RRF, TSV, JSONL or a compiled folder; see :mod:`spacy_weak.lexicons`)
arrives in ``initialize(lexicon=...)`` or ``from_disk``, never in ``__init__``. It is
compiled with the component's normalisation settings into a
:class:`~spacy_weak.lexicons.compiled.CompiledLexicon`, which ``nlp.to_disk()`` stores
so ``spacy.load()`` restores matching without the vocabulary files.

A match counts only if it starts at a token start and ends at a token end. A term with
several labels yields one span per label (``ambiguous="keep_all"``), only its first label
in lexicon order (``"first"``) or no span (``"drop"``). Spans carry the concept id as
``kb_id`` (several concepts of one term and label joined with ``|``).
"""
import logging
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy
import srsly
from spacy import util
from spacy.attrs import IDX, LENGTH, ORTH, SPACY
from spacy.language import Language
from spacy.pipeline import Pipe
from spacy.tokens import Doc, Span, SpanGroup

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..lexicons.compiled import CompiledLexicon, normalization_options
from ..lexicons.readers import read_lexicon
from ..lexicons.records import LexiconSummary
from ..spans import ATTR_CANNOT_MATCH, ATTR_LEVEL, ATTR_SOURCE, LEVEL_SPAN, set_source_spans
from ._align import resolve_label_map

logger = logging.getLogger(__name__)

AMBIGUOUS_OPTIONS = ("keep_all", "first", "drop")
BULK_MIN_HITS = 256  # a batch with fewer hits makes its spans one by one (numpy's per-call cost is higher)
RESOLVED_CACHE_SIZE = 200_000  # keys whose spans' labels and concept ids are kept (cleared when full)
_CASED = object()  # _resolved marker: the key has case-sensitive entries (see _resolved_cased)
LexiconInput = Union[None, str, Path, CompiledLexicon, Iterable]


class Gazetteer(Pipe):
    """Writes the token-aligned lexicon matches into ``doc.spans[spans_key]``."""

    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_gazetteer",
        spans_key: Optional[str] = None,
        case_sensitive: bool = False,
        short_term_max_len: int = 3,
        normalize_unicode: bool = True,
        fold_hyphens: bool = True,
        min_term_length: int = 2,
        stop_terms: Sequence[str] = (),
        ambiguous: str = "keep_all",
        spans_filter: Optional[Callable[[Iterable[Span]], List[Span]]] = None,
        label_map: Any = None,
        split_shapes: Sequence[str] = (),
        split_ambiguous: bool = False,
        common_word_zipf: float = 0.0,
        common_word_lang: str = "en",
    ) -> None:
        from ..lexicons.noise import check_options

        check_options(name, list(split_shapes or []), common_word_zipf)
        self.vocab = vocab
        self.name = name
        self.spans_key = spans_key or name
        if ambiguous not in AMBIGUOUS_OPTIONS:
            raise SpacyWeakError(Errors.E007.format(value=ambiguous, param="ambiguous", options=", ".join(AMBIGUOUS_OPTIONS)))
        self.ambiguous = ambiguous
        self.options = normalization_options(
            case_sensitive=case_sensitive,
            short_term_max_len=short_term_max_len,
            normalize_unicode=normalize_unicode,
            fold_hyphens=fold_hyphens,
            min_term_length=min_term_length,
            stop_terms=list(stop_terms or []),
        )
        self.spans_filter = spans_filter
        # lexicon noise features (spacy_weak/lexicons/noise.py)
        self.noise = {
            "split_shapes": list(split_shapes or []),
            "split_ambiguous": bool(split_ambiguous),
            "common_word_zipf": float(common_word_zipf),
            "common_word_lang": str(common_word_lang),
        }
        self.label_map = resolve_label_map(label_map)
        self.lexicon: Optional[CompiledLexicon] = None
        self._mapped: List[Optional[str]] = []
        self._chars = None  # ._gazetteer_chars.CharWindowSearch (matcher = "chars")
        self._resolved: Dict[int, Any] = {}  # see _resolve
        self._resolved_cased: Dict[Tuple[int, str], Any] = {}
        self._rows = None  # ._resolution.ResolvedRows of the lexicon
        self.stats: Counter = Counter()
        # "tokens": token windows by type hashes (TokenWindowMatcher); "chars": the character-level
        # window search (find_windows). Not a config setting: both give the same spans.
        self.matcher = "tokens"
        self._token_matcher = None

    # ------------------------------------------------------------ lexicon

    @property
    def labels(self) -> Tuple[str, ...]:
        """Labels the component can write (after the label map)."""
        return tuple(sorted({m for m in self._mapped if m}))

    def __len__(self) -> int:
        return self.lexicon.n_terms if self.lexicon is not None else 0

    def initialize(
        self,
        get_examples: Optional[Callable[[], Iterable]] = None,
        *,
        nlp: Optional[Language] = None,
        lexicon: Any = None,  # records, a path or a CompiledLexicon (Any: no coercion by the config)
    ) -> None:
        """Compile (or load) the lexicon: records, a path (RRF folder, TSV, JSONL, compiled folder)
        or a :class:`CompiledLexicon`."""
        if lexicon is None:
            warn(Warnings.W002.format(name=self.name))
            self.set_lexicon(CompiledLexicon.build([], **self.options), warn_empty=False)
            return
        self.set_lexicon(lexicon)

    def set_lexicon(self, lexicon: LexiconInput, *, warn_empty: bool = True) -> None:
        """Use ``lexicon`` (as :meth:`initialize`), replacing the current one."""
        self._cannot_match = set()
        if isinstance(lexicon, (str, Path)):
            lexicon = read_lexicon(lexicon)
        if isinstance(lexicon, CompiledLexicon):
            self._check_options(lexicon, lexicon.path or "(in memory)")
            compiled = lexicon
        elif not hasattr(lexicon, "__iter__") or isinstance(lexicon, (bytes, dict)):
            raise SpacyWeakError(Errors.E013.format(name=self.name, kind=type(lexicon).__name__))
        else:
            summary = getattr(lexicon, "summary", None)
            source = str(getattr(lexicon, "path", "") or "(records)")
            if summary is None:
                summary = LexiconSummary(source)
            shape_terms: Dict[str, List[str]] = {}
            if self.noise["common_word_zipf"] or self.noise["split_shapes"]:
                from ..lexicons.noise import filter_records

                lexicon = filter_records(
                    lexicon,
                    summary,
                    common_word_zipf=self.noise["common_word_zipf"],
                    lang=self.noise["common_word_lang"],
                    split_shapes=self.noise["split_shapes"],
                    shape_terms=shape_terms,
                )
            compiled = CompiledLexicon.build(lexicon, summary=summary, **self.options)
            compiled.summary.log()
            if self.noise["split_shapes"]:
                self._check_shapes(compiled, shape_terms)
        if compiled.n_terms == 0 and warn_empty:
            warn(Warnings.W001.format(path=compiled.summary.source or "(records)", dropped=compiled.summary.dropped_text()))
        self.lexicon = compiled
        self._mapped = [self._map(label) for label in compiled.labels]
        self._chars = None
        self._resolved = {}
        self._resolved_cased = {}
        self._rows = None
        self._token_matcher = None
        if self.matcher == "tokens" and compiled.n_terms:
            # the token matcher's key tables are built here (initialize, from_disk), not on
            # the first document: the first batch costs what every batch costs
            from ..lexicons.token_windows import TokenWindowMatcher

            self._token_matcher = TokenWindowMatcher(compiled).build()

    def _check_shapes(self, compiled: CompiledLexicon, shape_terms: Dict[str, List[str]]) -> None:
        """``[W003]`` at build time for split shapes of which the compiled lexicon kept no term:
        their sub-sources cannot match, and are marked so (``ATTR_CANNOT_MATCH``) rather than
        reported empty by the label model's fit (W100)."""
        from ..lexicons.noise import unmatchable_shapes

        self._cannot_match = set()
        for shape in unmatchable_shapes(compiled, self.noise["split_shapes"], shape_terms):
            key = f"{self.spans_key}_{shape}"
            self._cannot_match.add(key)
            warn(Warnings.W003.format(name=self.name, shape=shape, key=key, n=len(shape_terms.get(shape, ())),
                                      min_len=self.options["min_term_length"]))

    def _map(self, label: str) -> Optional[str]:
        if self.label_map is None:
            return label
        return self.label_map(label) or None

    def _check_options(self, lexicon: CompiledLexicon, path: Any) -> None:
        if lexicon.options != self.options:
            diff = {k for k in self.options if lexicon.options.get(k) != self.options[k]}
            raise SpacyWeakError(
                Errors.E008.format(
                    path=path,
                    name=self.name,
                    compiled=", ".join(f"{k}={lexicon.options.get(k)!r}" for k in sorted(diff)),
                    configured=", ".join(f"{k}={self.options[k]!r}" for k in sorted(diff)),
                )
            )

    # ------------------------------------------------------------ annotate

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            spans = self.match(doc)
            self._set_sorted(doc, spans)
            return doc
        except Exception as e:
            error_handler(self.name, self, [doc], e)
            return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 1000) -> Iterable[Doc]:
        """Annotate by batches: one vectorised window pass over the batch's concatenated texts."""
        error_handler = self.get_error_handler()
        for docs in util.minibatch(stream, size=batch_size):
            try:
                batch_spans = self._match_batch(docs)
            except Exception:
                # the batch failed as a whole: per document, so the error handler sees the culprit
                for doc in docs:
                    yield self(doc)
                continue
            for doc, spans in zip(docs, batch_spans):
                try:
                    self._set_sorted(doc, spans)
                except Exception as e:
                    error_handler(self.name, self, [doc], e)
                yield doc

    def match(self, doc: Doc) -> List[Span]:
        """The spans of the lexicon terms in ``doc`` (before ``spans_filter``)."""
        return self._match_batch([doc])[0]

    def _match_batch(self, docs: Sequence[Doc]) -> List[List[Span]]:
        """The spans of each document: token windows looked up by token-type hashes
        (:mod:`spacy_weak.lexicons.token_windows`); a document with a token whose normalisation
        changes its length goes through the automaton over its normalised text."""
        lex = self.lexicon
        if lex is None or not lex.n_terms or not docs:
            return [[] for _ in docs]
        if self.matcher != "tokens":
            return [sorted(spans, key=lambda s: (s.start, s.end, s.label_)) for spans in self._char_search().match_batch(docs)]
        vocab = docs[0].vocab
        if any(doc.vocab is not vocab for doc in docs):
            return [self._match_batch([doc])[0] for doc in docs]
        tw = self._window_matcher()
        arrays = [doc.to_array([ORTH, SPACY]) for doc in docs]
        hs, he, hk, bounds, bad = tw.match_flat(arrays, vocab.strings)  # sorted by (start, end) per document
        out: List[List[Span]] = [[] for _ in docs]
        if len(hk):
            if vocab is self.vocab and len(hk) >= BULK_MIN_HITS:
                from ._resolution import spans_in_bulk

                spans_in_bulk(self, docs, arrays, (hs, he, hk, bounds), out)
            else:  # few hits (one document: nlp(text)), or the docs' own StringStore: span by span
                hits = list(zip(hs.tolist(), he.tolist(), hk.tolist()))
                for di, (lo, hi) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
                    if lo != hi:
                        out[di] = self._spans(docs[di], arrays[di][:, 0], hits[lo:hi])
        for di in bad:
            doc = docs[di]
            out[di] = self._spans(doc, arrays[di][:, 0], sorted(self._find_slow(doc, None), key=lambda h: (h[0], h[1])))
        return out

    def _char_search(self):
        """The character-level window search (made on first use; ``matcher = "chars"``)."""
        if self._chars is None or self._chars.gaz is not self:
            from ._gazetteer_chars import CharWindowSearch

            self._chars = CharWindowSearch(self)
        return self._chars

    def _window_matcher(self):
        """The token-window matcher of the current lexicon (made on first use)."""
        tw = self._token_matcher
        if tw is None or tw.lexicon is not self.lexicon:
            from ..lexicons.token_windows import TokenWindowMatcher

            tw = self._token_matcher = TokenWindowMatcher(self.lexicon)
        return tw

    def _find_slow(self, doc: Doc, ntext: Optional[str]) -> List[Tuple[int, int, int]]:
        """Matches through the automaton, mapping positions when normalisation changes lengths."""
        lex = self.lexicon
        arr = doc.to_array([IDX, LENGTH])
        starts = arr[:, 0].astype(numpy.int64)
        ends = starts + arr[:, 1].astype(numpy.int64)
        if ntext is None:
            text = doc.text
            ntext, posmap = lex.normalizer.text(text)
            if posmap is not None:
                inverse = numpy.full(len(text) + 1, -1, dtype=numpy.int64)
                valid = posmap >= 0
                inverse[posmap[valid]] = numpy.flatnonzero(valid)
                starts, ends = inverse[starts], inverse[ends]
        return [h[:3] for h in lex.find(ntext, starts, ends)]

    def _spans(self, doc: Doc, orths: Sequence[int], hits: List[Tuple[int, int, int]]) -> List[Span]:
        """Spans of the hits ``(start_token, end_token, key)``: labels and concept ids per key.
        Hits sorted by (start, end) give spans sorted as ``set_source_spans`` sorts them (a key's
        labels are sorted by name in :meth:`_resolve`)."""
        resolved = self._resolved
        cased = self._resolved_cased
        strings = doc.vocab.strings
        own_vocab = doc.vocab is self.vocab  # else labels and ids go in as strings (doc's StringStore)
        stats = self.stats
        spans = []
        append = spans.append
        for ts, te, k in hits:
            r = resolved.get(k)
            if r is None:
                r = self._resolve(k, doc, orths, ts, te)
            elif r is _CASED:
                # a key with case-sensitive entries: cached per (key, original text)
                original = strings[int(orths[ts])] if te == ts + 1 else doc[ts:te].text
                r = cased.get((k, original))
                if r is None:
                    r = self._resolve(k, doc, orths, ts, te)
            pairs, unmapped, dropped = r
            if unmapped:
                stats["unmapped_label"] += unmapped
            if dropped:
                stats["ambiguous_dropped"] += 1
                continue
            if own_vocab:
                for label, kb, _, _ in pairs:
                    append(Span(doc, ts, te, label=label, kb_id=kb))
            else:
                for _, _, label, kb in pairs:
                    append(Span(doc, ts, te, label=label, kb_id=kb))
        return spans

    def _resolve_key(self, k: int, doc: Doc, orths: Sequence[int], ts: int, te: int):
        """``(resolution, cased)``: :meth:`_resolve` of key ``k`` at ``doc[ts:te]``, and whether
        the key has case-sensitive entries (then the resolution holds for that text only)."""
        r = self._resolve(k, doc, orths, ts, te)
        return r, self._resolved.get(k) is _CASED

    def _resolve(self, k: int, doc: Doc, orths: Sequence[int], ts: int, te: int) -> Tuple[List[Tuple[int, int, str, str]], int, bool]:
        """``([(label hash, kb_id hash, label, kb_id)], unmapped entries, dropped)`` of key ``k`` at ``doc[ts:te]``
        (cached per key unless an entry is case-sensitive)."""
        lex = self.lexicon
        mapped = self._mapped
        entry_label = lex._entry_label
        entry_cased = lex._entry_cased
        ptr = lex._entry_ptr
        strings = doc.vocab.strings
        e0, e1 = ptr[k], ptr[k + 1]
        found: Dict[str, List[str]] = {}
        original = None
        cacheable = True
        unmapped = 0
        for e in range(e0, e1):
            if entry_cased[e] >= 0:
                cacheable = False
                if original is None:
                    original = strings[int(orths[ts])] if te == ts + 1 else doc[ts:te].text
                if not lex.cased_ok(e, original):
                    continue
            label = mapped[entry_label[e]]
            if label is None:
                unmapped += 1
                continue
            found.setdefault(label, []).append(lex.kb_id(e))
        dropped = False
        if len(found) > 1 and self.ambiguous != "keep_all":
            if self.ambiguous == "drop":
                dropped = True
                found = {}
            else:
                first = next(iter(found))
                found = {first: found[first]}
        pairs = []
        for label, ids in found.items():
            kb = ids[0] if len(ids) == 1 else "|".join(sorted({i for x in ids for i in x.split("|") if i}))
            pairs.append((self.vocab.strings.add(label), self.vocab.strings.add(kb), label, kb))
        pairs.sort(key=lambda p: p[2])  # the order set_source_spans gives spans of one window
        r = (pairs, unmapped, dropped)
        if len(self._resolved) + len(self._resolved_cased) >= RESOLVED_CACHE_SIZE:
            self._resolved.clear()
            self._resolved_cased.clear()
        if cacheable:
            self._resolved[k] = r
        else:
            self._resolved[k] = _CASED
            self._resolved_cased[(k, original)] = r
        return r

    def _set_sorted(self, doc: Doc, spans: List[Span]) -> None:
        """:meth:`set_annotations` for spans already in ``set_source_spans``' order (as
        :meth:`_match_batch` returns them): the group is made without sorting again."""
        if self._filters() or self.noise["split_shapes"] or self.noise["split_ambiguous"]:
            self.set_annotations(doc, spans)
            return
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=spans,
                                              attrs={ATTR_SOURCE: self.name, ATTR_LEVEL: LEVEL_SPAN})
        stats = self.stats
        stats["docs"] += 1
        stats["spans"] += len(spans)

    def _filters(self) -> bool:
        """Whether ``spans_filter`` may change the spans (``keep_all_spans`` does not)."""
        return self.spans_filter is not None and not getattr(self.spans_filter, "keeps_all", False)

    def set_annotations(self, doc: Doc, spans: List[Span]) -> None:
        if self.spans_filter is not None:
            spans = self.spans_filter(spans)
        if self.noise["split_shapes"] or self.noise["split_ambiguous"]:
            from ..lexicons.noise import route

            routed = route(spans, self.spans_key, self.noise["split_shapes"], self.noise["split_ambiguous"])
            cannot = getattr(self, "_cannot_match", ())
            for key, group in routed.items():
                written = set_source_spans(doc, key, group, source=key)
                if key in cannot:  # said at build time (W003); the label model's fit leaves it out of W100
                    written.attrs[ATTR_CANNOT_MATCH] = True
        else:
            set_source_spans(doc, self.spans_key, spans, source=self.name)
        self.stats["docs"] += 1
        self.stats["spans"] += len(spans)

    # ------------------------------------------------------------ serialisation

    def _cfg(self) -> Dict[str, Any]:
        return {"format": "spacy_weak.weak_gazetteer.v1", "spans_key": self.spans_key, "ambiguous": self.ambiguous,
                "options": self.options, "has_lexicon": self.lexicon is not None, "noise": self.noise}

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = util.SimpleFrozenList()) -> None:
        path = Path(path)
        serializers = {"cfg": lambda p: srsly.write_json(p, self._cfg())}
        if self.lexicon is not None:
            serializers["lexicon"] = lambda p: self.lexicon.to_disk(p)
        util.to_disk(path, serializers, exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = util.SimpleFrozenList()) -> "Gazetteer":
        path = Path(path)

        saved: Dict[str, Any] = {}

        def load_cfg(p: Path) -> None:
            if p.is_file():
                try:
                    saved.update(srsly.read_json(p))
                except ValueError as err:
                    raise SpacyWeakError(Errors.E112.format(name=self.name, path=p, problem=f"not JSON ({err})")) from None

        def load_lexicon(p: Path) -> None:
            if p.exists():
                self.set_lexicon(CompiledLexicon.from_disk(p))
            elif saved.get("has_lexicon"):
                # saved with a lexicon that is gone: matching nothing silently would be wrong
                raise SpacyWeakError(Errors.E017.format(name=self.name, path=path, what="lexicon/ folder"))

        util.from_disk(path, {"cfg": load_cfg, "lexicon": load_lexicon}, exclude)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = util.SimpleFrozenList()) -> bytes:
        serializers = {"cfg": lambda: srsly.json_dumps(self._cfg())}
        if self.lexicon is not None:
            serializers["lexicon"] = lambda: self.lexicon.to_bytes()
        return util.to_bytes(serializers, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = util.SimpleFrozenList()) -> "Gazetteer":
        def load_lexicon(b: bytes) -> None:
            self.set_lexicon(CompiledLexicon.from_bytes(b))

        util.from_bytes(bytes_data, {"cfg": lambda b: None, "lexicon": load_lexicon}, exclude)
        return self
