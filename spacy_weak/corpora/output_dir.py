"""Guards for a command's output directory: one writer, no input inside it.

* :func:`check_output_dir` refuses (``E263``) an output directory that is an
  input or contains one (an input shard, a corpus file): the run could
  otherwise treat the input as old output. It is called before anything is
  created or deleted. An output path that is an existing file is ``E264``.
* :class:`DirectoryLock` takes an exclusive OS lock (``fcntl.flock``) on the
  output directory itself, held while the run writes. A second run on the
  same directory fails at once with ``E265`` naming the holder (pid, host,
  start time, read from the ``writer`` entry of the manifest). The kernel
  releases the lock when the process dies (even ``kill -9``), so a stale
  lock never blocks a resume. No lock file is created. Where ``fcntl`` is
  missing (Windows) the lock is a no-op; on network file systems ``flock``
  may be advisory only, which is why the manifest also records its writer
  and a run re-checks it before every update (``E266``).
"""
import datetime
import os
import socket
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Union

from ..errors import Errors, SpacyWeakError

PathLike = Union[str, Path]


def check_output_dir(output_dir: PathLike, inputs: Iterable[PathLike] = ()) -> None:
    """``E264`` if ``output_dir`` is an existing non-directory; ``E263`` if an input is (inside) it."""
    out = Path(output_dir)
    if out.exists() and not out.is_dir():
        raise SpacyWeakError(Errors.E264.format(path=out))
    out_real = out.resolve()
    for inp in inputs:
        if inp is None:
            continue
        inp_real = Path(inp).resolve()
        if inp_real == out_real or out_real in inp_real.parents:
            raise SpacyWeakError(Errors.E263.format(input=inp, output=out))


def check_output_file(output: PathLike, inputs: Iterable[PathLike] = ()) -> None:
    """An output *file*: ``E274`` if it is a directory, ``E263`` if it is one of the inputs."""
    out = Path(output)
    if out.is_dir():
        raise SpacyWeakError(Errors.E274.format(path=out, what="the output"))
    out_real = out.resolve()
    for inp in inputs:
        if inp is not None and Path(inp).resolve() == out_real:
            raise SpacyWeakError(Errors.E263.format(input=inp, output=out))


def check_owned_directory(output_dir: PathLike, marker: str, is_ours) -> None:
    """``E269`` if ``output_dir`` holds files but no ``marker`` file that ``is_ours(path)`` accepts.

    For commands that write a fixed set of files into a directory (a compiled
    lexicon): they may rewrite their own earlier output, never a directory
    of other files.
    """
    out = Path(output_dir)
    if not out.is_dir():
        return
    entries = sorted(p.name for p in out.iterdir())
    if entries and not ((out / marker).is_file() and is_ours(out / marker)):
        raise SpacyWeakError(Errors.E269.format(path=out, files=", ".join(entries[:5])))


def writer_identity() -> Dict[str, Any]:
    """Who writes: pid, host, start time (UTC) and a token unique to this run."""
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "token": os.urandom(8).hex(),
    }


def describe_writer(writer: Optional[Dict[str, Any]]) -> str:
    if not isinstance(writer, dict):
        return "holder unknown: it has not written its manifest yet"
    return f"pid {writer.get('pid')} on {writer.get('host')}, started {writer.get('started')}"


class DirectoryLock:
    """An exclusive, non-blocking ``flock`` on a directory, released by :meth:`release` or process death."""

    def __init__(self, path: PathLike) -> None:
        self.path = Path(path)
        self._fd: Optional[int] = None

    def acquire(self, describe_holder) -> None:
        """Lock; if another process holds it, ``E265`` with ``describe_holder()``."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SpacyWeakError(Errors.E265.format(path=self.path, holder=describe_holder())) from None
        except OSError:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __del__(self) -> None:  # pragma: no cover - safety net
        try:
            self.release()
        except Exception:
            pass
