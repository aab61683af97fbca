"""PubTator: ``PMID|t|title``, ``PMID|a|abstract``, then one mention per line.

Mention lines are ``PMID<TAB>start<TAB>end<TAB>mention<TAB>type[<TAB>id[<TAB>...]]``
with 0-based, end-exclusive character offsets into ``title + " " + abstract``.
Relation lines (``PMID<TAB>CID<TAB>id<TAB>id``) are ignored. Documents are
separated by blank lines (a new ``|t|`` line also starts one).

Reading yields Docs with the gold in ``doc.spans["gold"]`` and ``doc.ents``
(``kb_id_`` = the id column; see :mod:`spacy_weak.corpora.align`); the PMID is
``doc.spans["gold"].attrs["doc_id"]`` (also ``doc.user_data["doc_id"]``).
A mention whose text differs from the document text at its offsets is an
error (``E203``) naming the file and line, never a silently shifted span.
"""
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, List, Mapping, Optional, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..io import atomic_path
from .align import GOLD_KEY, LabelFilter, ReadStats, align_char_span, check_option, get_doc_id, set_gold, warn_alignment

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]


@dataclass
class PubTatorMention:
    start: int
    end: int
    text: str
    label: str
    kb_id: str
    line: int


@dataclass
class PubTatorDocument:
    pmid: str
    title: str = ""
    abstract: Optional[str] = None
    mentions: List[PubTatorMention] = field(default_factory=list)
    line: int = 0  # line of the title

    @property
    def text(self) -> str:
        if self.abstract is None:
            return self.title
        return self.title + " " + self.abstract


def iter_lines(path: PathLike) -> Iterator[Tuple[int, str]]:
    """(line number from 1, line without its end) of a UTF-8 file; BOM and CR removed.

    A line that is not UTF-8 is an error (``E201``) naming the line.
    """
    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E200.format(path=path))
    with path.open("rb") as fh:
        for i, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise SpacyWeakError(Errors.E201.format(path=path, line=i, err=err)) from None
            if i == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield i, line.rstrip("\r\n")


def parse_pubtator(path: PathLike) -> Iterator[PubTatorDocument]:
    """Stream the documents of a PubTator file (no tokenisation, offsets checked)."""
    path = Path(path)
    current: Optional[PubTatorDocument] = None
    seen: dict = {}

    def finish(doc: PubTatorDocument) -> PubTatorDocument:
        text = doc.text
        for m in doc.mentions:
            if not (0 <= m.start < m.end <= len(text)):
                raise SpacyWeakError(
                    Errors.E204.format(path=path, line=m.line, start=m.start, end=m.end, length=len(text), pmid=doc.pmid)
                )
            found = text[m.start : m.end]
            if found != m.text:
                raise SpacyWeakError(
                    Errors.E203.format(
                        path=path, line=m.line, mention=m.text, start=m.start, end=m.end, found=found, pmid=doc.pmid
                    )
                )
        if doc.pmid in seen:
            warn(Warnings.W205.format(path=path, doc_id=doc.pmid, first=seen[doc.pmid], line=doc.line))
        else:
            seen[doc.pmid] = doc.line
        return doc

    for lineno, line in iter_lines(path):
        if not line.strip():
            if current is not None:
                yield finish(current)
                current = None
            continue
        head = line.split("|", 2)
        if len(head) == 3 and head[1] in ("t", "a") and "\t" not in head[0]:
            pmid, kind, body = head
            if kind == "t":
                if current is not None:
                    yield finish(current)
                current = PubTatorDocument(pmid=pmid, title=body, line=lineno)
            else:
                if current is None:
                    current = PubTatorDocument(pmid=pmid, title="", line=lineno)
                elif current.pmid != pmid:
                    raise SpacyWeakError(
                        Errors.E205.format(path=path, line=lineno, pmid=pmid, current=current.pmid)
                    )
                if current.abstract is not None:
                    raise SpacyWeakError(
                        Errors.E202.format(path=path, line=lineno, text=line[:80], reason="a second abstract line")
                    )
                current.abstract = body
            continue
        cols = line.split("\t")
        if len(cols) < 4:
            raise SpacyWeakError(
                Errors.E202.format(
                    path=path,
                    line=lineno,
                    text=line[:80],
                    reason="expected PMID|t|title, PMID|a|abstract or a tab-separated annotation",
                )
            )
        if current is None or cols[0] != current.pmid:
            raise SpacyWeakError(
                Errors.E205.format(path=path, line=lineno, pmid=cols[0], current=current.pmid if current else None)
            )
        if not (cols[1].lstrip("-").isdigit() and cols[2].lstrip("-").isdigit()):
            # a relation line (PMID CID id id) or other document-level annotation
            if len(cols) >= 5:
                raise SpacyWeakError(
                    Errors.E202.format(path=path, line=lineno, text=line[:80], reason="start/end are not integers")
                )
            continue
        if len(cols) < 5:
            raise SpacyWeakError(
                Errors.E202.format(
                    path=path, line=lineno, text=line[:80], reason="a mention needs PMID, start, end, text and type"
                )
            )
        kb_id = cols[5] if len(cols) > 5 else ""
        current.mentions.append(
            PubTatorMention(
                start=int(cols[1]), end=int(cols[2]), text=cols[3], label=cols[4], kb_id=kb_id, line=lineno
            )
        )
    if current is not None:
        yield finish(current)


def read_pubtator(
    path: PathLike,
    nlp: Language,
    *,
    label_map: Optional[Mapping[str, Optional[str]]] = None,
    labels: Optional[Iterable[str]] = None,
    alignment_mode: str = "expand",
    spans_key: str = GOLD_KEY,
    stats: Optional[ReadStats] = None,
) -> Iterator[Doc]:
    """Docs with gold entities from a PubTator file, tokenised by ``nlp.make_doc``.

    ``label_map`` renames types (``{"SomeType": "Disease"}``; a target of
    ``None``/``""`` removes the type); ``labels`` keeps only those labels
    (after mapping). Removed mentions are counted in ``stats.excluded``.
    Spans not on token boundaries are fixed by ``alignment_mode`` or dropped,
    and counted in ``stats`` (``W200`` warns about drops at the end).
    """
    check_option("alignment_mode", alignment_mode, ("strict", "expand", "contract"))
    stats = stats if stats is not None else ReadStats()
    before = stats.snapshot()
    label_filter = LabelFilter(label_map, labels)
    for record in parse_pubtator(path):
        doc = nlp.make_doc(record.text)
        spans = []
        for m in record.mentions:
            label = label_filter(m.label, stats)
            if label is None:
                continue
            span = align_char_span(
                doc,
                m.start,
                m.end,
                label=label,
                kb_id=m.kb_id,
                alignment_mode=alignment_mode,
                stats=stats,
                where=f"{path}:{m.line}",
            )
            if span is not None:
                spans.append(span)
        attrs = {"format": "pubtator"}
        if record.abstract is not None:
            attrs["title_end"] = len(record.title)
        set_gold(doc, spans, doc_id=record.pmid, key=spans_key, attrs=attrs, stats=stats)
        yield doc
    if stats.docs == before.docs:
        warn(Warnings.W207.format(path=path))
    warn_alignment(stats.since(before), str(path), alignment_mode, spans_key)


def doc_to_pubtator(doc: Doc, *, doc_id: Optional[str] = None, key: str = GOLD_KEY) -> str:
    """One document in PubTator format (spans of ``doc.spans[key]``, else ``doc.ents``).

    The text is split into title and abstract where the reader recorded it
    (``attrs["title_end"]`` of the gold group), else after the first sentence
    end (``". "``): PubTator needs ``title + " " + abstract == doc.text``.
    """
    doc_id = doc_id or get_doc_id(doc, key) or "0"
    text = doc.text
    title_end = doc.spans[key].attrs.get("title_end") if key in doc.spans else None
    if title_end is not None and title_end < len(text) and text[title_end] == " ":
        cut = title_end
    else:
        cut = text.find(". ")
        cut = cut + 1 if cut >= 0 else -1
    if cut < 0:
        title, abstract = text, None
    else:
        title, abstract = text[:cut], text[cut + 1 :]
    lines = [f"{doc_id}|t|{title}"]
    if abstract is not None:
        lines.append(f"{doc_id}|a|{abstract}")
    spans = list(doc.spans[key]) if key in doc.spans else list(doc.ents)
    for span in spans:
        row = [doc_id, str(span.start_char), str(span.end_char), span.text, span.label_]
        if span.kb_id_:
            row.append(span.kb_id_)
        lines.append("\t".join(row))
    return "\n".join(lines) + "\n"


def write_pubtator(docs: Iterable[Doc], path: PathLike, *, key: str = GOLD_KEY) -> int:
    """Write docs as a PubTator file (atomically); returns the number of docs."""
    n = 0
    with atomic_path(path) as tmp:
        with tmp.open("w", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(doc_to_pubtator(doc, key=key))
                fh.write("\n")
                n += 1
    return n

