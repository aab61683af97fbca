"""Fitting an aggregator on annotated DocBins and saving it (``spacy-weak fit``).

:func:`fit_pipeline` is the whole run: ``--code``, the output check (the loaded
pipeline and the DocBins are inputs: fitting "in place" could destroy them), the
pipeline loaded around the component to fit (:func:`~.pipeline.load_pipeline`
with ``for_fit``), the fit, and an atomic save of the pipeline or of the component
alone. The fit itself is :func:`fit_component` in this process, streaming the
docs, or a backend given by the caller: ``spacy_weak.distributed.cli.fit_with_cluster``
fits through the component's sharded hook (:class:`~spacy_weak.aggregation.contracts.ShardFittable`).
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from spacy.language import Language

from ..aggregation.contracts import is_fittable
from ..errors import Errors, SpacyWeakError
from .code import import_code
from .pipeline import find_component, load_pipeline

# ``backend(load, docbin_paths, source_path=...) -> (nlp, name, fitted component)``;
# ``load() -> (nlp, name)`` loads the pipeline and names the component to fit
FitBackend = Callable[..., Tuple[Language, str, Any]]


@dataclass
class FitResult:
    nlp: Language
    component: str
    proc: Any


def fit_component(nlp: Language, component: str, docbin_paths: Sequence[Path], *, source_path: Optional[Path] = None):
    """Fit ``nlp``'s ``component`` on the docs of ``docbin_paths`` (streamed); returns it."""
    from ..corpora.shards import read_docs
    from ..progress import progress

    if component not in nlp.pipe_names:
        raise SpacyWeakError(Errors.E104.format(component=component, path=source_path, pipes=", ".join(nlp.pipe_names)))
    proc = nlp.get_pipe(component)
    if not is_fittable(proc):
        raise SpacyWeakError(Errors.E106.format(component=component))
    docs = progress(read_docs([str(p) for p in docbin_paths], nlp.vocab), desc=f"fit {component}")
    return proc.fit(docs)


def fit_locally(load: Callable[[], Tuple[Language, str]], docbin_paths: Sequence[Path], *, source_path=None):
    """The backend of one process: load, then :func:`fit_component`."""
    nlp, name = load()
    return nlp, name, fit_component(nlp, name, docbin_paths, source_path=source_path)


def fit_pipeline(
    config_or_model: Path,
    docbin_paths: List[Path],
    output: Path,
    *,
    component: Optional[str] = None,
    component_only: bool = False,
    code: Optional[Path] = None,
    overrides: Optional[Dict[str, Any]] = None,
    backend: Optional[FitBackend] = None,
) -> FitResult:
    """Fit the aggregator ``component`` (a pipe or factory name; None: the only one that can be
    fitted) of a saved pipeline or config on ``docbin_paths`` and save the pipeline (or,
    with ``component_only``, the component's ``to_disk`` folder) to ``output``."""
    from ..corpora.saved_dir import check_saved_dir, save_dir_atomic
    from ..pipeline_meta import stamp_meta
    from ..portable import save_pipeline

    import_code(code)
    config_or_model = Path(config_or_model)
    check_saved_dir(output, [config_or_model, *docbin_paths], kind="component" if component_only else "pipeline")

    def load() -> Tuple[Language, str]:
        nlp, _ = load_pipeline(config_or_model, overrides=overrides, for_fit=True, component=component)
        return nlp, find_component(nlp, component, source_path=config_or_model)

    nlp, name, proc = (backend or fit_locally)(load, docbin_paths, source_path=config_or_model)
    if component_only:
        save_dir_atomic(output, proc.to_disk)
    else:
        stamp_meta(nlp)
        save_pipeline(nlp, output)
    return FitResult(nlp, name, proc)
