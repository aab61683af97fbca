"""A pipeline that ships: the labelling sources (coverage), the trained NER as one more source
(context) and the label model, in one ``spacy.load``-able directory.

The NER runs as a ``weak_model`` component that copies its ``doc.ents`` into a span group with
``attrs["abstain_outside"] = True``: the label model reads its spans as votes and its silence as
*no opinion* (docs/training.md, "abstain_outside"). The label model must have been fitted with a
span group of that name whose spans came from a model that never saw the documents — the
cross-fitted out-of-fold predictions (:mod:`.crossfit`, :func:`.selftrain.refit`) — so that it
learns how far an NER trained on silver can be trusted on new text, not on its training text.
At inference the final NER takes the out-of-fold models' place.
"""
import logging
from pathlib import Path
from typing import Optional, Union

from spacy.language import Language

from ..errors import Errors, SpacyWeakError
from .crossfit import OOF_KEY
from .selftrain import add_source

logger = logging.getLogger(__name__)


def add_model_source(nlp: Language, model: Union[str, Path], *, aggregator: str, name: str = OOF_KEY,
                     store_model: bool = True) -> Language:
    """Insert the trained NER ``model`` before ``aggregator`` as the abstaining source ``name`` (in place)."""
    if aggregator not in nlp.pipe_names:
        raise SpacyWeakError(Errors.E306.format(param="aggregator", value=aggregator, options=", ".join(nlp.pipe_names)))
    agg = nlp.get_pipe(aggregator)
    if name not in getattr(agg, "sources", []) and name not in (agg.cfg.get("sources") or []):
        logger.warning("%s was not fitted with the source %r: its parameters for it are the defaults", aggregator, name)
    add_source(agg, name)
    if name in nlp.pipe_names:
        nlp.remove_pipe(name)
    nlp.add_pipe("weak_model", name=name, before=aggregator, config={
        "model": str(model), "spans_key": name, "annotation": "ents", "abstain_outside": True,
        "store_model": store_model,
    })
    nlp.get_pipe(name).initialize()
    return nlp


def save_shipped(nlp: Language, output: Union[str, Path], *, meta_name: Optional[str] = None) -> Path:
    """``nlp.to_disk`` into a temporary sibling, renamed into place (a crashed save leaves no half pipeline)."""
    import shutil

    output = Path(output)
    tmp = output.with_name(f".{output.name}.tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    if meta_name:
        nlp.meta["name"] = meta_name
    nlp.to_disk(tmp)
    if output.exists():
        shutil.rmtree(output)
    tmp.rename(output)
    return output
