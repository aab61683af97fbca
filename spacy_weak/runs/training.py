"""What ``export-training``, ``crossfit``, ``refit`` and ``self-train`` do besides parsing and printing:
the training-data policy, reading the silver, the output folder's lock, the label-model pipeline."""
from contextlib import contextmanager
from pathlib import Path
from typing import List, Optional

from .code import import_code

POLICIES = ("partial", "hard")


def build_policy(policy: str, *, spans_key: str, entity_threshold: float, outside_keep: float, missing_voted: bool, seed: int):
    from ..errors import Errors, SpacyWeakError
    from ..training.partial import make_hard_labels, make_partial_annotation

    if policy == "hard":
        return make_hard_labels(spans_key=spans_key)
    if policy == "partial":
        return make_partial_annotation(
            spans_key=spans_key, entity_threshold=entity_threshold, outside_keep=outside_keep,
            missing_voted=missing_voted, seed=seed,
        )
    raise SpacyWeakError(Errors.E306.format(param="--policy", value=policy, options=", ".join(POLICIES)))


def read_all(paths: List[Path], vocab, param: str = "docbin_paths"):
    from ..corpora.shards import read_docs
    from ..errors import Errors, SpacyWeakError

    docs = []
    for path in paths:
        if not Path(path).exists():
            raise SpacyWeakError(Errors.E308.format(path=path, param=param))
        got = list(read_docs(str(path), vocab))
        if not got:
            raise SpacyWeakError(Errors.E308.format(path=path, param=param))
        docs.extend(got)
    return docs


@contextmanager
def output_lock(output: Path):
    """The output folder's exclusive lock (``corpora/output_dir.DirectoryLock``), held while the run
    writes: a second run into the same folder fails at once with ``E265``."""
    from ..corpora.output_dir import DirectoryLock

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    lock = DirectoryLock(output)
    lock.acquire(lambda: f"another `spacy-weak crossfit` or `self-train` run into {output}")
    try:
        yield
    finally:
        lock.release()


def load_label_model(label_model: Path, component: str, code: Optional[Path]):
    """The fitted label-model pipeline of ``refit`` / ``self-train`` (E311, E306 for ``--component``)."""
    import spacy

    from ..errors import Errors, SpacyWeakError

    if not Path(label_model).is_dir():
        raise SpacyWeakError(Errors.E311.format(path=label_model, param="label_model"))
    import_code(code)
    nlp = spacy.load(label_model)
    if component not in nlp.pipe_names:
        raise SpacyWeakError(Errors.E306.format(param="--component", value=component, options=", ".join(nlp.pipe_names)))
    return nlp
