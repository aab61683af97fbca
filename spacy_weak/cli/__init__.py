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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    package_logger = logging.getLogger("spacy_weak")
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    _load_commands()
    from ._app import command_with_plain_flags

    command_with_plain_flags()(prog_name="spacy-weak")


__all__ = ["app", "main"]
