"""Open vocabularies -> ``(term, label, id)`` records (and TSV/JSONL gazetteer inputs).

* CTD MEDIC diseases (``CTD_diseases.tsv.gz``): ``DiseaseName`` + ``Synonyms`` (``|``-separated),
  id ``DiseaseID`` (``MESH:D...`` / ``OMIM:...``). CTD's terms of use require citing CTD:
  use it as a user-supplied file, do not redistribute it.
* Disease Ontology (``doid.obo``): ``name`` + ``EXACT`` synonyms of non-obsolete ``[Term]``
  stanzas, id ``DOID:...`` (CC BY 3.0 in the 2016 release; attribute the Disease Ontology).
* DrugBank open vocabulary (``drugbank_vocabulary.csv``, CC0): ``Common name`` + ``Synonyms``
  (`` | ``-separated), id ``DrugBank ID``.

Each reader counts what it reads, keeps and drops (and why) in a
:class:`~spacy_weak.lexicons.records.LexiconSummary`; names repeated within one concept
are counted as ``duplicate_name``.
"""
import csv
import re
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

from ..errors import Errors, SpacyWeakError
from ..io import open_gzip
from .records import LexiconRecord, LexiconSummary
from .tabular import write_jsonl, write_tsv

PathLike = Union[str, Path]

VOCABULARIES = ("ctd", "doid", "drugbank")
DEFAULT_LABELS = {"ctd": "Disease", "doid": "Disease", "drugbank": "Chemical"}

_SYNONYM = re.compile(r'^synonym:\s*"((?:[^"\\]|\\.)*)"\s+(EXACT|RELATED|NARROW|BROAD)\b')


def _open(path: PathLike):
    path = Path(path)
    if not path.exists():
        raise SpacyWeakError(Errors.E001.format(path=path))
    if path.suffix == ".gz":
        return open_gzip(path, "rt", encoding="utf-8-sig", newline="")
    return open(path, "r", encoding="utf-8-sig", newline="")


def _emit(names: Iterable[str], label: str, cid: str, summary: LexiconSummary) -> Iterator[LexiconRecord]:
    seen = set()
    for name in names:
        name = name.strip()
        if not name:
            summary.drop("empty_name")
            continue
        if name in seen:
            summary.drop("duplicate_name")
            continue
        seen.add(name)
        summary.keep(label)
        yield LexiconRecord(name, label, cid)


def read_ctd_diseases(
    path: PathLike,
    *,
    label: str = "Disease",
    summary: Optional[LexiconSummary] = None,
    drop_trees: Sequence[str] = (),
    tree_mode: str = "all",
) -> Iterator[LexiconRecord]:
    """CTD MEDIC: disease names and synonyms, id = DiseaseID. ``drop_trees``: MeSH tree branches
    whose concepts are dropped (``conversion_filters.in_branches``), counted as ``tree_branch``."""
    from .conversion_filters import in_branches

    summary = summary if summary is not None else LexiconSummary(str(path))
    columns: Optional[List[str]] = None
    with _open(path) as fh:
        for line_no, line in enumerate(fh, 1):
            line = line.rstrip("\r\n")
            if line.startswith("#"):
                # the last "# Fields:" comment is followed by the header line "# DiseaseName\t..."
                head = line.lstrip("# ").split("\t")
                if head and head[0] == "DiseaseName":
                    columns = head
                continue
            if not line:
                continue
            fields = line.split("\t")
            cols = columns or ["DiseaseName", "DiseaseID", "AltDiseaseIDs", "Definition", "ParentIDs",
                               "TreeNumbers", "ParentTreeNumbers", "Synonyms", "SlimMappings"]
            if len(fields) < 2:
                raise SpacyWeakError(
                    Errors.E011.format(path=path, line=line_no, problem=f"expected {len(cols)} tab-separated CTD columns, found {len(fields)}")
                )
            row = dict(zip(cols, fields))
            summary.read += 1
            names = [row.get("DiseaseName", "")] + [s for s in row.get("Synonyms", "").split("|") if s]
            if drop_trees and in_branches(row.get("TreeNumbers", "").split("|"), drop_trees, tree_mode):
                summary.drop("tree_branch", len(names))
                continue
            yield from _emit(names, label, row.get("DiseaseID", "").strip(), summary)


def read_disease_ontology(
    path: PathLike, *, label: str = "Disease", summary: Optional[LexiconSummary] = None
) -> Iterator[LexiconRecord]:
    """Disease Ontology OBO: names + EXACT synonyms of non-obsolete terms, id = DOID."""
    summary = summary if summary is not None else LexiconSummary(str(path))
    stanza: Optional[Dict] = None

    def flush(st: Optional[Dict]) -> Iterator[LexiconRecord]:
        if st is None:
            return
        summary.read += 1
        if st["obsolete"]:
            summary.drop("obsolete_term", 1)
            return
        if not st["id"]:
            summary.drop("term_without_id")
            return
        yield from _emit([st["name"]] + st["synonyms"], label, st["id"], summary)

    with _open(path) as fh:
        for line in fh:
            line = line.rstrip("\r\n")
            if line.startswith("["):
                yield from flush(stanza)
                stanza = {"id": "", "name": "", "synonyms": [], "obsolete": False} if line == "[Term]" else None
                continue
            if stanza is None or not line:
                continue
            if line.startswith("id: "):
                stanza["id"] = line[4:].strip()
            elif line.startswith("name: "):
                stanza["name"] = line[6:].strip()
            elif line.startswith("synonym:"):
                m = _SYNONYM.match(line)
                if m and m.group(2) == "EXACT":
                    stanza["synonyms"].append(m.group(1).replace('\\"', '"').replace("\\\\", "\\"))
                else:
                    summary.drop("synonym_not_exact")
            elif line.startswith("is_obsolete:") and line.split(":", 1)[1].strip() == "true":
                stanza["obsolete"] = True
        yield from flush(stanza)


def read_drugbank(
    path: PathLike, *, label: str = "Chemical", summary: Optional[LexiconSummary] = None
) -> Iterator[LexiconRecord]:
    """DrugBank open vocabulary CSV: common name + synonyms, id = DrugBank ID."""
    summary = summary if summary is not None else LexiconSummary(str(path))
    with _open(path) as fh:
        reader = csv.DictReader(fh)
        missing = {"DrugBank ID", "Common name"} - set(reader.fieldnames or [])
        if missing:
            raise SpacyWeakError(
                Errors.E011.format(path=path, line=1, problem=f"not a DrugBank vocabulary CSV: no column(s) {sorted(missing)}")
            )
        for row in reader:
            summary.read += 1
            synonyms = [s for s in (row.get("Synonyms") or "").split(" | ") if s.strip()]
            yield from _emit([row.get("Common name") or ""] + synonyms, label, (row.get("DrugBank ID") or "").strip(), summary)


READERS: Dict[str, Callable[..., Iterator[LexiconRecord]]] = {
    "ctd": read_ctd_diseases,
    "doid": read_disease_ontology,
    "drugbank": read_drugbank,
}


def iter_vocabulary(kind: str, path: PathLike, *, label: Optional[str] = None,
                    summary: Optional[LexiconSummary] = None) -> Iterator[LexiconRecord]:
    if kind not in READERS:
        raise SpacyWeakError(Errors.E007.format(value=kind, param="vocabulary", options=", ".join(VOCABULARIES)))
    return READERS[kind](path, label=label or DEFAULT_LABELS[kind], summary=summary)


def convert(
    kind: str, path: PathLike, output: PathLike, *, label: Optional[str] = None, filters=None
) -> LexiconSummary:
    """Write an open vocabulary as a gazetteer input: JSONL if ``output`` ends in .jsonl, else TSV.
    ``filters``: a :class:`~.conversion_filters.ConversionFilters` (tree branches, shapes, spelling)."""
    summary = LexiconSummary(str(path))
    if filters is not None and filters.drop_trees and kind != "ctd":
        raise SpacyWeakError(Errors.E023.format(kind=kind))
    if filters is not None and filters.drop_trees:
        records = read_ctd_diseases(path, label=label or DEFAULT_LABELS[kind], summary=summary,
                                    drop_trees=filters.drop_trees, tree_mode=filters.tree_mode)
    else:
        records = iter_vocabulary(kind, path, label=label, summary=summary)
    if filters is not None and filters.active:
        records = filters.apply(records, summary)
    out = str(output)
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    if out.endswith((".jsonl", ".jsonl.gz")):
        write_jsonl(out, records)
    else:
        write_tsv(out, records)
    return summary
