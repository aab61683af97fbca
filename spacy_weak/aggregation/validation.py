"""Checks of aggregator parameters (where components are built) and of saved models (on load).

Parameters: every numeric setting is typed and bounded; a bad value is
``E100`` naming the component and the parameter, raised by the component's
``__init__`` (so ``nlp.add_pipe``, ``spacy.load`` and config assembly all
refuse it before any data is read).

Saved models: each saved state carries ``"format"`` (``STATE_FORMATS``); a
state of another format is ``E114``. Its content is checked before use
(``E112``): lists of source and label names, probability tables of the
shape the sources and labels imply, every entry finite and in ``[0, 1]``, each
distribution summing to 1. States written before the format field existed
are accepted if their content passes the same checks.
"""
import math
from numbers import Real
from typing import Any, Dict, Optional

import numpy as np

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..spans import NEGATIVE_LABEL

HMM_STATE_FORMAT = "spacy_weak.weak_hmm.v1"
DOC_EM_STATE_FORMAT = "spacy_weak.weak_doc_em.v1"
NORM_TOL = 1e-6


def check_number(
    name: str,
    param: str,
    value: Any,
    *,
    minimum: Optional[float] = None,
    maximum: Optional[float] = None,
    exclusive_minimum: bool = False,
    integer: bool = False,
) -> None:
    """``E100`` unless ``value`` is a finite number (an int if ``integer``) within the bounds."""
    if integer:
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        kind = "an integer"
    else:
        ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(float(value))
        kind = "a finite number"
    if ok and minimum is not None:
        ok = value > minimum if exclusive_minimum else value >= minimum
    if ok and maximum is not None:
        ok = value <= maximum
    if not ok:
        bounds = []
        if minimum is not None:
            bounds.append(f"{'>' if exclusive_minimum else '>='} {minimum}")
        if maximum is not None:
            bounds.append(f"<= {maximum}")
        raise SpacyWeakError(Errors.E100.format(name=name, param=param, value=value, options=" and ".join([kind] + bounds)))


def check_number_map(name: str, param: str, mapping: Any, *, minimum: float = 0.0, maximum: Optional[float] = None) -> None:
    """``E100`` unless ``mapping`` is ``{str: finite number within the bounds}`` (or empty/None)."""
    if mapping is None:
        return
    if not isinstance(mapping, dict):
        raise SpacyWeakError(Errors.E100.format(name=name, param=param, value=mapping, options="a mapping {name: number}"))
    for key, value in mapping.items():
        check_number(name, f"{param}[{key!r}]", value, minimum=minimum, maximum=maximum)


def check_em_params(name: str, *, n_iter: Any, tol: Any, prior_strength: Any, seed: Any = 0) -> None:
    """The EM settings shared by ``weak_hmm`` and ``weak_doc_em``."""
    check_number(name, "n_iter", n_iter, minimum=0, integer=True)
    check_number(name, "tol", tol, minimum=0)
    check_number(name, "prior_strength", prior_strength, minimum=0)
    check_number(name, "seed", seed, minimum=0, integer=True)


def check_hmm_params(name: str, *, n_iter, tol, seed, prior_strength, pseudo_count, anchor_strength, weights) -> None:
    """``weak_hmm``'s numeric settings."""
    check_em_params(name, n_iter=n_iter, tol=tol, prior_strength=prior_strength, seed=seed)
    check_number(name, "pseudo_count", pseudo_count, minimum=0, exclusive_minimum=True)
    check_number(name, "anchor_strength", anchor_strength, minimum=0)
    check_number_map(name, "weights", weights, minimum=0)


def check_class_priors(name: str, priors: Any, multilabel: bool) -> None:
    """``class_priors``: ``{label: p}`` with finite ``p`` in [0, 1] (multi-class: not all 0)."""
    if not priors:
        return
    check_number_map(name, "class_priors", priors, minimum=0, maximum=None if not multilabel else 1)
    if not multilabel and sum(float(v) for v in priors.values()) <= 0:
        raise SpacyWeakError(
            Errors.E100.format(name=name, param="class_priors", value=priors, options="weights with a positive sum")
        )


# ------------------------------------------------------------ dropped sources and labels


def warn_missing_sources(name: str, patterns, found, n_docs: int) -> None:
    """``W107`` for explicit (non-glob) names in ``sources`` that no fitted document had."""
    missing = [p for p in patterns if not any(ch in p for ch in "*?[") and p not in set(found)]
    if missing and found:
        warn(Warnings.W107.format(name=name, missing=", ".join(map(repr, missing)), n_docs=n_docs,
                                  found=", ".join(found)), stacklevel=3)


def check_aggregator_names(name: str, labels, spans_key: str, sources) -> None:
    """Where an aggregator is built: ``"O"`` is not a label (``E115``: it is the "not an entity"
    vote, so a model of ``["O"]`` always yields nothing); its output key may not be one of its
    explicitly named sources (``E116``: it would overwrite that source's votes)."""
    if NEGATIVE_LABEL in list(labels or ()):
        raise SpacyWeakError(Errors.E115.format(name=name, labels=list(labels)))
    if spans_key in [s for s in (sources or ()) if not any(ch in s for ch in "*?[")]:
        raise SpacyWeakError(Errors.E116.format(name=name, key=spans_key, where="its `sources`"))


def check_spans_key_free(name: str, spans_key: str, nlp) -> None:
    """``E116`` when another component of ``nlp`` is called like the aggregator's output key (a source
    named ``silver`` writes ``doc.spans["silver"]``, which the aggregator would overwrite)."""
    if nlp is None:
        return
    for other, pipe in nlp.pipeline:
        if other == name or type(pipe).__name__.endswith("Aggregator"):
            continue
        if other == spans_key or getattr(pipe, "spans_key", None) == spans_key:
            raise SpacyWeakError(Errors.E116.format(name=name, key=spans_key, where=f"the pipeline (component {other!r})"))


def check_source_labels(name: str, unknown: Dict[str, Dict[str, int]], labels, kept_spans: Dict[str, int]) -> None:
    """Source labels outside the aggregator's ``labels``: ``E117`` when no source vote fits any model
    label (the model would be empty), else ``W110`` per source and label (case-only: ``W108``)."""
    folded = {str(label).casefold() for label in labels}
    outside = {
        (source, found): n
        for source, per in unknown.items()
        for found, n in per.items()
        if found.casefold() not in folded
    }
    if not any(kept_spans.values()) and unknown:
        voted = sorted({found for per in unknown.values() for found in per})
        raise SpacyWeakError(Errors.E117.format(name=name, labels=", ".join(labels), found=", ".join(voted)))
    for (source, found), n in sorted(outside.items()):
        warn(Warnings.W110.format(name=name, source=source, label=found, n=n, labels=", ".join(labels)), stacklevel=3)


def warn_case_mismatches(name: str, unknown: Dict[str, Dict[str, int]], labels, warned: Optional[set] = None) -> None:
    """``W108`` for each source label outside ``labels`` that equals one of them up to case (once per pair)."""
    by_fold = {str(label).casefold(): label for label in labels}
    for source in sorted(unknown):
        for found in sorted(unknown[source]):
            label = by_fold.get(found.casefold())
            if label is None or label == found or (warned is not None and (source, found) in warned):
                continue
            if warned is not None:
                warned.add((source, found))
            warn(Warnings.W108.format(name=name, source=source, found=found, label=label), stacklevel=3)


def check_identifiable(name: str, V: np.ndarray, labels, multilabel: bool, posteriors: Optional[np.ndarray]) -> None:
    """``W109`` when a document-level EM model cannot be identified from its votes.

    ``V``: votes ``(n_docs, n_sources, n_labels)`` (codes of :mod:`.dawid_skene`).
    Multi-class: fewer than two classes ever get a "for" vote (and no
    "against" vote tells the classes apart), or the fit puts every document in
    one class. Multi-label: a label that gets "for" votes but never an
    "against" vote. Called only when ``class_priors`` is not given.
    """
    from .dawid_skene import AGAINST, FOR

    labels = list(labels)
    if V.size == 0 or len(labels) < 1:
        return
    voted_for = (V == FOR).any(axis=(0, 1))
    voted_against = (V == AGAINST).any(axis=(0, 1))
    if multilabel:
        one_sided = [labels[i] for i in np.flatnonzero(voted_for & ~voted_against)]
        if one_sided:
            warn(Warnings.W109.format(
                name=name, problem=f"label(s) {', '.join(one_sided)} get 'for' votes but never an 'against' vote",
                missing=f"'not {one_sided[0]}'"), stacklevel=3)
        return
    if len(labels) < 2:
        return
    if voted_for.sum() < 2 and not voted_against.any():
        voted = [labels[i] for i in np.flatnonzero(voted_for)]
        missing = [label for label in labels if label not in voted]
        problem = f"every source votes for {', '.join(voted) or 'no class'} only"
        warn(Warnings.W109.format(name=name, problem=problem, missing=" or ".join(missing)), stacklevel=3)
        return
    if posteriors is not None and len(posteriors) > 1:
        winners = np.unique(np.argmax(posteriors, axis=1))
        if len(winners) == 1:
            only = labels[int(winners[0])]
            missing = [label for label in labels if label != only]
            warn(Warnings.W109.format(name=name, problem=f"the fit puts all {len(posteriors)} documents in class {only}",
                                      missing=" or ".join(missing)), stacklevel=3)


# ------------------------------------------------------------------ saved models


def bad_state(name: str, where: str, problem: str) -> SpacyWeakError:
    return SpacyWeakError(Errors.E112.format(name=name, path=where, problem=problem))


def check_format(name: str, state: Dict, expected: str, where: str) -> None:
    found = state.get("format")
    if found is not None and found != expected:
        raise SpacyWeakError(Errors.E114.format(name=name, path=where, found=found, expected=expected))


def _names(name: str, state: Dict, key: str, where: str) -> list:
    values = state.get(key)
    if values is None:
        values = []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise bad_state(name, where, f"'{key}' must be a list of names")
    if len(set(values)) != len(values):
        raise bad_state(name, where, f"'{key}' repeats a name")
    return values


def check_table(name: str, where: str, key: str, value: Any, shape: tuple, *, normalised_axis: Optional[int] = -1) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise bad_state(name, where, f"'{key}' is not a numeric table") from None
    if arr.size != int(np.prod(shape)):
        raise bad_state(name, where, f"'{key}' has {arr.size} entries, expected shape {shape} for the saved sources and labels")
    arr = arr.reshape(shape)
    if not np.all(np.isfinite(arr)):
        raise bad_state(name, where, f"'{key}' holds NaN or infinite values")
    if np.any(arr < 0) or np.any(arr > 1 + NORM_TOL):
        raise bad_state(name, where, f"'{key}' holds values outside [0, 1] (min {arr.min():.6g}, max {arr.max():.6g})")
    if normalised_axis is not None and arr.size:
        sums = arr.sum(axis=normalised_axis)
        if np.any(np.abs(sums - 1.0) > NORM_TOL):
            worst = float(sums.flat[int(np.argmax(np.abs(sums - 1.0)))])
            raise bad_state(name, where, f"a distribution in '{key}' sums to {worst:.9g}, not 1")
    return arr


def saved_parts(name: str, state: dict, fmt: str, where: str, model_key: str):
    """The checked format, then ``(sources, labels, fitted model or None)`` of a saved state."""
    check_format(name, state, fmt, where)
    return _names(name, state, "sources", where), _names(name, state, "labels", where), state.get(model_key)


DIAGNOSTIC_KEYS = ("history", "loglik_history")  # the fit's trace: shown, never used to predict


def check_all_finite(name: str, where: str, value: Any, key: str = "") -> None:
    """``E112`` for a NaN or infinite number anywhere in a saved state (every table and setting,
    ``source_weights`` included), naming its key: no saved number is meaningful when not finite."""
    if isinstance(value, float):
        if not math.isfinite(value):
            raise bad_state(name, where, f"'{key or 'the state'}' holds NaN or infinite values")
    elif isinstance(value, dict):
        for k, v in value.items():
            if not key and k in DIAGNOSTIC_KEYS:
                continue
            check_all_finite(name, where, v, f"{key}.{k}" if key else str(k))
    elif isinstance(value, (list, tuple)):
        for v in value:
            if isinstance(v, (dict, list, tuple, float)):
                check_all_finite(name, where, v, key)
