"""Saving a pipeline without the paths of the machine that made it.

A pipeline's ``config.cfg`` keeps the ``[paths]`` it was built with (e.g.
``lexicon = "/home/me/project/corpora/lexicon"``). Once initialised, the data
those paths pointed to lives inside the pipeline directory (the compiled
lexicon, the fitted model), so the paths are only needed to initialise the
config again. :func:`save_pipeline` writes them as ``null`` when they are
absolute (relative paths, which mean the same thing in the project on another
machine, are kept); to initialise the saved config again, give them on the
command line (``--paths.lexicon ...``) as with any spaCy config.
"""
import logging
import os
from pathlib import Path
from typing import List, Union

logger = logging.getLogger(__name__)


def portable_paths(nlp) -> List[str]:
    """Set absolute ``[paths]`` values of ``nlp.config`` to null; returns the keys changed."""
    config = nlp.config
    paths = config.get("paths", {})
    changed = [key for key, value in paths.items() if isinstance(value, str) and os.path.isabs(value)]
    if changed:
        for key in changed:
            paths[key] = None
        nlp.config = config
        logger.debug("Saved config: [paths] %s written as null (absolute paths of this machine)", ", ".join(changed))
    return changed


def save_pipeline(nlp, path: Union[str, Path]) -> List[str]:
    """``nlp.to_disk(path)`` with :func:`portable_paths`, written beside ``path`` and
    renamed into place (:func:`~spacy_weak.corpora.saved_dir.save_dir_atomic`; check
    the directory first with :func:`~spacy_weak.corpora.saved_dir.check_saved_dir`).
    Returns the keys made null."""
    from .corpora.saved_dir import save_dir_atomic

    changed = portable_paths(nlp)
    save_dir_atomic(path, nlp.to_disk)
    return changed
