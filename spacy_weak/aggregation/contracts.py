"""What an aggregator is: the contracts callers rely on instead of concrete classes.

Two bases (components, ``spacy.pipeline.Pipe`` subclasses; serialisation, batching,
the error handler and source patterns come with them):

* :class:`~spacy_weak.aggregation.span_base.SpanAggregator` -- votes of span sources
  to ``doc.spans[spans_key]`` (probabilities, voters) and ``doc.ents``
  (``weak_vote``, ``weak_hmm``);
* :class:`~spacy_weak.aggregation.doc_components.DocAggregator` -- document-level
  votes to ``doc.cats`` (``weak_doc_vote``, ``weak_doc_em``).

Two protocols (structural: a user's component need not subclass anything):

* :class:`LabelModel` -- an aggregator fitted without gold on the votes:
  ``fit(docs)``, ``is_fitted``, ``source_report()`` (learned accuracy per source and
  label, read by ``analyze --model``, ``review`` and the derivation card). Its saved
  state is validated by the model's own ``_validate_state`` on load.
* :class:`ShardFittable` -- a label model that can also be fitted shard by shard
  (``spacy-weak fit --cluster``): ``fit_sharded(shards)`` computes its sufficient
  statistics per shard through a :class:`Shards` backend and sums them, ending in
  the state a single-process ``fit`` reaches. ``spacy-weak fit --cluster`` calls this
  method and knows no model by name.

This module imports nothing heavy: it is read by the run layer and the CLI.
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Protocol, Sequence, runtime_checkable

# ``{source: {label: {"precision": p, ...}}}``: what a label model learned of each source
SourceReport = Dict[str, Dict[str, Dict[str, Optional[float]]]]


class Shards(Protocol):
    """A backend's view of DocBin shards for a sharded fit (Dask: ``distributed.fit.ClusterShards``).

    ``submit(fn, *args)`` runs the pure function ``fn`` where the data is and returns a
    handle (a future) that may be passed to later ``submit`` calls; ``gather_one`` fetches
    one result (``E454`` if its task failed); ``tree_sum(handles, fn)`` reduces results
    with ``fn(*parts)`` in a fixed order and fetches the sum."""

    files: List[str]

    def submit(self, fn: Callable, *args: Any) -> Any: ...

    def gather_one(self, handle: Any, *, what: str) -> Any: ...

    def tree_sum(self, handles: Sequence[Any], fn: Callable) -> Any: ...


@runtime_checkable
class LabelModel(Protocol):
    """An aggregator fitted without gold labels on the sources' votes."""

    @property
    def is_fitted(self) -> bool: ...

    def fit(self, docs: Iterable[Any]) -> Any: ...

    def source_report(self) -> SourceReport: ...


@runtime_checkable
class ShardFittable(LabelModel, Protocol):
    """A :class:`LabelModel` whose fit can run on shards (the cluster fit's hook)."""

    def fit_sharded(self, shards: Shards) -> None: ...


def is_fittable(component: Any) -> bool:
    """Whether ``spacy-weak fit`` can fit ``component``: it has a ``fit(docs)`` method (the part
    of :class:`LabelModel` a fit needs; a user's component may offer only that)."""
    return callable(getattr(component, "fit", None))


def is_label_model(component: Any) -> bool:
    """Whether ``component`` is a fitted :class:`LabelModel` (has learned something to report)."""
    return isinstance(component, LabelModel) and bool(component.is_fitted)
