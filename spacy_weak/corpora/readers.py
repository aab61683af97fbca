"""One entry point for every corpus format: :func:`read_corpus`.

``format="auto"`` decides from the path: a directory or ``.spacy`` file is
DocBin (shards), otherwise the first non-blank line is sniffed — ``PMID|t|``
is PubTator, ``<?xml``/``<collection`` is BioC, ``token<TAB>tag`` is IOB.
A ``.jsonl`` / ``.jsonl.gz`` file is unlabelled text, one ``{"text": ...}`` object a
line (:mod:`.plain_text`; the other fields go to ``doc.user_data["meta"]``).
"""
import re
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from .align import ReadStats
from .bioc import read_bioc
from .iob import read_iob
from .pubtator import read_pubtator
from .shards import read_docs

PathLike = Union[str, Path]
FORMATS = ("auto", "docbin", "pubtator", "bioc", "iob", "jsonl")
_PUBTATOR_HEAD = re.compile(r"^[^\t|]+\|[ta]\|")


def detect_format(path: PathLike) -> str:
    """``"docbin"``, ``"pubtator"``, ``"bioc"`` or ``"iob"`` for ``path`` (``E214`` if unknown)."""
    path = Path(path)
    if path.is_dir() or path.suffix == ".spacy":
        return "docbin"
    if not path.is_file():
        raise SpacyWeakError(Errors.E200.format(path=path))
    if path.name.lower().endswith((".jsonl", ".jsonl.gz")):
        return "jsonl"
    with path.open("rb") as fh:
        head = fh.read(4096).decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((line for line in head.splitlines() if line.strip()), "")
    if _PUBTATOR_HEAD.match(first):
        return "pubtator"
    if first.lstrip().startswith(("<?xml", "<collection", "<!DOCTYPE collection")):
        return "bioc"
    cols = first.split("\t") if "\t" in first else first.split()
    if len(cols) >= 2 and (cols[-1] == "O" or re.match(r"^[BIESLU]-.+", cols[-1])) or cols[:1] == ["-DOCSTART-"]:
        return "iob"
    raise SpacyWeakError(Errors.E214.format(path=path, options=", ".join(FORMATS[1:])))


def read_corpus(
    path: PathLike,
    nlp: Language,
    *,
    format: str = "auto",
    stats: Optional[ReadStats] = None,
    **options: Any,
) -> Iterator[Doc]:
    """Stream Docs from ``path`` in any supported format.

    ``options`` go to the format's reader (``label_map``, ``labels``,
    ``alignment_mode``, ...; see :func:`~spacy_weak.corpora.pubtator.read_pubtator`,
    :func:`~spacy_weak.corpora.bioc.read_bioc`, :func:`~spacy_weak.corpora.iob.read_iob`).
    DocBin input is read with ``nlp.vocab`` and takes no options.
    """
    if format not in FORMATS:
        raise SpacyWeakError(Errors.E212.format(param="format", value=format, options=", ".join(FORMATS)))
    if format == "auto":
        format = detect_format(path)
    if format == "docbin":
        return read_docs(path, nlp.vocab)
    if format == "jsonl":
        from .plain_text import read_text_docs

        return read_text_docs(nlp, path, **options)
    reader = {"pubtator": read_pubtator, "bioc": read_bioc, "iob": read_iob}[format]
    return reader(path, nlp, stats=stats, **options)
