"""Text-classification corpora from CSV / TSV files: one row = one document.

Any delimited file with a text column and (optionally) a label column becomes
:class:`~spacy.tokens.Doc` objects whose gold labels are in ``doc.cats``
(``{label: 1.0 | 0.0}``, every label of the corpus present), the shape
``spacy train`` expects for ``textcat`` / ``textcat_multilabel``.

Columns are taken by **name** from the header, never by position. The
delimiter is detected from the first lines (``,``, tab, ``;``, ``|``) unless
given. Rows that cannot be read raise coded errors naming ``file:line``
(the physical line where the record starts, so multi-line quoted fields
are counted correctly).

    >>> nlp = spacy.blank("en")
    >>> docs = read_tabular_text(nlp, "Youtube01-Psy.csv", text_column="CONTENT",
    ...                          label_column="label", label_map={"1": "SPAM", "0": "HAM"})

Provenance of each document is kept in ``doc.user_data["tabular"]``
(``{"path", "line", "id"}``); it reaches a DocBin only with ``store_user_data``.
"""
import csv
import glob
import logging
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from spacy.language import Language
from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError, Warnings, warn

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
DELIMITERS = ",\t;|"
USER_DATA_KEY = "tabular"
SNIFF_BYTES = 64 * 1024

# CSV fields (comments with long URLs, whole articles) may exceed csv's 128 KB default
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


@dataclass
class TabularRecord:
    """One row: its text, its labels (raw, after mapping) and where it came from."""

    text: str
    labels: List[str]
    path: str
    line: int
    id: Optional[str] = None
    extra: Dict[str, str] = field(default_factory=dict)


def expand_paths(paths: Union[PathLike, Sequence[PathLike]], *, suffixes: Sequence[str] = (".csv", ".tsv", ".txt")) -> List[Path]:
    """Files named by ``paths``: files as given, directories expanded to their
    sorted ``*.csv``/``*.tsv``/``*.txt`` files, glob patterns expanded (sorted)."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: List[Path] = []
    for p in paths:
        p = Path(p)
        if any(ch in str(p) for ch in "*?["):
            matches = [Path(m) for m in sorted(glob.glob(str(p)))]
            if not matches:
                raise SpacyWeakError(Errors.E230.format(path=p))
            out.extend(m for m in matches if m.is_file())
        elif p.is_dir():
            files = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in suffixes)
            if not files:
                raise SpacyWeakError(Errors.E230.format(path=p))
            out.extend(files)
        elif p.is_file():
            out.append(p)
        else:
            raise SpacyWeakError(Errors.E230.format(path=p))
    return out


def detect_delimiter(path: PathLike, *, encoding: str = "utf-8-sig") -> str:
    """The delimiter of ``path``: sniffed from its first lines among ``, \\t ; |``.

    When sniffing is inconclusive: tab for ``.tsv``/``.tab`` files, else the
    candidate that occurs most often in the header line, else ``,``.
    """
    path = Path(path)
    with open(path, encoding=encoding, newline="", errors="replace") as fh:
        sample = fh.read(SNIFF_BYTES)
    header = sample.splitlines()[0] if sample else ""
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
        # the sniffer sometimes picks a delimiter absent from the header; trust the header
        if dialect.delimiter in header:
            return dialect.delimiter
    except csv.Error:
        pass
    if path.suffix.lower() in (".tsv", ".tab"):
        return "\t"
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


QUOTING = {"minimal": csv.QUOTE_MINIMAL, "none": csv.QUOTE_NONE}


def _find_column(header: List[str], name: Union[str, int], path: Path) -> int:
    name = str(name)
    exact = [i for i, h in enumerate(header) if h == name]
    if len(exact) > 1:
        raise SpacyWeakError(Errors.E218.format(path=path, column=name, positions=", ".join(str(i + 1) for i in exact)))
    if exact:
        return exact[0]
    folded = [h.strip().lower() for h in header]
    matches = [i for i, h in enumerate(folded) if h == name.strip().lower()]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise SpacyWeakError(Errors.E218.format(path=path, column=name, positions=", ".join(str(i + 1) for i in matches)))
    raise SpacyWeakError(Errors.E231.format(column=name, path=path, header=", ".join(repr(h) for h in header)))


def _decoded_lines(fh, path: Path, encoding: str, position: List[int]) -> Iterator[str]:
    """The file's physical lines decoded one at a time, so a decoding error names its own line
    (a text-mode file decodes 8 KB blocks ahead of the csv reader). ``position[0]`` = lines read."""
    for raw in fh:
        position[0] += 1
        try:
            yield raw.decode(encoding)
        except UnicodeDecodeError as err:
            raise SpacyWeakError(Errors.E232.format(
                path=path, line=position[0], reason=f"not valid {encoding} at byte {err.start + 1} of the line: {err.reason}"
            )) from None


def read_tabular_records(
    paths: Union[PathLike, Sequence[PathLike]],
    *,
    text_column: str = "text",
    label_column: Optional[str] = "label",
    id_column: Optional[str] = None,
    label_map: Optional[Dict[str, Optional[str]]] = None,
    unknown_label: str = "error",
    label_separator: Optional[str] = None,
    delimiter: Optional[str] = None,
    encoding: str = "utf-8-sig",
    skip_empty: bool = True,
    extra_columns: Sequence[str] = (),
    quoting: str = "minimal",
    header: bool = True,
) -> Iterator[TabularRecord]:
    """Stream the rows of CSV/TSV files as :class:`TabularRecord`.

    ``label_map`` maps raw cell values (stripped) to labels; a value mapped to
    ``None``/``""`` gives a row without that label. Raw values missing from
    ``label_map`` raise ``E234`` (``unknown_label="error"``), are kept as they
    are (``"keep"``) or make the row skipped (``"skip"``). Without a
    ``label_map`` raw values are the labels. ``label_separator`` splits a
    cell into several labels (multi-label corpora). ``label_column=None``
    reads an unlabelled corpus. Empty texts are skipped with ``W230``
    (``skip_empty``) or kept.

    ``quoting="minimal"`` (default) reads ``"..."`` fields as CSV does;
    ``quoting="none"`` takes quote characters as text (plain TSV exports
    whose texts contain ``"``). ``header=False`` reads files without a header
    line: columns are then named by their 0-based position (``text_column=1``).
    Decoding errors are reported on the physical line that holds them
    (single-byte-newline encodings: UTF-8, Latin-1, cp1252...).
    """
    _check_reader_options(unknown_label=unknown_label, delimiter=delimiter, quoting=quoting, header=header)
    label_map = {str(k).strip(): v for k, v in (label_map or {}).items()}
    names = _ColumnNames(text_column, label_column, id_column, tuple(extra_columns))
    for path in expand_paths(paths):
        delim = delimiter or detect_delimiter(path, encoding=encoding)
        logger.debug("Reading %s (delimiter %r)", path, delim)
        for start, row, columns in _rows(path, names, delimiter=delim, encoding=encoding, quoting=quoting, header=header):
            text = row[columns.text]
            if not text.strip():
                if skip_empty:
                    warn(Warnings.W230.format(path=path, line=start))
                    continue
            labels: Optional[List[str]] = []
            if columns.label is not None:
                labels = _cell_labels(
                    row[columns.label], path=path, line=start, column=columns.header[columns.label],
                    label_map=label_map, unknown_label=unknown_label, label_separator=label_separator,
                )
                if labels is None:
                    continue
            yield TabularRecord(
                text=text,
                labels=list(dict.fromkeys(labels)),
                path=str(path),
                line=start,
                id=row[columns.id] if columns.id is not None else None,
                extra={name: row[i] for name, i in columns.extra.items()},
            )


def _check_reader_options(*, unknown_label: str, delimiter: Optional[str], quoting: str, header: bool) -> None:
    if unknown_label not in ("error", "keep", "skip"):
        raise SpacyWeakError(Errors.E050.format(param="unknown_label", value=unknown_label, options="error, keep, skip"))
    if delimiter is not None and len(delimiter) != 1:
        raise SpacyWeakError(Errors.E236.format(delimiter=delimiter))
    if quoting not in QUOTING:
        raise SpacyWeakError(Errors.E217.format(param="quoting", value=quoting, options=", ".join(QUOTING)))
    if not isinstance(header, bool):
        raise SpacyWeakError(Errors.E217.format(param="header", value=header, options="true, false"))


@dataclass(frozen=True)
class _ColumnNames:
    """The columns asked for, by name (or 0-based position without a header line)."""

    text: Union[str, int]
    label: Optional[Union[str, int]]
    id: Optional[Union[str, int]]
    extra: Tuple[str, ...]


@dataclass(frozen=True)
class _Columns:
    """Where the columns asked for are in one file's rows."""

    header: List[str]
    text: int
    label: Optional[int]
    id: Optional[int]
    extra: Dict[str, int]


def _rows(
    path: Path, names: _ColumnNames, *, delimiter: str, encoding: str, quoting: str, header: bool
) -> Iterator[Tuple[int, List[str], _Columns]]:
    """``(line, row, columns)`` for every non-blank row of one file: ``line`` is the physical line
    where the record starts; a row must have as many fields as the header (``E232``)."""
    line_based = "16" not in encoding and "32" not in encoding  # one byte b"\n" ends a line
    position = [0]
    try:
        fh = open(path, "rb") if line_based else open(path, encoding=encoding, newline="")
    except OSError as err:
        raise SpacyWeakError(Errors.E230.format(path=path)) from err
    with fh:
        lines = _decoded_lines(fh, path, encoding, position) if line_based else fh
        reader = csv.reader(lines, delimiter=delimiter, strict=True, quoting=QUOTING[quoting])
        try:
            head = next(reader)
        except StopIteration:
            raise SpacyWeakError(Errors.E235.format(path=path)) from None
        except (csv.Error, UnicodeDecodeError) as err:
            raise SpacyWeakError(Errors.E232.format(path=path, line=1, reason=err)) from None
        first_row: Optional[List[str]] = None
        if header:
            head = [h.strip() for h in head]
        else:
            first_row, head = head, [str(i) for i in range(len(head))]
        columns = _Columns(
            header=head,
            text=_find_column(head, names.text, path),
            label=_find_column(head, names.label, path) if names.label else None,
            id=_find_column(head, names.id, path) if names.id else None,
            extra={name: _find_column(head, name, path) for name in names.extra},
        )
        line = reader.line_num + 1  # physical line where the next record starts
        if first_row is not None:
            line = 1
        while True:
            try:
                if first_row is not None:
                    row, first_row = first_row, None
                else:
                    row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                raise SpacyWeakError(Errors.E232.format(path=path, line=line, reason=err)) from None
            except UnicodeDecodeError as err:
                raise SpacyWeakError(
                    Errors.E232.format(path=path, line=line, reason=f"not valid {encoding}: {err.reason}")
                ) from None
            start, line = line, reader.line_num + 1
            if not row or (len(row) == 1 and not row[0].strip()):
                continue  # blank line
            if len(row) != len(head):
                raise SpacyWeakError(
                    Errors.E232.format(
                        path=path,
                        line=start,
                        reason=f"{len(row)} fields where the header has {len(head)} (delimiter {delimiter!r})",
                    )
                )
            yield start, row, columns


def _cell_labels(
    cell: str,
    *,
    path: Path,
    line: int,
    column: str,
    label_map: Dict[str, Optional[str]],
    unknown_label: str,
    label_separator: Optional[str],
) -> Optional[List[str]]:
    """The labels of one label cell after ``label_map``; None: skip the row (an unknown value
    with ``unknown_label="skip"``). ``E233`` for an empty cell, ``E234`` for an unknown value."""
    raw_cell = cell.strip()
    raws = [r.strip() for r in raw_cell.split(label_separator)] if label_separator else [raw_cell]
    labels: List[str] = []
    skip = False
    for raw in raws:
        if raw == "" and label_separator:
            continue
        if raw == "" and raw not in label_map:
            raise SpacyWeakError(Errors.E233.format(path=path, line=line, column=column))
        if label_map and raw in label_map:
            target = label_map[raw]
            if target:
                labels.append(target)
        elif not label_map or unknown_label == "keep":
            labels.append(raw)
        elif unknown_label == "skip":
            skip = True
        else:
            raise SpacyWeakError(
                Errors.E234.format(path=path, line=line, value=raw, known=", ".join(repr(k) for k in label_map))
            )
    return None if skip else labels


def collect_labels(records: Iterable[TabularRecord]) -> List[str]:
    """Sorted label set of ``records``."""
    seen = set()
    for rec in records:
        seen.update(rec.labels)
    return sorted(seen)


def make_cats(labels: Sequence[str], all_labels: Sequence[str]) -> Dict[str, float]:
    chosen = set(labels)
    return {label: 1.0 if label in chosen else 0.0 for label in all_labels}


def read_tabular_text(
    nlp: Language,
    paths: Union[PathLike, Sequence[PathLike]],
    *,
    labels: Optional[Sequence[str]] = None,
    exclusive: bool = True,
    **options,
) -> Iterator[Doc]:
    """Stream Docs (tokenised with ``nlp.make_doc``) with gold ``doc.cats``.

    ``labels`` fixes the label set (and its order in ``doc.cats``); by default
    it is the values of ``label_map`` or, without one, the labels found in a
    first pass over the files. Rows whose labels are outside ``labels`` raise
    ``E234``. With ``exclusive=True`` (one class per document, ``textcat``) a
    row must carry exactly one label (``E237``); with ``exclusive=False``
    (``textcat_multilabel``) any number. Other options: see
    :func:`read_tabular_records`.
    """
    has_labels = options.get("label_column", "label") is not None
    if labels is None and has_labels:
        label_map = options.get("label_map")
        if label_map:
            labels = sorted({v for v in label_map.values() if v})
            if options.get("unknown_label", "error") == "keep":
                labels = collect_labels(read_tabular_records(paths, **options))
        else:
            labels = collect_labels(read_tabular_records(paths, **options))
    all_labels = list(labels or [])
    known = set(all_labels)
    for rec in read_tabular_records(paths, **options):
        doc = nlp.make_doc(rec.text)
        if has_labels:
            unknown = [label for label in rec.labels if label not in known]
            if unknown:
                raise SpacyWeakError(
                    Errors.E234.format(path=rec.path, line=rec.line, value=unknown[0], known=", ".join(all_labels))
                )
            if exclusive and len(rec.labels) != 1:
                raise SpacyWeakError(Errors.E237.format(path=rec.path, line=rec.line, n=len(rec.labels), labels=rec.labels))
            doc.cats = make_cats(rec.labels, all_labels)
        doc.user_data[USER_DATA_KEY] = {"path": rec.path, "line": rec.line, "id": rec.id, **rec.extra}
        yield doc


def tabular_to_docbin(
    nlp: Language,
    paths: Union[PathLike, Sequence[PathLike]],
    output: PathLike,
    *,
    store_user_data: bool = False,
    **options,
) -> int:
    """Convert CSV/TSV files to a DocBin at ``output`` (atomic write); returns the number of docs."""
    from spacy.tokens import DocBin

    from ..io import write_bytes_atomic

    db = DocBin(store_user_data=store_user_data)
    n = 0
    for doc in read_tabular_text(nlp, paths, **options):
        db.add(doc)
        n += 1
    write_bytes_atomic(output, db.to_bytes())
    return n


def create_tabular_reader(
    path: str,
    text_column: str = "text",
    label_column: Optional[str] = "label",
    label_map: Optional[Dict[str, Optional[str]]] = None,
    labels: Optional[List[str]] = None,
    exclusive: bool = True,
    delimiter: Optional[str] = None,
    label_separator: Optional[str] = None,
    unknown_label: str = "error",
    limit: int = 0,
    quoting: str = "minimal",
    header: bool = True,
):
    """``spacy_weak.TabularTextCorpus.v1``: a CSV/TSV file (folder, glob) as a spaCy corpus.

    Use it in a training config instead of a DocBin (gold corpora, e.g. a small labelled dev set)::

        [corpora.dev]
        @readers = "spacy_weak.TabularTextCorpus.v1"
        path = "assets/dev.csv"
        text_column = "CONTENT"
        label_map = {"1": "SPAM", "0": "HAM"}

    Returns ``reader(nlp) -> Iterator[Example]``; the file is re-read on every call (every epoch).
    """
    from spacy.training import Example

    def reader(nlp: Language) -> Iterator[Example]:
        docs = read_tabular_text(
            nlp,
            path,
            labels=labels,
            exclusive=exclusive,
            text_column=text_column,
            label_column=label_column,
            label_map=label_map,
            delimiter=delimiter,
            label_separator=label_separator,
            unknown_label=unknown_label,
            quoting=quoting,
            header=header,
        )
        for i, reference in enumerate(docs):
            if limit and i >= limit:
                break
            predicted = nlp.make_doc(reference.text)
            yield Example(predicted, reference)

    return reader
