"""The one table of corpus formats: name -> reader, sniffer, command-line options, help.

:func:`~spacy_weak.corpora.readers.read_corpus` and ``detect_format`` read it, ``spacy-weak
convert`` takes its formats, options and help from it, ``spacy-weak apply`` its ``--format``
help. Adding a format is one :class:`CorpusFormat` in :data:`FORMAT_TABLE` (and the reader's
own module); see ``docs/corpus_formats.md``.

Readers are imported when a format is read, so importing this module stays cheap.
"""
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from ..errors import Errors, SpacyWeakError


class Probe:
    """What a sniffer may look at: the path, its name (only for a file: ``E200`` otherwise)
    and its first non-blank line (read once, from the first 4 KB)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._first_line: Optional[str] = None

    def file_name(self) -> str:
        if not self.path.is_file():
            raise SpacyWeakError(Errors.E200.format(path=self.path))
        return self.path.name.lower()

    def first_line(self) -> str:
        if self._first_line is None:
            self.file_name()
            with self.path.open("rb") as fh:
                head = fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
            self._first_line = next((line for line in head.splitlines() if line.strip()), "")
        return self._first_line


@dataclass(frozen=True)
class CorpusFormat:
    """One corpus format.

    ``read(path, nlp, *, stats, **options)`` streams Docs (``stats``: a ``ReadStats`` the
    reader fills, or None). ``sniff(probe)`` says whether a file is in this format
    (None: never detected, give the format explicitly); formats are sniffed in table order.
    ``convert_options`` names the ``spacy-weak convert`` options the format takes (keys of
    :data:`CONVERT_OPTIONS`); a format without them is not offered by ``convert``.
    ``help`` is the few words the command-line help shows after the name.
    """

    name: str
    read: Callable[..., Iterator[Any]]
    sniff: Optional[Callable[[Probe], bool]] = None
    convert_options: Tuple[str, ...] = ()
    help: str = ""


# --- readers (imported late) ------------------------------------------------------------


def _read_docbin(path, nlp, *, stats=None, **options):
    from .shards import read_docs

    return read_docs(path, nlp.vocab)  # DocBins carry their own tokens and annotations: no options


def _read_pubtator(path, nlp, *, stats=None, **options):
    from .pubtator import read_pubtator

    return read_pubtator(path, nlp, stats=stats, **options)


def _read_bioc(path, nlp, *, stats=None, **options):
    from .bioc import read_bioc

    return read_bioc(path, nlp, stats=stats, **options)


def _read_iob(path, nlp, *, stats=None, **options):
    from .iob import read_iob

    return read_iob(path, nlp, stats=stats, **options)


def _read_text(path, nlp, *, stats=None, **options):
    from .plain_text import read_text_docs

    return read_text_docs(nlp, path, **options)


def _read_table(path, nlp, *, stats=None, **options):
    from .tabular_text import read_tabular_text

    return read_tabular_text(nlp, path, **options)


# --- sniffers ---------------------------------------------------------------------------

_PUBTATOR_HEAD = re.compile(r"^[^\t|]+\|[ta]\|")
_IOB_TAG = re.compile(r"^[BIESLU]-.+")


def _is_docbin(probe: Probe) -> bool:
    return probe.path.is_dir() or probe.path.suffix == ".spacy"


def _is_jsonl(probe: Probe) -> bool:
    """By name only (sniffed after the formats read from the first line: none starts like JSON)."""
    return probe.file_name().endswith((".jsonl", ".jsonl.gz"))


def _is_pubtator(probe: Probe) -> bool:
    return bool(_PUBTATOR_HEAD.match(probe.first_line()))


def _is_bioc(probe: Probe) -> bool:
    return probe.first_line().lstrip().startswith(("<?xml", "<collection", "<!DOCTYPE collection"))


def _is_iob(probe: Probe) -> bool:
    first = probe.first_line()
    cols = first.split("\t") if "\t" in first else first.split()
    return bool(len(cols) >= 2 and (cols[-1] == "O" or _IOB_TAG.match(cols[-1])) or cols[:1] == ["-DOCSTART-"])


def _is_table(probe: Probe) -> bool:
    """A ``.csv`` / ``.tsv`` file that is none of the formats above (a ``.tsv`` may be IOB)."""
    return probe.file_name().endswith((".csv", ".tsv"))


# --- convert's options: command-line value -> reader options -----------------------------


def parse_label_map(value: Optional[str]) -> Dict[str, Optional[str]]:
    """``"SomeType=Disease,Other="`` -> ``{"SomeType": "Disease", "Other": None}``."""
    mapping: Dict[str, Optional[str]] = {}
    if not value:
        return mapping
    for entry in value.split(","):
        if not entry.strip():
            continue
        raw, sep, target = entry.partition("=")
        if not sep or not raw.strip():
            raise SpacyWeakError(Errors.E258.format(entry=entry))
        mapping[raw.strip()] = target.strip() or None
    return mapping


def parse_list(value: Optional[str]) -> List[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


CONVERT_OPTIONS: Dict[str, Callable[[Any], Dict[str, Any]]] = {
    "label_map": lambda v: {"label_map": parse_label_map(v)},
    "labels": lambda v: {"labels": parse_list(v) or None},
    "alignment_mode": lambda v: {"alignment_mode": v},
    "discontinuous": lambda v: {"discontinuous": v},
    "fix": lambda v: {"mode": "fix" if v else "strict"},
    "sentences_per_doc": lambda v: {} if v is None else {"sentences_per_doc": v},
}


# --- the table ----------------------------------------------------------------------------

FORMAT_TABLE: Dict[str, CorpusFormat] = {
    f.name: f
    for f in (
        CorpusFormat("docbin", _read_docbin, _is_docbin, help="a .spacy file or a directory of shards"),
        CorpusFormat(
            "pubtator", _read_pubtator, _is_pubtator, ("label_map", "labels", "alignment_mode"), help="PubTator"
        ),
        CorpusFormat(
            "bioc", _read_bioc, _is_bioc, ("label_map", "labels", "alignment_mode", "discontinuous"), help="BioC XML"
        ),
        CorpusFormat("iob", _read_iob, _is_iob, ("label_map", "labels", "fix", "sentences_per_doc"), help="CoNLL/IOB"),
        CorpusFormat("jsonl", _read_text, _is_jsonl, help="unlabelled text, .jsonl or .jsonl.gz"),
        CorpusFormat("table", _read_table, _is_table, help="CSV/TSV, one row a document, gold in doc.cats"),
        CorpusFormat("text", _read_text, None, help="unlabelled text: a .txt file, one document a line, or a folder"),
    )
}
FORMATS: Tuple[str, ...] = ("auto", *FORMAT_TABLE)
CONVERT_FORMATS: Tuple[str, ...] = tuple(name for name, f in FORMAT_TABLE.items() if f.convert_options)


def get_format(name: str, options: Tuple[str, ...] = tuple(FORMAT_TABLE)) -> CorpusFormat:
    """The format called ``name`` among ``options`` (``E212`` otherwise)."""
    if name not in options or name not in FORMAT_TABLE:
        raise SpacyWeakError(Errors.E212.format(param="format", value=name, options=", ".join(options)))
    return FORMAT_TABLE[name]


def detect_format(path) -> str:
    """The name of the first format whose sniffer accepts ``path`` (``E200`` if it is missing,
    ``E214`` if none does)."""
    probe = Probe(Path(path))
    for fmt in FORMAT_TABLE.values():
        if fmt.sniff is not None and fmt.sniff(probe):
            return fmt.name
    raise SpacyWeakError(Errors.E214.format(path=probe.path, options=", ".join(FORMAT_TABLE)))


def convert_reader_options(name: str, **values: Any) -> Dict[str, Any]:
    """The reader options of ``spacy-weak convert FORMAT`` from its command-line values
    (``E212`` for a format ``convert`` does not take; values of options the format does not
    take are ignored)."""
    fmt = get_format(name, CONVERT_FORMATS)
    options: Dict[str, Any] = {}
    for option in fmt.convert_options:
        options.update(CONVERT_OPTIONS[option](values.get(option)))
    return options


def _or_list(names: List[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def format_help(*, convert: bool = False, auto: bool = False) -> str:
    """``"pubtator (PubTator), bioc (BioC XML) or iob (CoNLL/IOB)"``: the formats ``convert``
    takes (``convert=True``) or every format, for command-line help."""
    names = CONVERT_FORMATS if convert else tuple(FORMAT_TABLE)
    parts = (["auto"] if auto else []) + [f"{n} ({FORMAT_TABLE[n].help})" for n in names]
    return _or_list(parts)
