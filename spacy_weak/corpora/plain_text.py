"""A user's own unlabelled text as Docs: a folder of ``.txt`` files, JSONL, CSV/TSV.

What ``spacy-weak init --data`` reads (and the ``convert`` script of the project it writes):

* a **folder**: every ``.txt`` file is one document (sorted by name), every
  ``.jsonl`` / ``.csv`` / ``.tsv`` file is read as below;
* a ``.txt`` **file**: one document per non-empty line;
* a ``.jsonl`` file (or ``.jsonl.gz``): one JSON object per line with the text in ``text_field``
  (default ``"text"``); the other fields are kept in ``doc.user_data["meta"]``;
* a ``.csv`` / ``.tsv`` file: the column ``text_field`` of
  :mod:`spacy_weak.corpora.tabular_text` (delimiter detected).

Errors are coded and name the file and line.
"""
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple, Union

from ..errors import Errors, SpacyWeakError

PathLike = Union[str, Path]
SUFFIXES = (".txt", ".jsonl", ".csv", ".tsv")


def _suffix(path: Path) -> str:
    """``.jsonl`` for ``x.jsonl.gz`` (gzip is read transparently), else the lower-cased suffix."""
    suffixes = [s.lower() for s in path.suffixes]
    if len(suffixes) >= 2 and suffixes[-1] == ".gz":
        return suffixes[-2]
    return path.suffix.lower()


def text_files(path: PathLike) -> List[Path]:
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and _suffix(p) in SUFFIXES)
        if not files:
            raise SpacyWeakError(Errors.E219.format(path=path, problem="no .txt, .jsonl, .csv or .tsv file in the folder"))
        return files
    if not path.is_file():
        raise SpacyWeakError(Errors.E219.format(path=path, problem="no such file or folder"))
    if _suffix(path) not in SUFFIXES:
        raise SpacyWeakError(Errors.E219.format(path=path, problem="expected a .txt, .jsonl, .csv or .tsv file"))
    return [path]


def _read_utf8_lines(path: Path) -> Iterator[Tuple[int, str]]:
    import gzip

    opener = gzip.open if path.suffix.lower() == ".gz" else open
    with opener(path, "rb") as fh:
        for i, raw in enumerate(fh, start=1):
            try:
                yield i, raw.decode("utf-8-sig" if i == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise SpacyWeakError(Errors.E201.format(path=path, line=i, err=err.reason)) from None


def read_texts(path: PathLike, *, text_field: str = "text") -> Iterator[Tuple[str, Dict[str, Any]]]:
    """``(text, meta)`` for every document under ``path`` (see the module docstring)."""
    from .tabular_text import read_tabular_records

    given = Path(path)
    for file in text_files(given):
        suffix = _suffix(file)
        if suffix == ".txt" and given.is_dir():
            lines = [line for _, line in _read_utf8_lines(file)]
            text = "".join(lines).strip()
            if text:
                yield text, {"path": file.name}
        elif suffix == ".txt":
            for i, line in _read_utf8_lines(file):
                if line.strip():
                    yield line.strip(), {"path": file.name, "line": i}
        elif suffix == ".jsonl":
            for i, line in _read_utf8_lines(file):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except ValueError as err:
                    raise SpacyWeakError(Errors.E220.format(path=file, line=i, problem=f"not valid JSON ({err})")) from None
                if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
                    raise SpacyWeakError(Errors.E220.format(
                        path=file, line=i, problem=f"expected an object with a string field {text_field!r}"))
                meta = {k: v for k, v in record.items() if k != text_field}
                yield record[text_field], dict(meta, path=file.name, line=i)
        else:
            for rec in read_tabular_records(file, text_column=text_field, label_column=None):
                yield rec.text, {"path": file.name, "line": rec.line}


def read_text_docs(nlp, path: PathLike, *, text_field: str = "text"):
    """Docs (``nlp.make_doc``) with ``doc.user_data["meta"]``."""
    for text, meta in read_texts(path, text_field=text_field):
        doc = nlp.make_doc(text)
        doc.user_data["meta"] = meta
        yield doc


def texts_to_docbin(nlp, path: PathLike, output: PathLike, *, text_field: str = "text") -> int:
    """Write the documents under ``path`` to a DocBin at ``output`` (atomically); returns how many."""
    from spacy.tokens import DocBin

    from ..io import write_bytes_atomic

    db = DocBin(store_user_data=True)
    n = 0
    for doc in read_text_docs(nlp, path, text_field=text_field):
        db.add(doc)
        n += 1
    if n == 0:
        raise SpacyWeakError(Errors.E219.format(path=path, problem="no non-empty text"))
    write_bytes_atomic(output, db.to_bytes())
    return n
