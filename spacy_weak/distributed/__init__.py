"""Dask execution of ``apply`` and ``fit`` (``pip install -e ".[dask]"``).

The same results as one process, on a ``distributed.Client``:

* :func:`apply` -- one task per output shard; the pipeline reaches each worker
  once (a worker plugin carrying its ``nlp.to_disk`` files); each task writes
  its shard atomically, the client keeps the manifest (resume, ``kill -9``);
* :func:`fit` -- EM with the E-step mapped over the shards on the workers and
  the M-step on the client (``weak_hmm``: hmmlearn's E-step through
  :meth:`WeakHMM.estep`; ``weak_doc_em``: Dawid-Skene);
* :func:`connect` / :func:`cluster_client` -- a scheduler address or
  ``local:N``, checked (``E450``) before anything is written.

``dask`` and ``distributed`` are imported only when these functions run.
See ``docs/distributed.md``.
"""
from typing import Any

# The submodules ``apply`` and ``fit`` share their names with the functions below.
# Importing a submodule for the first time sets the package attribute of that
# name to the module, so they are imported here, first (neither imports dask);
# the functions defined afterwards keep the names.
from . import apply as _apply_module  # noqa: F401
from . import fit as _fit_module  # noqa: F401


def apply(*args: Any, **kwargs: Any):
    """See :func:`spacy_weak.distributed.apply.apply_on_cluster`."""
    from .apply import apply_on_cluster

    return apply_on_cluster(*args, **kwargs)


def fit(*args: Any, **kwargs: Any):
    """See :func:`spacy_weak.distributed.fit.fit_on_cluster`."""
    from .fit import fit_on_cluster

    return fit_on_cluster(*args, **kwargs)


def connect(*args: Any, **kwargs: Any):
    """See :func:`spacy_weak.distributed.cluster.connect`."""
    from .cluster import connect as _connect

    return _connect(*args, **kwargs)


def cluster_client(*args: Any, **kwargs: Any):
    """See :func:`spacy_weak.distributed.cluster.cluster_client`."""
    from .cluster import cluster_client as _cluster_client

    return _cluster_client(*args, **kwargs)


__all__ = ["apply", "cluster_client", "connect", "fit"]
