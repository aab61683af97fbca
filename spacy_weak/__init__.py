"""spacy-weak: weak supervision for spaCy.

Labelling sources are pipeline components that write spans into
``doc.spans[<source>]``; aggregators combine them into silver labels.
Importing this package is cheap: heavy dependencies (hmmlearn, scikit-learn)
are imported by the modules that need them, when they need them.
"""
import logging

from .about import __version__

logger = logging.getLogger("spacy_weak")
logger.addHandler(logging.NullHandler())

__all__ = ["__version__", "logger"]
