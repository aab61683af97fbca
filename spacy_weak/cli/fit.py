"""``spacy-weak fit``: fit an aggregator on annotated DocBin files, streaming them."""
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import typer

from ._app import app

logger = logging.getLogger(__name__)


def parse_overrides(pairs: List[str]) -> Dict[str, Any]:
    """The deprecated ``--set KEY=VALUE`` form (kept for old scripts; warns W550)."""
    from ._overrides import parse_set_options

    return parse_set_options(pairs)


def find_component(nlp, component: Optional[str], *, source_path: Optional[Path] = None) -> str:
    """The pipe to fit: ``component`` as a pipe name, else as a factory name (one pipe made by it),
    else (None) the one pipe that can be fitted."""
    from ..errors import Errors, SpacyWeakError

    names = list(nlp.pipe_names)
    if component in names:
        return component
    fittable = [n for n in names if hasattr(nlp.get_pipe(n), "fit")]
    if component is not None:
        by_factory = [n for n in names if nlp.get_pipe_meta(n).factory == component]
        if len(by_factory) == 1:
            return by_factory[0]
        raise SpacyWeakError(Errors.E104.format(component=component, path=source_path, pipes=", ".join(names)))
    if len(fittable) == 1:
        return fittable[0]
    raise SpacyWeakError(Errors.E555.format(
        path=source_path, found=", ".join(fittable) or "none", pipes=", ".join(names)))


def load_pipeline(config_or_model: Path, overrides: Optional[Dict[str, Any]] = None, *, skip: List[str] = (),
                  component: Optional[str] = None, resolve: bool = False):
    """A pipeline from a saved model directory, or from a config (initialised, except the
    components in ``skip``: the aggregator to fit, which is fitted on the DocBins instead).

    With ``resolve=True`` returns ``(nlp, name)``: ``component`` resolved by :func:`find_component`
    (and left out of initialisation). Component overrides on a saved pipeline take effect
    (``_overrides.enforce_component_overrides``)."""
    import spacy
    from spacy import util

    import warnings

    from ..errors import Errors, SpacyWeakError, with_code_hint
    from ._overrides import enforce_component_overrides

    try:
        overrides = overrides or {}
        if config_or_model.is_dir():
            nlp = spacy.load(config_or_model, config=overrides)
            name = find_component(nlp, component, source_path=config_or_model) if resolve else None
            enforce_component_overrides(nlp, overrides, refit=[name] if name else [])
            return (nlp, name) if resolve else nlp
        if not config_or_model.is_file():
            raise SpacyWeakError(Errors.E105.format(path=config_or_model, err="no such file or directory"))
        config = util.load_config(config_or_model, overrides=overrides, interpolate=False)
        nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
        name = find_component(nlp, component, source_path=config_or_model) if resolve else None
        skip = list(skip) + ([name] if name else [])
        # initialise the sources (lexicons etc.) but not the aggregator being fitted;
        # other fitted aggregators without examples stay unfitted (warning W102)
        with warnings.catch_warnings(), nlp.select_pipes(disable=[n for n in skip if n in nlp.pipe_names]):
            warnings.filterwarnings("ignore", message=r"\[W102\]")
            nlp.initialize()
        return (nlp, name) if resolve else nlp
    except SpacyWeakError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise SpacyWeakError(Errors.E105.format(path=config_or_model, err=with_code_hint(err))) from None


def fit_component(nlp, component: str, docbin_paths: List[Path], *, source_path: Path = None):
    """Fit ``nlp``'s ``component`` on the docs of ``docbin_paths`` (streamed)."""
    from ..corpora.shards import read_docs
    from ..errors import Errors, SpacyWeakError
    from ..progress import progress

    if component not in nlp.pipe_names:
        raise SpacyWeakError(Errors.E104.format(component=component, path=source_path, pipes=", ".join(nlp.pipe_names)))
    proc = nlp.get_pipe(component)
    if not hasattr(proc, "fit"):
        raise SpacyWeakError(Errors.E106.format(component=component))
    docs = progress(read_docs([str(p) for p in docbin_paths], nlp.vocab), desc=f"fit {component}")
    return proc.fit(docs)


@app.command("fit", outputs={"output": "dir"}, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def fit_cli(
    ctx: typer.Context,
    config_or_model: Path = typer.Argument(..., help="A pipeline config (.cfg) or a saved pipeline directory."),
    docbin_paths: List[Path] = typer.Argument(..., help="DocBin files or shard directories produced by annotation."),
    component: Optional[str] = typer.Option(
        None, "--component", "-c", help="The aggregator to fit: a pipe name, or a factory (weak_hmm, weak_doc_em) "
        "if one pipe uses it. Default: the pipeline's only aggregator that can be fitted."
    ),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to save the fitted pipeline (or component)."),
    component_only: bool = typer.Option(
        False, "--component-only", help="Save only the fitted component (its to_disk folder), not the pipeline."
    ),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering functions or factories."),
    overrides: List[str] = typer.Option(
        [], "--set", hidden=True, help="Deprecated: use spaCy's syntax, e.g. --paths.ctd lexicons/ctd.tsv"
    ),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Fit on Dask: a scheduler address (tcp://host:8786) or local:N worker processes (docs/distributed.md)."),
    cluster_timeout: float = typer.Option(10.0, "--cluster-timeout", help="Seconds to wait for the Dask scheduler and a worker."),
) -> None:
    """Fit an aggregator (weak_hmm, weak_doc_em) on annotated DocBins and save the pipeline.

    The DocBins are read one file at a time and their docs streamed into the
    aggregator's compact observation array: memory does not grow with the
    number of documents beyond that array. Extra options override the config, as in
    spaCy's CLI: --paths.ctd lexicons/ctd.tsv --components.hmm.n_iter 30
    """
    from ..errors import SpacyWeakError
    from ._overrides import parse_overrides as parse_cli_overrides
    from ._overrides import split_variadic
    from ..portable import save_pipeline
    from .apply import import_code

    start = time.perf_counter()
    try:
        from ..corpora.saved_dir import check_saved_dir, save_dir_atomic
        from ..pipeline_meta import stamp_meta

        import_code(code)
        docbin_paths, extra = split_variadic(docbin_paths, ctx.args)
        # the loaded pipeline is an input too: fitting "in place" could destroy it
        check_saved_dir(output, [config_or_model, *docbin_paths], kind="component" if component_only else "pipeline")
        config_overrides = parse_cli_overrides(extra)
        config_overrides.update(parse_overrides(overrides))

        def load():
            return load_pipeline(config_or_model, config_overrides, component=component, resolve=True)

        if cluster:  # the scheduler is reached first (E450 before any work)
            from ..distributed.cli import fit_with_cluster

            nlp, component, proc = fit_with_cluster(cluster, cluster_timeout, load, docbin_paths, source_path=config_or_model)
        else:
            nlp, component = load()
            proc = fit_component(nlp, component, docbin_paths, source_path=config_or_model)
        if component_only:
            save_dir_atomic(output, proc.to_disk)
        else:
            stamp_meta(nlp)
            save_pipeline(nlp, output)
    except SpacyWeakError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=1)
    elapsed = time.perf_counter() - start
    typer.echo(f"Fitted '{component}' in {elapsed:.1f}s and saved to {output}")
    history = getattr(proc, "history", None)
    if history:
        typer.echo(f"EM iterations: {len(history)}; final objective {history[-1]:.2f}")
    for key in ("n_docs_fit", "n_tokens_fit"):
        if hasattr(proc, key):
            typer.echo(f"{key}: {getattr(proc, key)}")
    overlaps = getattr(proc, "overlaps_resolved", None)
    if overlaps:
        typer.echo(f"Overlapping spans resolved per source (longest wins): {overlaps}")
