"""``weak_model``: another spaCy pipeline as a labelling source, on the same tokens.

The wrapped pipeline (``model``: an installed package name or a directory) is
loaded lazily, at ``initialize()`` or at the first document, never in
``__init__``. For each document the component builds
``Doc(model.vocab, words=[t.text ...], spaces=[...])`` — the *same* tokens — and
runs the wrapped pipeline's components over it; the wrapped pipeline's tokenizer
is never used, so its spans always align with ours even where its own
tokenizer would have split the text differently (its accuracy may then be a
little lower than on its own tokens). It then copies, through the label map:

* ``annotation = "ents"``: ``doc.ents`` (labels and ``kb_id``) into ``doc.spans[spans_key]``
  (with ``abstain_outside = true`` the group gets ``attrs["abstain_outside"]``: the label model
  reads the model's silence as no opinion, not as ``O``: a trained NER as a source);
* ``annotation = "spans"``: the group ``doc.spans[source_spans_key]``;
* ``annotation = "cats"``: ``doc.cats`` as document-level votes: a label whose
  score is ``>= cats_threshold`` gets vote 1; with ``cats_negative_threshold``
  set, a label scoring ``<=`` it gets vote 0 (explicit vote against); others abstain.

Serialisation: with ``store_model = true`` (default), ``to_disk`` writes the
wrapped pipeline into ``<component folder>/model`` and ``from_disk`` loads that
copy, so a saved pipeline is self-contained. With ``store_model = false`` only
the reference (``model``) is kept and loaded again from there.
"""
import logging
import math
import warnings
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Union

import srsly
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from ..errors import Errors, SpacyWeakError, Warnings
from ..spans import ATTR_ABSTAIN_OUTSIDE, set_doc_votes, set_source_spans
from ._align import SourcePipe

logger = logging.getLogger(__name__)

ANNOTATIONS = ("ents", "spans", "cats")
MODEL_DIR = "model"


def load_model(model: str, *, name: str) -> Language:
    """Load a pipeline by package name or path, with a coded error when missing."""
    import spacy
    from spacy.util import is_package

    path = Path(model)
    if not path.exists() and not is_package(model):
        raise SpacyWeakError(Errors.E061.format(model=model, name=name))
    try:
        return spacy.load(path if path.exists() else model)
    except SpacyWeakError:
        raise
    except Exception as e:
        raise SpacyWeakError(Errors.E068.format(model=model, name=name, type=type(e).__name__, error=e)) from e


class ModelAnnotator(SourcePipe):
    def __init__(
        self,
        vocab,
        *,
        name: str = "weak_model",
        model: Union[str, Language],
        spans_key: Optional[str] = None,
        annotation: str = "ents",
        source_spans_key: Optional[str] = None,
        cats_threshold: float = 0.5,
        cats_negative_threshold: Optional[float] = None,
        store_model: bool = True,
        batch_size: int = 64,
        label_map: Optional[Callable[[str], Optional[str]]] = None,
        lang: Optional[str] = None,
        abstain_outside: bool = False,
    ) -> None:
        self._init_source(vocab, name, spans_key, label_map)
        self.abstain_outside = bool(abstain_outside)
        if annotation not in ANNOTATIONS:
            raise SpacyWeakError(Errors.E050.format(param="annotation", value=annotation, options=", ".join(ANNOTATIONS)))
        if annotation == "spans" and not source_spans_key:
            raise SpacyWeakError(Errors.E062.format(name=name))
        if (
            isinstance(cats_threshold, bool)
            or not isinstance(cats_threshold, (int, float))
            or math.isnan(cats_threshold)
            or not 0.0 <= cats_threshold <= 1.0
        ):
            raise SpacyWeakError(Errors.E050.format(param="cats_threshold", value=cats_threshold, options="a number in [0, 1]"))
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise SpacyWeakError(Errors.E050.format(param="batch_size", value=batch_size, options="an integer >= 1"))
        if cats_negative_threshold is not None and cats_negative_threshold >= cats_threshold:
            raise SpacyWeakError(
                Errors.E050.format(
                    param="cats_negative_threshold",
                    value=cats_negative_threshold,
                    options=f"null or a score below cats_threshold ({cats_threshold})",
                )
            )
        self._nlp: Optional[Language] = None
        self.lang = lang
        if isinstance(model, Language):
            self.model_name = f"<{model.meta.get('lang', '?')}_{model.meta.get('name', 'pipeline')} object>"
            self._set_model(model)
        else:
            self.model_name = str(model)
        self.annotation = annotation
        self.source_spans_key = source_spans_key
        self.cats_threshold = float(cats_threshold)
        self.cats_negative_threshold = None if cats_negative_threshold is None else float(cats_negative_threshold)
        self.store_model = store_model
        self.batch_size = batch_size

    # ----------------------------------------------------------------- model
    @property
    def wrapped(self) -> Language:
        """The wrapped pipeline, loaded on first use."""
        if self._nlp is None:
            logger.info("%s: loading pipeline %s", self.name, self.model_name)
            self._set_model(load_model(self.model_name, name=self.name))
        return self._nlp  # type: ignore[return-value]

    def _set_model(self, nlp: Language) -> None:
        if self.lang and nlp.lang != self.lang:
            warnings.warn(
                Warnings.W050.format(name=self.name, model=self.model_name, model_lang=nlp.lang, lang=self.lang)
            )
        self._nlp = nlp

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None) -> None:
        """Load the wrapped pipeline now (so a missing one fails before annotating)."""
        _ = self.wrapped  # the property loads it

    @property
    def labels(self):
        """Labels of the wrapped pipeline's components (empty until it is loaded: spaCy reads
        this for ``nlp.meta``, which must not trigger loading)."""
        nlp = self._nlp
        if nlp is None:
            return ()
        labels = set()
        for _name, proc in nlp.pipeline:
            labels.update(getattr(proc, "labels", ()) or ())
        return tuple(sorted(labels))

    # -------------------------------------------------------------- running
    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            self.set_annotations([doc], self.predict([doc]))
            return doc
        except Exception as e:
            return error_handler(self.name, self, [doc], e)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=min(batch_size, self.batch_size)):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as e:
                error_handler(self.name, self, docs, e)

    def _same_tokens(self, doc: Doc) -> Doc:
        return Doc(
            self.wrapped.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc]
        )

    def predict(self, docs: List[Doc]) -> List[Doc]:
        """The wrapped pipeline's output on Docs with the same tokens as ``docs``."""
        nlp = self.wrapped
        return list(nlp.pipe([self._same_tokens(doc) for doc in docs], batch_size=len(docs) or 1))

    def set_annotations(self, docs: List[Doc], outputs: List[Doc]) -> None:
        for doc, out in zip(docs, outputs):
            if len(out) != len(doc):  # a component of the wrapped pipeline retokenised
                raise SpacyWeakError(Errors.E070.format(name=self.name, model=self.model_name, n=len(doc), m=len(out)))
            self.stats["docs"] += 1
            if self.annotation == "cats":
                votes = self._votes(out.cats)
                set_doc_votes(doc, self.spans_key, votes, source=self.name)
                self.stats["votes"] += len(votes)
                continue
            if self.annotation == "ents":
                found = list(out.ents)
            else:
                if self.source_spans_key not in out.spans:
                    raise SpacyWeakError(
                        Errors.E063.format(
                            name=self.name, model=self.model_name, key=self.source_spans_key,
                            keys=", ".join(sorted(out.spans)) or "none",
                        )
                    )
                found = list(out.spans[self.source_spans_key])
            spans = []
            seen = set()
            for s in found:
                label = self._map(s.label_)
                if label is None:
                    continue
                key = (s.start, s.end, label, s.kb_id_)
                if key in seen:
                    continue
                seen.add(key)
                spans.append(Span(doc, s.start, s.end, label=label, kb_id=s.kb_id_))
            group = set_source_spans(doc, self.spans_key, spans, source=self.name)
            if self.abstain_outside:  # a trained model vouches only for what it tags (docs/training.md)
                group.attrs[ATTR_ABSTAIN_OUTSIDE] = True
            self.stats["spans"] += len(spans)

    def _votes(self, cats: Dict[str, float]) -> Dict[str, int]:
        votes: Dict[str, int] = {}
        for raw, score in sorted(cats.items()):
            label = self._map(raw)
            if label is None:
                continue
            if score >= self.cats_threshold:
                votes[label] = 1
            elif self.cats_negative_threshold is not None and score <= self.cats_negative_threshold:
                votes.setdefault(label, 0)
        return votes

    # --------------------------------------------------------- serialisation
    def _cfg(self) -> Dict[str, Any]:
        return {
            "spans_key": self.spans_key,
            "model": self.model_name,
            "annotation": self.annotation,
            "source_spans_key": self.source_spans_key,
            "store_model": self.store_model,
        }

    def _to_disk_extra(self):
        def write(p: Path) -> None:
            if self.store_model:
                self.wrapped.to_disk(p)

        return {MODEL_DIR: write}

    def _from_disk_extra(self):
        def read(p: Path) -> None:
            if p.exists():
                self._set_model(load_model(str(p), name=self.name))

        return {MODEL_DIR: read}

    def _to_bytes_extra(self):
        def dump() -> bytes:
            if not self.store_model:
                return b""
            nlp = self.wrapped
            return srsly.msgpack_dumps({"config": nlp.config.to_str(), "bytes": nlp.to_bytes()})

        return {MODEL_DIR: dump}

    def _from_bytes_extra(self):
        def read(b: bytes) -> None:
            if b:
                from spacy.util import load_model_from_config
                from thinc.api import Config

                data = srsly.msgpack_loads(b)
                nlp = load_model_from_config(Config().from_str(data["config"]))
                self._set_model(nlp.from_bytes(data["bytes"]))

        return {MODEL_DIR: read}
