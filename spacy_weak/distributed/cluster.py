"""Connecting to a Dask cluster: a scheduler address, or ``local:N`` worker processes.

:func:`connect` returns a connected ``distributed.Client`` with at least one
worker, or raises a coded error naming the address (``E450`` unreachable,
``E455`` no worker, ``E451`` a malformed address) -- always before the caller
has written anything. :func:`run_tasks` runs tasks with bounded retries and
turns their failures into ``E454``.
"""
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ..errors import Errors, SpacyWeakError

logger = logging.getLogger(__name__)

LOCAL = re.compile(r"^local(?::(\d+))?$")
DEFAULT_TIMEOUT = 10.0


def require_dask():
    """The ``distributed`` module, or ``E452`` if the extra is not installed."""
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError as err:
        raise SpacyWeakError(Errors.E452.format(err=err)) from None
    return distributed


def check_timeout(timeout) -> float:
    """``E458`` unless ``timeout`` (``--cluster-timeout``) is a finite number of seconds > 0."""
    import math

    try:
        value = float(timeout)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(timeout, bool) or not math.isfinite(value) or value <= 0:
        raise SpacyWeakError(Errors.E458.format(value=timeout))
    return value


def parse_address(address: str) -> tuple[str, int | None]:
    """``("local", N)`` for ``local:N``, else ``("remote", None)``; ``E451`` if malformed."""
    value = str(address or "").strip()
    m = LOCAL.match(value)
    if m:
        n = int(m.group(1) or 1)
        if n < 1:
            raise SpacyWeakError(Errors.E451.format(value=address))
        return "local", n
    if not value or any(ch.isspace() for ch in value) or value.startswith("local"):
        raise SpacyWeakError(Errors.E451.format(value=address))
    if "://" in value and value.split("://", 1)[0].lower() not in SCHEMES:  # e.g. http://: not a Dask protocol
        raise SpacyWeakError(Errors.E451.format(value=address))
    return "remote", None


SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def _discard(client) -> None:
    """Make a Client whose constructor failed inert: its ``__del__`` would otherwise try to close the
    connection that never opened, wait for a timeout and print a traceback after our coded error."""
    try:
        client.status = "closed"
        runner = getattr(client, "_loop_runner", None)
        if runner is not None:
            runner.stop()
    except Exception:  # noqa: BLE001 - best effort on a half-built object
        pass


def connect(address: str, *, timeout: float = DEFAULT_TIMEOUT, threads_per_worker: int = 1):
    """A connected ``Client`` for ``address`` (``local:N`` starts a LocalCluster of N processes).

    Close it with ``client.close()``; a local cluster is closed with its client
    (see :func:`cluster_client`). Raises ``E450``/``E455``/``E451``/``E452``.
    """
    check_timeout(timeout)
    distributed = require_dask()
    kind, n = parse_address(address)
    if kind == "local":
        cluster = distributed.LocalCluster(
            n_workers=n, threads_per_worker=threads_per_worker, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
        client._spacy_weak_cluster = cluster
        return client
    client = distributed.Client.__new__(distributed.Client)
    try:
        client.__init__(address, timeout=f"{float(timeout)}s", set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        _discard(client)
        raise SpacyWeakError(Errors.E450.format(address=address, err=f"{type(err).__name__}: {err}")) from None
    try:
        client.wait_for_workers(1, timeout=float(timeout))
    except (OSError, TimeoutError):
        client.close()
        raise SpacyWeakError(Errors.E455.format(address=address, timeout=timeout)) from None
    return client


def close(client) -> None:
    cluster = getattr(client, "_spacy_weak_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


@contextmanager
def cluster_client(address: str, *, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Any]:
    """``with cluster_client("local:2") as client: ...`` -- connect, then close (and stop a local cluster)."""
    client = connect(address, timeout=timeout)
    try:
        yield client
    finally:
        close(client)


def scheduler_address(client) -> str:
    try:
        return str(client.scheduler.address)
    except AttributeError:
        return "the scheduler"


def tree_sum(client, futures: Sequence[Any], fn: Callable, fan_in: int = 8):
    """Reduce ``futures`` on the cluster with ``fn(*parts)`` in a fixed tree
    (deterministic order); returns the single result, fetched to the client."""
    level = list(futures)
    if not level:
        raise ValueError("nothing to reduce")
    while len(level) > 1:
        level = [
            client.submit(fn, *level[i : i + fan_in], pure=False) if len(level[i : i + fan_in]) > 1 else level[i]
            for i in range(0, len(level), fan_in)
        ]
    return gather_one(level[0], what="reduce")


def gather_one(future, *, what: str):
    try:
        return future.result()
    except SpacyWeakError:
        raise
    except Exception as err:  # noqa: BLE001 - KilledWorker, CancelledError, a task's own error
        raise SpacyWeakError(Errors.E454.format(task=what, attempts="several", err=f"{type(err).__name__}: {err}")) from None


def run_tasks(
    client,
    submit: Callable[[int], Any],
    indices: Sequence[int],
    *,
    attempts: int = 3,
    describe: Callable[[int], str] = str,
    window: int | None = None,
) -> Iterator[tuple[int, Any]]:
    """Submit ``submit(i)`` for every index; yield ``(i, value)`` as each task finishes.

    A task whose worker dies is rescheduled by Dask itself; a task that fails
    (an exception, ``KilledWorker``, or cancelled by ``client.restart()``) is
    submitted again, up to ``attempts`` times in all, then ``E454``. A coded
    error raised by the task itself (bad input) is raised at once.
    ``window``: at most that many tasks in flight; ``submit`` is then called
    lazily, in index order, as earlier tasks finish (None: all at once).
    """
    distributed = require_dask()
    tries: dict[int, int] = {i: 1 for i in indices}
    queue = iter(indices)
    limit = len(tries) if window is None else max(1, int(window))
    futures = {submit(i): i for _, i in zip(range(limit), queue)}
    pending = distributed.as_completed(list(futures), loop=client.loop)
    for future in pending:
        i = futures.pop(future)
        for nxt in queue:  # keep the window full: one new task per finished one
            new = submit(nxt)
            futures[new] = nxt
            pending.add(new)
            break
        try:
            value = future.result()
        except SpacyWeakError:
            raise
        except Exception as err:  # noqa: BLE001 - see docstring
            if tries[i] >= attempts:
                raise SpacyWeakError(
                    Errors.E454.format(task=describe(i), attempts=tries[i], err=f"{type(err).__name__}: {err}")
                ) from None
            tries[i] += 1
            logger.warning("Task %s failed (%s: %s); retrying (attempt %d)", describe(i), type(err).__name__, err, tries[i])
            retry = submit(i)
            futures[retry] = i
            pending.add(retry)
            continue
        yield i, value


@contextmanager
def cli_client(address: str, *, timeout: float = DEFAULT_TIMEOUT, n_process: int = 1) -> Iterator[Any]:
    """The CLI's ``--cluster``: connect first (``E450`` before any output), warn that
    ``--n-process`` does not apply (``W450``), close at the end."""
    from ..errors import Warnings, warn

    with cluster_client(address, timeout=timeout) as client:
        if n_process != 1:
            warn(Warnings.W450.format(n=n_process))
        yield client
