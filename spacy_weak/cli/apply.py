"""``spacy-weak apply MODEL INPUT OUTPUT_DIR``: run a pipeline over a corpus, resumably.

The command parses and prints; the run is :func:`spacy_weak.runs.apply.apply_pipeline`
(or, with ``--cluster``, its Dask backend :mod:`spacy_weak.distributed.apply`).

MODEL is a saved pipeline directory (``nlp.to_disk``) or a ``config.cfg``
(assembled and, with ``--initialize``, initialised: the
``[initialize.components]`` blocks read lexicons etc.). INPUT is a DocBin
file, a directory of shards (e.g. the output of ``spacy-weak convert``) or a
PubTator / BioC / IOB file. Documents read from DocBins keep what they carry
(gold, earlier span groups): the pipeline's components run on the existing
Docs (``nlp.pipe`` with Doc inputs), the tokenizer is not run again.

The output is sharded DocBins (``shard-*.spacy`` + ``manifest.json``, see
:mod:`spacy_weak.corpora.shards`). Run the same command again after an
interruption (even ``kill -9``) and it continues where it stopped; the result
is identical to an uninterrupted run, and ``--n-process N`` gives the same
output as one process.
"""
from pathlib import Path
from typing import Any, Dict, Optional

import typer

from ..corpora.formats import format_help
from ..runs.apply import apply_pipeline, kill_workers_with_parent
from ._app import app
from ._overrides import parse_overrides


def print_apply_summary(summary: Dict[str, Any], output_dir: Path) -> None:
    typer.echo(f"Wrote {summary.get('documents', 0)} documents to {output_dir}")
    if summary.get("resumed_from"):
        typer.echo(f"  resumed: {summary['resumed_from']} documents were already written")
    for key, n in summary.get("spans", {}).items():
        typer.echo(f"  spans[{key}]: {n}")
    for label, n in summary.get("ents", {}).items():
        typer.echo(f"  ents {label}: {n}")
    if "seconds" in summary:
        rate = summary.get("docs_per_second")
        typer.echo(f"  time: {summary['seconds']:.1f}s" + (f" ({rate} docs/s)" if rate else ""))


@app.command("apply", outputs={"output_dir": "dir"}, context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def apply_cli(
    ctx: typer.Context,
    model: Path = typer.Argument(..., help="A saved pipeline directory, or a config.cfg (with --initialize)."),
    input_path: Path = typer.Argument(..., help="DocBin file, shard directory, or PubTator/BioC/IOB/JSONL file."),
    output_dir: Path = typer.Argument(..., help="Directory for shard-*.spacy and manifest.json."),
    n_process: int = typer.Option(1, "--n-process", help="Processes for nlp.pipe (output identical to 1)."),
    batch_size: int = typer.Option(64, "--batch-size", help="Documents per nlp.pipe batch."),
    shard_size: int = typer.Option(1000, "--shard-size", help="Documents per output shard."),
    format: str = typer.Option("auto", "--format", help=f"Input format: {format_help(auto=True)}."),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering functions or factories."),
    initialize: bool = typer.Option(False, "--initialize", help="MODEL is a config: assemble and initialise it."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start again instead of resuming OUTPUT_DIR."),
    exclude: str = typer.Option("", "--exclude", help="Comma-separated components not to load (e.g. an unfitted aggregator)."),
    max_length: Optional[int] = typer.Option(
        None, "--max-length", help="Longest document in characters (default: the pipeline's max_length, 1,000,000)."
    ),
    max_token_work: Optional[int] = typer.Option(
        None, "--max-token-work", help="Tokenizer work limit per document for long runs of punctuation (docs/reliability.md)."
    ),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Run on Dask: a scheduler address (tcp://host:8786) or local:N worker processes (docs/distributed.md)."),
    cluster_timeout: float = typer.Option(10.0, "--cluster-timeout", help="Seconds to wait for the Dask scheduler and a worker."),
) -> None:
    """Run a pipeline over a corpus and write sharded silver DocBins (resumable).

    Prints documents, spans per span-group key, entities per label and the
    time. Progress (docs/s, ETA) is shown on a terminal only. Extra options
    override the config, as in spaCy's CLI: --paths.ctd data/ctd.tsv
    """
    overrides = parse_overrides(list(ctx.args))
    if n_process != 1 and not cluster:
        kill_workers_with_parent()
    run = apply_pipeline
    if cluster:  # same arguments, run on Dask (the scheduler is reached before anything is written)
        from ..distributed.cli import apply_with_cluster as run
    summary = run(
        model,
        input_path,
        output_dir,
        n_process=n_process,
        batch_size=batch_size,
        shard_size=shard_size,
        format=format,
        code=code,
        initialize=initialize,
        overwrite=overwrite,
        overrides=overrides,
        exclude=[name for name in exclude.split(",") if name],
        max_length=max_length,
        max_token_work=max_token_work,
        **({"cluster": cluster, "cluster_timeout": cluster_timeout} if cluster else {}),
    )
    print_apply_summary(summary, output_dir)
