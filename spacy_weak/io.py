"""File IO helpers: atomic writes (temporary name, then rename) through srsly.

Files are created with the mode an ordinary ``open(path, "w")`` gives under
the current umask (``0o666 & ~umask``), not the ``0o600`` of
:func:`tempfile.mkstemp`, so a saved pipeline or a run's output can be read
by other users and services as the umask allows.
"""
import hashlib
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Union

import srsly

PathLike = Union[str, Path]


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows it."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def default_file_mode() -> int:
    """The mode ``open(path, "w")`` gives a new file: ``0o666 & ~umask``."""
    return 0o666 & ~current_umask()


@contextmanager
def atomic_path(path: PathLike, *, tmp_name: Optional[str] = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it over ``path``.

    A crash (or ``kill -9``) leaves ``path`` either absent or complete, never
    partial. The temporary file gets a fresh unique name (it never replaces
    an existing file) unless ``tmp_name`` is given: a name the caller owns
    (e.g. recorded in its manifest), created or truncated. The final file has
    the umask's mode (see :func:`default_file_mode`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if tmp_name is not None:
        tmp_path = path.parent / tmp_name
        fd = os.open(tmp_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    else:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp_path = Path(tmp)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, default_file_mode())
    finally:
        os.close(fd)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_bytes_atomic(path: PathLike, data: bytes, *, tmp_name: Optional[str] = None) -> None:
    with atomic_path(path, tmp_name=tmp_name) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: PathLike, text: str, *, tmp_name: Optional[str] = None) -> None:
    with atomic_path(path, tmp_name=tmp_name) as tmp:
        tmp.write_text(text, encoding="utf8")


def write_json_atomic(path: PathLike, data: Any, *, tmp_name: Optional[str] = None) -> None:
    with atomic_path(path, tmp_name=tmp_name) as tmp:
        srsly.write_json(tmp, data)


def file_digest(path: PathLike, chunk: int = 1 << 20) -> str:
    """The SHA-256 hex digest of a file's bytes, read in chunks."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


class _CheckedGzip:
    """A gzip file whose damage (truncation, bad CRC, not gzip at all) is ``E279`` naming the file,
    not an ``EOFError`` / ``zlib.error`` from deep inside a reader."""

    def __init__(self, path: PathLike, mode: str, **kwargs: Any) -> None:
        import gzip

        self.path = Path(path)
        self._fh = gzip.open(path, mode, **kwargs)

    def _damaged(self, err: BaseException):
        from .errors import Errors, SpacyWeakError

        return SpacyWeakError(Errors.E279.format(path=self.path, err=f"{type(err).__name__}: {err}"))

    def _call(self, fn, *args):
        import gzip
        import zlib

        try:
            return fn(*args)
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            raise self._damaged(err) from None

    def __iter__(self):
        import gzip
        import zlib

        try:
            yield from self._fh
        except (EOFError, zlib.error, gzip.BadGzipFile) as err:
            raise self._damaged(err) from None

    def read(self, *args):
        return self._call(self._fh.read, *args)

    def readline(self, *args):
        return self._call(self._fh.readline, *args)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._fh.close()

    def __getattr__(self, name: str):
        return getattr(self._fh, name)


def open_gzip(path: PathLike, mode: str = "rt", **kwargs: Any):
    """``gzip.open`` for reading, with a damaged file reported as ``E279`` (see :class:`_CheckedGzip`)."""
    return _CheckedGzip(path, mode, **kwargs)
