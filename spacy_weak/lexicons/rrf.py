"""UMLS Rich Release Format: ``MRCONSO.RRF`` + ``MRSTY.RRF`` -> ``(term, label, CUI)`` records.

Columns are taken by name from ``MRFILES.RRF`` when the folder has one (as
scispaCy does), otherwise from the standard UMLS column order. Every RRF line
ends with a ``|``; the last line of a file may lack its newline. A line with
the wrong number of columns raises ``[E002]`` naming the file and line.

Filters (each drop is counted in the summary):
    language        LAT values kept (default ``ENG``; ``None`` keeps all)
    suppress        SUPPRESS flags dropped (default ``O``, ``E``, ``Y``: obsolete,
                    editor-suppressed, suppressible; ``N`` is kept)
    sources         SAB values kept (default: all)
    exclude_sources SAB values dropped
Labels come from a :class:`~spacy_weak.lexicons.semantic_groups.SemanticMap`
applied to each concept's semantic types in MRSTY; a concept with several
mapped labels yields one record per label.
"""
import logging
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

from ..errors import Errors, SpacyWeakError
from .records import LexiconRecord, LexiconSummary
from .semantic_groups import SemanticMap, as_semantic_map
from .tabular import iter_lines

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]

STANDARD_COLUMNS: Dict[str, List[str]] = {
    "MRCONSO.RRF": "CUI,LAT,TS,LUI,STT,SUI,ISPREF,AUI,SAUI,SCUI,SDUI,SAB,TTY,CODE,STR,SRL,SUPPRESS,CVF".split(","),
    "MRSTY.RRF": "CUI,TUI,STN,STY,ATUI,CVF".split(","),
    "MRFILES.RRF": "FIL,DES,FMT,CLS,RWS,BTS".split(","),
}
DEFAULT_SUPPRESS = ("O", "E", "Y")


def find_meta_dir(path: PathLike) -> Optional[Path]:
    """The folder holding MRCONSO.RRF: ``path`` itself, its ``META`` subfolder, or the file's folder."""
    path = Path(path)
    if path.is_file() and path.name.upper() == "MRCONSO.RRF":
        return path.parent
    for cand in (path, path / "META"):
        if (cand / "MRCONSO.RRF").exists():
            return cand
    return None


def rrf_columns(meta_dir: PathLike, filename: str) -> List[str]:
    """Column names of an RRF file: from MRFILES.RRF when present, else the standard order."""
    mrfiles = Path(meta_dir) / "MRFILES.RRF"
    if mrfiles.exists():
        cols = STANDARD_COLUMNS["MRFILES.RRF"]
        for _, fields in _iter_rows(mrfiles, cols):
            if fields[0] == filename:
                return fields[2].split(",")
        logger.info("%s does not list %s: using the standard UMLS columns", mrfiles, filename)
    if filename not in STANDARD_COLUMNS:
        raise SpacyWeakError(Errors.E009.format(path=meta_dir, problem=f"no known columns for {filename}"))
    return STANDARD_COLUMNS[filename]


def column_indices(meta_dir: PathLike, filename: str, cols: Sequence[str], names: Sequence[str]) -> List[int]:
    """Positions of ``names`` in ``cols``; ``E020`` naming the missing columns."""
    missing = [n for n in names if n not in cols]
    if missing:
        raise SpacyWeakError(
            Errors.E020.format(path=meta_dir, file=filename, missing=", ".join(missing), columns=",".join(cols))
        )
    return [list(cols).index(n) for n in names]


def _iter_rows(path: Path, columns: Sequence[str]) -> Iterator[Tuple[int, List[str]]]:
    """``(line number, fields)`` of an RRF file, checking the column count."""
    n = len(columns)
    for line_no, line in iter_lines(path):
        line = line.rstrip("\r\n")
        if not line:
            continue
        fields = line.split("|")
        if len(fields) == n + 1 and fields[n] == "":
            fields.pop()
        elif len(fields) != n:
            raise SpacyWeakError(
                Errors.E002.format(
                    path=path, line=line_no, expected=n, columns="|".join(columns), found=len(fields) - (fields[-1] == "")
                )
            )
        yield line_no, fields


def read_mrsty(
    meta_dir: PathLike, semantic_map: SemanticMap, summary: Optional[LexiconSummary] = None
) -> Dict[str, Tuple[str, ...]]:
    """CUI -> labels (sorted tuple) of its mapped semantic types; unmapped types are counted."""
    path = Path(meta_dir) / "MRSTY.RRF"
    if not path.exists():
        raise SpacyWeakError(Errors.E001.format(path=path))
    cols = rrf_columns(meta_dir, "MRSTY.RRF")
    i_cui, i_tui, i_sty = column_indices(meta_dir, "MRSTY.RRF", cols, ("CUI", "TUI", "STY"))
    labels: Dict[str, set] = {}
    unmapped: Dict[str, int] = {}
    for _, f in _iter_rows(path, cols):
        label = semantic_map.label(f[i_tui], f[i_sty])
        if label:
            labels.setdefault(f[i_cui], set()).add(label)
        else:
            key = f"{f[i_tui]} {f[i_sty]}"
            unmapped[key] = unmapped.get(key, 0) + 1
    if unmapped:
        logger.info(
            "%s: %d semantic types have no label in the semantic map (%s%s)",
            path,
            len(unmapped),
            ", ".join(sorted(unmapped)[:10]),
            "..." if len(unmapped) > 10 else "",
        )
    interned: Dict[Tuple[str, ...], Tuple[str, ...]] = {}
    out: Dict[str, Tuple[str, ...]] = {}
    for cui, labs in labels.items():
        t = tuple(sorted(labs))
        out[cui] = interned.setdefault(t, t)
    return out


def iter_rrf(
    path: PathLike,
    *,
    semantic_map: Union[None, str, Path, Dict, SemanticMap] = None,
    language: Optional[Union[str, Sequence[str]]] = "ENG",
    suppress: Optional[Sequence[str]] = DEFAULT_SUPPRESS,
    sources: Optional[Sequence[str]] = None,
    exclude_sources: Optional[Sequence[str]] = None,
    summary: Optional[LexiconSummary] = None,
) -> Iterator[LexiconRecord]:
    """Records ``(STR, label, CUI)`` of an RRF folder (``MRCONSO.RRF`` + ``MRSTY.RRF``)."""
    meta = find_meta_dir(path)
    if meta is None:
        raise SpacyWeakError(Errors.E001.format(path=Path(path) / "MRCONSO.RRF"))
    summary = summary if summary is not None else LexiconSummary(str(path))
    smap = as_semantic_map(semantic_map)
    cui_labels = read_mrsty(meta, smap, summary)
    cols = rrf_columns(meta, "MRCONSO.RRF")
    i_cui, i_lat, i_sab, i_str, i_sup = column_indices(meta, "MRCONSO.RRF", cols, ("CUI", "LAT", "SAB", "STR", "SUPPRESS"))
    langs = None if not language else ({language} if isinstance(language, str) else set(language))
    sup = set(suppress or ())
    keep_sab = set(sources) if sources else None
    drop_sab = set(exclude_sources or ())
    kept, read_before = 0, summary.read
    for _, f in _iter_rows(meta / "MRCONSO.RRF", cols):
        summary.read += 1
        if langs is not None and f[i_lat] not in langs:
            summary.drop("language")
            continue
        if f[i_sup] in sup:
            summary.drop("suppressed")
            continue
        sab = f[i_sab]
        if keep_sab is not None and sab not in keep_sab:
            summary.drop("source_not_included")
            continue
        if sab in drop_sab:
            summary.drop("source_excluded")
            continue
        labels = cui_labels.get(f[i_cui])
        if not labels:
            summary.drop("unmapped_semantic_type")
            continue
        term = f[i_str].strip()
        if not term:
            summary.drop("empty_term")
            continue
        for label in labels:
            summary.keep(label)
            kept += 1
            yield LexiconRecord(term, label, f[i_cui])
    dropped = dict(summary.dropped)
    if kept == 0 and summary.read > read_before and dropped.get("unmapped_semantic_type"):
        # rows passed the filters but none links to a kept semantic type: the
        # files do not belong together (or the semantic map keeps nothing)
        if not cui_labels:
            problem = "no concept of MRSTY.RRF has a semantic type that the semantic map keeps"
        else:
            problem = "no CUI of MRCONSO.RRF (after the filters) has a kept semantic type in MRSTY.RRF: the files share no concept"
        detail = ", ".join(f"{k} {v}" for k, v in sorted(dropped.items()))
        raise SpacyWeakError(
            Errors.E018.format(path=path, problem=f"{problem} ({summary.read - read_before} rows read; dropped: {detail})")
        )
