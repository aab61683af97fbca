"""The tables of the report (:func:`report_tables`), built from an analysis: sources, scores
vs gold, proxy scores, the HMM's figures, document rankings, the document level and (from
:mod:`.report_diagnostics`) the diagnostics. Every writer of :mod:`.report` and
:mod:`.report_html` shows these; ``docs/evaluation.md`` explains each column."""
from typing import Any, Dict, List

from .analysis import AnalysisResult
from .charts import negative_only
from .data import CATS_KEY
from .report_diagnostics import diagnostic_tables
from .tables import Table, prf


def report_tables(result: AnalysisResult) -> List[Table]:
    """The tables every writer shows (see ``docs/evaluation.md`` for each column)."""
    out: List[Table] = []
    if result.summary:
        out.append(sources_table(result))
    if "gold" in result.scores:
        out.extend(gold_tables(result))
    out.extend(proxy_tables(result))
    if result.hmm:
        out.append(hmm_table(result.hmm))
    out.extend(document_ranking_tables(result.documents or {}))
    out.extend(doc_level_tables(result.doc_level))
    out.extend(diagnostic_tables(result.diagnostics, list(result.data.aggregates)))
    return out


def sources_table(result: AnalysisResult) -> Table:
    """One row per source: token-level and span-level coverage, overlaps, conflicts (and, with
    gold, its accuracy and span P/R/F1)."""
    data = result.data
    has_gold = "gold" in result.scores
    gold_scores = result.scores.get("gold", {})
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
            span_prf = prf(g.get("span", {}).get("micro"))
            if negative_only(row["polarity"]):  # votes only "not an entity": no span of its own to score
                span_prf = [None, None, None]
            cells += [row.get("correct"), row.get("incorrect"), row.get("emp_acc")] + span_prf
        rows.append(cells)
    return Table(
        "Sources (token level unless marked span)",
        headers,
        rows,
        f"{data.n_docs} documents, {data.n_tokens} tokens. Coverage, Overlaps, Conflicts: share of all tokens; "
        "Span columns: share of the source's own spans.",
        quality,
    )


def gold_tables(result: AnalysisResult) -> List[Table]:
    """Scores vs gold per name and label (aggregates first), and the aggregates' confidence
    against their correctness."""
    out: List[Table] = []
    gold_scores = result.scores.get("gold", {})
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
            rows.append([key, g["kind"], label] + prf(s) + prf(t) + [support])
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
    return out


def proxy_tables(result: AnalysisResult) -> List[Table]:
    """Without gold the aggregate stands in for it: each source's F1 against it (and, with gold,
    how far that proxy F1 is from the true one)."""
    out: List[Table] = []
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
                rows.append([agg, key] + prf(s["span"]["micro"]) + [s.get("emp_acc")])
        out.append(
            Table(
                "Sources vs the aggregate (no gold: proxy scores)",
                ["Aggregate", "Source", "Span P", "Span R", "Span F1", "Token agreement"],
                rows,
                "The aggregate taken as gold. Use with care: it is built from these sources.",
                [2, 3, 4, 5],
            )
        )
    return out


def hmm_table(hmm: List[Dict[str, Any]]) -> Table:
    """The fitted HMM's per-source precision and recall beside the measured ones."""
    rows = [
        [r["source"], r["label"], r["hmm_precision"], r["emp_precision"], r["precision_diff"], r["hmm_recall"],
         r["emp_recall"], r["recall_diff"]]
        for r in hmm
    ]
    ref = hmm[0]["reference"]
    return Table(
        "HMM: learned vs empirical (token level)",
        ["Source", "Label", "HMM precision", f"Emp. precision ({ref})", "Diff", "HMM recall", f"Emp. recall ({ref})", "Diff"],
        rows,
        "The fitted HMM's per-source figures beside the measured ones. Large differences point at sources the model misjudges.",
        [2, 3, 5, 6],
    )


def document_ranking_tables(docs: Dict[str, Any]) -> List[Table]:
    """The documents with most conflict between sources, and with the lowest confidence per aggregate."""
    out: List[Table] = []
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
    return out


def doc_level_tables(dl: Dict[str, Any]) -> List[Table]:
    """The document level (:func:`~.doclevel.doc_level_analysis`): sources, aggregates vs gold,
    misclassified and conflicted documents, ``doc.cats`` vs gold, a document model's figures,
    confusion matrices."""
    if not dl:
        return []
    out: List[Table] = []
    if dl.get("sources"):
        out.append(_doc_sources_table(dl))
    if dl.get("aggregates"):
        out.append(_doc_aggregates_table(dl))
    out.extend(_doc_ranking_tables(dl))
    if dl.get("cats"):
        out.append(_cats_table(dl["cats"]))
    if dl.get("model"):
        out.append(_doc_model_table(dl["model"]))
    out.extend(_confusion_tables(dl.get("confusion") or {}))
    return out


def _doc_sources_table(dl: Dict[str, Any]) -> Table:
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
    return Table(
        "Document-level sources",
        headers,
        rows,
        f"{dl['n_docs']} documents, labels: {', '.join(dl['labels'])} ({kind}). Shares of all documents."
        + (" Emp. Acc. (Snorkel's empirical accuracy) is measured against gold; Learned acc. is what the "
           "label model believes, without gold." if learned else ""),
        ([8] if gold else []) + ([len(headers) - 1] if learned else []),
    )


def _doc_aggregates_table(dl: Dict[str, Any]) -> Table:
    aggs = dl["aggregates"]
    labels = dl["labels"]
    rows = []
    for key, s in aggs.items():
        per = s.get("cats_f_per_type") or {}
        rows.append([key if key != CATS_KEY else "doc.cats", s.get("docs"), s.get("accuracy"), s.get("cats_macro_f"),
                     s.get("cats_micro_f"), s.get("cats_macro_auc")] + [(per.get(lab) or {}).get("f") for lab in labels])
    return Table(
        "Document aggregates vs gold",
        ["Aggregate", "Docs", "Accuracy", "Macro F1", "Micro F1", "AUC"] + [f"F1 {lab}" for lab in labels],
        rows,
        "Every document aggregate on the same gold documents (its probabilities, whatever it wrote into "
        "doc.cats), and doc.cats as the last component left it.",
        list(range(2, 6 + len(labels))),
    )


def _doc_ranking_tables(dl: Dict[str, Any]) -> List[Table]:
    out: List[Table] = []
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
    return out


def _cats_table(cats: Dict[str, Any]) -> Table:
    rows = [["(all)", cats.get("accuracy"), cats.get("cats_micro_p"), cats.get("cats_micro_r"), cats.get("cats_micro_f"), cats.get("cats_macro_auc")]]
    for label, s in sorted((cats.get("cats_f_per_type") or {}).items()):
        rows.append([label, None, s.get("p"), s.get("r"), s.get("f"), (cats.get("cats_auc_per_type") or {}).get(label)])
    return Table(
        "doc.cats vs gold",
        ["Label", "Accuracy", "P", "R", "F1", "AUC"],
        rows,
        f"spaCy Scorer.score_cats on {cats.get('docs')} documents with gold (threshold 0.5).",
        [1, 2, 3, 4, 5],
    )


def _doc_model_table(model: List[Dict[str, Any]]) -> Table:
    rows = [
        [r["source"], r["label"], r["learned_p_for_given_true"], r["emp_p_for_given_true"],
         r["learned_p_for_given_false"], r["emp_p_for_given_false"]]
        for r in model
    ]
    return Table(
        "Document model: learned vs empirical",
        ["Source", "Label", "Learned P(for | true)", "Emp. P(for | true)", "Learned P(for | false)", "Emp. P(for | false)"],
        rows,
        "P(for | true): probability that the source votes for the label when the document has it "
        "(a recall); P(for | false): when it does not (a false-positive rate). Empirical: against gold.",
    )


def _confusion_tables(confusions: Dict[str, Any]) -> List[Table]:
    out: List[Table] = []
    for name, conf in confusions.items():
        title = "doc.cats" if name == CATS_KEY else name
        if "matrix" in conf:
            rows = [[f"gold {r}"] + m for r, m in zip(conf["rows"], conf["matrix"])]
            out.append(Table(f"Confusion matrix: {title}", ["", *[f"pred {c}" for c in conf["columns"]]], rows, "Rows: gold class; columns: vote."))
        else:
            rows = [[label, c["tp"], c["fp"], c["tn"], c["fn"], c["abstain"]] for label, c in conf["per_label"].items()]
            out.append(Table(f"Confusion per label: {title}", ["Label", "TP", "FP", "TN", "FN", "Abstain"], rows))
    return out
