"""Per-source analysis of an annotated corpus, Snorkel ``lf_summary`` style.

Everything is computed on the flat arrays of :class:`~.data.CorpusData`:
a token-by-source matrix of label *sets* (bit masks; bit 0 is the explicit
``"O"`` vote, 0 = silent), so coverage, overlaps and conflicts are a few
numpy operations for the whole corpus. Column definitions: ``docs/evaluation.md``.
"""
import logging
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence

import numpy as np
from spacy.tokens import Doc

from .data import CorpusData, collect
from .doclevel import doc_level_analysis
from .documents import rank_documents, sample_documents
from .scoring import hmm_comparison, score_corpus
from .tokens import (  # noqa: F401 - re-exported: the analysis' public primitives
    MAX_LABELS,
    TokenStats,
    gold_bits,
    in_sorted,
    label_bits,
    labels_present,
    span_keys,
    token_stats,
    unique,
    vote_matrix,
)

logger = logging.getLogger(__name__)

def _labels_of(bits: int, labels: Sequence[str]) -> List[str]:
    return [label for i, label in enumerate(labels) if bits >> i & 1]


def _frac(num: float, den: float) -> Optional[float]:
    return float(num) / float(den) if den else None


def source_summary(data: CorpusData, stats: Optional[TokenStats] = None) -> List[Dict[str, Any]]:
    """One row per span-level source: the Snorkel ``lf_summary`` columns, token and span level.

    Token-level columns use all tokens of the corpus as denominator (as Snorkel uses all
    data points); span-level columns use the source's own spans.
    """
    stats = stats if stats is not None else token_stats(data)
    keys = data.sources
    n_tokens = data.n_tokens
    n_labels = len(data.labels)
    gbits = gold_bits(data)
    gold_tok = data.token_mask(data.has_gold) if gbits is not None else None
    # per-token count of sources voting exactly {label}, for the span-level conflict test
    single = {lab: (stats.votes == np.uint64(1) << np.uint64(lab)).sum(axis=1) for lab in range(min(n_labels, MAX_LABELS))}
    rows: List[Dict[str, Any]] = []
    all_span_keys = {k: span_keys(data.tables[k], data) for k in keys}
    for j, key in enumerate(keys):
        table = data.tables[key]
        lab_j = stats.labelled[:, j]
        polarity = sorted({data.labels[i] for i in labels_present(table.label)})
        n_cov = int(lab_j.sum())
        n_overlap = int((lab_j & (stats.n_labelled > 1)).sum())
        n_conflict = int(stats.conflict[:, j].sum())
        docs_with = np.zeros(data.n_docs, dtype=bool)
        docs_with[table.doc] = True
        row: Dict[str, Any] = {
            "source": key,
            "polarity": polarity,
            "n_spans": len(table),
            "ran_docs": _frac(data.ran[key].sum(), data.n_docs),
            "coverage_docs": _frac(docs_with.sum(), data.n_docs),
            "coverage": _frac(n_cov, n_tokens),
            "overlaps": _frac(n_overlap, n_tokens),
            "conflicts": _frac(n_conflict, n_tokens),
        }
        # span level: share of the source's spans that overlap / conflict with / equal another source's
        if len(table):
            others = np.concatenate([[0], np.cumsum(stats.n_labelled - lab_j)])
            span_other = others[table.end] - others[table.start]
            row["span_overlaps"] = _frac((span_other > 0).sum(), len(table))
            # conflict: some token of the span has another source voting anything but exactly {label}
            conflicted = np.zeros(len(table), dtype=bool)
            for lab in labels_present(table.label):
                sel = table.label == lab
                if lab >= MAX_LABELS:
                    continue
                self_single = (stats.votes[:, j] == np.uint64(1) << np.uint64(lab)).astype(np.int64)
                disagree = (stats.n_labelled - lab_j) - (single[lab] - self_single)
                cum = np.concatenate([[0], np.cumsum(disagree > 0)])
                conflicted[sel] = (cum[table.end[sel]] - cum[table.start[sel]]) > 0
            row["span_conflicts"] = _frac(conflicted.sum(), len(table))
            other_keys = [all_span_keys[k] for k in keys if k != key]
            other = unique(np.concatenate(other_keys)) if other_keys else np.zeros(0, np.int64)
            row["span_agreement"] = _frac(in_sorted(all_span_keys[key], other).sum(), len(table))
        else:
            row["span_overlaps"] = row["span_conflicts"] = row["span_agreement"] = None
        if gbits is not None:
            voted = lab_j & gold_tok
            correct = int((voted & (stats.votes[:, j] == gbits)).sum())
            incorrect = int(voted.sum()) - correct
            row["correct"] = correct
            row["incorrect"] = incorrect
            row["emp_acc"] = _frac(correct, correct + incorrect)
        rows.append(row)
    return rows


@dataclass
class AnalysisResult:
    """Everything the report writers need: JSON-able tables and the corpus arrays."""

    data: CorpusData
    stats: TokenStats
    summary: List[Dict[str, Any]]
    scores: Dict[str, Any] = field(default_factory=dict)
    documents: Dict[str, Any] = field(default_factory=dict)
    doc_level: Dict[str, Any] = field(default_factory=dict)
    hmm: Optional[List[Dict[str, Any]]] = None
    samples: List[int] = field(default_factory=list)
    diagnostics: dict[str, Any] = field(default_factory=dict)  # diagnostics.diagnose()

    def to_dict(self) -> Dict[str, Any]:
        data = self.data
        out: Dict[str, Any] = {
            "corpus": {
                "n_docs": data.n_docs,
                "n_tokens": data.n_tokens,
                "labels": data.entity_labels(),
                "sources": list(data.sources),
                "aggregates": list(data.aggregates),
                "doc_sources": list(data.doc_sources),
                "gold_docs": int(data.has_gold.sum()) if data.has_gold is not None else 0,
            },
            "sources": self.summary,
        }
        if self.scores:
            out["scores"] = self.scores
        if self.hmm is not None:
            out["hmm"] = self.hmm
        if self.documents:
            out["documents"] = self.documents
        if self.doc_level:
            out["doc_level"] = self.doc_level
        if self.diagnostics:
            out["diagnostics"] = self.diagnostics
        return out


def analyze_data(
    data: CorpusData,
    *,
    hmm_report: Optional[Mapping[str, Mapping[str, Mapping[str, float]]]] = None,
    hmm_source: Optional[str] = None,
    doc_model_report: Optional[Mapping[str, Any]] = None,
    n_documents: int = 10,
    n_samples: int = 6,
    diagnostics: bool = True,
) -> AnalysisResult:
    """Analyse collected data: summary, scores (if gold or aggregates), documents, doc level,
    and (``diagnostics``) the error breakdown, boundary words, dead/redundant sources."""

    stats = token_stats(data)
    summary = source_summary(data, stats)
    result = AnalysisResult(data=data, stats=stats, summary=summary)
    result.scores = score_corpus(data, stats)
    if hmm_report is not None:
        result.hmm = hmm_comparison(data, hmm_report, result.scores, aggregate=hmm_source, stats=stats)
    result.documents = rank_documents(data, stats, n=n_documents)
    if data.doc_sources or any(data.cats) or (data.gold_cats and any(c for c in data.gold_cats)):
        result.doc_level = doc_level_analysis(data, model_report=doc_model_report)
    result.samples = sample_documents(data, result.documents, n=n_samples)
    if diagnostics:
        from .diagnostics import diagnose

        result.diagnostics = diagnose(data, stats, n_documents=n_documents)
    return result


def analyze(
    docs: Iterable[Doc],
    *,
    gold_docs: Optional[Iterable[Doc]] = None,
    gold_key: Optional[str] = None,
    sources: Optional[Sequence[str]] = None,
    aggregates: Optional[Sequence[str]] = None,
    hmm_report: Optional[Mapping[str, Mapping[str, Mapping[str, float]]]] = None,
    hmm_source: Optional[str] = None,
    doc_model_report: Optional[Mapping[str, Any]] = None,
    n_documents: int = 10,
    n_samples: int = 6,
    diagnostics: bool = True,
) -> AnalysisResult:
    """Analyse annotated documents (streamed once), optionally against gold.

    docs: annotated Docs (sources in ``doc.spans``, aggregates with ``attrs["probs"]``).
    gold_docs: reference Docs aligned by order (gold in ``doc.ents`` or ``doc.spans[gold_key]``,
        gold classes in ``doc.cats``); or give ``gold_key`` alone for gold inside ``docs``.
    sources / aggregates: names or glob patterns; None = detect from the group attrs.
    hmm_report: learned figures of a fitted HMM, ``{source: {label: {"precision", "recall"}}}``
        (``HMMAggregator.source_report()``), shown beside the empirical ones; ``hmm_source``
        names the HMM's aggregate key (the reference without gold).
    doc_model_report: learned figures of a document model, ``{source: {label:
        {"p_for_given_true", "p_for_given_false"}}}`` (``DocEMAggregator.source_report()``).
    """
    data = collect(docs, gold_docs=gold_docs, gold_key=gold_key, sources=sources, aggregates=aggregates)
    return analyze_data(
        data,
        hmm_report=hmm_report,
        hmm_source=hmm_source,
        doc_model_report=doc_model_report,
        n_documents=n_documents,
        n_samples=n_samples,
        diagnostics=diagnostics,
    )
