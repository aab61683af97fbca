"""``spacy-weak apply MODEL INPUT OUTPUT_DIR``: run a pipeline over a corpus, resumably.

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
import hashlib
import logging
import os
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Sequence, Tuple

import srsly
import typer
from spacy.language import Language
from spacy.tokens import Doc

from ..corpora.formats import format_help
from ..corpora.readers import FORMATS, detect_format, read_corpus
from ..corpora.limits import guard_tokenizer
from ..corpora.output_dir import check_output_dir
from ..corpora.shards import ShardWriter, count_docs, file_digest, input_fingerprint
from ..errors import Errors, SpacyWeakError, Warnings, warn, with_code_hint
from ..progress import progress, progress_enabled
from ._app import app
from ._overrides import enforce_component_overrides, parse_overrides

logger = logging.getLogger(__name__)


def import_code(path: Optional[Path]) -> None:
    """Import a Python file that registers functions/factories (like ``spacy train --code``)."""
    if path is None:
        return
    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E256.format(path=path))
    from spacy.util import import_file

    try:
        import_file("spacy_weak_user_code", path)
    except SpacyWeakError:
        raise
    except Exception as err:  # noqa: BLE001 - the user's code: any error is theirs to fix, with its place
        raise SpacyWeakError(Errors.E524.format(path=path, **_code_error_place(err, path))) from None


def _code_error_place(err: BaseException, path: Path) -> Dict[str, Any]:
    """Line and message of an error raised while importing the user's ``--code`` file."""
    import traceback

    line = getattr(err, "lineno", None) if isinstance(err, SyntaxError) else None
    where = Path(getattr(err, "filename", None) or path)
    if line is None:
        target = str(Path(path).resolve())
        frames = [f for f in traceback.extract_tb(err.__traceback__) if str(Path(f.filename).resolve()) == target]
        if frames:
            line, where = frames[-1].lineno, path
        else:
            tb = traceback.extract_tb(err.__traceback__)
            if tb:
                line, where = tb[-1].lineno, Path(tb[-1].filename)
    message = err.msg if isinstance(err, SyntaxError) else str(err)
    return {"file": where, "line": line if line is not None else "?", "type": type(err).__name__, "err": message}


def check_exclude(model: Path, config, exclude: Sequence[str]) -> None:
    """``E528`` for an ``--exclude`` name that is no component of the pipeline (a typo would
    otherwise be ignored and, e.g., an unfitted aggregator loaded after all)."""
    pipes = list(config.get("nlp", {}).get("pipeline", []))
    unknown = [name for name in exclude if name not in pipes]
    if unknown:
        raise SpacyWeakError(Errors.E528.format(names=", ".join(map(repr, unknown)), path=model, pipes=", ".join(pipes)))


def load_pipeline(
    model: Path,
    *,
    initialize: bool = False,
    overrides: Optional[Dict[str, Any]] = None,
    exclude: Sequence[str] = (),
) -> Tuple[Language, str]:
    """``(nlp, fingerprint)`` from a saved pipeline directory or a config file.

    ``overrides`` are config overrides (``{"paths.ctd": "..."}``), as on
    spaCy's command line. The fingerprint (sha256 of the config, plus the
    directory's ``meta.json`` when there is one, plus the overrides)
    identifies the pipeline in a run's settings. ``exclude`` names components
    not to load (``spacy.load(..., exclude=...)``), e.g. an aggregator that is
    not fitted yet.
    """
    overrides = dict(overrides or {})
    import spacy
    from spacy import util

    model = Path(model)
    try:
        if model.is_dir():
            if exclude and (model / "config.cfg").is_file():
                check_exclude(model, util.load_config(model / "config.cfg", interpolate=False), exclude)
            nlp = spacy.load(model, config=overrides, exclude=list(exclude))
            enforce_component_overrides(nlp, overrides)
            digest = hashlib.sha256(srsly.json_dumps(overrides, sort_keys=True).encode("utf8"))
            for path in sorted(p for p in model.rglob("*") if p.is_file()):
                digest.update(str(path.relative_to(model)).encode("utf8"))
                digest.update(file_digest(path).encode("utf8"))
            return nlp, digest.hexdigest()
        if model.is_file():
            if not initialize:
                raise SpacyWeakError(
                    Errors.E255.format(path=model, err="a config must be initialised: pass --initialize")
                )
            config = util.load_config(model, overrides=overrides, interpolate=False)
            check_exclude(model, config, exclude)
            nlp = util.load_model_from_config(config, auto_fill=True, validate=True)
            for name in exclude:
                if name in nlp.pipe_names:
                    nlp.remove_pipe(name)
            import warnings

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=r"\[W102\]")  # reported below, before any output
                nlp.initialize()
            unfitted = [n for n in nlp.pipe_names if getattr(nlp.get_pipe(n), "is_fitted", True) is False]
            if unfitted:
                raise SpacyWeakError(Errors.E556.format(path=model, names=", ".join(unfitted), exclude=",".join(unfitted)))
            digest = hashlib.sha256(srsly.json_dumps(overrides, sort_keys=True).encode("utf8"))
            digest.update(model.read_bytes())
            return nlp, digest.hexdigest()
    except SpacyWeakError:
        raise
    except (OSError, ValueError, KeyError) as err:
        raise SpacyWeakError(Errors.E255.format(path=model, err=with_code_hint(err))) from None
    raise SpacyWeakError(Errors.E255.format(path=model, err="no such file or directory"))


_DEATH_SIGNAL_REGISTERED = False


def kill_workers_with_parent() -> None:
    """Make processes forked from now on die when this process dies (Linux).

    ``nlp.pipe(n_process=N)`` forks workers that wait on a queue; after a
    ``kill -9`` of the parent they would wait forever. With
    ``PR_SET_PDEATHSIG`` the kernel sends them SIGKILL when the parent dies.
    Used by the CLI only (it changes every later fork of the process).
    """
    global _DEATH_SIGNAL_REGISTERED
    if _DEATH_SIGNAL_REGISTERED or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
    except (OSError, AttributeError):
        return
    pr_set_pdeathsig = 1

    def in_child() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

    os.register_at_fork(after_in_child=in_child)
    _DEATH_SIGNAL_REGISTERED = True


def span_counts(doc: Doc) -> Dict[str, int]:
    """Per-doc counts kept in the manifest: spans per key, entities per label."""
    counts: Dict[str, int] = {"docs": 1}
    for key, group in doc.spans.items():
        counts[f"spans:{key}"] = len(group)
    for ent in doc.ents:
        counts[f"ents:{ent.label_}"] = counts.get(f"ents:{ent.label_}", 0) + 1
    return counts


def _summary(counts: Dict[str, int]) -> Dict[str, Any]:
    return {
        "documents": counts.get("docs", 0),
        "spans": {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("spans:")},
        "ents": {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("ents:")},
    }


def apply_settings(model_id: str, nlp, input_path: Path, fmt: str) -> Dict[str, Any]:
    """The settings an ``apply`` run records in its manifest (one process or a cluster): a
    resumed run must have the same ones."""
    return {
        "command": "apply",
        "pipeline": model_id,
        "pipe_names": list(nlp.pipe_names),
        "input": input_fingerprint(input_path),
        "format": fmt,
    }


def run_report(summary: Dict[str, Any], *, resumed_from: int, processed: int, start: float, **extra: Any) -> Dict[str, Any]:
    """What an ``apply`` run returns (one process or a cluster): the span summary, where it
    resumed, how many documents it processed and how fast."""
    seconds = time.perf_counter() - start
    return dict(
        summary,
        resumed_from=resumed_from,
        processed=processed,
        seconds=round(seconds, 3),
        docs_per_second=round(processed / seconds, 1) if seconds > 0 else None,
        **extra,
    )


def apply_pipeline(
    model: Path,
    input_path: Path,
    output_dir: Path,
    *,
    n_process: int = 1,
    batch_size: int = 64,
    shard_size: int = 1000,
    format: str = "auto",
    code: Optional[Path] = None,
    initialize: bool = False,
    overwrite: bool = False,
    show_progress: bool = True,
    nlp: Optional[Language] = None,
    overrides: Optional[Dict[str, Any]] = None,
    exclude: Sequence[str] = (),
    max_length: Optional[int] = None,
    max_token_work: Optional[int] = None,
) -> Dict[str, Any]:
    """Run a pipeline over a corpus into resumable sharded DocBins; returns the summary.

    ``nlp`` may be given directly (then ``model`` only names it in the settings).
    ``max_length`` / ``max_token_work``: limits on text input (see
    :mod:`spacy_weak.corpora.limits`; ``E510`` / ``E521``).
    """
    start = time.perf_counter()
    import_code(code)
    if n_process < 1 and n_process != -1:
        raise SpacyWeakError(Errors.E212.format(param="n_process", value=n_process, options="an integer >= 1, or -1"))
    if batch_size < 1:
        raise SpacyWeakError(Errors.E212.format(param="batch_size", value=batch_size, options="an integer >= 1"))
    if format not in FORMATS:
        raise SpacyWeakError(Errors.E212.format(param="format", value=format, options=", ".join(FORMATS)))
    input_path = Path(input_path)
    check_output_dir(output_dir, [input_path])  # before anything is read or written
    fmt = detect_format(input_path) if format == "auto" else format
    if nlp is None:
        nlp, model_id = load_pipeline(Path(model), initialize=initialize, overrides=overrides, exclude=exclude)
    else:
        model_id = str(model)
    guard_tokenizer(nlp, max_length=max_length, max_token_work=max_token_work)
    settings = apply_settings(model_id, nlp, input_path, fmt)
    from ..review.card import pipeline_provenance, stamp

    # silver carries the recipe hash and the package version (docs/review.md)
    provenance = pipeline_provenance(nlp)
    writer = ShardWriter(
        output_dir, settings=settings, shard_size=shard_size, overwrite=overwrite, count_fn=span_counts, inputs=[input_path]
    )
    if writer.complete:
        writer.close()
        warn(Warnings.W250.format(path=output_dir, docs=writer.n_done))
        return dict(writer.summary, resumed_from=writer.n_done, seconds=round(time.perf_counter() - start, 3))
    resumed_from = writer.n_done
    n_new = 0
    with writer:  # releases the output directory's lock however this ends
        docs: Iterable[Doc] = islice(read_corpus(input_path, nlp, format=fmt), resumed_from, None)
        docs = nlp.pipe(docs, batch_size=batch_size, n_process=n_process)
        if show_progress and progress_enabled():
            total = _count(input_path, fmt)
            docs = progress(docs, total=None if total is None else max(total - resumed_from, 0), desc="apply", unit="doc")
        for doc in docs:
            writer.add(stamp(doc, provenance))
            n_new += 1
        writer.flush()
        summary = _summary(writer.counts)
        writer.finish(summary=summary)
    return run_report(summary, resumed_from=resumed_from, processed=n_new, start=start)


def _count(path: Path, fmt: str) -> Optional[int]:
    """Documents in the input, for the progress bar's ETA (None if unknown cheaply)."""
    try:
        if fmt == "docbin":
            return count_docs(path)
        if fmt == "pubtator":
            with Path(path).open("rb") as fh:
                return sum(1 for line in fh if b"|t|" in line[:40])
    except (SpacyWeakError, OSError):
        return None
    return None


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
    try:
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
    except SpacyWeakError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=1)
    print_apply_summary(summary, output_dir)
