"""Report writers: terminal tables, JSON (srsly), Markdown and a self-contained HTML file.

All four show the same tables (:func:`report_tables`); the HTML report adds
displaCy span renderings of sample documents: gold, each aggregate, the tokens
where sources disagree, and each source, one row under the other, followed by a
token table of the disagreements. The HTML file loads nothing from the network
(inline CSS, no scripts, no fonts, no CDN).
"""
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import numpy as np
import srsly

from ..io import write_json_atomic, write_text_atomic
from .analysis import AnalysisResult
from .charts import negative_only
from .data import CATS_KEY

logger = logging.getLogger(__name__)

DASH = "–"


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
                prf = _prf(g.get("span", {}).get("micro"))
                if negative_only(row["polarity"]):  # votes only "not an entity": no span of its own to score
                    prf = [None, None, None]
                cells += [row.get("correct"), row.get("incorrect"), row.get("emp_acc")] + prf
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
        negative = {r["source"] for r in result.summary if negative_only(r["polarity"])}
        ordered = [k for k in gold_scores if gold_scores[k]["kind"] == "aggregate"]
        ordered += [k for k in gold_scores if k not in ordered and k not in negative]
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
                "(all) = micro average. Aggregates first; sources that only vote 'not an entity' are left out "
                "(their Emp. Acc. is in the Sources table).",
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
        negative = {r["source"] for r in result.summary if negative_only(r["polarity"])}
        rows = [[r["aggregate"], r["source"], r["f1_gold"], r["f1_silver"], r["gap"]] for r in result.scores["proxy_gap"]
                if r["source"] not in negative]
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
        learned = any("learned_acc" in r for r in dl["sources"])
        headers = ["Source", "Polarity", "Ran", "Coverage", "Overlaps", "Conflicts"]
        if gold:
            headers += ["Correct", "Incorrect", "Emp. Acc."]
        if learned:
            headers += ["Learned acc."]
        rows = []
        for r in dl["sources"]:
            cells = [r["source"], r["polarity"], r["ran_docs"], r["coverage"], r["overlaps"], r["conflicts"]]
            if gold:
                cells += [r.get("correct"), r.get("incorrect"), r.get("emp_acc")]
            if learned:
                cells.append(r.get("learned_acc"))
            rows.append(cells)
        kind = "multi-label" if dl["multilabel"] else "exclusive classes"
        out.append(
            Table(
                "Document-level sources",
                headers,
                rows,
                f"{dl['n_docs']} documents, labels: {', '.join(dl['labels'])} ({kind}). Shares of all documents."
                + (" Emp. Acc. (Snorkel's empirical accuracy) is measured against gold; Learned acc. is what the "
                   "label model believes, without gold." if learned else ""),
                ([8] if gold else []) + ([len(headers) - 1] if learned else []),
            )
        )
    aggs = dl.get("aggregates") or {}
    if aggs:
        labels = dl["labels"]
        rows = []
        for key, s in aggs.items():
            per = s.get("cats_f_per_type") or {}
            rows.append([key if key != CATS_KEY else "doc.cats", s.get("docs"), s.get("accuracy"), s.get("cats_macro_f"),
                         s.get("cats_micro_f"), s.get("cats_macro_auc")] + [(per.get(lab) or {}).get("f") for lab in labels])
        out.append(
            Table(
                "Document aggregates vs gold",
                ["Aggregate", "Docs", "Accuracy", "Macro F1", "Micro F1", "AUC"] + [f"F1 {lab}" for lab in labels],
                rows,
                "Every document aggregate on the same gold documents (its probabilities, whatever it wrote into "
                "doc.cats), and doc.cats as the last component left it.",
                list(range(2, 6 + len(labels))),
            )
        )
    mis = dl.get("misclassified") or {}
    if mis.get("docs"):
        rows = [[r["doc"], r["id"], r["gold"], r["predicted"], r["confidence"], r["text"]] for r in mis["docs"]]
        out.append(
            Table(
                f"Misclassified documents ({mis['aggregate']})",
                ["Doc", "Id", "Gold", "Predicted", "Confidence", "Text"],
                rows,
                "Documents whose most probable class is not the gold class, the most confident first.",
            )
        )
    if dl.get("most_conflicted"):
        rows = [[r["doc"], r["id"], r["conflicting_pairs"], r["votes"], r["text"]] for r in dl["most_conflicted"]]
        out.append(
            Table(
                "Most conflicted documents",
                ["Doc", "Id", "Conflicting pairs", "Votes", "Text"],
                rows,
                "Documents where most pairs of sources disagree, with who voted what.",
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
    write_text_atomic(path, to_markdown(result))


# ---------------------------------------------------------------- HTML (report_html.py)


def to_html(result: AnalysisResult, *, title: str = "Weak supervision report") -> str:
    """The self-contained HTML report (:mod:`spacy_weak.evaluation.report_html`)."""
    from .report_html import to_html as _to_html

    return _to_html(result, title=title)


def write_html(result: AnalysisResult, path: Union[str, Path], *, title: str = "Weak supervision report") -> None:
    from .report_html import write_html as _write_html

    _write_html(result, path, title=title)
