"""Charts of the HTML report, drawn by matplotlib as inline SVG (nothing fetched, no script).

matplotlib is the optional extra ``report`` (``pip install -e ".[report]"``), imported
here lazily; without it :func:`report_charts` returns no chart and the report says how to
get them. Figures are made with ``matplotlib.figure.Figure`` (no pyplot: no global state,
no GUI backend), text kept as SVG text (small files), with a fixed hash salt and no date so
the same analysis gives the same SVG.

Each chart is a :class:`Chart` (title, description, SVG string). The charts:

* per source: coverage, and precision against gold (or agreement with the others without gold);
* source x source agreement where both vote (token level; documents for document sources);
* calibration: the aggregates' span probabilities against how often such spans are right;
* proxy gap: each source's F1 against the silver aggregate vs against gold.
"""
import io
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

MAX_HEATMAP_SOURCES = 40
COLORS = {"coverage": "#5b8def", "precision": "#3aa76d", "conflict": "#e0655b", "agg": "#7b5ccc"}


@dataclass
class Chart:
    key: str
    title: str
    description: str
    svg: str
    wide: bool = False  # drawn for the page's full width (a wide, short figure)


def matplotlib_available() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    fig.set_layout_engine("constrained")
    return fig


def to_svg(fig) -> str:
    """The figure as an ``<svg>`` element to inline in HTML (XML header and DOCTYPE removed)."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "spacy-weak", "font.size": 9}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.S)  # RDF block: namespaces only
    # responsive: keep the viewBox, let CSS set the width
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1 class="chart"', text, count=1)
    return text


def _label(name: str, n: int = 30) -> str:
    """A source name as a tick label: whole (never cut with "…"); a long one wrapped onto two
    lines at an underscore, hyphen or dot near its middle."""
    if len(name) <= n:
        return name
    cuts = [i + 1 for i, ch in enumerate(name) if ch in "_-." and 0 < i < len(name) - 1]
    if not cuts:
        return name
    cut = min(cuts, key=lambda i: abs(i - len(name) / 2))
    return name[:cut] + "\n" + name[cut:]


def _text_inches(labels: Sequence[str], size: float = 9.0) -> float:
    """About how wide the longest line of ``labels`` is, in inches (DejaVu Sans: ~0.6 em per character)."""
    longest = max((len(line) for lab in labels for line in lab.split("\n")), default=0)
    return longest * 0.6 * size / 72


def source_bars(rows: Sequence[Dict[str, Any]], precision: Dict[str, Optional[float]], *,
                unit: str = "tokens", precision_label: str = "precision vs gold") -> Optional[Chart]:
    """Horizontal bars per source: coverage, and precision (None: left blank)."""
    if not rows:
        return None
    names = [r["source"] for r in rows]
    coverage = [float(r.get("coverage") or 0.0) for r in rows]
    conflicts = [float(r.get("conflicts") or 0.0) for r in rows]
    prec = [precision.get(n) for n in names]
    labels = [_label(n) for n in names]
    lines = sum(lab.count("\n") + 1 for lab in labels)
    height = 1.4 + 0.22 * max(lines, len(names) * 1.2)  # room for the bars, the titles and the legend
    fig = _figure(9.0 + _text_inches(labels), height)
    ax1, ax2 = fig.subplots(1, 2, sharey=True)
    y = np.arange(len(names))[::-1]
    ax1.barh(y, coverage, color=COLORS["coverage"], label="coverage")
    ax1.barh(y, conflicts, color=COLORS["conflict"], height=0.4, label="conflicts")
    ax1.set_yticks(y, labels)
    ax1.set_xlabel(f"share of {unit}")
    ax1.set_title("coverage (conflicts inside)")
    # above the plots, not over the bars
    fig.legend(loc="outside upper left", fontsize=8, frameon=False, ncols=2)
    values = [p if p is not None else 0.0 for p in prec]
    bars = ax2.barh(y, values, color=COLORS["precision"])
    for bar, p in zip(bars, prec):
        if p is None:
            bar.set_alpha(0.0)
            ax2.text(0.01, bar.get_y() + bar.get_height() / 2, "n/a", va="center", fontsize=8, color="#777")
    ax2.set_xlim(0, 1)
    ax2.set_xlabel(precision_label)
    ax2.set_title(precision_label)
    for ax in (ax1, ax2):
        ax.grid(axis="x", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return Chart("sources", "Sources: coverage and precision",
                 f"Coverage: share of all {unit} a source labels (red: share where it conflicts with another). "
                 f"Right: {precision_label}; n/a where it cannot be measured.", to_svg(fig), wide=True)


def agreement_matrix(votes: np.ndarray) -> np.ndarray:
    """sources x sources: share of the items both vote on where their votes are equal (nan: never together).

    ``votes``: items x sources, 0 = silent, other values = the vote (equal values agree)."""
    n = votes.shape[1]
    out = np.full((n, n), np.nan)
    active = votes != 0
    for a in range(n):
        for b in range(a, n):
            both = active[:, a] & active[:, b]
            k = int(both.sum())
            if k:
                out[a, b] = out[b, a] = float((votes[both, a] == votes[both, b]).mean())
    return out


def agreement_heatmap(names: Sequence[str], votes: np.ndarray, *, unit: str = "tokens") -> Optional[Chart]:
    if len(names) < 2 or len(names) > MAX_HEATMAP_SOURCES or votes.size == 0:
        return None
    m = agreement_matrix(votes)
    np.fill_diagonal(m, np.nan)  # a source always agrees with itself: leave the diagonal blank
    labels = [_label(n) for n in names]
    text = _text_inches(labels)  # the tick labels take this much room left of and below the matrix
    size = 2.0 + 0.32 * len(names)
    fig = _figure(size + text + 1.3, size + 0.87 * text)
    ax = fig.subplots()
    masked = np.ma.masked_invalid(m)
    image = ax.imshow(masked, cmap="RdYlGn", vmin=0, vmax=1)
    ax.set_xticks(range(len(names)), labels, rotation=60, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(len(names)), labels)
    if len(names) <= 16:
        for a in range(len(names)):
            for b in range(len(names)):
                if not np.isnan(m[a, b]) and a != b:
                    ax.text(b, a, f"{m[a, b]:.2f}", ha="center", va="center", fontsize=7)
    fig.colorbar(image, ax=ax, shrink=0.8, label="agreement")
    return Chart("agreement", "Source × source agreement",
                 f"For each pair of sources, the share of the {unit} both vote on where they vote the same "
                 "(1 = always agree, 0 = always conflict; blank = they never vote together).", to_svg(fig))


def calibration_bins(probs: np.ndarray, correct: np.ndarray, n_bins: int = 10):
    """``(mean prob, accuracy, count)`` per non-empty probability bin."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(probs, edges[1:-1]), 0, n_bins - 1)
    out = []
    for b in range(n_bins):
        m = which == b
        if m.any():
            out.append((float(probs[m].mean()), float(correct[m].mean()), int(m.sum())))
    return out


def calibration_plot(series: Dict[str, tuple], *, what: str = "spans") -> Optional[Chart]:
    """``series``: name -> (probabilities, correct booleans)."""
    series = {k: v for k, v in series.items() if len(v[0])}
    if not series:
        return None
    fig = _figure(5.2, 4.2)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1, label="perfectly calibrated")
    for name, (probs, correct) in series.items():
        bins = calibration_bins(np.asarray(probs, dtype=float), np.asarray(correct, dtype=bool))
        xs, ys, ns = zip(*bins)
        ax.plot(xs, ys, marker="o", label=f"{name} ({sum(ns)} {what})")
        for x, y_, n in zip(xs, ys, ns):
            ax.annotate(str(n), (x, y_), textcoords="offset points", xytext=(0, 5), fontsize=6, color="#555",
                        ha="center")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("label-model confidence (probability)")
    ax.set_ylabel("accuracy against gold")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    ax.grid(alpha=0.3)
    return Chart("calibration", "Calibration: confidence vs accuracy",
                 f"The aggregates' {what} grouped by probability (10 bins; the number above a point is how many): "
                 "points on the diagonal mean the probabilities can be trusted as they are.", to_svg(fig))


def proxy_gap_plot(rows: Sequence[Dict[str, Any]]) -> Optional[Chart]:
    rows = [r for r in rows if r.get("f1_gold") is not None and r.get("f1_silver") is not None]
    if not rows:
        return None
    fig = _figure(5.2, 4.6)
    ax = fig.subplots()
    ax.plot([0, 1], [0, 1], color="#999", linestyle="--", linewidth=1)
    for agg in sorted({r["aggregate"] for r in rows}):
        pts = [r for r in rows if r["aggregate"] == agg]
        ax.scatter([r["f1_gold"] for r in pts], [r["f1_silver"] for r in pts], label=f"vs {agg}", s=22)
        for r in pts:
            if abs(r["f1_silver"] - r["f1_gold"]) > 0.1:
                right = r["f1_gold"] > 0.6  # near the right edge: the name goes left of the point
                ax.annotate(r["source"], (r["f1_gold"], r["f1_silver"]), fontsize=6, textcoords="offset points",
                            xytext=(-3, 3) if right else (3, 3), ha="right" if right else "left",
                            va="top" if r["f1_silver"] > 0.9 else "bottom")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("source span F1 against gold")
    ax.set_ylabel("source span F1 against the silver aggregate")
    ax.legend(fontsize=8, frameon=False)
    ax.grid(alpha=0.3)
    return Chart("proxy_gap", "Proxy gap",
                 "Each point is a source: what you can measure without gold (F1 against the aggregate, up) against "
                 "the truth (F1 against gold, across). Above the diagonal the silver labels flatter the source; "
                 "sources more than 0.1 off are named.", to_svg(fig))


def aggregate_bars(scores: Dict[str, Dict[str, Optional[float]]], metrics: Sequence[str]) -> Optional[Chart]:
    """Grouped bars: one group per metric, one bar per aggregate (document level)."""
    if not scores:
        return None
    fig = _figure(6.5, 3.2)
    ax = fig.subplots()
    names = list(scores)
    width = 0.8 / len(names)
    x = np.arange(len(metrics))
    for k, name in enumerate(names):
        ax.bar(x + k * width - 0.4 + width / 2, [scores[name].get(m) or 0.0 for m in metrics], width, label=name)
    ax.set_xticks(x, list(metrics))
    ax.set_ylim(0, 1)
    ax.legend(fontsize=8, frameon=False, ncols=min(4, len(names)))
    ax.grid(axis="y", alpha=0.3)
    return Chart("doc_aggregates", "Document aggregates vs gold",
                 "Every document-level aggregate scored on the same gold documents.", to_svg(fig))


# ---------------------------------------------------------------- the report's charts


def negative_only(polarity: Sequence[str]) -> bool:
    """A source that only votes "not an entity" (label O) has no precision or recall of its own."""
    return bool(polarity) and all(p == "O" or str(p).startswith("not ") for p in polarity)


def _span_calibration(data, key: str):
    from .data import SpanTable  # noqa: F401  (documents the types used)

    table, gold = data.tables[key], data.gold
    if gold is None or data.has_gold is None or table.prob is None or not len(table):
        return np.zeros(0), np.zeros(0, dtype=bool)
    keep = data.has_gold[table.doc]
    truth = set(zip(gold.start.tolist(), gold.end.tolist(), gold.label.tolist()))
    correct = np.array([(s, e, lab) in truth for s, e, lab in zip(table.start[keep].tolist(), table.end[keep].tolist(),
                                                                 table.label[keep].tolist())], dtype=bool)
    return table.prob[keep], correct


def _doc_votes_codes(data, labels: List[str]) -> np.ndarray:
    """documents x document sources: one code per vote row (0 = no vote; equal codes = same votes)."""
    from .doclevel import vote_array

    cols = []
    for key in data.doc_sources:
        v = vote_array(data, key, labels).astype(np.int64) + 1  # 0 none, 1 against, 2 for
        code = (v * (3 ** np.arange(len(labels)))).sum(axis=1) if len(labels) else np.zeros(data.n_docs, np.int64)
        cols.append(code)
    return np.stack(cols, axis=1) if cols else np.zeros((data.n_docs, 0), dtype=np.int64)


def report_charts(result) -> List[Chart]:
    """The charts for an :class:`~spacy_weak.evaluation.analysis.AnalysisResult` ([] without matplotlib)."""
    if not matplotlib_available():
        return []
    data = result.data
    charts: List[Optional[Chart]] = []
    gold = result.scores.get("gold", {})
    if result.summary and data.sources:
        if gold:
            label = "span precision vs gold"
            prec = {r["source"]: gold.get(r["source"], {}).get("span", {}).get("micro", {}).get("p") for r in result.summary}
        else:
            agg = next(iter(result.scores.get("proxy", {})), None)
            label = f"span precision vs {agg} (proxy)" if agg else "span precision"
            proxy = result.scores.get("proxy", {}).get(agg, {}) if agg else {}
            prec = {r["source"]: proxy.get(r["source"], {}).get("span", {}).get("micro", {}).get("p")
                    for r in result.summary}
        for r in result.summary:
            if negative_only(r.get("polarity") or []):
                prec[r["source"]] = None
        charts.append(source_bars(result.summary, prec, unit="tokens", precision_label=label))
        charts.append(agreement_heatmap(data.sources, result.stats.votes, unit="tokens"))
        if gold:
            charts.append(calibration_plot({k: _span_calibration(data, k) for k in data.aggregates}, what="spans"))
        charts.append(proxy_gap_plot([r for r in result.scores.get("proxy_gap", [])
                                      if not negative_only(_polarity(result, r["source"]))]))
    dl = result.doc_level or {}
    if dl.get("sources"):
        labels = dl["labels"]
        has_gold = "gold_docs" in dl
        acc = {r["source"]: r.get("emp_acc") if has_gold else r.get("learned_acc") for r in dl["sources"]}
        label = "empirical accuracy vs gold" if has_gold else "learned accuracy (label model)"
        charts.append(source_bars(dl["sources"], acc, unit="documents", precision_label=label))
        charts.append(agreement_heatmap(data.doc_sources, _doc_votes_codes(data, labels), unit="documents"))
        aggs = dl.get("aggregates") or {}
        if aggs:
            charts.append(aggregate_bars({k: {"accuracy": v.get("accuracy"), "macro F1": v.get("cats_macro_f"),
                                              "micro F1": v.get("cats_micro_f")} for k, v in aggs.items()},
                                         ["accuracy", "macro F1", "micro F1"]))
            if not dl.get("multilabel"):
                charts.append(calibration_plot(_doc_calibration(data, labels), what="documents"))
    return [c for c in charts if c is not None]


def _polarity(result, source: str) -> List[str]:
    for r in result.summary:
        if r["source"] == source:
            return r.get("polarity") or []
    return []


def _doc_calibration(data, labels: List[str]) -> Dict[str, tuple]:
    from .doc_aggregates import cats_sets, predicted
    from .doclevel import gold_array

    gold = gold_array(data, labels)
    if gold is None:
        return {}
    out = {}
    for key, cats in cats_sets(data).items():
        probs = predicted(cats, labels)
        ok = ~np.isnan(probs).any(axis=1) & (gold[:, 0] >= 0) & (gold == 1).any(axis=1)
        if not ok.any():
            continue
        pred = probs[ok].argmax(axis=1)
        out[key] = (probs[ok].max(axis=1), pred == (gold[ok] == 1).argmax(axis=1))
    return out
