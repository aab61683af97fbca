"""Report writers: terminal tables, JSON (srsly), Markdown and a self-contained HTML file.

All four show the same tables (:func:`report_tables`); the HTML report adds
displaCy span renderings of sample documents: gold, each aggregate, the tokens
where sources disagree, and each source, one row under the other, followed by a
token table of the disagreements. The HTML file loads nothing from the network
(inline CSS, no scripts, no fonts, no CDN).
"""
import html
import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import numpy as np
import srsly
from spacy import displacy
from spacy.vocab import Vocab

from ..io import write_json_atomic, atomic_path
from ..spans import NEGATIVE_LABEL
from .analysis import AnalysisResult
from .tokens import gold_bits, label_bits
from .data import CATS_KEY, GOLD_KEY
from .documents import CONFLICT_KEY, CONFLICT_LABEL, best_window, rebuild_doc

logger = logging.getLogger(__name__)

DASH = "–"
PALETTE = [
    "#7aecec", "#feca74", "#bfeeb7", "#aa9cfc", "#ff9561", "#c887fb", "#9cc9cc", "#ffeb80",
    "#e4e7d2", "#f0d0ff", "#a6e22d", "#83c5f7",
]
NEGATIVE_COLOR = "#d0d0d0"
CONFLICT_COLOR = "#ff4d4d"


@dataclass
class Table:
    title: str
    headers: List[str]
    rows: List[List[Any]]
    description: str = ""
    # columns (by index) holding a 0-1 quality figure: shaded in HTML
    quality_cols: List[int] = field(default_factory=list)
    # optional CSS class per row (HTML only): "first" starts a group, "agg" marks an aggregate
    row_classes: List[str] = field(default_factory=list)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return DASH
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def _prf(block: Optional[Dict[str, Any]]) -> List[Any]:
    block = block or {}
    return [block.get("p"), block.get("r"), block.get("f")]


def report_tables(result: AnalysisResult) -> List[Table]:
    """The tables every writer shows (see ``docs/evaluation.md`` for each column)."""
    out: List[Table] = []
    data = result.data
    has_gold = "gold" in result.scores
    gold_scores = result.scores.get("gold", {})
    if result.summary:
        headers = [
            "Source", "Polarity", "Spans", "Ran", "Cov. docs", "Coverage", "Overlaps", "Conflicts",
            "Span overl.", "Span confl.", "Span agree",
        ]
        quality = []
        if has_gold:
            headers += ["Correct", "Incorrect", "Emp. Acc.", "Span P", "Span R", "Span F1"]
            quality = [13, 14, 15, 16]
        rows = []
        for row in result.summary:
            cells = [
                row["source"], row["polarity"], row["n_spans"], row["ran_docs"], row["coverage_docs"], row["coverage"],
                row["overlaps"], row["conflicts"], row["span_overlaps"], row["span_conflicts"], row["span_agreement"],
            ]
            if has_gold:
                g = gold_scores.get(row["source"], {})
                cells += [row.get("correct"), row.get("incorrect"), row.get("emp_acc")] + _prf(g.get("span", {}).get("micro"))
            rows.append(cells)
        out.append(
            Table(
                "Sources (token level unless marked span)",
                headers,
                rows,
                f"{data.n_docs} documents, {data.n_tokens} tokens. Coverage, Overlaps, Conflicts: share of all tokens; "
                "Span columns: share of the source's own spans.",
                quality,
            )
        )
    if has_gold:
        rows, classes = [], []
        ordered = [k for k in gold_scores if gold_scores[k]["kind"] == "aggregate"]
        ordered += [k for k in gold_scores if k not in ordered]
        for key in ordered:
            g = gold_scores[key]
            labels = sorted(set(g["span"]["per_label"]) | set(g["token"]["per_label"]))
            for label in ["(all)"] + labels:
                if label == "(all)":
                    s, t = g["span"]["micro"], g["token"]["micro"]
                else:
                    s, t = g["span"]["per_label"].get(label), g["token"]["per_label"].get(label)
                support = (s or {}).get("tp", 0) + (s or {}).get("fn", 0)
                rows.append([key, g["kind"], label] + _prf(s) + _prf(t) + [support])
                cls = "first" if label == "(all)" else ""
                classes.append((cls + " agg").strip() if g["kind"] == "aggregate" else cls)
        out.append(
            Table(
                "Scores vs gold per label",
                ["Name", "Kind", "Label", "Span P", "Span R", "Span F1", "Token P", "Token R", "Token F1", "Gold spans"],
                rows,
                "Span: strict match of start, end and label (spaCy Scorer.score_spans). Token: label of each token. "
                "(all) = micro average. Aggregates first.",
                [3, 4, 5, 6, 7, 8],
                classes,
            )
        )
        agg_rows = [
            [k, g.get("emp_acc"), g.get("mean_prob_correct"), g.get("mean_prob_incorrect")]
            for k, g in gold_scores.items()
            if g["kind"] == "aggregate"
        ]
        if agg_rows:
            out.append(
                Table(
                    "Aggregates: confidence vs correctness",
                    ["Aggregate", "Token Emp. Acc.", "Mean prob. correct spans", "Mean prob. wrong spans"],
                    agg_rows,
                    "A useful aggregate gives its wrong spans lower probabilities than its correct ones.",
                    [1],
                )
            )
    if result.scores.get("proxy_gap"):
        rows = [[r["aggregate"], r["source"], r["f1_gold"], r["f1_silver"], r["gap"]] for r in result.scores["proxy_gap"]]
        out.append(
            Table(
                "Proxy gap (silver vs gold)",
                ["Aggregate", "Source", "Span F1 vs gold", "Span F1 vs silver", "Gap"],
                rows,
                "How far a source's F1 measured against the silver aggregate (all you have without gold) is from its F1 "
                "against gold. Gap = silver - gold.",
                [2, 3],
            )
        )
    elif result.scores.get("proxy"):
        rows = []
        for agg, per in result.scores["proxy"].items():
            for key, s in per.items():
                rows.append([agg, key] + _prf(s["span"]["micro"]) + [s.get("emp_acc")])
        out.append(
            Table(
                "Sources vs the aggregate (no gold: proxy scores)",
                ["Aggregate", "Source", "Span P", "Span R", "Span F1", "Token agreement"],
                rows,
                "The aggregate taken as gold. Use with care: it is built from these sources.",
                [2, 3, 4, 5],
            )
        )
    if result.hmm:
        rows = [
            [r["source"], r["label"], r["hmm_precision"], r["emp_precision"], r["precision_diff"], r["hmm_recall"],
             r["emp_recall"], r["recall_diff"]]
            for r in result.hmm
        ]
        ref = result.hmm[0]["reference"]
        out.append(
            Table(
                "HMM: learned vs empirical (token level)",
                ["Source", "Label", "HMM precision", f"Emp. precision ({ref})", "Diff", "HMM recall", f"Emp. recall ({ref})", "Diff"],
                rows,
                "The fitted HMM's per-source figures beside the measured ones. Large differences point at sources the model misjudges.",
                [2, 3, 5, 6],
            )
        )
    docs = result.documents or {}
    if docs.get("most_conflict"):
        rows = [
            [r["doc"], r["id"], r["n_tokens"], r["conflict_tokens"], r["conflict_rate"], r["sources_ran"], r["text"]]
            for r in docs["most_conflict"]
        ]
        out.append(
            Table(
                "Documents with most conflict",
                ["Doc", "Id", "Tokens", "Conflict tokens", "Conflict rate", "Sources ran", "Text"],
                rows,
                "Conflict token: at least two sources label it with different labels.",
            )
        )
    for agg, ranked in (docs.get("lowest_confidence") or {}).items():
        if ranked:
            rows = [[r["doc"], r["id"], r["n_spans"], r["min_prob"], r["mean_prob"], r["text"]] for r in ranked]
            out.append(
                Table(
                    f"Documents with lowest confidence ({agg})",
                    ["Doc", "Id", "Spans", "Min prob.", "Mean prob.", "Text"],
                    rows,
                    "Ranked by the lowest span probability of the aggregate in the document.",
                    [3, 4],
                )
            )
    out.extend(_doc_level_tables(result.doc_level))
    # late import: report_diagnostics imports Table from this module
    from .report_diagnostics import diagnostic_tables

    out.extend(diagnostic_tables(result.diagnostics, list(result.data.aggregates)))
    return out


def _doc_level_tables(dl: Dict[str, Any]) -> List[Table]:
    if not dl:
        return []
    out: List[Table] = []
    if dl.get("sources"):
        gold = "gold_docs" in dl
        headers = ["Source", "Polarity", "Ran", "Coverage", "Overlaps", "Conflicts"]
        if gold:
            headers += ["Correct", "Incorrect", "Emp. Acc."]
        rows = []
        for r in dl["sources"]:
            cells = [r["source"], r["polarity"], r["ran_docs"], r["coverage"], r["overlaps"], r["conflicts"]]
            if gold:
                cells += [r.get("correct"), r.get("incorrect"), r.get("emp_acc")]
            rows.append(cells)
        kind = "multi-label" if dl["multilabel"] else "exclusive classes"
        out.append(
            Table(
                "Document-level sources",
                headers,
                rows,
                f"{dl['n_docs']} documents, labels: {', '.join(dl['labels'])} ({kind}). Shares of all documents.",
                [8] if gold else [],
            )
        )
    cats = dl.get("cats") or {}
    if cats:
        rows = [["(all)", cats.get("accuracy"), cats.get("cats_micro_p"), cats.get("cats_micro_r"), cats.get("cats_micro_f"), cats.get("cats_macro_auc")]]
        for label, s in sorted((cats.get("cats_f_per_type") or {}).items()):
            rows.append([label, None, s.get("p"), s.get("r"), s.get("f"), (cats.get("cats_auc_per_type") or {}).get(label)])
        out.append(
            Table(
                "doc.cats vs gold",
                ["Label", "Accuracy", "P", "R", "F1", "AUC"],
                rows,
                f"spaCy Scorer.score_cats on {cats.get('docs')} documents with gold (threshold 0.5).",
                [1, 2, 3, 4, 5],
            )
        )
    if dl.get("model"):
        rows = [
            [r["source"], r["label"], r["learned_p_for_given_true"], r["emp_p_for_given_true"],
             r["learned_p_for_given_false"], r["emp_p_for_given_false"]]
            for r in dl["model"]
        ]
        out.append(
            Table(
                "Document model: learned vs empirical",
                ["Source", "Label", "Learned P(for | true)", "Emp. P(for | true)", "Learned P(for | false)", "Emp. P(for | false)"],
                rows,
                "P(for | true): probability that the source votes for the label when the document has it "
                "(a recall); P(for | false): when it does not (a false-positive rate). Empirical: against gold.",
            )
        )
    for name, conf in (dl.get("confusion") or {}).items():
        title = "doc.cats" if name == CATS_KEY else name
        if "matrix" in conf:
            rows = [[f"gold {r}"] + m for r, m in zip(conf["rows"], conf["matrix"])]
            out.append(Table(f"Confusion matrix: {title}", ["", *[f"pred {c}" for c in conf["columns"]]], rows, "Rows: gold class; columns: vote."))
        else:
            rows = [[label, c["tp"], c["fp"], c["tn"], c["fn"], c["abstain"]] for label, c in conf["per_label"].items()]
            out.append(Table(f"Confusion per label: {title}", ["Label", "TP", "FP", "TN", "FN", "Abstain"], rows))
    return out


# ---------------------------------------------------------------- terminal


def print_tables(result: AnalysisResult) -> None:
    """Print the tables with wasabi (the CLI's output; libraries never call this)."""
    from wasabi import msg

    for table in report_tables(result):
        msg.divider(table.title)
        rows = [[_short(fmt(c)) for c in row] for row in table.rows]
        msg.table(rows, header=table.headers, divider=True)
        if table.description:
            msg.text(table.description)


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- JSON / Markdown


def to_json(result: AnalysisResult) -> Dict[str, Any]:
    return srsly.json_loads(srsly.json_dumps(_plain(result.to_dict())))


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def write_json(result: AnalysisResult, path: Union[str, Path]) -> None:
    write_json_atomic(path, to_json(result))


def _md_cell(value: Any) -> str:
    return fmt(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: AnalysisResult) -> str:
    lines = ["# Weak supervision analysis", ""]
    for table in report_tables(result):
        lines += [f"## {table.title}", ""]
        if table.description:
            lines += [table.description, ""]
        lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
        lines.append("|" + "|".join("---" for _ in table.headers) + "|")
        for row in table.rows:
            lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        lines.append("")
    return "\n".join(lines)


def write_markdown(result: AnalysisResult, path: Union[str, Path]) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(to_markdown(result), encoding="utf8")


# ---------------------------------------------------------------- HTML

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
main { max-width: 1500px; margin: 0 auto; padding: 20px 24px 60px; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 34px 0 6px; border-bottom: 2px solid #dfe3ea; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 8px; }
p.desc { color: #555e6e; font-size: 13px; margin: 2px 0 10px; }
.meta { color: #555e6e; font-size: 14px; }
.wrap { overflow-x: auto; background: #fff; border: 1px solid #dfe3ea; border-radius: 6px; }
table.report { border-collapse: collapse; font-size: 13px; width: 100%; }
table.report th { background: #eef1f6; text-align: left; padding: 6px 7px; border-bottom: 1px solid #cfd5df; white-space: nowrap; position: sticky; top: 0; }
table.report td { padding: 4px 7px; border-bottom: 1px solid #eceff4; white-space: nowrap; }
table.report td.wrapok { white-space: normal; min-width: 110px; }
table.report tr.first td { border-top: 2px solid #cfd5df; }
table.report tr.agg td:first-child { font-weight: 600; }
table.report tr.agg td { background-color: #f5f7ff; }
table.report td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.report td.text { white-space: normal; min-width: 260px; color: #39404d; }
table.report tr:hover td { background: #f8fafc; }
nav ul { columns: 2; font-size: 13px; padding-left: 18px; }
.legend span { display: inline-block; padding: 2px 8px; margin: 2px 6px 2px 0; border-radius: 3px; font-size: 12px; font-weight: 600; }
section.doc { background: #fff; border: 1px solid #dfe3ea; border-radius: 6px; padding: 14px 18px; margin: 18px 0; }
.row { display: grid; grid-template-columns: 170px 1fr; gap: 12px; border-top: 1px solid #eef0f3; padding: 4px 0; }
.row .name { font-size: 13px; font-weight: 600; padding-top: 14px; word-break: break-all; }
.row .name small { display: block; font-weight: normal; color: #6b7383; }
.row.gold { background: #f2fbf3; }
.row.aggregate { background: #f3f6ff; }
.row.conflicts { background: #fff3f3; }
.row .render .spans { font-size: 14px; }
table.tokens { border-collapse: collapse; font-size: 12px; margin-top: 10px; }
table.tokens th, table.tokens td { border: 1px solid #e1e4ea; padding: 3px 6px; }
table.tokens th { background: #eef1f6; }
table.tokens td.wrong { background: #ffd9d9; }
table.tokens td.right { background: #dcf5dc; }
table.tokens td.silent { color: #9aa2af; }
"""


def _shade(value: Any) -> str:
    if not isinstance(value, (float, np.floating)) or value != value:
        return ""
    v = min(1.0, max(0.0, float(value)))
    hue = int(120 * v)  # red (0) -> green (120)
    return f' style="background: hsl({hue}, 70%, 90%)"'


def _html_table(table: Table, anchor: str) -> str:
    parts = [f'<h2 id="{anchor}">{html.escape(table.title)}</h2>']
    if table.description:
        parts.append(f'<p class="desc">{html.escape(table.description)}</p>')
    parts.append(f'<div class="wrap"><table class="report" data-title="{html.escape(table.title)}"><thead><tr>')
    parts.extend(f"<th>{html.escape(h)}</th>" for h in table.headers)
    parts.append("</tr></thead><tbody>")
    for r, row in enumerate(table.rows):
        row_cls = table.row_classes[r] if r < len(table.row_classes) else ""
        parts.append(f'<tr class="{row_cls}">' if row_cls else "<tr>")
        for i, cell in enumerate(row):
            numeric = isinstance(cell, (int, float, np.integer, np.floating)) or cell is None
            cls = "num" if numeric else ("text" if table.headers[i] == "Text" else ("wrapok" if table.headers[i] == "Polarity" else ""))
            style = _shade(cell) if i in table.quality_cols else ""
            parts.append(f'<td class="{cls}"{style}>{html.escape(fmt(cell))}</td>')
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def label_colors(labels: Sequence[str]) -> Dict[str, str]:
    colors = {}
    for i, label in enumerate(lab for lab in labels if lab != NEGATIVE_LABEL):
        colors[label] = PALETTE[i % len(PALETTE)]
    colors[NEGATIVE_LABEL] = NEGATIVE_COLOR
    colors[CONFLICT_LABEL] = CONFLICT_COLOR
    return colors


def render_spans(doc, key: str, colors: Dict[str, str]) -> str:
    """displaCy span rendering of ``doc.spans[key]`` (an empty group renders the bare text)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # W117: empty span group
        return displacy.render(
            doc, style="span", page=False, jupyter=False, options={"spans_key": key, "colors": colors}
        )


def _interest(result: AnalysisResult, i: int):
    """Per token of document ``i``: sources disagree, or an aggregate / a source differs from gold."""
    data, stats = result.data, result.stats
    lo, hi = int(data.offsets[i]), int(data.offsets[i + 1])
    gbits = gold_bits(data)
    has_gold = gbits is not None and data.has_gold is not None and bool(data.has_gold[i])


    agg_bits = {k: label_bits(data.tables[k].for_doc(i), data.n_tokens)[lo:hi] for k in data.aggregates}
    interesting = stats.conflict_token[lo:hi].copy()
    if has_gold:
        g = gbits[lo:hi]
        for b in agg_bits.values():
            interesting |= np.where(b == 0, np.uint64(1), b) != g
        for j in range(len(data.sources)):
            v = stats.votes[lo:hi, j]
            interesting |= (v != 0) & (v != g)
    return interesting, agg_bits, gbits, has_gold


def _token_table(result: AnalysisResult, i: int, window: tuple, max_rows: int = 40) -> str:
    """Tokens where sources disagree or differ from gold: one column per source."""
    data, stats = result.data, result.stats
    lo = int(data.offsets[i])
    if data.offsets[i + 1] == lo:
        return ""
    interesting, agg_bits, gbits, has_gold = _interest(result, i)
    idx = np.flatnonzero(interesting[window[0] : window[1]]) + window[0]
    if not len(idx):
        return '<p class="desc">No disagreement in this document.</p>'
    words = data.words(i)[0]
    cols = (["gold"] if has_gold else []) + list(data.aggregates) + list(data.sources)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["#", "token"] + cols)
    body = []

    def name(bits: int) -> str:
        labs = [lab for li, lab in enumerate(data.labels) if bits >> li & 1]
        return "/".join(labs)

    for t in idx[:max_rows]:
        gold_val = int(gbits[lo + t]) if has_gold else None
        cells = [f"<td>{t}</td>", f"<td>{html.escape(words[t])}</td>"]
        if has_gold:
            cells.append(f"<td><b>{html.escape(name(gold_val))}</b></td>")
        values = [int(agg_bits[k][t]) for k in data.aggregates] + [int(stats.votes[lo + t, j]) for j in range(len(data.sources))]
        n_aggs = len(data.aggregates)
        for k, (c, v) in enumerate(zip(cols[1 if has_gold else 0 :], values)):
            if v == 0 and k < n_aggs:
                v = 1  # an aggregate's silence is its "O"
            if v == 0:
                cells.append('<td class="silent">·</td>')
                continue
            cls = "" if gold_val is None else (' class="right"' if v == gold_val else ' class="wrong"')
            cells.append(f"<td{cls}>{html.escape(name(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    more = f'<p class="desc">… {len(idx) - max_rows} more tokens.</p>' if len(idx) > max_rows else ""
    return (
        '<p class="desc">Tokens where sources disagree or differ from gold (green: equals gold, red: differs, · silent):</p>'
        f'<table class="tokens"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>{more}'
    )


def _doc_section(result: AnalysisResult, i: int, colors: Dict[str, str], vocab: Vocab, window_size: int = 70) -> str:
    data = result.data
    lo, hi = int(data.offsets[i]), int(data.offsets[i + 1])
    interesting = _interest(result, i)[0] if hi > lo else np.zeros(0, dtype=bool)
    window = best_window(interesting, window_size)
    doc = rebuild_doc(data, i, result.stats, vocab, window=window)
    n_conf = int(result.stats.conflict_token[lo:hi].sum())
    title = f"Document {i}" + (f" ({html.escape(data.doc_ids[i])})" if data.doc_ids and data.doc_ids[i] else "")
    parts = [f'<section class="doc" data-doc="{i}"><h3>{title}</h3>']
    shown = "all tokens" if window == (0, hi - lo) else f"tokens {window[0]}–{window[1]} of {hi - lo} (the stretch with most disagreement)"
    parts.append(f'<p class="desc">{hi - lo} tokens, {n_conf} conflict tokens; showing {shown}.</p>')
    rows: List[tuple] = []
    if GOLD_KEY in doc.spans:
        rows.append(("gold", GOLD_KEY, "gold"))
    for key in data.aggregates:
        if key in doc.spans:
            rows.append(("aggregate", key, "aggregate"))
    rows.append(("conflicts", CONFLICT_KEY, "sources disagree"))
    for key in data.sources:
        rows.append(("source", key, "source" if key in doc.spans else "did not run"))
    for cls, key, note in rows:
        extra = ""
        if cls == "aggregate":
            probs = data.tables[key].for_doc(i).prob
            if probs is not None and len(probs):
                extra = f", min p {probs.min():.2f}"
        n = len(doc.spans[key]) if key in doc.spans else 0
        render = render_spans(doc, key, colors) if key in doc.spans else '<p class="desc">(source did not run)</p>'
        parts.append(
            f'<div class="row {cls}"><div class="name">{html.escape(key)}<small>{note}, {n} spans{extra}</small></div>'
            f'<div class="render">{render}</div></div>'
        )
    parts.append(_token_table(result, i, window))
    parts.append("</section>")
    return "".join(parts)


def to_html(result: AnalysisResult, *, title: str = "Weak supervision report") -> str:
    data = result.data
    colors = label_colors(data.labels)
    tables = report_tables(result)
    vocab = Vocab()
    legend = "".join(
        f'<span style="background: {c}">{html.escape(lab)}</span>'
        for lab, c in colors.items()
        if lab in data.labels or lab == CONFLICT_LABEL
    )
    nav = "".join(f'<li><a href="#t{k}">{html.escape(t.title)}</a></li>' for k, t in enumerate(tables))
    if result.samples:
        nav += '<li><a href="#documents">Sample documents</a></li>'
    gold_docs = int(data.has_gold.sum()) if data.has_gold is not None else 0
    gold_docs = max(gold_docs, int((result.doc_level or {}).get("gold_docs", 0)))
    if not (data.sources or data.aggregates or data.gold is not None and len(data.gold)):
        legend = ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body><main>",
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">{data.n_docs} documents · {data.n_tokens} tokens · {len(data.sources)} span sources · '
        f"{len(data.aggregates)} aggregates · {len(data.doc_sources)} document-level sources · {gold_docs} documents with gold</p>",
        f'<div class="legend">{legend}</div>',
        f"<nav><ul>{nav}</ul></nav>",
    ]
    for k, table in enumerate(tables):
        parts.append(_html_table(table, f"t{k}"))
    if result.samples:
        parts.append('<h2 id="documents">Sample documents</h2>')
        parts.append(
            '<p class="desc">Each document: gold, the aggregates, the tokens where sources disagree (red), then each '
            "source. The most conflicted and least confident documents come first.</p>"
        )
        for i in result.samples:
            parts.append(_doc_section(result, i, colors, vocab))
    parts.append("</main></body></html>")
    return "\n".join(parts)


def write_html(result: AnalysisResult, path: Union[str, Path], *, title: str = "Weak supervision report") -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(to_html(result, title=title), encoding="utf8")
