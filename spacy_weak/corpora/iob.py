"""CoNLL / IOB: one ``token<TAB>tag`` per line, a blank line between sentences.

Tags: ``O``, ``B-X``, ``I-X`` (IOB2; IOBES/BILUO ``E-``, ``S-``, ``L-``, ``U-``
are accepted too). The tag is the last column (``tag_column=-1``); columns
are split on tabs, or on whitespace when a line has no tab (CoNLL-2003).

Documents: ``-DOCSTART-`` lines start a new document when present
(``doc_boundary="docstart"``, the default: a file without them is one
document per sentence); ``"sentence"`` makes every sentence a document;
``sentences_per_doc=N`` groups N sentences. Sentence starts are kept
(``token.is_sent_start``). Tokens are joined with single spaces.

An ``I-X`` that does not continue an ``X`` entity (after ``O``, or after an
entity of another type) is an error naming the file and line
(``mode="strict"``, ``E211``) or starts a new entity (``mode="fix"``,
counted in ``stats.repaired_tags`` and warned once, ``W203``).
The document id is ``"<file name>:<line of its first token>"``.
"""
import logging
from pathlib import Path
from typing import Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..errors import Errors, SpacyWeakError, Warnings, warn
from .align import GOLD_KEY, LabelFilter, ReadStats, check_option, set_gold
from .pubtator import iter_lines

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
DOCSTART = "-DOCSTART-"
IOB_MODES = ("strict", "fix")
DOC_BOUNDARIES = ("docstart", "sentence")

Sentence = List[Tuple[str, str, int]]  # (token, tag, line)


def parse_iob(path: PathLike, *, tag_column: int = -1) -> Iterator[Tuple[bool, Sentence]]:
    """Stream ``(starts_document, sentence)``; ``starts_document`` is True after a ``-DOCSTART-`` line."""
    path = Path(path)
    sentence: Sentence = []
    docstart = False
    for lineno, line in iter_lines(path):
        if not line.strip():
            if sentence:
                yield docstart, sentence
                sentence, docstart = [], False
            continue
        cols = line.split("\t") if "\t" in line else line.split()
        if cols[0] == DOCSTART:
            if sentence:
                yield docstart, sentence
                sentence = []
            docstart = True
            continue
        if len(cols) < 2:
            raise SpacyWeakError(Errors.E210.format(path=path, line=lineno, text=line[:80]))
        try:
            tag = cols[tag_column].strip()
        except IndexError:
            raise SpacyWeakError(Errors.E210.format(path=path, line=lineno, text=line[:80])) from None
        token = cols[0]
        if not token.strip():
            raise SpacyWeakError(Errors.E210.format(path=path, line=lineno, text=line[:80]))
        sentence.append((token, tag, lineno))
    if sentence:
        yield docstart, sentence


def _split_tag(tag: str, *, path: Path, line: int) -> Tuple[str, str]:
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if not sep or prefix not in ("B", "I", "E", "S", "L", "U") or not label:
        raise SpacyWeakError(Errors.E211.format(path=path, line=line, tag=tag))
    return prefix, label


def _sentence_entities(
    sentence: Sentence, offset: int, *, path: Path, mode: str, stats: ReadStats
) -> List[Tuple[int, int, str]]:
    """Token-level entities ``(start, end, label)`` of one sentence (token offsets from ``offset``)."""
    ents = []
    open_start: Optional[int] = None
    open_label = ""
    for i, (_, tag, line) in enumerate(sentence):
        prefix, label = _split_tag(tag, path=path, line=line)
        if prefix in ("I", "E", "L") and (open_start is None or open_label != label):
            previous = "O" if open_start is None else f"an entity of type {open_label!r}"
            if mode == "strict":
                raise SpacyWeakError(Errors.E213.format(path=path, line=line, tag=tag, previous=previous))
            stats.repaired_tags += 1
            if stats.repaired_tags == 1 or len(stats.examples) < 5:
                stats.example(f"{path}:{line} {tag} after {previous}: starts a new entity")
            if open_start is not None:
                ents.append((offset + open_start, offset + i, open_label))
            open_start, open_label = i, label
        elif prefix in ("B", "S", "U", "O"):
            if open_start is not None:
                ents.append((offset + open_start, offset + i, open_label))
            open_start, open_label = (i, label) if prefix != "O" else (None, "")
        if prefix in ("E", "L", "S", "U") and open_start is not None:
            ents.append((offset + open_start, offset + i + 1, open_label))
            open_start, open_label = None, ""
    if open_start is not None:
        ents.append((offset + open_start, offset + len(sentence), open_label))
    return ents


def read_iob(
    path: PathLike,
    nlp: Language,
    *,
    mode: str = "strict",
    doc_boundary: str = "docstart",
    sentences_per_doc: Optional[int] = None,
    label_map: Optional[Mapping[str, Optional[str]]] = None,
    labels: Optional[Iterable[str]] = None,
    tag_column: int = -1,
    spans_key: str = GOLD_KEY,
    stats: Optional[ReadStats] = None,
) -> Iterator[Doc]:
    """Docs with gold entities from a CoNLL/IOB file (see the module doc).

    The tokens are the file's tokens (``nlp.vocab`` only; the tokenizer is not
    used), so nothing can be misaligned.
    """
    check_option("mode", mode, IOB_MODES)
    check_option("doc_boundary", doc_boundary, DOC_BOUNDARIES)
    if sentences_per_doc is not None and sentences_per_doc < 1:
        raise SpacyWeakError(
            Errors.E212.format(param="sentences_per_doc", value=sentences_per_doc, options="an integer >= 1")
        )
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    before = stats.snapshot()
    label_filter = LabelFilter(label_map, labels)

    def make(sentences: List[Sentence]) -> Doc:
        words, sent_starts, ents = [], [], []
        for sentence in sentences:
            ents.extend(_sentence_entities(sentence, len(words), path=path, mode=mode, stats=stats))
            for j, (token, _, _) in enumerate(sentence):
                words.append(token)
                sent_starts.append(j == 0)
        spaces = [True] * len(words)
        if spaces:
            spaces[-1] = False
        doc = Doc(nlp.vocab, words=words, spaces=spaces, sent_starts=sent_starts)
        spans = []
        for start, end, raw in ents:
            label = label_filter(raw, stats)
            if label is not None:
                spans.append(Span(doc, start, end, label=label))
        stats.exact += len(spans)
        set_gold(doc, spans, doc_id=f"{path.name}:{sentences[0][0][2]}", key=spans_key, attrs={"format": "iob"}, stats=stats)
        return doc

    batch: List[Sentence] = []
    has_docstart = False
    for docstart, sentence in parse_iob(path, tag_column=tag_column):
        has_docstart = has_docstart or docstart
        if batch and (
            (doc_boundary == "docstart" and (docstart or (not has_docstart and sentences_per_doc is None)))
            or doc_boundary == "sentence"
            or (sentences_per_doc is not None and len(batch) >= sentences_per_doc)
        ):
            yield make(batch)
            batch = []
        batch.append(sentence)
    if batch:
        yield make(batch)
    if stats.docs == before.docs:
        warn(Warnings.W207.format(path=path))
    part = stats.since(before)
    if part.repaired_tags:
        warn(Warnings.W203.format(path=path, n=part.repaired_tags, examples="; ".join(part.examples)))
