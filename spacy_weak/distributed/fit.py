"""``fit`` on a Dask cluster: the component's sharded fit with the shards on the workers.

The cluster fit knows no model by name: it checks the input, offers the shards as
:class:`ClusterShards` (the :class:`~spacy_weak.aggregation.contracts.Shards` of the
fittable contract: pure functions submitted to the workers, results summed on the
cluster in a fixed tree) and calls the component's hook
:meth:`~spacy_weak.aggregation.contracts.ShardFittable.fit_sharded`. What is computed
per shard -- ``weak_hmm``'s scan, encoding, E-steps and source report, ``weak_doc_em``'s
Dawid-Skene statistics -- is the model's own (:mod:`spacy_weak.aggregation.sharded_fit`);
the M-step runs on the client. A component without the hook is refused with ``E457``.

The client holds the model, one set of statistics and one future per shard:
its memory does not grow with the corpus. The result equals a single-process fit
up to the order of floating-point sums (tests: within 1e-6).
"""
import logging
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ..aggregation.contracts import ShardFittable
from ..errors import Errors, SpacyWeakError

logger = logging.getLogger(__name__)


class ClusterShards:
    """DocBin shards for a sharded fit on the cluster of ``client`` (the ``Shards`` contract)."""

    def __init__(self, client, files: list[str]) -> None:
        self.client, self.files = client, files

    def submit(self, fn: Callable, *args: Any):
        return self.client.submit(fn, *args, pure=False)

    def gather_one(self, handle, *, what: str):
        from .cluster import gather_one

        return gather_one(handle, what=what)

    def tree_sum(self, handles: Sequence[Any], fn: Callable):
        from .cluster import tree_sum

        return tree_sum(self.client, handles, fn)


def _files(docbin_paths: Sequence[Path]) -> list[str]:
    from ..corpora.shards import docbin_files

    return [str(f) for src in docbin_paths for f in docbin_files(src)]


def fit_on_cluster(client, nlp, component: str, docbin_paths: Sequence[Path], *, source_path: Any = None):
    """Fit ``nlp``'s ``component`` (a :class:`~spacy_weak.aggregation.contracts.ShardFittable`:
    ``weak_hmm``, ``weak_doc_em``) on DocBin files / shard directories with the workers of
    ``client``; returns the component.

    Same parameters as ``spacy-weak fit`` without ``--cluster`` (within 1e-6).
    """
    from .apply import check_workers_read

    if component not in nlp.pipe_names:
        raise SpacyWeakError(Errors.E104.format(component=component, path=source_path, pipes=", ".join(nlp.pipe_names)))
    proc = nlp.get_pipe(component)
    files = _files(docbin_paths)
    if not files:
        raise SpacyWeakError(Errors.E216.format(path=", ".join(map(str, docbin_paths))))
    check_workers_read(client, files)
    if not isinstance(proc, ShardFittable):
        raise SpacyWeakError(Errors.E457.format(component=component, kind=type(proc).__name__))
    start = time.perf_counter()
    proc.fit_sharded(ClusterShards(client, files))
    logger.info("%s fitted on the cluster in %.1fs (%d shards)", component, time.perf_counter() - start, len(files))
    return proc
