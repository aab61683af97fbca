"""The sharded fit of the label models: the statistics hook of the fittable contract
(:class:`~spacy_weak.aggregation.contracts.ShardFittable`), for ``weak_hmm`` and ``weak_doc_em``.

A backend (:class:`spacy_weak.distributed.fit.ClusterShards` on Dask) offers the
shards (DocBin files) and a way to run pure functions on them and sum their results
(:class:`~spacy_weak.aggregation.contracts.Shards`); this module says what to compute:

1. *scan*: one task per DocBin shard encodes its docs into an observation array
   with the shard's own sources and labels and reports them; the client merges
   them into the corpus's sources and labels, in the order one process would use;
2. *encode*: each shard's array is remapped to those columns and codes and stays
   where it was computed (recomputed from the shard file if it is lost);
3. *initialise*: the majority-vote counts of every shard (:meth:`WeakHMM.initial_counts`)
   are summed;
4. *fit*: the component's own steps (:meth:`HMMAggregator.fit_data`, the code path
   of a single-process fit) run on :class:`ShardedObservations`: per EM iteration
   one task per shard runs hmmlearn's E-step (:meth:`WeakHMM.estep`); the statistics
   and log-likelihoods are summed in a fixed tree and the client does the M-step and
   hmmlearn's convergence test (:meth:`WeakHMM.fit_with`). With ``dependencies`` the
   redundancy tables (``dependencies.py``) are summed likewise; EM sees the clamp view;
5. the final expected emission counts (the source report) are summed likewise.

``weak_doc_em`` (Dawid-Skene) is fitted the same way with
:meth:`DawidSkene.init_stats` / ``estep`` / ``update``. The result equals a
single-process fit up to the order of floating-point sums (tests: within 1e-6).
Every function run on a shard is a pure module-level function of its inputs.
"""
from collections.abc import Sequence

import numpy as np

from ..errors import Errors, SpacyWeakError


def _merge_names(patterns: list[str], found: list[list[str]]) -> list[str]:
    from ..spans import resolve_sources

    union = {name for names in found for name in names}
    return [s for s in resolve_sources(patterns, union) if s in union]


def _add_counts(dicts: list[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + int(v)
    return out


# ------------------------------------------------------------------ tasks on a shard
def _read(path: str):
    from spacy.vocab import Vocab

    from ..corpora.shards import read_docs

    return read_docs(path, Vocab())


def _scan_hmm(path: str, patterns: list[str], labels: list[str], exclude: list[str]):
    """``(meta, X, lengths, sources, labels)`` of one shard with its own sources/labels."""
    from .observations import ObservationCollector

    collector = ObservationCollector(patterns, labels, exclude=exclude)
    collector.add_docs(_read(path))
    X, lengths, sources, labs = collector.finalize()
    meta = {
        "sources": sources,
        "labels": labs,
        "n_docs": collector.n_docs,
        "n_tokens": int(X.shape[0]),
        "n_spans": dict(collector.n_spans),
        "overlaps_resolved": dict(collector.overlaps_resolved),
        "unknown_labels": dict(collector.unknown_labels),
        "unknown_label_names": {k: dict(v) for k, v in collector.unknown_label_names.items()},
        "seen_sources": sorted(collector.seen_sources),
        "reading_sources": sorted(collector.reading_sources),
    }
    return meta, X, lengths, sources, labs


def _meta(scan):
    return scan[0]


def _encode_hmm(scan, sources: list[str], labels: list[str], io_scheme: bool, clamp_columns: list[int]):
    """The shard's array in the corpus's columns and codes, in the component's
    scheme (:func:`~spacy_weak.aggregation.hmm_fit.scheme_symbols`); ``(X, non-empty lengths)``."""
    from .hmm_fit import scheme_symbols
    from .observations import (
        FIRST_LABEL_CODE,
        MISSING,
        n_symbols,
        obs_dtype,
    )

    _, X_loc, lengths, src_loc, lab_loc = scan
    dtype = obs_dtype(len(labels))
    lut = np.full(n_symbols(len(lab_loc)) + 1, MISSING, dtype=np.int64)  # index -1 -> MISSING
    lut[0], lut[1] = 0, 1
    for i, label in enumerate(lab_loc):
        g = labels.index(label)
        lut[FIRST_LABEL_CODE + 2 * i] = FIRST_LABEL_CODE + 2 * g
        lut[FIRST_LABEL_CODE + 2 * i + 1] = FIRST_LABEL_CODE + 2 * g + 1
    X = np.full((X_loc.shape[0], len(sources)), MISSING, dtype=dtype)
    for j, name in enumerate(sources):
        if name in src_loc:
            X[:, j] = lut[X_loc[:, src_loc.index(name)].astype(np.int64)]
    X = scheme_symbols(X, io_scheme, clamp_columns)
    lengths = np.asarray(lengths, dtype=np.int64)
    return np.ascontiguousarray(X), lengths[lengths > 0]


def _fit_view(enc, clamp_columns: list[int], learn: bool):
    """The shard's view EM fits on (:func:`~spacy_weak.aggregation.clamp.fit_view`)."""
    from .clamp import fit_view

    X, lengths = enc
    return fit_view(X, clamp_columns, learn), lengths


def _column_classes(enc):
    """For each column, the first column identical to it on this shard's tokens (None: no token)."""
    X, _ = enc
    if X.shape[0] == 0:
        return None
    first: dict[bytes, int] = {}
    return [first.setdefault(np.ascontiguousarray(X[:, j]).tobytes(), j) for j in range(X.shape[1])]


def _hmm_redundancy_tables(model, enc):
    from .dependencies import redundancy_tables

    X, lengths = enc
    if X.shape[0] == 0:
        return None
    return redundancy_tables(model, X, lengths).tables


def _hmm_init_counts(model, enc):
    X, lengths = enc
    if X.shape[0] == 0:
        return None
    return model.initial_counts(X, lengths)


def _hmm_estep(model, enc):
    X, lengths = enc
    if X.shape[0] == 0:
        return None
    return model.estep(X, lengths)


def _hmm_emission_counts(model, enc):
    from .hmm import EMISSION_BLOCK, iter_blocks

    X, nz = enc
    counts = np.zeros((model.n_sources, model.n_symbols, model.n_components))
    for a, b, block in iter_blocks(nz, EMISSION_BLOCK):
        _, post = model.score_samples(X[a:b], block)
        counts += model.emission_counts(X[a:b], post)
    return counts


def sum_parts(*parts):
    """Sum of task results in order: arrays, floats, tuples of them, dicts of them; None = nothing."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    first = parts[0]
    if isinstance(first, tuple):
        return tuple(sum_parts(*[p[i] for p in parts]) for i in range(len(first)))
    if isinstance(first, dict):
        return {k: sum_parts(*[p[k] for p in parts]) for k in first}
    out = np.copy(first) if isinstance(first, np.ndarray) else first
    for p in parts[1:]:
        out = out + p
    return out


def _scan_doc(path: str, patterns: list[str], labels: list[str], collector_cls):
    collector = collector_cls(patterns, labels)
    for doc in _read(path):
        collector.add(doc)
    V, sources, labs = collector.finalize()
    return {"sources": sources, "labels": labs, "n_docs": collector.n_docs}, V, sources, labs


def _encode_doc(scan, sources: list[str], labels: list[str]):
    from .dawid_skene import MISSING

    _, V_loc, src_loc, lab_loc = scan
    V = np.full((V_loc.shape[0], len(sources), len(labels)), MISSING, dtype=np.int8)
    l_idx = [labels.index(label) for label in lab_loc]
    for j, name in enumerate(sources):
        if name in src_loc:
            V[:, j, l_idx] = V_loc[:, src_loc.index(name), :]
    return V


def _doc_init(model, V):
    return model.init_stats(V) if V.shape[0] else None


def _doc_estep(model, V):
    return model.estep(V) if V.shape[0] else None


class ShardedObservations:
    """The observations of :meth:`HMMAggregator.fit_data` held by the backend, one part per
    shard: the interface of :class:`~spacy_weak.aggregation.hmm_fit.LocalObservations`,
    each sum over documents mapped over the shards and summed by the backend."""

    def __init__(self, shards, encoded: list, fit_views: list, n_tokens: int) -> None:
        self.shards, self.encoded, self.fit_views, self.n_tokens = shards, encoded, fit_views, n_tokens

    def _sum(self, fn, model, parts):
        return self.shards.tree_sum([self.shards.submit(fn, model, e) for e in parts], sum_parts)

    def identical_sources(self, sources: Sequence[str]) -> list[list[str]]:
        """Columns identical on every token: identical on every shard."""
        per_shard = [self.shards.gather_one(self.shards.submit(_column_classes, e), what="identical sources")
                     for e in self.encoded]
        per_shard = [c for c in per_shard if c is not None]
        groups: dict[tuple, list[str]] = {}
        for j, name in enumerate(sources):
            groups.setdefault(tuple(c[j] for c in per_shard), []).append(name)
        return [names for names in groups.values() if len(names) > 1]

    def em(self, model) -> None:
        model.fit_with(
            lambda m: self._sum(_hmm_init_counts, m, self.fit_views),
            lambda m: self._sum(_hmm_estep, m, self.fit_views),
        )

    def redundancy(self, model) -> np.ndarray:
        from .dependencies import RedundancyAccumulator

        tables = self._sum(_hmm_redundancy_tables, model, self.fit_views)
        return RedundancyAccumulator.from_tables(tables, model.n_sources, model.n_symbols).redundancy()

    def emission_counts(self, model) -> np.ndarray:
        return self._sum(_hmm_emission_counts, model, self.encoded)


def fit_hmm_sharded(proc, shards) -> None:
    """Scan and encode the shards, then :meth:`HMMAggregator.fit_data` with
    :class:`ShardedObservations`: the single-process fit's steps, checks and warnings."""
    from types import SimpleNamespace

    files = shards.files
    cfg = proc.cfg
    patterns, exclude = proc.source_patterns(), [cfg["spans_key"]]
    scans = [shards.submit(_scan_hmm, f, patterns, list(cfg["labels"]), exclude) for f in files]
    metas = [shards.gather_one(shards.submit(_meta, s), what=f"scan {f}") for s, f in zip(scans, files)]
    n_docs = sum(m["n_docs"] for m in metas)
    sources = _merge_names(patterns or ["*"], [m["sources"] for m in metas])
    labels = list(cfg["labels"]) if cfg["labels"] else sorted({lab for m in metas for lab in m["labels"]})
    unknown_names: dict[str, dict[str, int]] = {}
    for m in metas:
        for source, per in m["unknown_label_names"].items():
            merged = unknown_names.setdefault(source, {})
            for label, n in per.items():
                merged[label] = merged.get(label, 0) + int(n)
    summary = SimpleNamespace(
        n_docs=n_docs,
        seen_sources={name for m in metas for name in m["seen_sources"]},
        reading_sources={name for m in metas for name in m.get("reading_sources", [])},
        n_spans=_add_counts([m["n_spans"] for m in metas]),
        unknown_label_names=unknown_names,
        overlaps_resolved=_add_counts([m["overlaps_resolved"] for m in metas]),
        unknown_labels=_add_counts([m["unknown_labels"] for m in metas]),
    )
    keep = proc.start_fit(summary, sources, labels)  # W107 / E101 / E102 / W108 / W100, as one process
    sources = [sources[i] for i in keep]
    clamp = proc._clamp_columns(sources)
    io_scheme = cfg.get("scheme", "BIO") == "IO"
    encoded = [shards.submit(_encode_hmm, s, sources, labels, io_scheme, clamp) for s in scans]
    del scans
    fit_views = encoded
    if clamp and not cfg.get("clamp_learn", False):
        fit_views = [shards.submit(_fit_view, e, clamp, False) for e in encoded]
    n_tok = sum(m["n_tokens"] for m in metas)
    proc.fit_data(ShardedObservations(shards, encoded, fit_views, n_tok), sources, labels, n_docs=n_docs)


def fit_doc_em_sharded(proc, shards, collector_cls) -> None:
    """:meth:`DocEMAggregator.fit` on the shards: Dawid-Skene's statistics summed per shard
    (``collector_cls``: the component's vote collector, ``DocVoteCollector``)."""
    from .dawid_skene import DawidSkene

    files = shards.files
    cfg = proc.cfg
    patterns = list(cfg["sources"])
    scans = [shards.submit(_scan_doc, f, patterns, list(cfg["labels"]), collector_cls) for f in files]
    metas = [shards.gather_one(shards.submit(_meta, s), what=f"scan {f}") for s, f in zip(scans, files)]
    n_docs = sum(m["n_docs"] for m in metas)
    sources = _merge_names(patterns, [m["sources"] for m in metas])
    labels = list(cfg["labels"]) if cfg["labels"] else sorted({lab for m in metas for lab in m["labels"]})
    if not sources:
        raise SpacyWeakError(Errors.E101.format(name=proc.name, patterns=cfg["sources"], n_docs=n_docs))
    if not labels:
        raise SpacyWeakError(Errors.E102.format(name=proc.name, sources=", ".join(sources)))
    encoded = [shards.submit(_encode_doc, s, sources, labels) for s in scans]
    del scans
    model = DawidSkene(
        len(sources),
        len(labels),
        multilabel=cfg["multilabel"],
        class_priors=proc._priors_array(labels),
        prior_strength=cfg["prior_strength"],
        n_iter=cfg["n_iter"],
        tol=cfg["tol"],
    )
    model.history = []
    if n_docs:
        # DawidSkene.fit: M-step from the majority vote, then E/M until the objective stalls
        model.update(*shards.tree_sum([shards.submit(_doc_init, model, v) for v in encoded], sum_parts))
        for _ in range(model.n_iter):
            counts, q_sum, ll = shards.tree_sum([shards.submit(_doc_estep, model, v) for v in encoded], sum_parts)
            model.history.append(ll + model.log_prior())
            model.update(counts, q_sum)
            if len(model.history) > 1 and model.history[-1] - model.history[-2] < model.tol * n_docs:
                break
    proc.model_ = model
    proc.sources_ = list(sources)
    proc.labels_ = list(labels)
    proc.history = list(model.history)
