"""Command line: ``spacy-weak <command>`` or ``python -m spacy_weak <command>``.

One module per command group; each attaches its commands to :data:`app`.
"""
import importlib
import logging
import sys
import warnings

from ._app import app

COMMAND_MODULES = [
    "analyze",
    "demo",
    "convert",
    "apply",
    "fit",
    "lexicon",
    "diagnose",
    "suggest",
    "train",
    "review",
    "init",
    "vectors",
]


def _load_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{module}")


def format_warning(message, category, filename, lineno, line=None) -> str:
    """Warnings on the command line: the coded message alone (``[W100] ...``), not Python's
    ``file.py:175: UserWarning: ...`` followed by a source line, which reads like a traceback."""
    return f"warning: {message}\n"


def main() -> None:
    warnings.formatwarning = format_warning
    # one line at a time, also into a pipe or a file: the summary and the warnings (stderr,
    # unbuffered) then arrive in the order they were written, not stdout's block at exit
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(line_buffering=True)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    package_logger = logging.getLogger("spacy_weak")
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    _load_commands()
    from ._app import command_with_plain_flags

    try:
        command_with_plain_flags()(prog_name="spacy-weak")
    except SystemExit:
        _flush_stdout()
        raise
    _flush_stdout()


def _flush_stdout() -> None:
    """Flush now, so that a reader that went away (``spacy-weak ... | head``) ends the command
    quietly like a Unix tool (exit 141) instead of Python's 'Exception ignored ... BrokenPipeError'."""
    from ._guard import BROKEN_PIPE_EXIT, quiet_broken_pipe

    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):
        quiet_broken_pipe()
        sys.exit(BROKEN_PIPE_EXIT)


__all__ = ["app", "main"]
