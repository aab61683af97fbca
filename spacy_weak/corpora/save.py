"""Write a list of Docs as one DocBin, atomically, without replacing a file unasked.

Used by ``bench/quality.py --save-annotated / --save-aggregated`` so that a benchmark's
documents (sources, aggregates and gold in ``doc.spans``) feed ``spacy-weak analyze``.
"""
from collections.abc import Iterable, Sequence
from pathlib import Path

from spacy.tokens import Doc, DocBin

from ..errors import Errors, SpacyWeakError
from ..io import write_bytes_atomic

PathLike = str | Path


def check_outputs(paths: Sequence[PathLike | None], *, overwrite: bool = False) -> None:
    """``[E701]`` if an output exists and ``overwrite`` is off; checked before any work starts."""
    for path in paths:
        if path is not None and Path(path).exists() and not overwrite:
            raise SpacyWeakError(Errors.E701.format(path=path))


def save_docs(path: PathLike | None, docs: Iterable[Doc]) -> Path | None:
    """Write ``docs`` (span groups, ents, cats kept) to ``path`` as one DocBin; None = skip."""
    if path is None:
        return None
    db = DocBin(store_user_data=False)
    for doc in docs:
        db.add(doc)
    write_bytes_atomic(path, db.to_bytes())  # with the user's umask (spacy_weak/io.py)
    return Path(path)
