"""What the ``review`` commands do besides parsing and printing: the fitted ``weak_hmm`` of a pipeline,
reading DocBins, the span group a command names, the silver of documents that lack it."""
from pathlib import Path

def load_hmm(path: Path, code: Path | None = None):
    """The fitted ``weak_hmm`` of a pipeline directory (first HMMAggregator); ``code`` is imported first."""
    import spacy

    from ..aggregation.hmm_component import HMMAggregator
    from ..errors import Errors, SpacyWeakError, with_code_hint
    from ..runs.code import import_code

    import_code(code)
    try:
        nlp = spacy.load(path)
    except Exception as err:  # noqa: BLE001 - spaCy raises several types for a bad directory
        raise SpacyWeakError(Errors.E406.format(path=path, err=with_code_hint(err))) from None
    for _, pipe in nlp.pipeline:
        if isinstance(pipe, HMMAggregator) and pipe.is_fitted:
            pipe._model()
            return nlp, pipe
    raise SpacyWeakError(Errors.E406.format(path=path, err="the pipeline has no fitted weak_hmm"))


def read_reviewed_docs(paths: list[Path], what: str, vocab=None):
    from ..errors import Errors, SpacyWeakError
    from ..evaluation.data import read_docbins

    docs = list(read_docbins(paths, vocab))
    if not docs:
        raise SpacyWeakError(Errors.E407.format(path=", ".join(map(str, paths)), what=what))
    return docs


def require_key(docs, key: str | None, param: str, paths) -> None:
    """``E283`` when no document holds span group ``key`` (a typo would report zero spans)."""
    from ..errors import Errors, SpacyWeakError

    if key is None or key == "ents" or any(key in d.spans for d in docs):
        return
    found = sorted({k for d in docs for k in d.spans.keys()})
    raise SpacyWeakError(Errors.E283.format(key=key, param=param, path=", ".join(map(str, paths)),
                                            found=", ".join(found[:20]) or "none"))


def ensure_silver(docs, hmm):
    key = hmm.cfg["spans_key"]
    missing = [d for d in docs if key not in d.spans]
    if missing:
        list(hmm.pipe(missing))
    return key
