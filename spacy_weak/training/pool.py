"""An unlabelled text pool next to the corpus: checks, overlap with evaluation text, selection.

The pool (e.g. ``pool.jsonl.gz``: one ``{"text": ...}`` object a line) is read with the
JSONL corpus reader (:mod:`spacy_weak.corpora.plain_text`, ``read_corpus(format="jsonl")``),
so ``spacy-weak apply SOURCES pool.jsonl.gz annotated/pool`` annotates it sharded and
resumable like any corpus. What this module adds:

* :func:`check_pool`: before any long step, a missing, empty or non-JSONL pool is ``E316``
  (naming the file and the line);
* :func:`evaluation_overlap`: pool documents with the same text (whitespace-normalised) as an
  evaluation document are ``W302`` and are left out — an evaluation document in the pool would
  leak its text into the vectors, the label model and the NER;
* :func:`select_pool`: which pool documents reach NER training. Measured (docs/training.md):
  all of the pool's silver hurts (its domain and its false negatives), so the default is a
  seeded subsample of the documents whose silver the label model is confident about.

The pool never enters a gold arm: it has no gold, and the gold arms read only gold documents.
"""
import gzip
import hashlib
import json
import logging
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError, Warnings, warn

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else path.open("rb")


def check_pool(path: PathLike, *, text_field: str = "text", sample_lines: int = 100) -> Dict[str, object]:
    """E316 unless ``path`` is a readable JSONL (or .jsonl.gz) file whose first lines are objects with text."""
    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E316.format(path=path, problem="no such file", field=text_field))
    if not path.name.lower().endswith((".jsonl", ".jsonl.gz")):
        raise SpacyWeakError(Errors.E316.format(path=path, problem="the name does not end in .jsonl or .jsonl.gz",
                                                field=text_field))
    n = 0
    try:
        with _open(path) as fh:
            for i, raw in enumerate(fh, start=1):
                line = raw.decode("utf-8-sig" if i == 1 else "utf-8").strip()
                if not line:
                    continue
                try:
                    record = json.loads(line)
                except ValueError as err:
                    raise SpacyWeakError(Errors.E316.format(path=path, problem=f"line {i} is not JSON ({err})",
                                                            field=text_field)) from None
                if not isinstance(record, dict) or not isinstance(record.get(text_field), str):
                    raise SpacyWeakError(Errors.E316.format(
                        path=path, problem=f"line {i} is not an object with a string field {text_field!r}", field=text_field))
                n += 1
                if n >= sample_lines:
                    break
    except (OSError, EOFError, UnicodeDecodeError) as err:
        raise SpacyWeakError(Errors.E316.format(path=path, problem=f"cannot be read ({type(err).__name__}: {err})",
                                                field=text_field)) from None
    if n == 0:
        raise SpacyWeakError(Errors.E316.format(path=path, problem="it holds no document", field=text_field))
    return {"path": str(path), "checked_docs": n}


def text_key(text: str) -> str:
    """Whitespace-normalised, lower-cased text hash: what "the same text" means here."""
    return hashlib.sha1(" ".join(text.lower().split()).encode("utf8")).hexdigest()


def evaluation_overlap(pool_texts: Iterable[str], eval_texts: Iterable[str]) -> List[int]:
    """Indices of the pool texts that equal an evaluation text (after :func:`text_key`)."""
    keys = {text_key(t) for t in eval_texts}
    return [i for i, t in enumerate(pool_texts) if text_key(t) in keys]


def drop_evaluation_docs(pool: Sequence[Doc], eval_docs: Sequence[Doc], *, path: PathLike = "pool",
                         what: str = "the evaluation split") -> List[Doc]:
    """``pool`` without the documents whose text is an evaluation document's (W302 when any)."""
    pool = list(pool)
    hits = evaluation_overlap((d.text for d in pool), (d.text for d in eval_docs))
    if hits:
        warn(Warnings.W302.format(path=path, n=len(hits), what=what, first=pool[hits[0]].text[:60]))
        drop = set(hits)
        pool = [d for i, d in enumerate(pool) if i not in drop]
    return pool


def doc_confidence(doc: Doc, spans_key: str = "silver") -> float:
    """The label model's confidence in a document's silver: the smallest span probability
    (1.0 for a document without silver spans)."""
    from ..spans import ATTR_PROBS

    group = doc.spans.get(spans_key)
    if group is None or not len(group):
        return 1.0
    probs = group.attrs.get(ATTR_PROBS) or [1.0] * len(group)
    return float(min(probs))


def select_pool(docs: Sequence[Doc], *, n: Optional[int] = None, min_confidence: float = 0.0,
                spans_key: str = "silver", require_entity: bool = True, seed: int = 0) -> List[Doc]:
    """A seeded subsample of at most ``n`` pool docs whose silver is confident (every span's
    probability >= ``min_confidence``) and, with ``require_entity``, holds an entity."""
    import numpy as np

    from ..spans import NEGATIVE_LABEL
    from .partial import check_fraction

    min_confidence = check_fraction("min_confidence", min_confidence, policy="select_pool")
    kept = []
    for d in docs:
        group = d.spans.get(spans_key)
        if require_entity and (group is None or not any(s.label_ != NEGATIVE_LABEL for s in group)):
            continue
        if doc_confidence(d, spans_key) >= min_confidence:
            kept.append(d)
    if n is not None and len(kept) > n:
        order = np.random.default_rng(seed).permutation(len(kept))[:n]
        kept = [kept[i] for i in sorted(order)]
    logger.info("pool: %d of %d documents selected (min_confidence %.2f, n %s)", len(kept), len(docs), min_confidence, n)
    return kept
