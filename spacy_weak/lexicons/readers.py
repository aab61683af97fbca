"""``read_lexicon(path, format="auto", **options)``: one entry point for every lexicon input.

=========== =========================================== ==========================================
format      path                                        options
=========== =========================================== ==========================================
``rrf``     folder with MRCONSO.RRF + MRSTY.RRF         ``semantic_map``, ``language``,
            (or its ``META`` subfolder, or MRCONSO.RRF) ``suppress``, ``sources``, ``exclude_sources``
``tsv``     ``term<TAB>label[<TAB>id]`` (``.gz`` ok)     ``label`` (for term-only lines)
``jsonl``   ``{"term", "label", "id"}`` per line        ``label`` (default label)
``compiled`` folder written by ``lexicon compile`` /    none
            ``CompiledLexicon.to_disk``
=========== =========================================== ==========================================

For a source file the result is a :class:`LexiconSource`: a lazy, re-iterable stream of
:class:`~spacy_weak.lexicons.records.LexiconRecord` (never a list of millions of objects)
whose ``summary`` holds the counts of the last pass (records per label, dropped and why).
For a compiled folder it is the :class:`~spacy_weak.lexicons.compiled.CompiledLexicon`.
"""
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Union

from ..errors import Errors, SpacyWeakError
from .compiled import CompiledLexicon, is_compiled_dir
from .records import LexiconRecord, LexiconSummary, RecordList
from .rrf import find_meta_dir, iter_rrf
from .tabular import iter_jsonl, iter_tsv

FORMATS = ("auto", "rrf", "tsv", "jsonl", "compiled")
_OPTIONS = {
    "rrf": ("semantic_map", "language", "suppress", "sources", "exclude_sources"),
    "tsv": ("label",),
    "jsonl": ("label",),
    "compiled": (),
}
PathLike = Union[str, Path]


def detect_format(path: PathLike) -> str:
    path = Path(path)
    if not path.exists():
        raise SpacyWeakError(Errors.E001.format(path=path))
    if path.is_dir():
        if is_compiled_dir(path):
            return "compiled"
        if find_meta_dir(path) is not None:
            return "rrf"
        raise SpacyWeakError(Errors.E006.format(path=path, formats=", ".join(FORMATS[1:])))
    name = path.name.lower()
    if name == "mrconso.rrf":
        return "rrf"
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return "jsonl"
    if name.endswith((".tsv", ".tsv.gz", ".txt", ".txt.gz", ".tab")):
        return "tsv"
    raise SpacyWeakError(Errors.E006.format(path=path, formats=", ".join(FORMATS[1:])))


class LexiconSource:
    """A lexicon file read lazily: iterate it (again and again) for its records."""

    def __init__(self, path: PathLike, format: str, options: Dict[str, Any]) -> None:
        self.path = Path(path)
        self.format = format
        self.options = dict(options)
        self.summary = LexiconSummary(str(self.path))

    def __iter__(self) -> Iterator[LexiconRecord]:
        self.summary.__init__(str(self.path))  # reset in place: callers may hold this summary
        return iter_records(self.path, format=self.format, summary=self.summary, **self.options)

    def to_list(self) -> RecordList:
        return RecordList(iter(self), summary=self.summary)

    def __repr__(self) -> str:
        return f"LexiconSource({str(self.path)!r}, format={self.format!r})"


def iter_records(
    path: PathLike, *, format: str = "auto", summary: Optional[LexiconSummary] = None, **options
) -> Iterator[LexiconRecord]:
    """The records of a lexicon file (not a compiled one), streaming."""
    fmt = _check(path, format, options)
    if fmt == "compiled":
        raise SpacyWeakError(Errors.E007.format(value="compiled", param="format", options="rrf, tsv, jsonl"))
    if fmt == "rrf":
        return iter_rrf(path, summary=summary, **options)
    if fmt == "tsv":
        return iter_tsv(path, summary=summary, **options)
    return iter_jsonl(path, summary=summary, **options)


def read_lexicon(path: PathLike, format: str = "auto", **options) -> Union[LexiconSource, CompiledLexicon]:
    """A lexicon for ``Gazetteer.initialize(lexicon=...)`` or ``CompiledLexicon.build``."""
    fmt = _check(path, format, options)
    if fmt == "compiled":
        return CompiledLexicon.from_disk(path)
    return LexiconSource(path, fmt, options)


def _check(path: PathLike, format: str, options: Dict[str, Any]) -> str:
    if format not in FORMATS:
        raise SpacyWeakError(Errors.E007.format(value=format, param="format", options=", ".join(FORMATS)))
    if not Path(path).exists():
        raise SpacyWeakError(Errors.E001.format(path=path))
    fmt = detect_format(path) if format == "auto" else format
    allowed = _OPTIONS[fmt]
    for key in options:
        if key not in allowed:
            raise SpacyWeakError(
                Errors.E007.format(value=key, param=f"option of a {fmt} lexicon", options=", ".join(allowed) or "none")
            )
    return fmt
