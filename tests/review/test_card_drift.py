import warnings

import numpy as np
import spacy
from spacy.tokens import DocBin

from spacy_weak.review.card import (
    card_data,
    pipeline_provenance,
    read_provenance,
    render_markdown,
    stamp,
)
from spacy_weak.review.drift import compare

from ..aggregation.synth import LABELS, make_corpus


def test_provenance_stamp_survives_docbin_and_card(fitted, tmp_path):
    nlp, hmm, docs = fitted
    lex = tmp_path / "lex.tsv"
    lex.write_text("aspirin\tCHEM\n")
    nlp.config["paths"] = {"lex": str(lex)}
    prov = pipeline_provenance(nlp)
    assert len(prov["recipe_hash"]) == 16 and "lex" in prov["recipe_files"]
    lex.write_text("aspirin\tDIS\n")
    assert pipeline_provenance(nlp)["recipe_hash"] != prov["recipe_hash"]  # a lexicon change is a new recipe
    stamped = [stamp(d.copy(), prov) for d in docs[:5]]
    back = list(DocBin(docs=stamped).from_bytes(DocBin(docs=stamped).to_bytes()).get_docs(nlp.vocab))
    assert read_provenance(back[0])["recipe_hash"] == prov["recipe_hash"]
    data = card_data(back, labels=LABELS, source_report=hmm.source_report(), gold_key="ents")
    md = render_markdown(data)
    assert prov["recipe_hash"] in md and "| precise |" in md
    assert data["proxy_gap"]["silver_vs_gold"]["f1"] > 0.5
    assert data["docs_without_provenance"] == 0


def test_card_without_provenance_lists_the_limit(fitted):
    _nlp, _hmm, docs = fitted
    data = card_data(docs[:3], labels=LABELS)
    assert data["provenance"] is None and data["docs_without_provenance"] == 3
    assert any("provenance" in x for x in data["known_limits"])
    assert "unknown" in render_markdown(data)


def test_drift_flags_the_source_that_moved():
    nlp = spacy.blank("en")
    base = {"precise": (0.55, 0.003, 0.02), "broad": (0.8, 0.02, 0.05), "mid": (0.5, 0.01, 0.05)}
    moved = dict(base, broad=(0.8, 0.15, 0.05))  # many more false positives in corpus B
    a = make_corpus(nlp.vocab, n_docs=60, seed=1, sources=base, copies={})
    b = make_corpus(nlp.vocab, n_docs=60, seed=2, sources=moved, copies={})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = compare(a, b, sources=["precise", "broad", "mid", "neg"], labels=LABELS)
    assert "broad" in result["flagged"]
    assert "precise" not in result["flagged"]
    row = result["sources"]["broad"]
    assert row["b"]["coverage"] > row["a"]["coverage"]
    assert np.isfinite(row["a"]["conflict"])
