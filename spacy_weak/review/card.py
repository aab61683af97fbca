"""Derivation card: a Markdown datasheet for a silver set, and the provenance stamp that
silver DocBins carry so a card can be rebuilt from them.

Provenance (:func:`pipeline_provenance`): the SHA-256 of the pipeline config (the recipe)
combined with the SHA-256 of every file named in its ``[paths]`` (lexicons), and the
spacy-weak version. :func:`stamp` writes ``recipe_hash`` and ``package_version`` into the
attrs of every aggregate span group of a document (span-group attrs survive ``DocBin``
without ``store_user_data``); ``spacy-weak apply`` stamps every document it writes.
"""
import hashlib
import logging
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from ..about import __version__
from ..aggregation.observations import available_sources
from ..evaluation.report import fmt as _fmt
from ..io import file_digest
from ..spans import ATTR_AGGREGATOR, NEGATIVE_LABEL, span_probs

logger = logging.getLogger(__name__)

ATTR_RECIPE = "recipe_hash"
ATTR_VERSION = "package_version"
ATTR_FILES = "recipe_files"
LOW_PRECISION = 0.5


def pipeline_provenance(nlp) -> dict:
    """``{recipe_hash, package_version, files}`` of a pipeline (config + files in ``[paths]``)."""
    config = nlp.config.to_str()
    files = {}
    for name, value in sorted((nlp.config.get("paths") or {}).items()):
        if isinstance(value, str) and value and Path(value).is_file():
            files[name] = file_digest(Path(value))
    h = hashlib.sha256(config.encode("utf8"))
    for name, digest in files.items():
        h.update(f"\n{name}={digest}".encode())
    return {ATTR_RECIPE: h.hexdigest()[:16], ATTR_VERSION: __version__, ATTR_FILES: files}


def stamp(doc: Doc, provenance: dict) -> Doc:
    """Write the provenance into the attrs of the document's aggregate groups."""
    for group in doc.spans.values():
        if ATTR_AGGREGATOR in group.attrs:
            group.attrs[ATTR_RECIPE] = provenance[ATTR_RECIPE]
            group.attrs[ATTR_VERSION] = provenance[ATTR_VERSION]
            group.attrs[ATTR_FILES] = dict(provenance.get(ATTR_FILES, {}))
    return doc


def read_provenance(doc: Doc, key: str = "silver") -> dict | None:
    if key not in doc.spans or ATTR_RECIPE not in doc.spans[key].attrs:
        return None
    attrs = doc.spans[key].attrs
    return {ATTR_RECIPE: attrs[ATTR_RECIPE], ATTR_VERSION: attrs.get(ATTR_VERSION), ATTR_FILES: dict(attrs.get(ATTR_FILES, {}))}


def _prf(pred: set, gold: set) -> dict:
    tp = len(pred & gold)
    p = tp / len(pred) if pred else 0.0
    r = tp / len(gold) if gold else 0.0
    return {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def _entity_set(docs: Sequence[Doc], key: str, labels: Sequence[str]) -> set:
    out = set()
    for i, doc in enumerate(docs):
        spans = doc.ents if key == "ents" else doc.spans.get(key, [])
        out |= {(i, s.start, s.end, s.label_) for s in spans if s.label_ in labels}
    return out


def card_data(
    docs: Sequence[Doc],
    *,
    labels: Sequence[str],
    key: str = "silver",
    source_report: dict | None = None,
    gold_key: str | None = None,
    human_key: str = "human",
) -> dict:
    """Everything the card shows, as a dict (also written as JSON by the CLI)."""
    n_tokens = sum(len(d) for d in docs)
    sources = sorted({s for d in docs for s in available_sources(d, exclude=[key, human_key, gold_key or key])})
    provs = Counter()
    for d in docs:
        p = read_provenance(d, key)
        provs[(p[ATTR_RECIPE], p[ATTR_VERSION]) if p else None] += 1
    first = next((read_provenance(d, key) for d in docs if read_provenance(d, key)), None)
    rows = {}
    gold_docs = [d for d in docs if gold_key and (gold_key == "ents" or gold_key in d.spans)]
    gold = _entity_set(gold_docs, gold_key, labels) if gold_docs else None
    for s in sources:
        covered = 0
        ran = 0
        n_spans = Counter()
        for d in docs:
            if s not in d.spans:
                continue
            ran += 1
            mask = np.zeros(len(d), dtype=bool)
            for span in d.spans[s]:
                if span.label_ != NEGATIVE_LABEL:
                    mask[span.start : span.end] = True
                n_spans[span.label_] += 1
            covered += int(mask.sum())
        row = {"docs_ran": ran, "coverage": covered / n_tokens if n_tokens else 0.0, "spans": dict(n_spans)}
        if source_report and s in source_report:
            row["learned_precision"] = {lab: v.get("precision") for lab, v in source_report[s].items()}
        if gold is not None:
            row["vs_gold"] = _prf(_entity_set(gold_docs, s, labels), gold)
        rows[s] = row
    silver_counts = Counter(s.label_ for d in docs for s in d.spans.get(key, []) if s.label_ in labels)
    probs = [p for d in docs if key in d.spans for p in span_probs(d.spans[key])]
    data = {
        "n_docs": len(docs),
        "n_tokens": n_tokens,
        "labels": list(labels),
        "silver_key": key,
        "silver_spans": dict(silver_counts),
        "silver_mean_prob": float(np.mean(probs)) if probs else None,
        "provenance": first,
        "provenance_mixed": len([k for k in provs if k is not None]) > 1,
        "docs_without_provenance": provs.get(None, 0),
        "sources": rows,
        "reviewed_docs": sum(1 for d in docs if human_key in d.spans),
    }
    if gold is not None:
        data["gold_docs"] = len(gold_docs)
        data["proxy_gap"] = {"silver_vs_gold": _prf(_entity_set(gold_docs, key, labels), gold)}
    limits: list[str] = []
    for s, row in rows.items():
        for lab, p in (row.get("learned_precision") or {}).items():
            if p is not None and p < LOW_PRECISION and lab != NEGATIVE_LABEL:
                limits.append(f"source `{s}` has a learned precision of {p:.2f} for {lab}")
        if row["coverage"] == 0:
            limits.append(f"source `{s}` labelled nothing in this set")
    for lab in labels:
        if silver_counts.get(lab, 0) == 0:
            limits.append(f"no silver span for label {lab}")
    if gold is None:
        limits.append("no gold or reviewed data: the silver quality is the label model's own estimate only")
    if data["docs_without_provenance"]:
        limits.append(f"{data['docs_without_provenance']} document(s) carry no derivation provenance")
    data["known_limits"] = limits
    return data


def render_markdown(data: dict, *, title: str = "Derivation card") -> str:
    lines = [f"# {title}", ""]
    prov = data.get("provenance")
    lines += ["## Provenance", ""]
    if prov:
        lines.append(f"- recipe hash: `{prov[ATTR_RECIPE]}`")
        lines.append(f"- spacy-weak version: `{prov[ATTR_VERSION]}`")
        for name, digest in (prov.get(ATTR_FILES) or {}).items():
            lines.append(f"- file `{name}`: sha256 `{digest[:16]}…`")
        if data.get("provenance_mixed"):
            lines.append("- **warning**: the documents were made by more than one recipe or version")
    else:
        lines.append("- **unknown**: the DocBin carries no provenance stamp")
    lines += ["", "## Silver set", ""]
    lines.append(f"- documents: {data['n_docs']}, tokens: {data['n_tokens']}")
    lines.append(f"- silver spans (`{data['silver_key']}`): " + ", ".join(f"{k} {v}" for k, v in sorted(data["silver_spans"].items())))
    lines.append(f"- mean span probability: {_fmt(data['silver_mean_prob'])}")
    lines.append(f"- documents reviewed by people: {data['reviewed_docs']}")
    if "proxy_gap" in data:
        g = data["proxy_gap"]["silver_vs_gold"]
        lines.append(f"- silver vs gold/reviewed on {data['gold_docs']} documents: P {g['p']:.3f} R {g['r']:.3f} F1 {g['f1']:.3f}")
    lines += ["", "## Sources", "", "| source | docs ran | token coverage | spans | learned precision | vs gold F1 |", "|---|---|---|---|---|---|"]
    for s, row in data["sources"].items():
        lp = ", ".join(f"{k} {_fmt(v)}" for k, v in (row.get("learned_precision") or {}).items())
        vg = _fmt(row["vs_gold"]["f1"]) if "vs_gold" in row else "–"
        spans = ", ".join(f"{k} {v}" for k, v in sorted(row["spans"].items()))
        lines.append(f"| {s} | {row['docs_ran']} | {row['coverage']:.4f} | {spans} | {lp or '–'} | {vg} |")
    lines += ["", "## Known limits", ""]
    lines += [f"- {x}" for x in data["known_limits"]] or ["- none detected"]
    return "\n".join(lines) + "\n"
