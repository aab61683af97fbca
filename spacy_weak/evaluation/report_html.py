"""The HTML report: one self-contained file (inline CSS, a small inline script that sorts
tables, charts as inline SVG; nothing fetched from the network).

Sections: the tables of :func:`spacy_weak.evaluation.report_tables.report_tables` (sortable, every
column header explained on hover), the charts of :mod:`spacy_weak.evaluation.charts`, and for
span-level corpora displaCy renderings of sample documents (gold, aggregates, conflicts, and
each source that has spans there) with a token table of the disagreements.
"""
import html
import warnings
from pathlib import Path
from typing import Any, Dict, List, Sequence, Union

import numpy as np
from spacy import displacy
from spacy.vocab import Vocab

from ..io import write_text_atomic
from ..spans import NEGATIVE_LABEL
from .analysis import AnalysisResult
from .data import GOLD_KEY
from .documents import CONFLICT_KEY, CONFLICT_LABEL, best_window, rebuild_doc
from .report_tables import report_tables
from .tables import Table, fmt
from .tokens import gold_bits, label_bits

PALETTE = [
    "#7aecec", "#feca74", "#bfeeb7", "#aa9cfc", "#ff9561", "#c887fb", "#9cc9cc", "#ffeb80",
    "#e4e7d2", "#f0d0ff", "#a6e22d", "#83c5f7",
]
NEGATIVE_COLOR = "#d0d0d0"
CONFLICT_COLOR = "#ff4d4d"

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
.row .render .spans, .row .render .entities { font-size: 14px; }
.row .render .entities { line-height: 2.2 !important; padding: 6px 0; }
table.tokens { border-collapse: collapse; font-size: 12px; margin-top: 10px; }
table.tokens th, table.tokens td { border: 1px solid #e1e4ea; padding: 3px 6px; }
table.tokens th { background: #eef1f6; }
table.tokens td.wrong { background: #ffd9d9; }
table.tokens td.right { background: #dcf5dc; }
table.tokens td.silent { color: #9aa2af; }
.tokwrap { overflow-x: auto; max-width: 100%; }
.render { overflow-x: auto; min-width: 0; }
table.report th.sortable { cursor: pointer; }
table.report th.sortable:after { content: " \\2195"; color: #9aa2af; font-size: 11px; }
table.report th[aria-sort="ascending"]:after { content: " \\25B2"; color: #1d2330; }
table.report th[aria-sort="descending"]:after { content: " \\25BC"; color: #1d2330; }
table.report th[title] { text-decoration: underline dotted #9aa2af; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 14px; align-items: start; }
figure.chart.wide { grid-column: 1 / -1; }
figure.chart { background: #fff; border: 1px solid #dfe3ea; border-radius: 6px; margin: 0; padding: 10px 12px; }
figure.chart figcaption { font-size: 13px; color: #555e6e; }
figure.chart figcaption b { color: #1d2330; display: block; font-size: 14px; margin-bottom: 2px; }
svg.chart { width: 100%; height: auto; max-height: 720px; }
details.sources summary { cursor: pointer; font-size: 13px; font-weight: 600; padding: 6px 0; color: #39404d; }
p.note { background: #fff7e0; border: 1px solid #f0c36d; border-radius: 6px; padding: 10px 14px; font-size: 14px; }
p.silent { font-size: 13px; color: #6b7383; margin: 6px 0 0; }
"""

# Sorts a table when its header is clicked: numbers numerically ("–" last), text alphabetically.
SORT_JS = """
document.querySelectorAll('table.report').forEach(function (table) {
  var heads = table.tHead ? table.tHead.rows[0].cells : [];
  Array.prototype.forEach.call(heads, function (th, col) {
    th.classList.add('sortable');
    th.addEventListener('click', function () {
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      function key(row) {
        var t = row.cells[col] ? row.cells[col].textContent.trim() : '';
        var n = parseFloat(t);
        return (t === '\u2013' || t === '') ? null : (isNaN(n) || !/^-?[0-9.]/.test(t) ? t.toLowerCase() : n);
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (x === null) return y === null ? 0 : 1;
        if (y === null) return -1;
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        return (x < y ? -1 : x > y ? 1 : 0) * (asc ? 1 : -1);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""

# What each column header means (shown on hover, title attribute). See docs/evaluation.md.
HEADER_HELP = {
    "Source": "The labelling source (its span key).",
    "Polarity": "The labels the source votes for (O = 'not an entity').",
    "Spans": "Spans the source wrote.",
    "Ran": "Share of documents the source ran on.",
    "Cov. docs": "Share of documents where the source labels at least one token.",
    "Coverage": "Share of all tokens (documents) the source votes on.",
    "Overlaps": "Share of all tokens (documents) the source votes on together with another source.",
    "Conflicts": "Share of all tokens (documents) where the source and another source vote differently.",
    "Span overl.": "Share of the source's spans that overlap a span of another source.",
    "Span confl.": "Share of the source's spans overlapping a span of another source with another label.",
    "Span agree": "Share of the source's spans another source has exactly (same start, end, label).",
    "Correct": "Votes that equal gold (Snorkel's lf_summary).",
    "Incorrect": "Votes that differ from gold.",
    "Emp. Acc.": "Empirical accuracy: correct / (correct + incorrect) votes, against gold (Snorkel's lf_summary).",
    "Learned acc.": "The share of the source's votes the fitted label model believes right (no gold used).",
    "Span P": "Span precision against gold: exact start, end and label.",
    "Span R": "Span recall against gold (not shown for sources that only vote 'not an entity').",
    "Span F1": "Harmonic mean of span precision and recall.",
    "Token P": "Token precision: each token's label against gold.",
    "Token R": "Token recall.",
    "Token F1": "Token F1.",
    "Gold spans": "Gold spans of this label (support).",
    "Gap": "F1 against the silver aggregate minus F1 against gold: how far the proxy is from the truth.",
    "Accuracy": "Share of documents whose most probable class is the gold class.",
    "AUC": "Area under the ROC curve of the probabilities.",
    "Macro F1": "F1 averaged over labels.",
    "Micro F1": "F1 over all label decisions.",
    "Confidence": "The aggregate's probability of its (wrong) class.",
}



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
    for h in table.headers:
        tip = HEADER_HELP.get(h) or next((v for k, v in HEADER_HELP.items() if h.startswith(k + " (")), None)
        title = f' title="{html.escape(tip)}"' if tip else ""
        parts.append(f"<th{title}>{html.escape(h)}</th>")
    parts.append("</tr></thead><tbody>")
    for r, row in enumerate(table.rows):
        row_cls = table.row_classes[r] if r < len(table.row_classes) else ""
        parts.append(f'<tr class="{row_cls}">' if row_cls else "<tr>")
        for i, cell in enumerate(row):
            numeric = isinstance(cell, (int, float, np.integer, np.floating)) or cell is None
            cls = "num" if numeric else ("text" if table.headers[i] in ("Text", "Votes") else ("wrapok" if table.headers[i] == "Polarity" else ""))
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
    """displaCy rendering of ``doc.spans[key]`` (an empty group renders the bare text).

    Spans that do not overlap are drawn as displaCy's entity marks, the label inside the mark,
    so adjacent spans sit side by side; displaCy's span style (labels as chips above the first
    token) is kept for groups with overlapping spans, where it draws one line per span, but
    there the chip of a short span reaches over the next token and onto its neighbour's chip."""
    spans = sorted(doc.spans[key], key=lambda s: (s.start, s.end)) if key in doc.spans else []
    if not any(b.start < a.end for a, b in zip(spans, spans[1:])):
        ents = [{"start": s.start_char, "end": s.end_char, "label": s.label_} for s in spans]
        return displacy.render({"text": doc.text, "ents": ents, "title": None}, style="ent", manual=True,
                               page=False, jupyter=False, options={"colors": colors})
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
        f'<div class="tokwrap"><table class="tokens"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody>'
        f"</table></div>{more}"
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
    silent = []
    for key in data.sources:
        if key in doc.spans and len(doc.spans[key]):
            rows.append(("source", key, "source"))
        else:
            silent.append(key if key in doc.spans else f"{key} (did not run)")
    n_sources = sum(1 for cls, _, _ in rows if cls == "source")
    opened = False
    for cls, key, note in rows:
        if cls == "source" and not opened:
            # the sources' own renderings fold away: gold, aggregates and conflicts stay in view
            parts.append(f'<details class="sources"><summary>{n_sources} source(s) with spans here</summary>')
            opened = True
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
    if opened:
        parts.append("</details>")
    if silent:
        parts.append(f'<p class="silent">No span here from: {html.escape(", ".join(silent))}.</p>')
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
    from .charts import matplotlib_available

    charts_off = "" if matplotlib_available() else ' (off: <a href="#charts-off">matplotlib missing</a>)'
    nav = f'<li><a href="#charts">Charts</a>{charts_off}</li>' + "".join(
        f'<li><a href="#t{k}">{html.escape(t.title)}</a></li>' for k, t in enumerate(tables))
    if result.samples and (data.sources or data.aggregates):
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
    parts.append(_charts_section(result))
    for k, table in enumerate(tables):
        parts.append(_html_table(table, f"t{k}"))
    if result.samples and (data.sources or data.aggregates):  # span-level corpora only
        parts.append('<h2 id="documents">Sample documents</h2>')
        parts.append(
            '<p class="desc">Each document: gold, the aggregates, the tokens where sources disagree (red), then each '
            "source. The most conflicted and least confident documents come first.</p>"
        )
        for i in result.samples:
            parts.append(_doc_section(result, i, colors, vocab))
    parts.append(f"<script>{SORT_JS}</script></main></body></html>")
    return "\n".join(parts)


def _charts_section(result: AnalysisResult) -> str:
    from .charts import matplotlib_available, report_charts

    parts = ['<h2 id="charts">Charts</h2>']
    if not matplotlib_available():
        parts.append('<p class="note" id="charts-off"><b>Charts are off:</b> they are drawn by matplotlib, which is not '
                     'installed where this report was made. In the clone of spacy-weak: '
                     '<code>pip install -e ".[report]"</code>, then write the report again.</p>')
        return "".join(parts)
    charts = report_charts(result)
    if not charts:
        parts.append('<p class="desc">Nothing to chart.</p>')
        return "".join(parts)
    parts.append('<div class="charts">')
    for chart in charts:
        parts.append(
            f'<figure class="chart{" wide" if chart.wide else ""}" data-chart="{chart.key}">{chart.svg}'
            f'<figcaption><b>{html.escape(chart.title)}</b>'
            f"{html.escape(chart.description)}</figcaption></figure>"
        )
    parts.append("</div>")
    return "".join(parts)


def write_html(result: AnalysisResult, path: Union[str, Path], *, title: str = "Weak supervision report") -> None:
    write_text_atomic(path, to_html(result, title=title))
