"""One entry point for every corpus format: :func:`read_corpus`.

The formats, their readers and how each is recognised are the table of
:mod:`.formats`. ``format="auto"`` decides from the path: a directory or ``.spacy`` file is
DocBin (shards), otherwise the first non-blank line is sniffed — ``PMID|t|``
is PubTator, ``<?xml``/``<collection`` is BioC, ``token<TAB>tag`` is IOB — and then the name:
a ``.jsonl`` / ``.jsonl.gz`` file is unlabelled text, one ``{"text": ...}`` object a
line (:mod:`.plain_text`; the other fields go to ``doc.user_data["meta"]``), a ``.csv`` /
``.tsv`` file a table (:mod:`.tabular_text`, gold in ``doc.cats``). Plain ``.txt`` text
(``format="text"``) is never guessed.
"""
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from .align import ReadStats
from .formats import FORMAT_TABLE, FORMATS, detect_format

PathLike = Union[str, Path]

__all__ = ["FORMATS", "detect_format", "read_corpus"]


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
    :func:`~spacy_weak.corpora.bioc.read_bioc`, :func:`~spacy_weak.corpora.iob.read_iob`,
    :func:`~spacy_weak.corpora.plain_text.read_text_docs`,
    :func:`~spacy_weak.corpora.tabular_text.read_tabular_text`).
    DocBin input is read with ``nlp.vocab`` and takes no options.
    """
    if format not in FORMATS:
        raise SpacyWeakError(Errors.E212.format(param="format", value=format, options=", ".join(FORMATS)))
    if format == "auto":
        format = detect_format(path)
    return FORMAT_TABLE[format].read(path, nlp, stats=stats, **options)
