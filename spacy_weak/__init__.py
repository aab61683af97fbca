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

# Public helpers, imported on first use so that `import spacy_weak` stays cheap.
_LAZY = {
    "span_source": "sources",
    "doc_source": "sources",
    "label_matrix": "matrix",
    "LabelMatrix": "matrix",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module = importlib.import_module(f".{_LAZY[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LabelMatrix", "__version__", "doc_source", "label_matrix", "logger", "span_source"]
