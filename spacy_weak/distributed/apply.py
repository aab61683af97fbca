"""``apply`` on a Dask cluster: one task per output shard, same bytes as one process.

Output shard ``k`` holds input documents ``[k * shard_size, (k + 1) * shard_size)``,
as in :func:`spacy_weak.cli.apply.apply_pipeline`, so the output directory
(shards and manifest, including the run's settings) is the one a single
process writes, and either can resume the other's run. Each task is a pure
function of (pipeline, input range): it reads its documents from the input
DocBins, runs the pipeline (loaded once per worker, see :mod:`.pipeline`) and
writes ``shard-<k>.spacy`` atomically. A task run twice (its worker died, the
client restarted) writes the same bytes. The client alone holds the output
directory's lock and writes the manifest, with the protocol of one process
(docs/reliability.md): a shard is recorded ``pending`` before its task is
submitted (:meth:`ShardWriter.reserve`) and listed in order as soon as all
earlier ones are done (:meth:`ShardWriter.record`). So after ``kill -9`` the
directory is a valid prefix, and the next run -- on the cluster or in one
process -- deletes the pending shards (files it recorded as its own) and
redoes them.

Inputs and the output directory must be on a file system every worker sees at
the same path (``docs/distributed.md``).
"""
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import Errors, SpacyWeakError, Warnings, warn

logger = logging.getLogger(__name__)

Part = tuple[str, int, int]  # (DocBin file, first doc, end doc) within that file


def input_files(input_path: Path) -> tuple[list[Path], list[int] | None]:
    """The input's DocBin files in order, and their doc counts when a manifest lists them."""
    from ..corpora.shards import docbin_files, read_manifest

    files = docbin_files(input_path)
    manifest = read_manifest(input_path) if Path(input_path).is_dir() else None
    if manifest is not None:
        return files, [int(s["docs"]) for s in manifest["shards"]]
    return files, None


def _count_file(path: str) -> int:
    from ..corpora.shards import load_docbin

    return len(load_docbin(path))


def shard_plan(files: Sequence[Path], counts: Sequence[int], shard_size: int) -> list[list[Part]]:
    """For each output shard, the ``(file, start, end)`` ranges of input documents it holds."""
    total = sum(counts)
    plan: list[list[Part]] = []
    bounds = []
    offset = 0
    for f, n in zip(files, counts):
        bounds.append((str(f), offset, offset + n))
        offset += n
    for lo in range(0, total, shard_size):
        hi = min(lo + shard_size, total)
        parts = [(f, max(lo, a) - a, min(hi, b) - a) for f, a, b in bounds if a < hi and b > lo]
        plan.append(parts)
    return plan


def _check_paths(paths: list[str], dask_worker=None) -> str | None:
    """On a worker: None if every path is readable, else the first problem."""
    for p in paths:
        if not os.access(p, os.R_OK):
            return p
    return None


def apply_shard(key: str, parts: list[Part], out_path: str, batch_size: int, provenance: dict | None = None) -> dict[str, Any]:
    """One task: run the pipeline over ``parts`` and write ``out_path`` atomically
    (each doc stamped with the client's ``provenance``, as one process does).

    Returns the manifest entry ``{"file", "docs", "counts"}``.
    """
    from itertools import islice

    from spacy.tokens import DocBin

    from ..cli.apply import span_counts
    from ..corpora.shards import load_docbin, speed_up_srsly_msgpack
    from ..io import write_bytes_atomic
    from ..review.card import stamp
    from .pipeline import worker_pipeline

    speed_up_srsly_msgpack()
    nlp = worker_pipeline(key)

    def docs():
        for path, start, end in parts:
            yield from islice(load_docbin(path).get_docs(nlp.vocab), start, end)

    out = DocBin(store_user_data=True)
    counts: dict[str, int] = {}
    for doc in nlp.pipe(docs(), batch_size=batch_size):
        if provenance is not None:
            doc = stamp(doc, provenance)
        out.add(doc)
        for name, n in span_counts(doc).items():
            counts[name] = counts.get(name, 0) + int(n)
    data = out.to_bytes()
    try:
        write_bytes_atomic(out_path, data)
    except OSError as err:
        import socket

        raise SpacyWeakError(
            Errors.E456.format(worker=socket.gethostname(), what="write", path=out_path, err=err)
        ) from None
    return {"file": Path(out_path).name, "docs": len(out), "counts": dict(sorted(counts.items()))}


def apply_on_cluster(
    client,
    model: Path,
    input_path: Path,
    output_dir: Path,
    *,
    batch_size: int = 64,
    shard_size: int = 1000,
    format: str = "auto",
    code: Path | None = None,
    initialize: bool = False,
    overwrite: bool = False,
    show_progress: bool = True,
    nlp=None,
    overrides: dict[str, Any] | None = None,
    exclude: Sequence[str] = (),
    max_length: int | None = None,
    max_token_work: int | None = None,
    attempts: int = 3,
) -> dict[str, Any]:
    """:func:`spacy_weak.cli.apply.apply_pipeline` on the cluster of ``client``; same output, same summary.

    ``input_path`` is a DocBin file or a shard directory (``E453`` otherwise).
    ``max_length`` / ``max_token_work`` are checked as by one process; DocBin
    input is never tokenized again, so they do not change the output.
    ``attempts``: tries per shard before ``E454`` (a worker's death is retried by Dask as well).

    The client holds the output directory's lock and writes the manifest
    (:class:`~spacy_weak.corpora.shards.ShardWriter`); each shard is reserved
    (recorded ``pending``) before its task is submitted and listed once it and
    all earlier shards are written. At most a few tasks per worker are in
    flight, so the pending list stays short.
    """
    from ..cli.apply import _summary, apply_settings, import_code, load_pipeline, run_report, span_counts
    from ..corpora.limits import guard_tokenizer
    from ..corpora.output_dir import check_output_dir
    from ..corpora.readers import FORMATS, detect_format
    from ..corpora.shards import ShardWriter, shard_name
    from ..progress import progress, progress_enabled
    from ..review.card import pipeline_provenance
    from .cluster import run_tasks, scheduler_address
    from .pipeline import register_pipeline, unregister_pipeline

    start = time.perf_counter()
    import_code(code)
    if batch_size < 1:
        raise SpacyWeakError(Errors.E212.format(param="batch_size", value=batch_size, options="an integer >= 1"))
    if format not in FORMATS:
        raise SpacyWeakError(Errors.E212.format(param="format", value=format, options=", ".join(FORMATS)))
    if not isinstance(shard_size, int) or isinstance(shard_size, bool) or shard_size < 1:
        raise SpacyWeakError(Errors.E257.format(value=shard_size))
    input_path = Path(input_path)
    output_dir = Path(output_dir)
    check_output_dir(output_dir, [input_path])  # E500 / E501 before anything is read or written
    fmt = detect_format(input_path) if format == "auto" else format
    if fmt != "docbin":
        raise SpacyWeakError(Errors.E453.format(path=input_path, format=fmt))
    files, counts = input_files(input_path)
    address = scheduler_address(client)
    # every worker must read the input at the same path (before anything is written)
    probe = [str(files[0]), str(files[-1])]
    for worker, missing in client.run(_check_paths, probe).items():
        if missing:
            raise SpacyWeakError(Errors.E456.format(worker=worker, what="read", path=missing, err="no such file or no permission"))
    if nlp is None:
        nlp, model_id = load_pipeline(Path(model), initialize=initialize, overrides=overrides, exclude=exclude)
    else:
        model_id = str(model)
    tokenizer = nlp.tokenizer
    guard_tokenizer(nlp, max_length=max_length, max_token_work=max_token_work)  # the same checks (E212)
    nlp.tokenizer = tokenizer  # not used on DocBin input, and the pipeline is shipped as saved
    if counts is None:
        counts = client.gather(client.map(_count_file, [str(f) for f in files], pure=False))
    settings = apply_settings(model_id, nlp, input_path, fmt)
    provenance = pipeline_provenance(nlp)
    # the lock is taken here, before any task can write; released when the block ends
    with ShardWriter(
        output_dir, settings=settings, shard_size=shard_size, overwrite=overwrite, count_fn=span_counts, inputs=[input_path]
    ) as writer:
        if writer.complete:
            warn(Warnings.W250.format(path=output_dir, docs=writer.n_done))
            return dict(writer.summary, resumed_from=writer.n_done, seconds=round(time.perf_counter() - start, 3))
        resumed_from = writer.n_done
        plan = shard_plan(files, counts, shard_size)
        first = len(writer.shards)
        todo = list(range(first, len(plan)))
        n_workers = len(client.scheduler_info().get("workers", {}))
        key = register_pipeline(client, nlp, code)
        logger.info("apply on %s: %d shards to run (%d done)", address, len(todo), first)

        def submit(k: int):
            path = writer.reserve(k)  # recorded pending before the task can write it
            return client.submit(apply_shard, key, plan[k], str(path), batch_size, provenance, pure=False)

        results: dict[int, dict[str, Any]] = {}
        next_k = first
        n_new = 0
        done = run_tasks(
            client, submit, todo, attempts=attempts, describe=lambda k: f"apply shard {shard_name(k)}",
            window=max(4, 4 * n_workers),
        )
        if show_progress and progress_enabled():
            done = progress(done, total=len(todo), desc="apply (dask)", unit="shard")
        try:
            for k, entry in done:
                results[k] = entry
                while next_k in results:  # list shards in order: the manifest stays a prefix
                    e = results.pop(next_k)
                    writer.record(e["file"], e["docs"], e["counts"])
                    n_new += int(e["docs"])
                    next_k += 1
            summary = _summary(writer.counts)
            writer.finish(summary=summary)
        finally:
            unregister_pipeline(client, key)
    return run_report(
        summary, resumed_from=resumed_from, processed=n_new, start=start,
        workers=len(client.scheduler_info().get("workers", {})),
    )
