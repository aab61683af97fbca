"""Shared plumbing of the aggregator components: the ``Pipe`` base (error handler,
batching, serialisation of ``cfg`` + ``model``), option checks, source patterns and
the docs an aggregator fits on during ``initialize``.

Fitting inside ``nlp.initialize``: spaCy hands every component the raw training
examples. The fitted aggregators (``weak_hmm``, ``weak_doc_em``) take, for each
example, ``eg.reference`` if it carries source span groups (e.g. a corpus of
annotated DocBins), else ``eg.predicted`` if it does, else a copy of
``eg.predicted`` run through the pipeline components *before* the aggregator
(already initialised, since spaCy initialises in pipeline order). Docs are
streamed: only the compact observation array is kept.
"""
import logging
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Sequence, Tuple, Union

import srsly
from spacy import util
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.training import Example
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn

logger = logging.getLogger(__name__)


def _check_option(name: str, param: str, value: Any, options: Sequence[str]) -> None:
    if value not in options:
        raise SpacyWeakError(Errors.E100.format(name=name, param=param, value=value, options=", ".join(options)))


def _has_glob(pattern: str) -> bool:
    return any(ch in pattern for ch in "*?[")


def _matching(patterns: Sequence[str], key: str) -> bool:
    """``key`` is one of the explicit names or matches one of the glob patterns."""
    return any((fnmatchcase(key, p) if _has_glob(p) else key == p) for p in patterns)


def _selects(patterns: Sequence[str], key: str, group) -> bool:
    """``patterns`` select span group ``key`` as a source: named explicitly, or matched by a glob
    and not an evaluation group (gold, reviewed dev sets: :func:`spacy_weak.spans.glob_may_match`)."""
    from ..spans import glob_may_match

    if key in patterns:
        return True
    return glob_may_match(key, group) and any(fnmatchcase(key, p) for p in patterns if _has_glob(p))


def _check_weights(name: str, weights: Dict[str, float], sources: Sequence[str]) -> None:
    unknown = sorted(set(weights) - set(sources))
    if unknown:
        warn(Warnings.W104.format(name=name, unknown=", ".join(map(repr, unknown)), sources=", ".join(sources)))


def _preceding_pipes(nlp, name: str) -> List[Tuple[str, Callable]]:
    names = nlp.pipe_names
    stop = names.index(name) if name in names else len(names)
    return [(n, p) for n, p in nlp.pipeline[:stop]]


def docs_from_examples(
    get_examples: Callable[[], Iterable[Example]], nlp, name: str, has_sources: Callable[[Doc], bool]
) -> Iterator[Doc]:
    """The docs an aggregator fits on during ``initialize`` (see module docstring)."""
    pipes = None
    for eg in get_examples():
        if has_sources(eg.reference):
            yield eg.reference
        elif has_sources(eg.predicted):
            yield eg.predicted
        else:
            doc = eg.predicted.copy()
            if nlp is not None:
                if pipes is None:
                    pipes = _preceding_pipes(nlp, name)
                for _, proc in pipes:
                    doc = proc(doc)
            yield doc


class AggregatorBase(Pipe):
    """Shared plumbing of every aggregator: error handler, batching, serialisation of
    ``cfg`` + ``model``. Public bases: :class:`~.span_base.SpanAggregator`,
    :class:`~.doc_components.DocAggregator` (see :mod:`.contracts`)."""

    def __init__(self, vocab: Vocab, name: str):
        self.vocab = vocab
        self.name = name

    # subclasses: predict(docs) -> results, set_annotations(docs, results),
    #             _get_state() / _set_state(dict) (JSON/msgpack-able)

    def __call__(self, doc: Doc) -> Doc:
        error_handler = self.get_error_handler()
        try:
            self.set_annotations([doc], self.predict([doc]))
            return doc
        except Exception as e:  # noqa: BLE001 - spaCy's error-handler protocol
            return error_handler(self.name, self, [doc], e)

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        error_handler = self.get_error_handler()
        for docs in util.minibatch(stream, size=batch_size):
            try:
                self.set_annotations(docs, self.predict(docs))
                yield from docs
            except Exception as e:  # noqa: BLE001
                error_handler(self.name, self, docs, e)

    def _get_state(self) -> Dict:
        return {}

    def _set_state(self, state: Dict) -> None:
        pass

    def _validate_state(self, state: Dict, where: str) -> None:
        """Check a loaded state before :meth:`_set_state` (``E112``/``E114``); subclasses override."""

    def to_bytes(self, *, exclude: Iterable[str] = tuple()) -> bytes:
        serializers = {
            "cfg": lambda: srsly.json_dumps(self.cfg),
            "model": lambda: srsly.msgpack_dumps(self._get_state()),
        }
        return util.to_bytes(serializers, exclude)

    def _load_state(self, data: bytes, where: str) -> None:
        try:
            state = srsly.msgpack_loads(data)
            if not isinstance(state, dict):
                raise ValueError(f"expected a mapping, got {type(state).__name__}")
            self._validate_state(state, where)
            self._set_state(state)
        except SpacyWeakError:
            raise
        except Exception as err:  # noqa: BLE001 - msgpack raises several types on truncation
            raise SpacyWeakError(
                Errors.E108.format(name=self.name, path=where, err=f"{type(err).__name__}: {err}")
            ) from None

    def from_bytes(self, bytes_data: bytes, *, exclude: Iterable[str] = tuple()):
        def load_model(b):
            self._load_state(b, "(bytes) model")

        deserializers = {"cfg": lambda b: self.cfg.update(srsly.json_loads(b)), "model": load_model}
        util.from_bytes(bytes_data, deserializers, exclude)
        return self

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()) -> None:
        path = util.ensure_path(path)
        serializers = {
            "cfg": lambda p: srsly.write_json(p, self.cfg),
            "model": lambda p: p.write_bytes(srsly.msgpack_dumps(self._get_state())),
        }
        util.to_disk(path, serializers, exclude)

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = tuple()):
        path = util.ensure_path(path)
        deserializers = {
            "cfg": lambda p: self.cfg.update(self._read_cfg(p)),
            "model": lambda p: self._load_state(self._read_model(p), str(p)),
        }
        util.from_disk(path, deserializers, exclude)
        return self

    def _read_model(self, path: Path) -> bytes:
        if not path.is_file():
            raise SpacyWeakError(Errors.E113.format(name=self.name, path=path))
        return path.read_bytes()

    def _read_cfg(self, path: Path) -> Dict:
        if not path.is_file():
            raise SpacyWeakError(Errors.E113.format(name=self.name, path=path))
        try:
            cfg = srsly.read_json(path)
        except ValueError as err:
            raise SpacyWeakError(Errors.E112.format(name=self.name, path=path, problem=f"not JSON ({err})")) from None
        if not isinstance(cfg, dict):
            raise SpacyWeakError(Errors.E112.format(name=self.name, path=path, problem="not a JSON object"))
        self._validate_cfg(dict(self.cfg, **cfg))
        return cfg

    def _validate_cfg(self, cfg: Dict) -> None:
        """Check saved settings as ``__init__`` checks given ones; subclasses override."""


# =============================================================== span-level


_AggregatorBase = AggregatorBase  # the name before issue 23 (kept for code written against it)
