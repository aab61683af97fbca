"""Every command's last line of defence: a coded message and exit code 1, never a raw traceback.

:func:`guard` wraps each command callback (``_app.app.command`` applies it),
so commands added later are covered too:

* ``SpacyWeakError`` -> its message (already coded);
* ``OSError`` with ``errno.ENOSPC`` -> ``E271`` (the outputs written so far are
  consistent: shards and manifests are written atomically, so the same
  command resumes once space is freed);
* any other ``OSError`` -> ``E270`` naming the path and the system's reason;
* anything else -> ``E272`` with the exception type and message;
* a closed pipe (``spacy-weak ... | head``) -> no message, exit status 141, like a Unix tool.

Before the command runs, its paths are checked (``E263`` output on an input, ``E277`` two
outputs on one path, ``E701`` an output file it did not write: see
:mod:`spacy_weak.corpora.command_paths`); after it, the output files it wrote are stamped.

``SPACY_WEAK_TRACEBACK=1`` re-raises instead, for bug reports.
Click/typer control flow (``Exit``, ``Abort``, usage errors) and
``KeyboardInterrupt`` pass through unchanged.
"""
import errno
import functools
import inspect
import os
import sys
import typing
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

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


def describe_exception(err: BaseException, outputs: Sequence[str] = ()) -> str:
    """The coded one-paragraph message for ``err``; ``outputs`` (the command's output paths) name
    the place when the system did not say which file failed."""
    if isinstance(err, SpacyWeakError):
        return str(err)
    if isinstance(err, OSError):
        if err.filename is not None:
            path = err.filename
        elif outputs:
            path = "one of the outputs (" + ", ".join(map(str, outputs)) + "; the system did not say which file)"
        else:
            path = "a file the system did not name"
        if err.filename2 is not None:
            path = f"{path} -> {err.filename2}"
        if err.errno == errno.ENOSPC:
            return Errors.E271.format(path=path)
        reason = err.strerror or str(err)
        return Errors.E270.format(path=path, err=f"{type(err).__name__}: {reason}")
    text = str(err) or repr(err)
    if len(text) > 500:
        text = text[:500] + "..."
    return Errors.E272.format(type=type(err).__name__, err=text)


def is_broken_pipe(err: BaseException) -> bool:
    return isinstance(err, BrokenPipeError) or (isinstance(err, OSError) and err.errno == errno.EPIPE)


def quiet_broken_pipe() -> None:
    """The reader of our output went away (``spacy-weak ... | head``): stop like a Unix tool, without
    a message; stdout goes to /dev/null so the interpreter's final flush does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


BROKEN_PIPE_EXIT = 141  # 128 + SIGPIPE, what a shell reports for a Unix tool stopped by a closed pipe


def guard(fn: Callable, outputs: Optional[Dict[str, str]] = None) -> Callable:
    """Wrap a command callback so that failures end with a coded message and exit code 1.

    ``outputs`` (parameter name -> ``"file"`` or ``"dir"``) declares the command's outputs;
    every other path parameter is an input. Before the command runs its paths are checked
    (:mod:`spacy_weak.corpora.command_paths`: E263, E277, E701); after it, the output files
    it wrote are stamped as its own, so a rerun may replace them.
    """
    paths = CommandPaths(fn, outputs or {})

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        before = None
        try:
            before = paths.check(kwargs)
            return fn(*args, **kwargs)
        except PASS_THROUGH:
            raise
        except BaseException as err:  # noqa: BLE001 - the CLI's boundary
            if is_broken_pipe(err):
                quiet_broken_pipe()
                raise typer.Exit(code=BROKEN_PIPE_EXIT) from None
            if os.environ.get("SPACY_WEAK_TRACEBACK"):
                raise
            typer.echo(describe_exception(err, paths.output_values(kwargs)), err=True)
            raise typer.Exit(code=1) from None
        finally:
            if before is not None:
                paths.stamp(before)

    wrapper.__spacy_weak_outputs__ = dict(outputs or {})
    return wrapper


def _is_path_type(annotation) -> bool:
    if annotation is Path:
        return True
    return any(_is_path_type(a) for a in typing.get_args(annotation))


class CommandPaths:
    """A command's path parameters: the declared outputs, every other path an input."""

    def __init__(self, fn: Callable, outputs: Dict[str, str]) -> None:
        self.command = f"{fn.__module__}:{fn.__name__}"
        try:
            hints = typing.get_type_hints(fn)
        except Exception:  # noqa: BLE001 - unresolvable annotations: no path parameters known
            hints = {}
        signature = inspect.signature(fn)
        self.names = {name: _option_name(name, signature.parameters.get(name)) for name in hints}
        unknown = set(outputs) - set(hints)
        if unknown:
            raise ValueError(f"{self.command}: outputs {sorted(unknown)} are not parameters")
        self.outputs = dict(outputs)
        self.inputs = [n for n, t in hints.items() if n != "return" and n not in outputs and _is_path_type(t)]

    def output_values(self, kwargs) -> List[str]:
        out = []
        for name in self.outputs:
            value = kwargs.get(name)
            out.extend(map(str, value if isinstance(value, (list, tuple)) else [value] if value is not None else []))
        return out

    def check(self, kwargs):
        from ..corpora.command_paths import check_command_paths, check_file_outputs, snapshot

        check_command_paths(
            [(self.names[n], kwargs.get(n)) for n in self.inputs],
            [(self.names[n], kwargs.get(n), kind) for n, kind in self.outputs.items()],
        )
        files = [(self.names[n], kwargs.get(n)) for n, kind in self.outputs.items() if kind == "file"]
        check_file_outputs(files, self.command, overwrite=bool(kwargs.get("overwrite", False)))
        return snapshot(files)

    def stamp(self, before) -> None:
        from ..corpora.command_paths import stamp_written

        try:
            stamp_written(before, self.command)
        except Exception:  # noqa: BLE001 - a stamp is a convenience for reruns, never a failure
            pass


def _option_name(name: str, param) -> str:
    """``--json`` for an option, ``OUTPUT_DIR`` for an argument (as ``--help`` shows them)."""
    default = getattr(param, "default", None)
    decls = [d for d in getattr(default, "param_decls", None) or () if isinstance(d, str)]
    longs = [d for d in decls if d.startswith("--")]
    if longs:
        return longs[0].split("/")[0]
    if type(default).__name__ == "OptionInfo":
        return "--" + name.replace("_", "-")
    return name.upper()
