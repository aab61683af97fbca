"""Plain lexicon files: TSV (``term<TAB>label[<TAB>id]``) and JSONL (``{"term", "label", "id"}``).

Both may be gzipped (``.gz``). Blank lines and lines starting with ``#`` are
skipped; a first TSV line ``term<TAB>label[<TAB>id]`` is read as a header.
A malformed line raises a coded error naming the file and line; records with
an empty term or label are dropped and counted.
"""
import gzip
import json
from pathlib import Path
from typing import IO, Dict, Iterator, Optional, Tuple, Union

from ..errors import Errors, SpacyWeakError
from ..io import open_gzip
from .records import LexiconRecord, LexiconSummary

PathLike = Union[str, Path]


def open_text(path: PathLike) -> IO[str]:
    path = Path(path)
    if not path.exists():
        raise SpacyWeakError(Errors.E001.format(path=path))
    if path.suffix == ".gz":
        return open_gzip(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, "r", encoding="utf-8-sig", newline="")


def iter_lines(path: PathLike) -> Iterator[Tuple[int, str]]:
    """``(line number, line)`` decoded line by line (so a bad byte names its line); a BOM is dropped."""
    path = Path(path)
    if not path.exists():
        raise SpacyWeakError(Errors.E001.format(path=path))
    if path.is_dir():
        raise SpacyWeakError(Errors.E274.format(path=path, what="a lexicon or word-list file"))
    opener = open_gzip if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:
        for line_no, raw in enumerate(fh, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                raise SpacyWeakError(
                    Errors.E011.format(path=path, line=line_no, problem=f"not valid UTF-8 ({e.reason} at byte {e.start})")
                ) from None
            if line_no == 1 and line.startswith("\ufeff"):
                line = line[1:]
            yield line_no, line


def iter_tsv(
    path: PathLike, *, label: Optional[str] = None, summary: Optional[LexiconSummary] = None
) -> Iterator[LexiconRecord]:
    """Records of a TSV lexicon. ``label`` is the label of lines that hold only a term."""
    summary = summary if summary is not None else LexiconSummary(str(path))
    kept: Dict[str, int] = {}
    read = 0
    try:
        for line_no, line in iter_lines(path):
            fields = line.rstrip("\r\n").split("\t")
            n = len(fields)
            if n == 2 or n == 3:
                term = fields[0].strip()
                lab = fields[1].strip()
                if line_no == 1 and term.lower() == "term" and lab.lower() == "label":
                    continue
            elif n == 1 and (not fields[0].strip() or fields[0].startswith("#")):
                continue
            elif n == 1 and label is not None:
                term, lab = fields[0].strip(), label
            elif fields[0].startswith("#"):
                continue
            else:
                detail = "" if n > 1 else " (no tab: is the file comma- or space-separated?)"
                raise SpacyWeakError(Errors.E004.format(path=path, line=line_no, found=n, detail=detail))
            read += 1
            if not term or term.startswith("#"):
                if term:
                    read -= 1  # a comment line
                else:
                    summary.drop("empty_term")
                continue
            if not lab:
                summary.drop("empty_label")
                continue
            kept[lab] = kept.get(lab, 0) + 1
            yield LexiconRecord(term, lab, fields[2].strip() if n == 3 else "")
    finally:
        summary.read += read
        summary.kept.update(kept)


def iter_jsonl(
    path: PathLike, *, label: Optional[str] = None, summary: Optional[LexiconSummary] = None
) -> Iterator[LexiconRecord]:
    """Records of a JSONL lexicon (one ``{"term", "label"[, "id"]}`` object per line)."""
    summary = summary if summary is not None else LexiconSummary(str(path))
    for line_no, line in iter_lines(path):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            obj = json.loads(line)
        except ValueError as e:
            raise SpacyWeakError(Errors.E005.format(path=path, line=line_no, problem=f"invalid JSON ({e})")) from None
        if not isinstance(obj, dict):
            raise SpacyWeakError(
                Errors.E005.format(path=path, line=line_no, problem=f"found a JSON {type(obj).__name__}, not an object")
            )
        if "term" not in obj:
            raise SpacyWeakError(Errors.E005.format(path=path, line=line_no, problem="missing key 'term'"))
        lab = obj.get("label", label)
        if lab is None:
            raise SpacyWeakError(Errors.E005.format(path=path, line=line_no, problem="missing key 'label'"))
        for field, value in (("term", obj["term"]), ("label", lab)):
            if value is not None and not isinstance(value, str):
                raise SpacyWeakError(Errors.E019.format(path=path, line=line_no, field=field, value=value))
        summary.read += 1
        term = str(obj["term"] or "").strip()
        lab = str(lab or "").strip()
        if not term:
            summary.drop("empty_term")
            continue
        if not lab:
            summary.drop("empty_label")
            continue
        summary.keep(lab)
        cid = obj.get("id")
        yield LexiconRecord(term, lab, "" if cid is None else str(cid))


def write_tsv(path: PathLike, records, *, header: bool = False) -> int:
    """Write records as TSV (tabs and newlines inside fields become spaces), atomically
    (a crash leaves the old file or none, never a truncated one). Returns the count."""
    from ..io import atomic_path

    n = 0
    opener = gzip.open if str(path).endswith(".gz") else open
    with atomic_path(path) as tmp, opener(tmp, "wt", encoding="utf8", newline="\n") as fh:
        if header:
            fh.write("term\tlabel\tid\n")
        for rec in records:
            term, label, cid = (_clean(x) for x in rec)
            fh.write(f"{term}\t{label}\t{cid}\n")
            n += 1
    return n


def write_jsonl(path: PathLike, records) -> int:
    """Write records as JSONL, atomically. Returns the count."""
    from ..io import atomic_path

    n = 0
    opener = gzip.open if str(path).endswith(".gz") else open
    with atomic_path(path) as tmp, opener(tmp, "wt", encoding="utf8", newline="\n") as fh:
        for term, label, cid in records:
            fh.write(json.dumps({"term": term, "label": label, "id": cid}, ensure_ascii=False) + "\n")
            n += 1
    return n


def _clean(value) -> str:
    return str(value or "").replace("\t", " ").replace("\r", " ").replace("\n", " ")
