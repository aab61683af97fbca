"""The diagnostics' report tables (terminal, Markdown, HTML share them; JSON holds all of
:func:`~.diagnostics.diagnose`). Called from :func:`.report_tables.report_tables`."""
from typing import Any

from .breakdown import BOUNDARY_CLASSES
from .tables import Table

ERROR_CLASSES = ("too_long", "too_short", "shifted", "wrong_label", "spurious")
GOLD_ERROR_CLASSES = ("too_short", "too_long", "missed_no_vote", "missed_voted")


def _examples_cell(rows: list[dict[str, Any]], n: int = 3) -> str:
    parts = []
    for r in rows[:n]:
        other = r.get("gold", r.get("pred"))
        text = f"{r['text']} → {other}" if other is not None and other != r["text"] else r["text"]
        parts.append(f"{text} ×{r['count']}")
    return "; ".join(parts)


def _skipped(title: str, why: str) -> Table:
    return Table(title, ["Status"], [[f"skipped: {why}"]], f"{title}: skipped ({why}).")


def breakdown_tables(diag: dict[str, Any], aggregates: list[str]) -> list[Table]:
    bd = diag.get("breakdown") or {}
    if "skipped" in bd:
        return [_skipped("Error breakdown", bd["skipped"])]
    keys = bd.get("keys") or {}
    if not keys:
        return []
    classes = {k: ("agg" if v["kind"] == "aggregate" else "") for k, v in keys.items()}
    pred_rows, gold_rows, ex_rows, ex_cls = [], [], [], []
    for key, b in keys.items():
        p, g = b["pred"]["total"], b["gold"]["total"]
        pred_rows.append([key, b["kind"], p["n"], p["exact"], p["too_long"], p["too_short"], p["shifted"],
                          p["wrong_label"], p["spurious"]])
        gold_rows.append([key, g["n"], g["exact"], g["too_long"], g["too_short"], g["shifted"], g["wrong_label"],
                          g["missed_no_vote"], g["missed_voted"]])
        for cls in ERROR_CLASSES:
            if p[cls]:
                ex_rows.append([key, f"pred {cls}", p[cls], _examples_cell(b["pred"]["examples"][cls])])
                ex_cls.append(classes[key])
        for cls in ("missed_no_vote", "missed_voted") if b["kind"] == "aggregate" else ():
            if g[cls]:
                ex_rows.append([key, f"gold {cls}", g[cls], _examples_cell(b["gold"]["examples"][cls])])
                ex_cls.append(classes[key])
    rc = [classes[k] for k in keys]
    return [
        Table(
            "Error breakdown: predicted spans",
            ["Key", "Kind", "Spans", "Exact", "Too long", "Too short", "Shifted", "Wrong label", "Spurious"],
            pred_rows,
            "Entity spans ('O' votes left out), on documents with gold; each in exactly one class "
            "(docs/diagnostics.md): exact; boundary (overlaps a gold mention "
            "of its label: too long / too short / shifted); wrong label (overlaps gold of other labels only); "
            "spurious (overlaps no gold). High boundary counts with low span precision mean: fix the edges.",
            row_classes=rc,
        ),
        Table(
            "Error breakdown: gold mentions",
            ["Key", "Gold", "Exact", "Too long", "Too short", "Shifted", "Wrong label", "Missed, no vote",
             "Missed, voted"],
            gold_rows,
            "Each gold mention in exactly one class. Missed, no vote: no source voted an entity on any of its "
            "tokens (add a source). Missed, voted: a source voted there, but the aggregate dropped it (for a "
            "source: another source voted there).",
            row_classes=rc,
        ),
        Table(
            "Most frequent errors",
            ["Key", "Class", "Count", "Text"],
            ex_rows,
            "The most frequent strings of each error class (prediction → gold for boundary errors); missed gold "
            "mentions for the aggregates (the JSON has them for every source).",
            row_classes=ex_cls,
        ),
    ]


def boundary_word_tables(diag: dict[str, Any], n: int = 5) -> list[Table]:
    bw = diag.get("boundary_words") or {}
    if "skipped" in bw:
        return [_skipped("Boundary words", bw["skipped"])]
    rows, classes = [], []
    for key, out in (bw.get("keys") or {}).items():
        kind = "agg" if key in (diag.get("breakdown", {}).get("keys") or {}) and \
            diag["breakdown"]["keys"][key]["kind"] == "aggregate" else ""
        for label, sides in sorted(out["per_label"].items()):
            for side, words in sides.items():
                useful = [w for w in words if w["net"] > 0][:n]
                if not useful:
                    continue
                cell = "; ".join(f"{w['word']} ×{w['one_word']} (breaks {w['breaks']})" for w in useful)
                rows.append([key, label, side.replace("_", " "), sum(w["net"] for w in useful), cell])
                classes.append(kind)
    if not rows:
        return []
    return [
        Table(
            "Boundary words",
            ["Key", "Label", "Side", "Net", "Text"],
            rows,
            "Words just outside a predicted span but inside gold (missing left/right) or inside the prediction but "
            "outside gold (extra left/right). word ×N: N spans where that one word is the whole difference; breaks: "
            "spans whose edge on that side is already right with the same word there. Net = fixed − broken by a rule "
            "over the word (the weak_boundary source applies such rules). Only words with a positive net.",
            row_classes=classes,
        )
    ]


def term_tables(diag: dict[str, Any], n: int = 5) -> list[Table]:
    tp = diag.get("term_precision") or {}
    if "skipped" in tp:
        return [_skipped("Worst terms per source", tp["skipped"])]
    rows = []
    for key, terms in (tp.get("keys") or {}).items():
        for r in terms[:n]:
            rows.append([key, r["term"], r["label"], r["matches"], r["exact"], r["boundary"], r["wrong"],
                         r["precision"], r["hit_rate"]])
    if not rows:
        return []
    return [
        Table(
            "Worst terms per source",
            ["Key", "Term", "Label", "Matches", "Exact", "Boundary", "Wrong", "Precision", "Hit rate"],
            rows,
            "Per source, the span texts with most wrong matches (wrong label or spurious). Precision = exact / matches; "
            "hit rate = (exact + boundary) / matches. Export a stop-term list or a filtered lexicon with "
            "`spacy-weak diagnose terms` (per concept too).",
            [7, 8],
        )
    ]


def health_table(diag: dict[str, Any]) -> list[Table]:
    rows = []
    for r in diag.get("source_health") or []:
        verdict = []
        if r["never_ran"]:
            verdict.append("never ran")
        elif r["dead"]:
            verdict.append("dead: writes nothing")
        if r["redundant"]:
            verdict.append("redundant" + (f" (subsumed by {', '.join(r['subsumed_by'])})" if r["subsumed_by"] else ""))
        if r["inert_negative"]:
            verdict.append("negative votes never meet a positive vote")
        rows.append([r["source"], r["n_spans"], r["duplicated"], ", ".join(r["subsumed_by"]) or None,
                     r["negative_meets"], "; ".join(verdict) or "ok"])
    if not rows:
        return []
    return [
        Table(
            "Dead and redundant sources",
            ["Source", "Spans", "Duplicated", "Subsumed by", "Negative meets", "Verdict"],
            rows,
            "Duplicated: share of its spans another source writes identically; subsumed by: sources that alone cast "
            "every one of its votes. Negative meets: for an all-'O' source, share of its tokens where another source "
            "votes an entity (0 = its votes change nothing).",
        )
    ]


def document_tables(diag: dict[str, Any]) -> list[Table]:
    out = []
    docs = diag.get("error_documents") or {}
    if "skipped" not in docs:
        for agg, rows in docs.items():
            if rows:
                out.append(
                    Table(
                        f"Documents with most errors ({agg})",
                        ["Doc", "Id", "Errors", "Wrong predictions", "Gold not found", "Drivers"],
                        [[r["doc"], r["id"], r["errors"], r["wrong_predictions"], r["gold_not_found"],
                          ", ".join(r["drivers"])] for r in rows],
                        "Errors: non-exact predicted spans plus gold mentions not found exactly. Drivers: sources "
                        "whose spans overlap the wrong predictions (×count).",
                    )
                )
    mis = diag.get("misclassified_documents")
    if isinstance(mis, dict) and "skipped" in mis:
        out.append(_skipped("Misclassified documents", mis["skipped"]))
    elif mis and mis.get("documents"):
        out.append(
            Table(
                "Misclassified documents",
                ["Doc", "Id", "Gold", "Predicted", "Prob.", "Drivers", "Against gold"],
                [[r["doc"], r["id"], r["gold"], r["predicted"], r["prob"], ", ".join(r["drivers"]),
                  ", ".join(r["against_gold"])] for r in mis["documents"]],
                f"{mis['n']} documents whose doc.cats top class is not gold. Drivers: document-level sources that voted "
                "for the predicted class; over all of them: "
                + ", ".join(f"{k} ×{v}" for k, v in mis["driver_counts"].items()),
            )
        )
    return out


def diagnostic_tables(diag: dict[str, Any], aggregates: list[str]) -> list[Table]:
    """Every diagnostics table, in the order a user acts on them."""
    if not diag:
        return []
    return (
        breakdown_tables(diag, aggregates)
        + boundary_word_tables(diag)
        + term_tables(diag)
        + health_table(diag)
        + document_tables(diag)
    )


__all__ = ["BOUNDARY_CLASSES", "diagnostic_tables"]
