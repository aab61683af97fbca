"""Synthetic corpora for the aggregation tests: gold entities + sources with known error rates."""
from typing import Dict, List, Sequence, Tuple

import numpy as np
from spacy.tokens import Doc, Span

from spacy_weak.spans import set_source_spans

LABELS = ["CHEM", "DIS"]

# name: (recall, false positives per token, probability of the wrong label)
DEFAULT_SOURCES = {
    "precise": (0.55, 0.003, 0.02),
    "broad": (0.8, 0.02, 0.05),
    "confident_bad": (0.6, 0.12, 0.3),
    "mid": (0.5, 0.01, 0.05),
}


def _place(rng, n_tokens: int, density: float, max_len: int = 3) -> List[Tuple[int, int]]:
    spans, t = [], 0
    while t < n_tokens:
        if rng.random() < density:
            length = int(rng.integers(1, max_len + 1))
            end = min(n_tokens, t + length)
            spans.append((t, end))
            t = end + 1
        else:
            t += 1
    return spans


def make_corpus(
    vocab,
    n_docs: int = 200,
    seed: int = 0,
    sources: Dict[str, Tuple[float, float, float]] = None,
    copies: Dict[str, str] = None,
    negative_source: bool = True,
    doc_len: Tuple[int, int] = (20, 60),
):
    """Docs with gold in ``doc.ents`` and one span group per source.

    ``copies`` maps a new source name to an existing one (an exact duplicate).
    A ``"neg"`` source (if enabled) puts ``"O"`` spans on some non-entity tokens.
    """
    rng = np.random.default_rng(seed)
    sources = DEFAULT_SOURCES if sources is None else sources
    copies = {"precise_copy": "precise"} if copies is None else copies
    docs = []
    for _ in range(n_docs):
        n = int(rng.integers(doc_len[0], doc_len[1] + 1))
        doc = Doc(vocab, words=[f"w{int(x)}" for x in rng.integers(0, 500, size=n)])
        gold = [(s, e, LABELS[int(rng.integers(0, 2))]) for s, e in _place(rng, n, 0.12)]
        doc.ents = [Span(doc, s, e, label=l) for s, e, l in gold]
        inside = np.zeros(n, dtype=bool)
        for s, e, _ in gold:
            inside[s:e] = True
        made = {}
        for name, (recall, fp_rate, confusion) in sources.items():
            spans = []
            for s, e, l in gold:
                if rng.random() < recall:
                    lab = l if rng.random() >= confusion else LABELS[1 - LABELS.index(l)]
                    spans.append((s, e, lab))
            for t in np.nonzero(rng.random(n) < fp_rate)[0]:
                if not inside[t]:
                    spans.append((int(t), int(t) + 1, LABELS[int(rng.integers(0, 2))]))
            made[name] = spans
        for new, old in copies.items():
            made[new] = list(made[old])
        if negative_source:
            made["neg"] = [(int(t), int(t) + 1, "O") for t in np.nonzero((~inside) & (rng.random(n) < 0.3))[0]]
        for name, spans in made.items():
            set_source_spans(doc, name, [Span(doc, s, e, label=l) for s, e, l in spans])
        docs.append(doc)
    return docs


def entity_prf(pred_docs: Sequence[Sequence[Tuple[int, int, str]]], gold_docs: Sequence[Doc]) -> Dict[str, float]:
    """Strict entity-level micro P/R/F1."""
    tp = n_pred = n_gold = 0
    for pred, doc in zip(pred_docs, gold_docs):
        g = {(e.start, e.end, e.label_) for e in doc.ents}
        p = set(pred)
        tp += len(g & p)
        n_pred += len(p)
        n_gold += len(g)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def token_source_truth(docs: Sequence[Doc], source: str, label: str) -> Dict[str, float]:
    """Empirical token-level precision/recall of a source for a label vs gold (label-level, B or I)."""
    tp = voted = actual = 0
    for doc in docs:
        n = len(doc)
        g = np.zeros(n, dtype=bool)
        for e in doc.ents:
            if e.label_ == label:
                g[e.start : e.end] = True
        v = np.zeros(n, dtype=bool)
        for sp in doc.spans[source]:
            if sp.label_ == label:
                v[sp.start : sp.end] = True
        tp += int((g & v).sum())
        voted += int(v.sum())
        actual += int(g.sum())
    return {"precision": tp / voted if voted else 0.0, "recall": tp / actual if actual else 0.0}
