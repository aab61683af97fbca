"""Command line: ``spacy-weak <command>`` or ``python -m spacy_weak <command>``.

One module per command group; each attaches its commands to :data:`app`.
"""
import importlib
import logging
import sys

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
]


def _load_commands() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(f"{__name__}.{module}")


def main() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    package_logger = logging.getLogger("spacy_weak")
    package_logger.addHandler(handler)
    package_logger.setLevel(logging.INFO)
    _load_commands()
    from ._app import command_with_plain_flags

    command_with_plain_flags()(prog_name="spacy-weak")


__all__ = ["app", "main"]
