"""Drift between two corpora annotated by the same sources: how each source's coverage,
conflicts and learned accuracy moved, and which sources moved beyond the thresholds.

Per source and corpus: ``coverage`` = share of tokens the source labelled as an entity;
``conflict`` = share of those tokens where another source voted another class;
``learned_precision`` per label = the precision an HMM fitted on that corpus alone
assigns it (``HMMAggregator.source_report``). A source is flagged when its coverage
changed by more than ``coverage_ratio`` (relative, either way), its conflict rate by
more than ``conflict_delta`` or a learned precision by more than ``precision_delta``.
"""
from collections.abc import Sequence

import numpy as np
from spacy.tokens import Doc

from ..aggregation.observations import encode_docs
from .evidence import code_classes

COVERAGE_RATIO = 1.5
CONFLICT_DELTA = 0.1
PRECISION_DELTA = 0.1


def source_stats(docs: Sequence[Doc], sources: Sequence[str], labels: Sequence[str], *, fit: bool = True) -> dict:
    X, lengths, _ = encode_docs(list(docs), list(sources), list(labels))
    X = np.asarray(X, dtype=np.int64)
    T = X.shape[0]
    out: dict[str, dict] = {}
    votes = code_classes(X, len(labels)) if T else np.zeros((0, 1 + len(labels)))
    for s, name in enumerate(sources):
        col = X[:, s] if T else np.zeros(0, dtype=np.int64)
        ent = col >= 2
        cls = np.where(col == 1, 0, 1 + (col - 2) // 2)
        other = votes.copy()
        if ent.any():
            other[np.arange(T)[ent], cls[ent]] -= 1  # this source's own vote
        disagree = (other > 0).astype(int)
        if ent.any():
            disagree[np.arange(T)[ent], cls[ent]] = 0
        n_ent = int(ent.sum())
        out[name] = {
            "ran_tokens": int((col >= 0).sum()),
            "coverage": n_ent / T if T else 0.0,
            "conflict": float(disagree[ent].any(axis=1).mean()) if n_ent else 0.0,
        }
    if fit and T:
        from spacy.vocab import Vocab

        from ..aggregation.hmm_component import HMMAggregator

        model = HMMAggregator(docs[0].vocab if docs else Vocab(), name="drift_hmm", sources=list(sources),
                              labels=list(labels), spans_key="_drift", annotate_ents=False)
        model.fit_observations(X, lengths, list(sources), list(labels), n_docs=len(lengths))
        report = model.source_report()
        for name in sources:
            out[name]["learned_precision"] = {lab: v["precision"] for lab, v in report.get(name, {}).items()}
    return {"n_docs": len(lengths), "n_tokens": T, "sources": out}


def compare(
    docs_a: Sequence[Doc], docs_b: Sequence[Doc], *, sources: Sequence[str], labels: Sequence[str],
    coverage_ratio: float = COVERAGE_RATIO, conflict_delta: float = CONFLICT_DELTA,
    precision_delta: float = PRECISION_DELTA, fit: bool = True,
) -> dict:
    """Per-source figures on both corpora, their changes, and the flagged sources."""
    a = source_stats(docs_a, sources, labels, fit=fit)
    b = source_stats(docs_b, sources, labels, fit=fit)
    rows = {}
    flagged: list[str] = []
    for name in sources:
        sa, sb = a["sources"][name], b["sources"][name]
        reasons = []
        ca, cb = sa["coverage"], sb["coverage"]
        if (ca > 0) != (cb > 0) or (ca > 0 and max(ca, cb) / min(ca, cb) > coverage_ratio):
            reasons.append(f"coverage {ca:.4f} -> {cb:.4f}")
        if abs(sb["conflict"] - sa["conflict"]) > conflict_delta:
            reasons.append(f"conflict {sa['conflict']:.3f} -> {sb['conflict']:.3f}")
        for lab in labels:
            pa = (sa.get("learned_precision") or {}).get(lab)
            pb = (sb.get("learned_precision") or {}).get(lab)
            if pa is not None and pb is not None and abs(pb - pa) > precision_delta:
                reasons.append(f"learned precision {lab} {pa:.3f} -> {pb:.3f}")
        rows[name] = {"a": sa, "b": sb, "flags": reasons}
        if reasons:
            flagged.append(name)
    return {"a": {k: a[k] for k in ("n_docs", "n_tokens")}, "b": {k: b[k] for k in ("n_docs", "n_tokens")},
            "sources": rows, "flagged": flagged}


def render_table(result: dict, label_a: str = "A", label_b: str = "B") -> str:
    lines = [f"drift {label_a} ({result['a']['n_docs']} docs) -> {label_b} ({result['b']['n_docs']} docs)",
             f"{'source':22s} {'coverage A':>10s} {'B':>8s} {'conflict A':>10s} {'B':>7s}  flags"]
    for name, row in result["sources"].items():
        a, b = row["a"], row["b"]
        lines.append(f"{name:22s} {a['coverage']:10.4f} {b['coverage']:8.4f} {a['conflict']:10.3f} {b['conflict']:7.3f}  "
                     + ("; ".join(row["flags"]) or "-"))
    lines.append("flagged: " + (", ".join(result["flagged"]) or "none"))
    return "\n".join(lines)


def sources_of(docs: Sequence[Doc], exclude: Sequence[str] | None = None) -> list[str]:
    from ..aggregation.observations import available_sources

    names = set()
    for d in docs:
        names.update(available_sources(d, exclude=exclude or []))
    return sorted(names)


def compare_cli(inputs, compare_paths, *, sources=None, json_path=None) -> None:
    """``analyze --compare``: the two corpora are the ``--compare`` paths (two), or the
    positional input (A) and the one ``--compare`` path (B)."""
    import typer

    from ..errors import Errors, SpacyWeakError
    from ..evaluation.data import read_docbins
    from ..io import write_json_atomic
    from ..spans import resolve_sources

    paths = list(compare_paths) if len(compare_paths) >= 2 else [inputs[0], compare_paths[0]]
    try:
        if len(paths) != 2:
            raise SpacyWeakError(Errors.E404.format(param="--compare", options="two corpora", value=paths))
        docs_a = list(read_docbins(paths[0]))
        docs_b = list(read_docbins(paths[1]))
        for which, path, docs in (("A", paths[0], docs_a), ("B", paths[1], docs_b)):
            if not docs:
                raise SpacyWeakError(Errors.E407.format(path=path, what="compare"))
        found = sources_of(docs_a + docs_b, exclude=["silver"])
        names = resolve_sources(sources, found) if sources else found
        labels = sorted({s.label_ for d in docs_a + docs_b for k in names for s in d.spans.get(k, []) if s.label_ != "O"})
        for which, path, docs in (("A", paths[0], docs_a), ("B", paths[1], docs_b)):
            if not any(len(d.spans.get(k, [])) for d in docs for k in names):
                raise SpacyWeakError(Errors.E408.format(which=which, path=path, sources=", ".join(names)))
        result = compare(docs_a, docs_b, sources=names, labels=labels)
    except SpacyWeakError as err:
        typer.echo(str(err), err=True)
        raise typer.Exit(code=1) from None
    typer.echo(render_table(result, str(paths[0]), str(paths[1])))
    if json_path:
        write_json_atomic(json_path, result)
        typer.echo(f"Wrote {json_path}")
