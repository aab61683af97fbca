"""Every command's last line of defence: a coded message and exit code 1, never a raw traceback.

:func:`guard` wraps each command callback (``_app.app.command`` applies it),
so commands added later are covered too:

* ``SpacyWeakError`` -> its message (already coded);
* ``OSError`` with ``errno.ENOSPC`` -> ``E508`` (the outputs written so far are
  consistent: shards and manifests are written atomically, so the same
  command resumes once space is freed);
* any other ``OSError`` -> ``E507`` naming the path and the system's reason;
* anything else -> ``E509`` with the exception type and message.

``SPACY_WEAK_TRACEBACK=1`` re-raises instead, for bug reports.
Click/typer control flow (``Exit``, ``Abort``, usage errors) and
``KeyboardInterrupt`` pass through unchanged.
"""
import errno
import functools
import os
from typing import Callable

import click
import typer

from ..errors import Errors, SpacyWeakError

# typer >= 0.13 has its own Exit/Abort classes (not click's): both kinds pass through.
PASS_THROUGH = (
    click.exceptions.Exit,
    click.exceptions.Abort,
    click.exceptions.ClickException,
    typer.Exit,
    typer.Abort,
    KeyboardInterrupt,
    SystemExit,
)


def describe_exception(err: BaseException) -> str:
    """The coded one-paragraph message for ``err``."""
    if isinstance(err, SpacyWeakError):
        return str(err)
    if isinstance(err, OSError):
        path = err.filename if err.filename is not None else "(unknown path)"
        if err.filename2 is not None:
            path = f"{path} -> {err.filename2}"
        if err.errno == errno.ENOSPC:
            return Errors.E508.format(path=path)
        reason = err.strerror or str(err)
        return Errors.E507.format(path=path, err=f"{type(err).__name__}: {reason}")
    text = str(err) or repr(err)
    if len(text) > 500:
        text = text[:500] + "..."
    return Errors.E509.format(type=type(err).__name__, err=text)


def guard(fn: Callable) -> Callable:
    """Wrap a command callback so that failures end with a coded message and exit code 1."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PASS_THROUGH:
            raise
        except BaseException as err:  # noqa: BLE001 - the CLI's boundary
            if os.environ.get("SPACY_WEAK_TRACEBACK"):
                raise
            typer.echo(describe_exception(err), err=True)
            raise typer.Exit(code=1) from None

    return wrapper
