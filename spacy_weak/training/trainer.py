"""Training a spaCy pipeline on in-memory docs through spaCy's public ``spacy.cli.train.train``.

The docs are written to DocBins in a work folder, the config is read with the
overrides (``paths.train``, ``paths.dev``, ``training.max_steps``) and the best
model (on the dev docs: a held-out slice of *silver*, never gold) is returned.
"""
import logging
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, DocBin

from ..errors import Errors, SpacyWeakError

logger = logging.getLogger(__name__)


def check_steps(steps, param: str = "steps") -> int:
    if isinstance(steps, bool):
        raise SpacyWeakError(Errors.E303.format(param=param, value=steps))
    try:
        value = int(steps)
    except (TypeError, ValueError):
        raise SpacyWeakError(Errors.E303.format(param=param, value=steps)) from None
    if value != steps or value <= 0:
        raise SpacyWeakError(Errors.E303.format(param=param, value=steps))
    return value


def check_config(path, param: str = "config") -> Path:
    """The ``spacy train`` config must exist and parse (E305)."""
    from spacy.util import load_config

    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E305.format(path=path, param=param, err="no such file"))
    try:
        load_config(path, interpolate=False)
    except Exception as err:  # noqa: BLE001 (any parse or validation error of the config)
        raise SpacyWeakError(Errors.E305.format(path=path, param=param, err=f"{type(err).__name__}: {err}")) from None
    return path


def eval_frequency(config: Path, steps: int) -> Optional[int]:
    """``steps`` when the config evaluates less often than once in ``steps`` steps (so that
    ``model-best`` is chosen from a trained model, not the untrained one of step 0), else None."""
    from spacy.util import load_config

    freq = int(load_config(config, interpolate=False)["training"].get("eval_frequency", 200))
    return steps if steps < freq else None


def split_held_out(docs: Sequence[Doc], every: int = 10) -> Tuple[List[Doc], List[Doc]]:
    """(train, dev): every ``every``-th doc is held out for model selection (silver, not gold)."""
    docs = list(docs)
    if len(docs) < 2:
        return docs, docs
    every = max(2, min(every, len(docs)))
    dev = docs[::every]
    train = [d for i, d in enumerate(docs) if i % every]
    return train, dev


def save_docbin(docs: Iterable[Doc], path: Path) -> int:
    from ..io import atomic_path

    db = DocBin()
    n = 0
    for doc in docs:
        db.add(doc)
        n += 1
    with atomic_path(path) as tmp:
        db.to_disk(tmp)
    return n


def train_pipeline(
    train_docs: Sequence[Doc],
    dev_docs: Sequence[Doc],
    *,
    config: Path,
    workdir: Path,
    steps: int,
    overrides: Optional[Dict[str, Any]] = None,
    quiet: bool = True,
):
    """Train with ``config`` for ``steps`` steps; return the loaded ``model-best``."""
    import spacy
    from spacy.cli.train import train as spacy_train

    steps = check_steps(steps)
    config = check_config(config)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    save_docbin(train_docs, workdir / "train.spacy")
    save_docbin(dev_docs, workdir / "dev.spacy")
    all_overrides = {
        "paths.train": str(workdir / "train.spacy"),
        "paths.dev": str(workdir / "dev.spacy"),
        "training.max_steps": steps,
        **(overrides or {}),
    }
    freq = eval_frequency(config, steps)
    if freq and "training.eval_frequency" not in all_overrides:
        all_overrides["training.eval_frequency"] = freq
    logger.info("training %s for %d steps on %d docs (dev %d)", config, steps, len(train_docs), len(dev_docs))
    if quiet:
        import contextlib
        import io

        from wasabi import msg

        buf = io.StringIO()
        no_print = msg.no_print
        msg.no_print = True
        try:
            with contextlib.redirect_stdout(buf):
                spacy_train(config, workdir / "model", overrides=all_overrides)
        finally:
            msg.no_print = no_print
    else:
        spacy_train(config, workdir / "model", overrides=all_overrides)
    return spacy.load(workdir / "model" / "model-best")


def variant_config(
    base: Path,
    output: Path,
    *,
    vectors: Optional[Path] = None,
    vectors_dim: Optional[int] = None,
    augmenter: Optional[Dict[str, Any]] = None,
    init_from: Optional[Path] = None,
    features_from: Optional[Path] = None,
    feature_sources: Sequence[str] = (),
    feature_dropout: float = 0.0,
) -> Path:
    """Write ``base`` with static vectors and/or a training-corpus augmenter to ``output``.

    ``vectors``: a ``spacy init vectors`` folder; ``[initialize] vectors`` points to it and every
    ``MultiHashEmbed`` gets ``include_static_vectors = true``; with ``vectors_dim`` their width is
    checked first (E317). ``augmenter``: a registered augmenter block, e.g.
    ``{"@augmenters": "spacy_weak.lexicon_swap.v1", "lexicon": [...], "rate": 0.5}``.
    ``init_from``: a trained pipeline folder whose components (same names) are the starting weights
    (``[components.<name>] source = ...``; they keep training): a student starts from its teacher.
    ``features_from``: a saved pipeline with the labelling sources ``feature_sources``; they run
    in front of the NER, frozen, and their votes are a ``TAG`` input feature of every
    ``MultiHashEmbed`` (:func:`.features.with_vote_features`).
    """
    from spacy.util import load_config

    base = check_config(base)
    cfg = load_config(base, interpolate=False)
    if vectors is not None:
        from .vectors import check_vectors

        check_vectors(vectors, vectors_dim, param="vectors_dim")
        cfg["paths"]["vectors"] = str(vectors)
        n = 0
        for comp in cfg.get("components", {}).values():
            embed = comp.get("model", {}).get("embed") if isinstance(comp.get("model"), dict) else None
            if isinstance(embed, dict) and "include_static_vectors" in embed:
                embed["include_static_vectors"] = True
                n += 1
        if not n:
            raise SpacyWeakError(Errors.E305.format(path=base, param="config", err="no embedding layer with include_static_vectors"))
    if augmenter is not None:
        cfg["corpora"]["train"]["augmenter"] = dict(augmenter)
    if init_from is not None:
        if not (Path(init_from) / "config.cfg").exists():
            raise SpacyWeakError(Errors.E305.format(path=init_from, param="init_from", err="not a saved pipeline"))
        for name in list(cfg.get("components", {})):
            cfg["components"][name] = {"source": str(init_from)}
    if features_from is not None and init_from is None:
        from .features import with_vote_features

        with_vote_features(cfg, features_from, feature_sources, dropout=feature_dropout)
    from ..io import atomic_path

    with atomic_path(output) as tmp:
        cfg.to_disk(tmp)
    return Path(output)
