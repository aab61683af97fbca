"""``apply`` on a Dask cluster: one task per output shard, same bytes as one process.

:class:`DaskApplier` is :class:`spacy_weak.runs.apply.Applier` (the preparation every
backend shares: checks, output directory, pipeline, settings, provenance, writer)
with its own loop and the checks a cluster needs first (DocBin input that every
worker can read). Output shard ``k`` holds input documents ``[k * shard_size, (k + 1) * shard_size)``,
as in :func:`spacy_weak.runs.apply.apply_pipeline`, so the output directory
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
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import Errors, SpacyWeakError
from ..runs.apply import Applier

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

    from ..corpora.shards import load_docbin, speed_up_srsly_msgpack
    from ..io import write_bytes_atomic
    from ..review.card import stamp
    from ..runs.apply import span_counts
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


def check_workers_read(client, files: Sequence[str]) -> None:
    """``E456`` unless every worker can read the first and the last input file at the same path."""
    probe = [str(files[0]), str(files[-1])]
    for worker, missing in client.run(_check_paths, probe).items():
        if missing:
            raise SpacyWeakError(Errors.E456.format(worker=worker, what="read", path=missing, err="no such file or no permission"))


class DaskApplier(Applier):
    """:class:`~spacy_weak.runs.apply.Applier` whose loop submits one task per output shard
    to the cluster of ``client``. ``attempts``: tries per shard before ``E454`` (a
    worker's death is retried by Dask as well).

    The client holds the output directory's lock and writes the manifest; each shard
    is reserved (recorded ``pending``) before its task is submitted and listed once it
    and all earlier shards are written. At most a few tasks per worker are in flight,
    so the pending list stays short.
    """

    progress_desc = "apply (dask)"

    def __init__(self, client, *, attempts: int = 3, **options: Any) -> None:
        super().__init__(**options)
        self.client, self.attempts = client, attempts
        self.files: list[Path] = []
        self.counts: list[int] | None = None

    def check_options(self) -> None:
        """The options of one process but ``n_process`` (the cluster has its workers), and
        the shard size before anything is read (``E257``)."""
        self._check_common_options()
        size = self.shard_size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            raise SpacyWeakError(Errors.E257.format(value=size))

    def check_input(self, input_path: Path, fmt: str) -> None:
        """DocBin input only (``E453``), readable by every worker at the same path (``E456``)."""
        from .cluster import scheduler_address

        if fmt != "docbin":
            raise SpacyWeakError(Errors.E453.format(path=input_path, format=fmt))
        self.files, self.counts = input_files(input_path)
        self.address = scheduler_address(self.client)
        check_workers_read(self.client, self.files)

    def guard(self, nlp) -> None:
        """The same checks as one process (``E212``); the tokenizer is left as it is: it does
        not run on DocBin input, and the pipeline is shipped as saved."""
        tokenizer = nlp.tokenizer
        super().guard(nlp)
        nlp.tokenizer = tokenizer

    def _shard_plan(self) -> list[list[Part]]:
        counts = self.counts
        if counts is None:
            counts = self.client.gather(self.client.map(_count_file, [str(f) for f in self.files], pure=False))
        return shard_plan(self.files, counts, self.shard_size)

    def loop(self, run) -> int:
        from ..corpora.shards import shard_name
        from ..progress import progress, progress_enabled
        from .cluster import run_tasks
        from .pipeline import register_pipeline, unregister_pipeline

        client, writer = self.client, run.writer
        plan = self._shard_plan()
        first = len(writer.shards)
        todo = list(range(first, len(plan)))
        key = register_pipeline(client, run.nlp, self.code)
        logger.info("apply on %s: %d shards to run (%d done)", self.address, len(todo), first)

        def submit(k: int):
            path = writer.reserve(k)  # recorded pending before the task can write it
            return client.submit(apply_shard, key, plan[k], str(path), self.batch_size, run.provenance, pure=False)

        results: dict[int, dict[str, Any]] = {}
        next_k, n_new = first, 0
        done = run_tasks(
            client, submit, todo, attempts=self.attempts, describe=lambda k: f"apply shard {shard_name(k)}",
            window=max(4, 4 * self._n_workers()),
        )
        if self.show_progress and progress_enabled():
            done = progress(done, total=len(todo), desc=self.progress_desc, unit="shard")
        try:
            for k, entry in done:
                results[k] = entry
                while next_k in results:  # list shards in order: the manifest stays a prefix
                    e = results.pop(next_k)
                    writer.record(e["file"], e["docs"], e["counts"])
                    n_new += int(e["docs"])
                    next_k += 1
        finally:
            unregister_pipeline(client, key)
        return n_new

    def _n_workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def report_extra(self) -> dict[str, Any]:
        return {"workers": self._n_workers()}


def apply_on_cluster(client, model: Path, input_path: Path, output_dir: Path, *, nlp=None, attempts: int = 3, **options: Any) -> dict[str, Any]:
    """:func:`spacy_weak.runs.apply.apply_pipeline` on the cluster of ``client``; same output, same summary.

    ``input_path`` is a DocBin file or a shard directory (``E453`` otherwise).
    ``max_length`` / ``max_token_work`` are checked as by one process; DocBin
    input is never tokenized again, so they do not change the output. ``options``
    are those of one process but ``n_process`` (see :class:`DaskApplier`).
    """
    return DaskApplier(client, attempts=attempts, **options).run(model, input_path, output_dir, nlp=nlp)
