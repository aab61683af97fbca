"""Labelling functions as plain Python: ``@span_source`` and ``@doc_source``.

Snorkel's ``@labeling_function()`` in spaCy terms. The decorator registers the
function twice, so both ways a spaCy user names a component work:

* as a **component factory** of the same name: ``nlp.add_pipe("chem_suffix")``,
  or ``factory = "chem_suffix"`` in a config;
* as a **registered function** for the generic components:
  ``nlp.add_pipe("weak_function", config={"function": {"@misc": "chem_suffix"}})``
  (``weak_doc_function`` for a document source).

Example (the first example of ``docs/sources.md``)::

    import spacy_weak

    @spacy_weak.span_source("chem_suffix", label="Chemical", resources={"suffixes": ("ine", "ol")})
    def chem_suffix(doc, suffixes):
        for token in doc:
            if token.lower_.endswith(suffixes):
                yield token.i, token.i + 1          # the label defaults to "Chemical"

A span source yields (or returns) ``Span`` objects, ``(start, end)`` pairs
(labelled with ``label``), or ``(start, end, label[, kb_id])`` tuples, as
``weak_function`` accepts. A document source returns ``None`` (abstain), ``True``
/ ``False`` (a vote for / against ``label``), or what ``weak_doc_function``
accepts (a label, a list of labels, a dict ``{label: 1 | 0}``).

``resources`` are keyword arguments given to the function on every call
(Snorkel's ``resources=``); the component's config key ``resources`` overrides
them per pipeline (``nlp.add_pipe("chem_suffix", config={"resources": {...}})``),
which is saved with the pipeline. A saved pipeline names the factory, so
loading it needs the file that defines the function imported first:
``spacy-weak <command> ... --code rules.py`` or ``import rules`` before
``spacy.load``.

The decorator returns a :class:`LabellingSource`: calling it on a Doc runs the
function with its resources (handy in tests); ``.function`` is the original.
"""
import inspect
from typing import Any, Callable, Dict, Optional

from spacy.language import Language
from spacy.tokens import Span
from spacy.util import registry

from .errors import Errors, SpacyWeakError

# name -> "module.qualname" of the function registered under it by this module
_REGISTERED: Dict[str, str] = {}


class LabellingSource:
    """A labelling function with its kind, name, default label and resources."""

    def __init__(self, function: Callable, *, kind: str, name: str, label: Optional[str],
                 resources: Optional[Dict[str, Any]] = None) -> None:
        self.function = function
        self.kind = kind
        self.name = name
        self.label = label
        self.resources = dict(resources or {})
        # error messages name the user's function (annotators._align.function_name)
        self.__qualname__ = getattr(function, "__qualname__", name)
        self.__module__ = getattr(function, "__module__", None)
        self.__doc__ = getattr(function, "__doc__", None)
        self.__wrapped__ = function

    def with_settings(self, *, label: Optional[str] = None, resources: Optional[Dict[str, Any]] = None) -> "LabellingSource":
        """A copy with another default label and/or some resources replaced."""
        merged = dict(self.resources)
        merged.update(resources or {})
        _check_resources(self.function, self.name, merged)
        return LabellingSource(self.function, kind=self.kind, name=self.name,
                               label=self.label if label is None else label, resources=merged)

    def __call__(self, doc):
        result = self.function(doc, **self.resources)
        if self.kind == "span":
            return list(self._label_items(doc, result))
        return self._doc_result(result)

    def _label_items(self, doc, result):
        for item in result or ():
            if self.label is not None:
                if isinstance(item, Span) and not item.label_ and item.doc is doc:  # another Doc's span: E059 later
                    item = Span(doc, item.start, item.end, label=self.label, kb_id=item.kb_id_)
                elif isinstance(item, (tuple, list)) and len(item) == 2:
                    item = (item[0], item[1], self.label)
            yield item

    def _doc_result(self, result):
        if self.label is not None and isinstance(result, bool):
            return {self.label: int(result)}
        return result

    def __repr__(self) -> str:
        return f"<{self.kind}_source {self.name!r} label={self.label!r} resources={sorted(self.resources)}>"


def _check_name(name: Any, function: Callable) -> str:
    if not isinstance(name, str) or not name or "." in name or not name.replace("_", "").replace("-", "").isalnum():
        raise SpacyWeakError(Errors.E067.format(name=name))
    ident = f"{getattr(function, '__module__', '')}.{getattr(function, '__qualname__', repr(function))}"
    previous = _REGISTERED.get(name)
    if previous is None and Language.has_factory(name):
        raise SpacyWeakError(Errors.E072.format(name=name, other="a component factory of spaCy or another package"))
    if previous is not None and previous != ident:
        raise SpacyWeakError(Errors.E072.format(name=name, other=previous))
    return ident


def _check_resources(function: Callable, name: str, resources: Dict[str, Any]) -> None:
    if not isinstance(resources, dict):
        raise SpacyWeakError(Errors.E073.format(name=name, problem=f"resources must be a dict, got {type(resources).__name__}"))
    try:
        params = inspect.signature(function).parameters
    except (TypeError, ValueError):  # builtins without a signature: nothing to check
        return
    accepts_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    unknown = [key for key in resources if key not in params and not accepts_any]
    if unknown:
        raise SpacyWeakError(Errors.E073.format(
            name=name, problem=f"resource(s) {unknown} are not parameters of {getattr(function, '__name__', function)}"))
    positional = [p for p in params.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    missing = [p.name for p in positional[1:] if p.default is p.empty and p.name not in resources]
    if not positional or missing:
        problem = ("the function must take the Doc as its first argument" if not positional
                   else f"parameter(s) {missing} have no value: give them in resources=")
        raise SpacyWeakError(Errors.E073.format(name=name, problem=problem))


def _register(kind: str, name: str, label: Optional[str], resources: Optional[Dict[str, Any]]):
    if label is not None and (not isinstance(label, str) or not label):
        raise SpacyWeakError(Errors.E073.format(name=name, problem=f"label must be a non-empty string, got {label!r}"))

    def decorator(function: Callable) -> LabellingSource:
        if not callable(function):
            raise SpacyWeakError(Errors.E073.format(name=name, problem="the decorated object is not callable"))
        ident = _check_name(name, function)
        _check_resources(function, name, dict(resources or {}))
        source = LabellingSource(function, kind=kind, name=name, label=label, resources=resources)
        make = _span_factory(source) if kind == "span" else _doc_factory(source)
        default_config: Dict[str, Any] = {"label": label, "resources": {}, "spans_key": None, "label_map": None}
        if kind == "span":
            default_config.update({"offsets": "token", "alignment_mode": "strict"})
        Language.factory(name, default_config=default_config, assigns=["doc.spans"], func=make)

        registry.misc.register(name, func=_maker(source))
        _REGISTERED[name] = ident
        return source

    return decorator


def _maker(source: LabellingSource) -> Callable[..., LabellingSource]:
    """The ``@misc`` maker: each resource is an optional keyword (null = the decorator's value)."""

    def maker(**config_resources: Any) -> LabellingSource:
        given = {k: v for k, v in config_resources.items() if v is not None}
        return source.with_settings(resources=given)

    # confection validates config arguments against the signature: name the resources
    maker.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=None) for key in source.resources]
    )
    return maker


def _span_factory(source: LabellingSource) -> Callable:
    def make_span_source(nlp, name: str, label: Optional[str], resources: Dict[str, Any], spans_key: Optional[str],
                         offsets: str, alignment_mode: str, label_map: Optional[Callable]):
        from .annotators.function import FunctionAnnotator

        return FunctionAnnotator(
            nlp.vocab, name=name, function=source.with_settings(label=label, resources=resources),
            spans_key=spans_key or name, offsets=offsets, alignment_mode=alignment_mode, label_map=label_map,
        )

    return make_span_source


def _doc_factory(source: LabellingSource) -> Callable:
    def make_doc_source(nlp, name: str, label: Optional[str], resources: Dict[str, Any], spans_key: Optional[str],
                        label_map: Optional[Callable]):
        from .annotators.doclevel import DocFunctionAnnotator

        return DocFunctionAnnotator(
            nlp.vocab, name=name, function=source.with_settings(label=label, resources=resources),
            spans_key=spans_key or name, label_map=label_map,
        )

    return make_doc_source


def span_source(name: str, *, label: Optional[str] = None, resources: Optional[Dict[str, Any]] = None):
    """Register a span labelling function as the component factory ``name`` (and ``@misc`` ``name``).

    ``label``: the label of items given without one (``(start, end)`` pairs,
    unlabelled Spans). ``resources``: keyword arguments passed on every call.
    """
    return _register("span", name, label, resources)


def doc_source(name: str, *, label: Optional[str] = None, resources: Optional[Dict[str, Any]] = None):
    """Register a document labelling function as the component factory ``name`` (and ``@misc`` ``name``).

    With ``label``, the function may return ``True`` / ``False`` for a vote
    for / against it; ``None`` abstains.
    """
    return _register("doc", name, label, resources)


__all__ = ["LabellingSource", "doc_source", "span_source"]
