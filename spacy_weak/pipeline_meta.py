"""The package version in a saved pipeline's ``meta.json``.

Every command that saves a pipeline (``fit``, ``demo``) calls
:func:`stamp_meta` first: ``meta.json`` then names the spacy-weak version
that wrote it (``"spacy_weak": {"version": ...}``) and lists
``spacy-weak>=X.Y.Z,<X.(Y+1).0`` in its ``requirements``, as spaCy does for
the packages a pipeline needs (``spacy package`` turns them into install
requirements).
"""
from typing import Any

from .about import __version__


def requirement() -> str:
    major, minor = (int(x) for x in __version__.split(".")[:2])
    return f"spacy-weak>={__version__},<{major}.{minor + 1}.0"


def stamp_meta(nlp: Any) -> None:
    """Record this package's version in ``nlp.meta`` (written by ``nlp.to_disk``)."""
    meta = nlp.meta
    meta["spacy_weak"] = {"version": __version__}
    reqs = [r for r in meta.get("requirements", []) if not str(r).replace("_", "-").startswith("spacy-weak")]
    meta["requirements"] = reqs + [requirement()]
