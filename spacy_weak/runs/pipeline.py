"""The one way a command loads a pipeline: a saved directory (``nlp.to_disk``) or a config.

``apply`` runs what it loads (a config only with ``initialize``, every aggregator
fitted); ``fit`` loads the pipeline around the aggregator it is about to fit (a
config is initialised except that aggregator). Both take spaCy's config overrides,
made to take effect on saved settings (:mod:`.overrides`), and return the pipeline
with a fingerprint that identifies it in a run's settings.
"""
import hashlib
import warnings
from pathlib import Path
from typing import Any, Dict, Optional, Sequence, Tuple

import srsly
from spacy.language import Language

from ..aggregation.contracts import is_fittable
from ..errors import Errors, SpacyWeakError, with_code_hint
from .overrides import enforce_component_overrides


def check_exclude(model: Path, config, exclude: Sequence[str]) -> None:
    """``E282`` for an ``--exclude`` name that is no component of the pipeline (a typo would
    otherwise be ignored and, e.g., an unfitted aggregator loaded after all)."""
    pipes = list(config.get("nlp", {}).get("pipeline", []))
    unknown = [name for name in exclude if name not in pipes]
    if unknown:
        raise SpacyWeakError(Errors.E282.format(names=", ".join(map(repr, unknown)), path=model, pipes=", ".join(pipes)))


def find_component(nlp: Language, component: Optional[str], *, source_path: Optional[Path] = None) -> str:
    """The pipe to fit: ``component`` as a pipe name, else as a factory name (one pipe made by it),
    else (None) the one pipe that can be fitted (:func:`~spacy_weak.aggregation.contracts.is_fittable`)."""
    names = list(nlp.pipe_names)
    if component in names:
        return component
    fittable = [n for n in names if is_fittable(nlp.get_pipe(n))]
    if component is not None:
        by_factory = [n for n in names if nlp.get_pipe_meta(n).factory == component]
        if len(by_factory) == 1:
            return by_factory[0]
        raise SpacyWeakError(Errors.E104.format(component=component, path=source_path, pipes=", ".join(names)))
    if len(fittable) == 1:
        return fittable[0]
    raise SpacyWeakError(Errors.E286.format(
        path=source_path, found=", ".join(fittable) or "none", pipes=", ".join(names)))


def _fingerprint(model: Path, overrides: Dict[str, Any]) -> str:
    """sha256 of the overrides and the config file, or of every file of a saved directory."""
    from ..corpora.shards import file_digest

    digest = hashlib.sha256(srsly.json_dumps(overrides, sort_keys=True).encode("utf8"))
    if model.is_dir():
        for path in sorted(p for p in model.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(model)).encode("utf8"))
            digest.update(file_digest(path).encode("utf8"))
    else:
        digest.update(model.read_bytes())
    return digest.hexdigest()


def load_pipeline(
    model: Path,
    *,
    initialize: bool = False,
    overrides: Optional[Dict[str, Any]] = None,
    exclude: Sequence[str] = (),
    for_fit: bool = False,
    component: Optional[str] = None,
) -> Tuple[Language, str]:
    """``(nlp, fingerprint)`` from a saved pipeline directory or a config file.

    ``overrides`` are config overrides (``{"paths.ctd": "..."}``), as on spaCy's
    command line. The fingerprint (sha256 of the config, or of every file of the
    directory, plus the overrides) identifies the pipeline in a run's settings.
    ``exclude`` names components not to load (``spacy.load(..., exclude=...)``),
    e.g. an aggregator that is not fitted yet.

    A config is assembled and initialised: with ``initialize`` (else ``E255``),
    and then every aggregator must be fitted (``E287``). ``for_fit=True`` loads the
    pipeline for ``spacy-weak fit``: the component to fit (``component``, resolved by
    :func:`find_component`) is left out of a config's initialisation and may change its
    model-defining settings; errors are ``E261``.
    """
    overrides = dict(overrides or {})
    import spacy
    from spacy import util

    model = Path(model)
    error = Errors.E261 if for_fit else Errors.E255
    try:
        if model.is_dir():
            if exclude and (model / "config.cfg").is_file():
                check_exclude(model, util.load_config(model / "config.cfg", interpolate=False), exclude)
            nlp = spacy.load(model, config=overrides, exclude=list(exclude))
            refit = [find_component(nlp, component, source_path=model)] if for_fit else []
            enforce_component_overrides(nlp, overrides, refit=refit)
            return nlp, _fingerprint(model, overrides)
        if model.is_file():
            if not (initialize or for_fit):
                raise SpacyWeakError(error.format(path=model, err="a config must be initialised: pass --initialize"))
            config = util.load_config(model, overrides=overrides, interpolate=False)
            check_exclude(model, config, exclude)
            nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
            for name in exclude:
                if name in nlp.pipe_names:
                    nlp.remove_pipe(name)
            # initialise the sources (lexicons etc.) but not the aggregator being fitted;
            # other fitted aggregators without examples stay unfitted (W102, reported below)
            skip = [find_component(nlp, component, source_path=model)] if for_fit else []
            with warnings.catch_warnings(), nlp.select_pipes(disable=skip):
                warnings.filterwarnings("ignore", message=r"\[W102\]")
                nlp.initialize()
            unfitted = [n for n in nlp.pipe_names if getattr(nlp.get_pipe(n), "is_fitted", True) is False]
            if unfitted and not for_fit:
                raise SpacyWeakError(Errors.E287.format(path=model, names=", ".join(unfitted), exclude=",".join(unfitted)))
            return nlp, _fingerprint(model, overrides)
    except SpacyWeakError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise SpacyWeakError(error.format(path=model, err=with_code_hint(err))) from None
    raise SpacyWeakError(error.format(path=model, err="no such file or directory"))
