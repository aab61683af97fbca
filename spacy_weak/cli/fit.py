"""``spacy-weak fit``: fit an aggregator on annotated DocBin files, streaming them."""
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import typer

from ._app import app

logger = logging.getLogger(__name__)


def parse_overrides(pairs: List[str]) -> Dict[str, Any]:
    """``["paths.ctd=lexicons/ctd.tsv", "components.hmm.n_iter=30"]`` -> config overrides
    (values parsed as JSON when they can be, else kept as strings)."""
    import srsly

    from ..errors import Errors, SpacyWeakError

    out: Dict[str, Any] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise SpacyWeakError(Errors.E109.format(value=pair))
        key, value = pair.split("=", 1)
        try:
            out[key.strip()] = srsly.json_loads(value)
        except ValueError:
            out[key.strip()] = value
    return out


def load_pipeline(config_or_model: Path, overrides: Optional[Dict[str, Any]] = None, *, skip: List[str] = ()):
    """A pipeline from a saved model directory, or from a config (initialised, except the
    components in ``skip``: the aggregator to fit, which is fitted on the DocBins instead)."""
    import spacy
    from spacy import util

    import warnings

    from ..errors import Errors, SpacyWeakError

    try:
        overrides = overrides or {}
        if config_or_model.is_dir():
            return spacy.load(config_or_model, config=overrides)
        if not config_or_model.is_file():
            raise SpacyWeakError(Errors.E105.format(path=config_or_model, err="no such file or directory"))
        config = util.load_config(config_or_model, overrides=overrides, interpolate=False)
        nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
        # initialise the sources (lexicons etc.) but not the aggregator being fitted;
        # other fitted aggregators without examples stay unfitted (warning W102)
        with warnings.catch_warnings(), nlp.select_pipes(disable=[n for n in skip if n in nlp.pipe_names]):
            warnings.filterwarnings("ignore", message=r"\[W102\]")
            nlp.initialize()
        return nlp
    except SpacyWeakError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise SpacyWeakError(Errors.E105.format(path=config_or_model, err=f"{type(err).__name__}: {err}")) from None


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


@app.command("fit")
def fit_cli(
    config_or_model: Path = typer.Argument(..., help="A pipeline config (.cfg) or a saved pipeline directory."),
    docbin_paths: List[Path] = typer.Argument(..., help="DocBin files or shard directories produced by annotation."),
    component: str = typer.Option("weak_hmm", "--component", "-c", help="Name of the aggregator to fit."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to save the fitted pipeline (or component)."),
    component_only: bool = typer.Option(
        False, "--component-only", help="Save only the fitted component (its to_disk folder), not the pipeline."
    ),
    overrides: List[str] = typer.Option(
        [], "--set", help="Config override KEY=VALUE (repeatable), e.g. --set paths.ctd=lexicons/ctd.tsv"
    ),
    cluster: str | None = typer.Option(None, "--cluster", help="Fit on Dask: a scheduler address (tcp://host:8786) or local:N worker processes (docs/distributed.md)."),
    cluster_timeout: float = typer.Option(10.0, "--cluster-timeout", help="Seconds to wait for the Dask scheduler and a worker."),
) -> None:
    """Fit an aggregator (weak_hmm, weak_doc_em) on annotated DocBins and save the pipeline.

    The DocBins are read one file at a time and their docs streamed into the
    aggregator's compact observation array: memory does not grow with the
    number of documents beyond that array.
    """
    from ..errors import SpacyWeakError

    start = time.perf_counter()
    try:
        if cluster:  # the scheduler is reached first (E450 before any work)
            from ..distributed.cli import fit_with_cluster

            nlp, proc = fit_with_cluster(cluster, cluster_timeout, lambda: load_pipeline(config_or_model, parse_overrides(overrides), skip=[component]), component, docbin_paths, source_path=config_or_model)
        else:
            nlp = load_pipeline(config_or_model, parse_overrides(overrides), skip=[component])
            proc = fit_component(nlp, component, docbin_paths, source_path=config_or_model)
        if component_only:
            proc.to_disk(output)
        else:
            nlp.to_disk(output)
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
