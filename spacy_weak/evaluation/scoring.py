"""Scores against gold (and against an aggregate as a proxy for gold).

P/R/F1 are spaCy's :class:`spacy.scorer.PRFScore`. Span level is strict: a
predicted span counts only if its start, end and label equal a gold span's,
exactly the definition of ``Scorer.score_spans(labeled=True, allow_overlap=True)``
(the tests check the numbers against spaCy's scorer); the set comparison is
done on int64 keys for the whole corpus at once. Token level compares the
label of each token (a token inside a ``Chemical`` span is ``Chemical``).
Spans labelled ``"O"`` (explicit negative votes) are not entities and are
left out of P/R/F1; they count in the empirical accuracy.
"""
import logging
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
from spacy.scorer import PRFScore

from ..errors import Errors, SpacyWeakError, Warnings, warn, with_code_hint
from ..spans import NEGATIVE_LABEL
from .tokens import TokenStats, gold_bits, in_sorted, label_bits, span_keys, unique
from .data import CorpusData, SpanTable

logger = logging.getLogger(__name__)


def _prf_dict(score: PRFScore) -> Dict[str, Any]:
    return {
        "p": score.precision if score.tp + score.fp else None,
        "r": score.recall if score.tp + score.fn else None,
        "f": score.fscore if len(score) else None,
        "tp": int(score.tp),
        "fp": int(score.fp),
        "fn": int(score.fn),
    }


def _result(per_label: Dict[str, PRFScore]) -> Dict[str, Any]:
    total = PRFScore()
    for score in per_label.values():
        total += score
    return {"micro": _prf_dict(total), "per_label": {k: _prf_dict(v) for k, v in sorted(per_label.items())}}


def span_prf(data: CorpusData, pred: SpanTable, gold: SpanTable, doc_mask: np.ndarray) -> Dict[str, Any]:
    """Strict span-level P/R/F1 per label and micro-averaged, over the documents in ``doc_mask``."""
    neg = data.labels.index(NEGATIVE_LABEL)
    pred = pred.select(doc_mask[pred.doc] & (pred.label != neg))
    gold = gold.select(doc_mask[gold.doc] & (gold.label != neg))
    p_keys = unique(span_keys(pred, data))
    g_keys = unique(span_keys(gold, data))
    n_lab = len(data.labels) + 1
    p_lab = p_keys % n_lab
    g_lab = g_keys % n_lab
    tp_lab = p_keys[in_sorted(p_keys, g_keys)] % n_lab
    per_label: Dict[str, PRFScore] = {}
    for lab in unique(np.concatenate([p_lab, g_lab])):
        tp = int((tp_lab == lab).sum())
        per_label[data.labels[int(lab)]] = PRFScore(
            tp=tp, fp=int((p_lab == lab).sum()) - tp, fn=int((g_lab == lab).sum()) - tp
        )
    return _result(per_label)


def token_prf(data: CorpusData, pred_bits: np.ndarray, ref_bits: np.ndarray, token_mask: np.ndarray) -> Dict[str, Any]:
    """Token-level P/R/F1 per entity label: a token predicted X counts against a gold token X."""
    per_label: Dict[str, PRFScore] = {}
    pred_bits = pred_bits[token_mask]
    ref_bits = ref_bits[token_mask]
    for lab, name in enumerate(data.labels):
        if name == NEGATIVE_LABEL or lab >= 63:
            continue
        bit = np.uint64(1) << np.uint64(lab)
        p = (pred_bits & bit) != 0
        g = (ref_bits & bit) != 0
        tp = int((p & g).sum())
        fp = int(p.sum()) - tp
        fn = int(g.sum()) - tp
        if tp or fp or fn:
            per_label[name] = PRFScore(tp=tp, fp=fp, fn=fn)
    return _result(per_label)


def score_against(
    data: CorpusData,
    key: str,
    ref: SpanTable,
    ref_docs: np.ndarray,
    ref_bits: np.ndarray,
    pred_bits: Optional[np.ndarray] = None,
) -> Dict[str, Any]:
    """Span and token scores of ``key`` against a reference, on the docs where both exist."""
    docs = ref_docs & data.ran[key]
    if pred_bits is None:
        pred_bits = label_bits(data.tables[key], data.n_tokens)
    tok = data.token_mask(docs)
    out = {
        "docs": int(docs.sum()),
        "span": span_prf(data, data.tables[key], ref, docs),
        "token": token_prf(data, pred_bits, ref_bits, tok),
    }
    voted = tok & (pred_bits != 0)
    correct = int((voted & (pred_bits == ref_bits)).sum())
    out["correct"] = correct
    out["incorrect"] = int(voted.sum()) - correct
    out["emp_acc"] = correct / voted.sum() if voted.any() else None
    return out


def _calibration(data: CorpusData, key: str, docs: np.ndarray) -> Dict[str, Any]:
    """Mean aggregate probability of spans that are right vs wrong (strict match with gold)."""
    table = data.tables[key]
    sel = table.select(docs[table.doc])
    if table.prob is None or len(sel) == 0 or data.gold is None:
        return {}
    gold = data.gold.select(docs[data.gold.doc])
    hit = in_sorted(span_keys(sel, data), unique(span_keys(gold, data)))
    return {
        "mean_prob_correct": float(sel.prob[hit].mean()) if hit.any() else None,
        "mean_prob_incorrect": float(sel.prob[~hit].mean()) if (~hit).any() else None,
    }


def score_corpus(data: CorpusData, stats: TokenStats) -> Dict[str, Any]:
    """Scores of every source and aggregate vs gold; of every source vs each aggregate (proxy);
    and the proxy gap (span-level micro F1 vs the aggregate minus F1 vs gold)."""
    out: Dict[str, Any] = {}
    bits = {k: stats.votes[:, j] for j, k in enumerate(data.sources)}
    gbits = gold_bits(data)
    if gbits is not None and data.has_gold is not None and data.has_gold.any():
        gold_scores: Dict[str, Any] = {}
        for key in data.sources + data.aggregates:
            row = score_against(data, key, data.gold, data.has_gold, gbits, bits.get(key))
            row["kind"] = "aggregate" if key in data.aggregates else "source"
            if key in data.aggregates:
                row.update(_calibration(data, key, data.has_gold & data.ran[key]))
            gold_scores[key] = row
        out["gold"] = gold_scores
    proxy: Dict[str, Any] = {}
    for agg in data.aggregates:
        table = data.tables[agg]
        abits = label_bits(table, data.n_tokens)
        abits[abits == 0] = np.uint64(1)
        proxy[agg] = {key: score_against(data, key, table, data.ran[agg], abits, bits[key]) for key in data.sources}
    if proxy:
        out["proxy"] = proxy
    if "gold" in out and proxy:
        gaps: List[Dict[str, Any]] = []
        for agg, rows in proxy.items():
            for key, row in rows.items():
                f_silver = row["span"]["micro"]["f"]
                f_gold = out["gold"][key]["span"]["micro"]["f"]
                gaps.append(
                    {
                        "aggregate": agg,
                        "source": key,
                        "f1_gold": f_gold,
                        "f1_silver": f_silver,
                        "gap": None if f_gold is None or f_silver is None else f_silver - f_gold,
                    }
                )
        out["proxy_gap"] = gaps
    return out


def validate_hmm_report(report: Any) -> Dict[str, Dict[str, Dict[str, float]]]:
    if not isinstance(report, Mapping):
        raise SpacyWeakError(Errors.E157.format(value=type(report).__name__, where="the report"))
    clean: Dict[str, Dict[str, Dict[str, float]]] = {}
    for source, per_label in report.items():
        if not isinstance(per_label, Mapping):
            raise SpacyWeakError(Errors.E157.format(value=per_label, where=f"source {source!r}"))
        clean[str(source)] = {}
        for label, figures in per_label.items():
            if not isinstance(figures, Mapping):
                raise SpacyWeakError(Errors.E157.format(value=figures, where=f"{source!r} / {label!r}"))
            clean[str(source)][str(label)] = {
                k: (None if figures.get(k) is None else float(figures[k])) for k in ("precision", "recall")
            }
    return clean


def hmm_comparison(
    data: CorpusData,
    report: Mapping[str, Mapping[str, Mapping[str, float]]],
    scores: Mapping[str, Any],
    *,
    aggregate: Optional[str] = None,
    stats: Optional[TokenStats] = None,
) -> List[Dict[str, Any]]:
    """The HMM's learned precision/recall per source and label beside the empirical ones.

    Empirical figures are token level (the HMM's emissions are per token): against gold
    when there is gold, else against ``aggregate`` (default: the first aggregate) as a proxy.
    """
    report = validate_hmm_report(report)
    ref_name = "gold"
    ref_scores = scores.get("gold")
    if ref_scores is None and scores.get("proxy"):
        ref_name = aggregate if aggregate in scores["proxy"] else next(iter(scores["proxy"]))
        ref_scores = scores["proxy"][ref_name]
    rows: List[Dict[str, Any]] = []
    gbits = gold_bits(data) if ref_name == "gold" and stats is not None else None
    for source, per_label in report.items():
        if source not in data.sources:
            warn(Warnings.W153.format(source=source))
        emp = dict((ref_scores or {}).get(source, {}).get("token", {}).get("per_label", {}))
        if gbits is not None and NEGATIVE_LABEL in per_label and source in data.sources:
            # explicit "O" votes: precision = share of them on gold-O tokens, recall = share of gold-O tokens they cover
            j = data.sources.index(source)
            tok = data.token_mask(data.has_gold & data.ran[source])
            o_vote = tok & ((stats.votes[:, j] & np.uint64(1)) != 0)
            gold_o = tok & (gbits == np.uint64(1))
            emp[NEGATIVE_LABEL] = {
                "p": float((o_vote & gold_o).sum() / o_vote.sum()) if o_vote.any() else None,
                "r": float((o_vote & gold_o).sum() / gold_o.sum()) if gold_o.any() else None,
            }
        for label, figures in sorted(per_label.items()):
            e = emp.get(label, {})
            row = {
                "source": source,
                "label": label,
                "hmm_precision": figures["precision"],
                "hmm_recall": figures["recall"],
                "emp_precision": e.get("p"),
                "emp_recall": e.get("r"),
                "reference": ref_name,
            }
            row["precision_diff"] = (
                None if row["hmm_precision"] is None or row["emp_precision"] is None else row["hmm_precision"] - row["emp_precision"]
            )
            row["recall_diff"] = (
                None if row["hmm_recall"] is None or row["emp_recall"] is None else row["hmm_recall"] - row["emp_recall"]
            )
            rows.append(row)
    return rows


DOC_REPORT_KEYS = ("p_for_given_true", "p_for_given_false")


def _is_doc_report(report: Any) -> bool:
    """A document model's report (``weak_doc_em``): ``{source: {label: {p_for_given_true, ...}}}``."""
    if not isinstance(report, Mapping):
        return False
    for per_label in report.values():
        if isinstance(per_label, Mapping):
            for figures in per_label.values():
                return isinstance(figures, Mapping) and DOC_REPORT_KEYS[0] in figures
    return False


def _spans_key(pipe) -> Optional[str]:
    cfg = getattr(pipe, "cfg", None)
    key = cfg.get("spans_key") if isinstance(cfg, Mapping) else None
    return key if key is not None else getattr(pipe, "spans_key", None)


def _dependencies(pipe) -> Optional[Dict[str, Any]]:
    """A fitted HMM's learned source dependencies (``HMMAggregator.dependency_report()``)."""
    get = getattr(pipe, "dependency_report", None)
    return get() if get is not None else None


def load_model_reports(path) -> Dict[str, Any]:
    """Learned figures of fitted aggregators: ``{"span": report, "span_key": key, "doc": report,
    "dependencies": the HMM's learned source dependencies or None}``.

    ``path``: a JSON file (a span report ``{source: {label: {precision, recall}}}`` or a document
    report ``{source: {label: {p_for_given_true, p_for_given_false}}}``), a pipeline directory
    (every ``weak_hmm`` / ``weak_doc_em`` component; the first of each kind), or a ``weak_hmm``
    component directory.
    """
    from pathlib import Path

    import srsly

    path = Path(path)
    out: Dict[str, Any] = {"span": None, "span_key": None, "doc": None, "dependencies": None}
    try:
        if path.is_file():
            report = srsly.read_json(path)
            if _is_doc_report(report):
                out["doc"] = report
            else:
                out["span"] = validate_hmm_report(report)
            return out
        if (path / "config.cfg").exists() and (path / "meta.json").exists():
            import spacy

            nlp = spacy.load(path)
            for name, pipe in nlp.pipeline:
                if not hasattr(pipe, "source_report") or not getattr(pipe, "is_fitted", True):
                    continue
                report = pipe.source_report()
                if _is_doc_report(report):
                    out["doc"] = out["doc"] or report
                elif out["span"] is None:
                    out["span"] = validate_hmm_report(report)
                    out["span_key"] = _spans_key(pipe)
                    out["dependencies"] = _dependencies(pipe)
            if out["span"] is None and out["doc"] is None:
                raise ValueError("the pipeline has no fitted component with source_report()")
            return out
        if path.is_dir():
            import spacy

            nlp = spacy.blank("en")
            pipe = nlp.add_pipe("weak_hmm")
            pipe.from_disk(path)
            out["span"] = validate_hmm_report(pipe.source_report())
            out["span_key"] = _spans_key(pipe)
            out["dependencies"] = _dependencies(pipe)
            return out
        raise FileNotFoundError(str(path))
    except SpacyWeakError:
        raise
    except Exception as err:  # noqa: BLE001 - the message names the path and the cause
        raise SpacyWeakError(Errors.E155.format(path=path, err=with_code_hint(err))) from err


def load_hmm_report(path) -> Dict[str, Dict[str, Dict[str, float]]]:
    """The span-level (HMM) report of :func:`load_model_reports`."""
    report = load_model_reports(path)["span"]
    if report is None:
        raise SpacyWeakError(Errors.E155.format(path=path, err="no span-level (weak_hmm) report found"))
    return report


__all__ = [
    "span_prf",
    "token_prf",
    "score_against",
    "score_corpus",
    "hmm_comparison",
    "load_hmm_report",
    "load_model_reports",
    "validate_hmm_report",
]


