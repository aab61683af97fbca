"""BioC XML (``collection/document/passage``) -> Docs with gold entities.

Read with :mod:`xml.etree.ElementTree` ``iterparse`` one document at a time
(large collections stream). A document's text is rebuilt from its passages:
each passage text (or, for sentence-level BioC, each sentence text) is put
at its ``offset``; gaps are filled with spaces, so annotation locations (document
offsets) index the rebuilt text. For BC5CDR this gives exactly
``title + " " + abstract``, as in the PubTator files. When the passage offsets
do not fit the annotations but the passages joined with single spaces do
(writers that counted ``&apos;`` as 6 characters: 5 documents of the BC5CDR
sample), the joined text is used, counted and warned (``W206``); otherwise a
mismatch is an error (``E209``).

Annotations: label from the ``type`` infon, ``kb_id_`` from the first id
infon found (``identifier``, ``MESH``, ...). An annotation with several
locations is discontinuous: ``discontinuous="skip"`` (default, counted and
warned, ``W204``), ``"cover"`` (one span from the first to the last location)
or ``"split"`` (one span per location). BC5CDR's ``CompositeRole =
IndividualMention`` annotations (the parts of a composite mention, which the
PubTator version leaves out) are skipped unless ``individual_mentions=True``.
"""
import logging
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError, Warnings, warn
from .align import GOLD_KEY, LabelFilter, ReadStats, align_char_span, check_option, set_gold, warn_alignment

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
DEFAULT_ID_KEYS = ("identifier", "Identifier", "MESH", "MeSH", "mesh", "NCBI Gene", "CUI", "id")
DISCONTINUOUS_MODES = ("skip", "cover", "split")


def _infons(elem: ET.Element) -> dict:
    return {i.get("key"): (i.text or "") for i in elem.findall("infon")}


def _place(chars: List[str], offset: int, text: str, *, path: Path, doc_id: str) -> None:
    """Put ``text`` at ``offset`` of the document text being rebuilt in ``chars``."""
    current = sum(len(c) for c in chars)
    if offset < current:
        raise SpacyWeakError(Errors.E207.format(path=path, doc_id=doc_id, offset=offset, end=current))
    if offset > current:
        chars.append(" " * (offset - current))
    chars.append(text)


def _document_text(doc_elem: ET.Element, *, path: Path, doc_id: str, join: bool = False) -> str:
    """The document text: pieces at their offsets, or (``join``) joined with single spaces."""
    chars: List[str] = []
    for passage in doc_elem.findall("passage"):
        p_offset = _int(passage.findtext("offset"), path=path, doc_id=doc_id, what="passage offset")
        text = passage.findtext("text")
        pieces = []
        if text is not None:
            pieces.append((p_offset, text))
        else:
            for sentence in passage.findall("sentence"):
                s_offset = _int(sentence.findtext("offset"), path=path, doc_id=doc_id, what="sentence offset")
                pieces.append((s_offset, sentence.findtext("text") or ""))
        for offset, piece in pieces:
            if join:
                current = sum(len(c) for c in chars)
                _place(chars, current + 1 if chars else 0, piece, path=path, doc_id=doc_id)
            else:
                _place(chars, offset, piece, path=path, doc_id=doc_id)
    return "".join(chars)


def _mismatch(text: str, annotations: List[dict]) -> Optional[Tuple[dict, int, int]]:
    """The first annotation location whose text differs from ``text`` there."""
    for ann in annotations:
        if len(ann["locations"]) != 1 or not ann["text"]:
            continue
        start, end = ann["locations"][0]
        if text[start:end] != ann["text"]:
            return ann, start, end
    return None


def _int(value: Optional[str], *, path: Path, doc_id: str, what: str) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise SpacyWeakError(Errors.E208.format(path=path, doc_id=doc_id, what=what, value=value)) from None


def parse_bioc(
    path: PathLike, *, id_keys: Sequence[str] = DEFAULT_ID_KEYS
) -> Iterator[Tuple[str, str, List[dict]]]:
    """Stream ``(doc_id, text, annotations, joined)``; each annotation a dict with
    ``id``, ``label``, ``kb_id``, ``text``, ``infons`` and ``locations`` [(start, end)].

    ``joined`` is True when the passage offsets did not fit the annotations
    and the passages were joined with single spaces instead (see ``W206``)."""
    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E200.format(path=path))
    try:
        for _, elem in ET.iterparse(str(path), events=("end",)):
            if elem.tag != "document":
                continue
            doc_id = (elem.findtext("id") or "").strip()
            annotations = []
            for ann in elem.iter("annotation"):
                infons = _infons(ann)
                ann_id = ann.get("id", "")
                locations = []
                for loc in ann.findall("location"):
                    start = _int(loc.get("offset"), path=path, doc_id=doc_id, what=f"annotation {ann_id} offset")
                    length = _int(loc.get("length"), path=path, doc_id=doc_id, what=f"annotation {ann_id} length")
                    locations.append((start, start + length))
                kb_id = next((infons[k] for k in id_keys if infons.get(k)), "")
                annotations.append(
                    {
                        "id": ann_id,
                        "label": infons.get("type", ""),
                        "kb_id": kb_id,
                        "text": ann.findtext("text") or "",
                        "infons": infons,
                        "locations": locations,
                    }
                )
            text = _document_text(elem, path=path, doc_id=doc_id)
            joined = False
            if _mismatch(text, annotations) is not None:
                # Some BioC writers compute passage offsets on XML-escaped text
                # (&apos; counted as 6 characters) while annotation offsets
                # index the plain text joined with single spaces (the BC5CDR
                # sample does). Use the joined text when it fits every annotation.
                alt = _document_text(elem, path=path, doc_id=doc_id, join=True)
                if _mismatch(alt, annotations) is None:
                    text, joined = alt, True
            yield doc_id, text, annotations, joined
            elem.clear()
    except ET.ParseError as err:
        line, column = getattr(err, "position", (0, 0))
        raise SpacyWeakError(Errors.E206.format(path=path, line=line, column=column, err=err)) from None


def read_bioc(
    path: PathLike,
    nlp: Language,
    *,
    label_map: Optional[Mapping[str, Optional[str]]] = None,
    labels: Optional[Iterable[str]] = None,
    alignment_mode: str = "expand",
    discontinuous: str = "skip",
    individual_mentions: bool = False,
    id_keys: Sequence[str] = DEFAULT_ID_KEYS,
    spans_key: str = GOLD_KEY,
    stats: Optional[ReadStats] = None,
) -> Iterator[Doc]:
    """Docs with gold entities from a BioC XML collection (see the module doc).

    Each location's text must equal the document text there (else ``E209``).
    """
    check_option("alignment_mode", alignment_mode, ("strict", "expand", "contract"))
    check_option("discontinuous", discontinuous, DISCONTINUOUS_MODES)
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    before = stats.snapshot()
    label_filter = LabelFilter(label_map, labels)
    for doc_id, text, annotations, joined in parse_bioc(path, id_keys=id_keys):
        if joined:
            stats.skipped["passage offsets ignored"] += 1
        doc = nlp.make_doc(text)
        spans = []
        for ann in annotations:
            where = f"{path} document {doc_id} annotation {ann['id']}"
            locations = ann["locations"]
            for start, end in locations:
                if not (0 <= start < end <= len(text)):
                    raise SpacyWeakError(
                        Errors.E209.format(
                            path=path, doc_id=doc_id, ann_id=ann["id"], start=start, end=end,
                            mention=ann["text"], found=f"<outside the text, length {len(text)}>",
                        )
                    )
            if not locations:
                stats.skipped["no location"] += 1
                continue
            if ann["infons"].get("CompositeRole") == "IndividualMention" and not individual_mentions:
                stats.skipped["individual mention"] += 1
                continue
            if len(locations) == 1:
                start, end = locations[0]
                found = text[start:end]
                if ann["text"] and found != ann["text"]:
                    raise SpacyWeakError(
                        Errors.E209.format(
                            path=path, doc_id=doc_id, ann_id=ann["id"], start=start, end=end,
                            mention=ann["text"], found=found,
                        )
                    )
                pieces = [(start, end)]
            else:
                stats.discontinuous += 1
                if discontinuous == "skip":
                    stats.skipped["discontinuous"] += 1
                    stats.example(f"{where} {ann['text']!r} {locations} skipped (discontinuous)")
                    continue
                if discontinuous == "cover":
                    pieces = [(min(s for s, _ in locations), max(e for _, e in locations))]
                else:
                    pieces = list(locations)
            label = label_filter(ann["label"], stats)
            if label is None:
                continue
            for start, end in pieces:
                span = align_char_span(
                    doc, start, end, label=label, kb_id=ann["kb_id"], alignment_mode=alignment_mode,
                    stats=stats, where=where,
                )
                if span is not None:
                    spans.append(span)
        set_gold(doc, spans, doc_id=doc_id, key=spans_key, attrs={"format": "bioc"}, stats=stats)
        yield doc
    if stats.docs == before.docs:
        warn(Warnings.W207.format(path=path))
    part = stats.since(before)
    if part.skipped.get("passage offsets ignored"):
        warn(Warnings.W206.format(path=path, n=part.skipped["passage offsets ignored"]))
    if part.skipped.get("discontinuous"):
        warn(Warnings.W204.format(path=path, n=part.skipped["discontinuous"]))
    warn_alignment(part, str(path), alignment_mode, spans_key)
