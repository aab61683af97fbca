"""Corpora in and out: PubTator, BioC XML and CoNLL/IOB readers (gold in
``doc.spans["gold"]`` and ``doc.ents``), character-offset alignment that
counts what it fixes or drops, and sharded, resumable DocBin output.

See ``docs/corpora.md``.
"""
from pathlib import Path

from .align import GOLD_KEY, ReadStats, get_doc_id, set_gold
from .readers import detect_format, read_corpus
from .shards import ShardWriter, count_docs, read_docs

SAMPLE_NAME = "bc5cdr_sample.PubTator.txt"


def sample_path() -> Path:
    """The embedded sample: the first 40 abstracts of the BC5CDR training set (PubTator).

    The file ships inside the package (``spacy_weak/corpora/data/``), so it is
    found however spacy-weak is installed; ``corpora/`` at the top of the
    repository holds the same file with its provenance (a test keeps the two equal).
    """
    return Path(__file__).parent / "data" / SAMPLE_NAME


__all__ = [
    "GOLD_KEY",
    "ReadStats",
    "ShardWriter",
    "count_docs",
    "detect_format",
    "get_doc_id",
    "read_corpus",
    "read_docs",
    "sample_path",
    "set_gold",
]
