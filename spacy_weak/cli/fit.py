"""``spacy-weak fit``: fit an aggregator on annotated DocBin files, streaming them.

The command parses and prints; the run is :func:`spacy_weak.runs.fit.fit_pipeline`
(with ``--cluster``, through :func:`spacy_weak.distributed.cli.fit_with_cluster`).
"""
import logging
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import typer

from ..runs.fit import fit_pipeline
from ._app import app

logger = logging.getLogger(__name__)


def parse_overrides(pairs: List[str]) -> Dict[str, Any]:
    """The deprecated ``--set KEY=VALUE`` form (kept for old scripts; warns W252)."""
    from ._overrides import parse_set_options

    return parse_set_options(pairs)


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
    from ._overrides import parse_overrides as parse_cli_overrides
    from ._overrides import split_variadic

    start = time.perf_counter()
    docbin_paths, extra = split_variadic(docbin_paths, ctx.args)
    config_overrides = parse_cli_overrides(extra)
    config_overrides.update(parse_overrides(overrides))
    backend = None
    if cluster:  # the scheduler is reached first (E450 before any work)
        from functools import partial

        from ..distributed.cli import fit_with_cluster

        backend = partial(fit_with_cluster, cluster, cluster_timeout)
    result = fit_pipeline(
        config_or_model, docbin_paths, output, component=component, component_only=component_only,
        code=code, overrides=config_overrides, backend=backend,
    )
    component, proc = result.component, result.proc
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
