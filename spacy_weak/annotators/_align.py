"""Helpers shared by the rule, function, model and document-level sources.

* character offsets -> token spans (``doc.char_span`` with an alignment mode),
* the label map every source applies (``None`` = identity, a mapped label of
  ``None`` drops the span and is counted),
* a token n-gram index used to find every token-aligned occurrence of a string,
* :class:`SourcePipe`, the small base class of these components: a config-only
  ``Pipe`` with per-process counters (``self.stats``) and no-op serialisation
  that subclasses extend.
"""
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import srsly
from spacy import util
from spacy.attrs import LOWER, ORTH, SPACY
from spacy.pipeline import Pipe
from spacy.tokens import Doc, Span
from spacy.util import SimpleFrozenList

from ..errors import Errors, SpacyWeakError
from ..spans import ATTR_AGGREGATOR, is_doc_level, resolve_source_groups, set_source_spans

logger = logging.getLogger(__name__)

ALIGNMENT_MODES = ("strict", "contract", "expand")


def check_alignment_mode(mode: str) -> str:
    if mode not in ALIGNMENT_MODES:
        raise SpacyWeakError(Errors.E050.format(param="alignment_mode", value=mode, options=", ".join(ALIGNMENT_MODES)))
    return mode


def check_sources(sources: Union[str, Sequence[str]]) -> List[str]:
    """The ``sources`` parameter as a non-empty list of names or globs (E050 otherwise)."""
    if isinstance(sources, str):
        sources = [sources]
    if not sources:
        raise SpacyWeakError(Errors.E050.format(param="sources", value=list(sources), options="source names or globs"))
    return list(sources)


def char_span(
    doc: Doc,
    start: int,
    end: int,
    label: str,
    *,
    kb_id: str = "",
    alignment_mode: str = "strict",
    text_length: Optional[int] = None,
) -> Optional[Span]:
    """The token span covering characters ``[start, end)``, or None if it cannot be aligned.

    ``strict``: both ends must fall on token boundaries; ``contract``: keep the
    tokens entirely inside; ``expand``: take every token the characters touch.
    An empty result (e.g. ``contract`` inside one token) is None. Pass ``text_length``
    (``len(doc.text)``) when calling in a loop: ``doc.text`` is rebuilt at each access.
    """
    if text_length is None:
        text_length = len(doc.text)
    if start < 0 or end > text_length or start >= end:
        return None
    span = doc.char_span(start, end, label=label, kb_id=kb_id or 0, alignment_mode=alignment_mode)
    if span is None or len(span) == 0:
        return None
    return span


def resolve_label_map(label_map: Any) -> Optional[Callable[[str], Optional[str]]]:
    """Accept None (identity), a callable (e.g. ``spacy_weak.label_map.v1``) or a plain dict."""
    if label_map is None:
        return None
    if isinstance(label_map, dict):
        from ..registry import LabelMap

        return LabelMap(label_map)
    if not callable(label_map):
        raise SpacyWeakError(Errors.E069.format(value=repr(label_map)[:80]))
    return label_map


def map_label(label_map: Optional[Callable[[str], Optional[str]]], label: str) -> Optional[str]:
    if label_map is None:
        return label
    mapped = label_map(label)
    return mapped or None


def normalise_tokens(tokens: Iterable[str], case_sensitive: bool) -> Tuple[str, ...]:
    return tuple(t if case_sensitive else t.lower() for t in tokens)


def doc_text(doc: Doc) -> str:
    """``doc.text`` from the ORTH and SPACY arrays (``doc.text`` makes a ``Token`` per token)."""
    if not len(doc):
        return ""
    strings = doc.vocab.strings
    arr = doc.to_array([ORTH, SPACY])
    texts = [strings[h] for h in arr[:, 0].tolist()]
    return "".join([t + " " if sp else t for t, sp in zip(texts, arr[:, 1].tolist())])


def token_texts(doc: Doc) -> List[str]:
    """``[t.text for t in doc]`` from the ORTH array (no ``Token`` objects)."""
    if not len(doc):
        return []
    strings = doc.vocab.strings
    return [strings[h] for h in doc.to_array([ORTH]).reshape(-1).tolist()]


INDEX_AFTER = 4  # NgramIndex queries answered by scanning before the position index is built


class NgramIndex:
    """Every token-aligned occurrence of token sequences in one Doc.

    ``find(key)`` returns the start indices where the (normalised) token texts
    of the document equal ``key``, a key made by :meth:`key`. Whitespace between
    tokens is ignored, so the occurrences are exactly the token-aligned ones.

    A token is its string hash (``doc.to_array``: ORTH, or LOWER when not case
    sensitive and the vocab's LOWER is ``str.lower``, as in every spaCy language):
    equal hashes are equal strings, and no string is built. ``texts`` (the token
    texts) is used only when LOWER is something else.
    """

    def __init__(self, doc: Doc, *, case_sensitive: bool, texts: Optional[List[str]] = None) -> None:
        if case_sensitive or _lower_is_str_lower(doc.vocab):
            self.tokens = tuple(doc.to_array(ORTH if case_sensitive else LOWER).tolist()) if len(doc) else ()
        else:
            self.tokens = normalise_tokens(texts if texts is not None else token_texts(doc), case_sensitive)
        self.case_sensitive = case_sensitive
        # positions by token, built at the INDEX_AFTER-th query (until then a scan in C:
        # the abbreviations source asks one or two queries per document, consistency dozens)
        self._by_first: Optional[Dict[object, List[int]]] = None
        self._queries = 0
        self._by_ngram: Dict[int, Dict[Tuple[object, ...], List[int]]] = {}

    def _starts(self, first: object) -> List[int]:
        """The positions of token ``first``, in order."""
        if self._by_first is None:
            self._queries += 1
            if self._queries <= INDEX_AFTER:
                out, i, index = [], -1, self.tokens.index
                try:
                    while True:
                        i = index(first, i + 1)
                        out.append(i)
                except ValueError:
                    return out
            self._by_first = {}
            for i, token in enumerate(self.tokens):
                self._by_first.setdefault(token, []).append(i)
        return self._by_first.get(first, [])

    def key(self, span: Span) -> Tuple[object, ...]:
        """The normalised tokens (hashes, or texts) of a span of the indexed document."""
        return self.tokens[span.start : span.end]

    def find(self, key: Sequence[object]) -> List[int]:
        if not key:
            return []
        n = len(key)
        key = tuple(key)
        starts = self._starts(key[0])
        if len(starts) <= 64:
            return [i for i in starts if self.tokens[i : i + n] == key]
        # a frequent first token: look the whole n-gram up in an index of all
        # n-grams of this length, built once (so many queries stay linear)
        index = self._by_ngram.get(n)
        if index is None:
            index = {}
            tokens = self.tokens
            for i in range(len(tokens) - n + 1):
                index.setdefault(tuple(tokens[i : i + n]), []).append(i)
            self._by_ngram[n] = index
        return list(index.get(key, ()))


def _lower_is_str_lower(vocab) -> bool:
    """Whether the vocab's LOWER attribute is spaCy's own ``str.lower`` getter."""
    from spacy.lang.lex_attrs import lower

    return vocab.lex_attr_getters.get(LOWER) is lower


def span_source_groups(doc: Doc, patterns: Sequence[str], *, exclude: str) -> List[Tuple[str, Any]]:
    """The span-level source groups named by ``patterns`` (globs allowed) present in ``doc``.

    Leaves out ``exclude`` (the calling component's own key), aggregate groups
    (with an ``aggregator`` attr) and document-level groups; globs never select
    gold or other evaluation groups (:func:`spacy_weak.spans.resolve_source_groups`).
    """
    groups = []
    for key in resolve_source_groups(list(patterns), doc.spans, exclude=[exclude]):
        group = doc.spans[key]
        if ATTR_AGGREGATOR in group.attrs or is_doc_level(group):
            continue
        groups.append((key, group))
    return groups


def majority(counts: Counter) -> Optional[str]:
    """The label with strictly the most votes, None on a tie or no votes."""
    top = counts.most_common(2)
    if not top or (len(top) == 2 and top[0][1] == top[1][1]):
        return None
    return top[0][0]


REGEX_FLAGS = {
    name: flag
    for name, flag in (
        ("ASCII", re.ASCII),
        ("A", re.ASCII),
        ("IGNORECASE", re.IGNORECASE),
        ("I", re.IGNORECASE),
        ("LOCALE", re.LOCALE),
        ("L", re.LOCALE),
        ("MULTILINE", re.MULTILINE),
        ("M", re.MULTILINE),
        ("DOTALL", re.DOTALL),
        ("S", re.DOTALL),
        ("UNICODE", re.UNICODE),
        ("U", re.UNICODE),
        ("VERBOSE", re.VERBOSE),
        ("X", re.VERBOSE),
    )
}


def parse_flags(flags: Union[Sequence[str], str, int, None], *, where: str, name: str) -> int:
    """Regex flag names (``["IGNORECASE", "re.MULTILINE"]``) -> ``re`` flag bits."""
    if flags is None:
        return 0
    if isinstance(flags, int):
        return flags
    if isinstance(flags, str):
        flags = [flags]
    value = 0
    for flag in flags:
        key = str(flag).strip().upper()
        if key.startswith("RE."):
            key = key[3:]
        if key not in REGEX_FLAGS:
            raise SpacyWeakError(
                Errors.E055.format(flag=flag, where=where, name=name, options=", ".join(sorted(REGEX_FLAGS)))
            )
        value |= REGEX_FLAGS[key]
    return value


def function_name(function: Any) -> str:
    """A readable name for a labelling function (module.qualname)."""
    qualname = getattr(function, "__qualname__", None) or getattr(function, "__name__", None)
    if qualname is None:
        return repr(function)
    module = getattr(function, "__module__", None)
    return f"{module}.{qualname}" if module else qualname


class SourcePipe(Pipe):
    """Base of a labelling-source component whose state is its config.

    Subclasses set ``self.name``, ``self.spans_key``, ``self.label_map`` and
    implement ``match`` (or override ``__call__``); ``self.stats`` counts what happened in this process
    (documents, spans written, spans dropped and why). Serialisation writes a
    ``cfg`` JSON with the counters-free settings returned by ``_cfg()``;
    subclasses with data add serializers through ``_serializers()``.
    """

    name: str
    spans_key: str

    # True for sources that only add to the spans of the ``sources`` they read (consistency,
    # abbreviations, boundaries): finding nothing to add is no fault of theirs (W100 leaves them out)
    READS_SOURCES = False

    def _init_source(self, vocab, name: str, spans_key: Optional[str], label_map: Any) -> None:
        self.vocab = vocab
        self.name = name
        self.spans_key = spans_key or name
        self.label_map = resolve_label_map(label_map)
        self.stats: Counter = Counter()

    @property
    def key(self) -> str:
        return self.spans_key

    def __call__(self, doc: Doc) -> Doc:
        """``match`` then ``set_annotations``, through the pipeline's error handler."""
        error_handler = self.get_error_handler()
        try:
            self.set_annotations(doc, self.match(doc))
            return doc
        except Exception as e:
            return error_handler(self.name, self, [doc], e)

    def match(self, doc: Doc) -> List[Span]:  # pragma: no cover - implemented by subclasses
        raise NotImplementedError

    def set_annotations(self, doc: Doc, spans: List[Span]) -> None:
        """Replace ``doc.spans[spans_key]`` with the source's spans (and count them)."""
        reads = list(self.sources) if self.READS_SOURCES else None
        set_source_spans(doc, self.spans_key, spans, source=self.name, reads=reads)
        self.stats["docs"] += 1
        self.stats["spans"] += len(spans)

    def _map(self, label: str) -> Optional[str]:
        mapped = map_label(self.label_map, label)
        if mapped is None:
            self.stats["dropped_by_label_map"] += 1
        return mapped

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp=None) -> None:
        pass

    # ---------------------------------------------------------- serialisation
    def _cfg(self) -> Dict[str, Any]:
        return {"spans_key": self.spans_key}

    def _to_disk_extra(self) -> Dict[str, Callable[[Path], None]]:
        return {}

    def _from_disk_extra(self) -> Dict[str, Callable[[Path], None]]:
        return {}

    def _to_bytes_extra(self) -> Dict[str, Callable[[], bytes]]:
        return {}

    def _from_bytes_extra(self) -> Dict[str, Callable[[bytes], None]]:
        return {}

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()) -> None:
        path = util.ensure_path(path)
        serializers = {"cfg": lambda p: srsly.write_json(p, self._cfg())}
        serializers.update(self._to_disk_extra())
        util.to_disk(path, serializers, exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = SimpleFrozenList()):
        path = util.ensure_path(path)
        deserializers: Dict[str, Callable[[Path], None]] = {"cfg": lambda p: None}
        deserializers.update(self._from_disk_extra())
        util.from_disk(path, deserializers, exclude)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = SimpleFrozenList()) -> bytes:
        serializers = {"cfg": lambda: srsly.json_dumps(self._cfg())}
        serializers.update(self._to_bytes_extra())
        return util.to_bytes(serializers, exclude)

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = SimpleFrozenList()):
        deserializers: Dict[str, Callable[[bytes], None]] = {"cfg": lambda b: None}
        deserializers.update(self._from_bytes_extra())
        util.from_bytes(bytes_data, deserializers, exclude)
        return self
