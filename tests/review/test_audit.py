import numpy as np
import pytest
from spacy.tokens import Span

from spacy_weak.review.audit import audit
from spacy_weak.review.evidence import collect_evidence
from spacy_weak.review.oof import crossfit_probs
from spacy_weak.spans import set_aggregate


def _planted(fitted):
    _nlp, hmm, docs = fitted
    docs = [d.copy() for d in docs]
    doc = docs[0]
    # a silver span no source voted for, on tokens every source left alone
    free = [t for t in range(len(doc)) if all(
        not any(s.start <= t < s.end for s in doc.spans[k]) for k in hmm.sources_ if k in doc.spans)]
    t = free[0]
    group = doc.spans["silver"]
    spans = list(group) + [Span(doc, t, t + 1, label="DIS")]
    probs = list(group.attrs["probs"]) + [0.99]
    set_aggregate(doc, "silver", spans, probs, [[]] * len(spans), aggregator="test")
    return hmm, docs, (t, t + 1, "DIS")


@pytest.mark.parametrize("use_cleanlab", [True, False])
def test_planted_error_ranks_first_with_evidence(fitted, use_cleanlab):
    if use_cleanlab:
        pytest.importorskip("cleanlab")
    hmm, docs, planted = _planted(fitted)
    ev = collect_evidence(docs, hmm)
    # random synthetic words: the lexical out-of-fold model has nothing to learn here
    result = audit(docs, ev, sources=hmm.sources_, labels=hmm.labels_, use_cleanlab=use_cleanlab, self_oof=False)
    assert result.method == ("cleanlab" if use_cleanlab else "self_confidence")
    top = result.spans[:3]
    assert any((s.doc_index, s.start, s.end, s.label) == (0,) + planted for s in top)
    first = next(s for s in result.spans if (s.doc_index, s.start, s.end, s.label) == (0,) + planted)
    assert set(first.evidence) >= {"span_prob", "posterior", "votes"}
    assert all(v in ("-", "O") for v in first.evidence["votes"].values())
    scores = [s.score for s in result.spans if not s.flagged]
    assert scores == sorted(scores)
    assert len(result.doc_scores) == len(docs)


def test_gold_audit_and_bias_breakdown(fitted):
    _nlp, hmm, docs = fitted
    docs = [d.copy() for d in docs]
    for d in docs:  # corrupt the gold of even years' documents: swap every label
        if d.user_data["year"] == 2000:
            d.ents = [Span(d, e.start, e.end, label="DIS" if e.label_ == "CHEM" else "CHEM") for e in d.ents]
    ev = collect_evidence(docs, hmm)
    result = audit(docs, ev, sources=hmm.sources_, labels=hmm.labels_, key="ents", use_cleanlab=False,
                   source_report=hmm.source_report(), self_oof=False)
    groups = result.bias["per_group"]["year"]
    assert groups["2000"]["suspect_rate"] > groups["2001"]["suspect_rate"] + 0.3
    assert set(result.bias["per_label"]) <= {"CHEM", "DIS"}
    assert any("learned_precision" in row for row in result.bias["per_source"].values())


def test_crossfit_probs_are_out_of_fold():
    import spacy
    from spacy.tokens import Doc

    nlp = spacy.blank("en")
    # "drugA" is always labelled 1 except in one document: its held-out prediction there is still 1
    docs, labels = [], []
    for i in range(30):
        words = ["the", "drugA", "was", "given", "to", f"p{i}"]
        docs.append(Doc(nlp.vocab, words=words))
        labels.append(np.array([0, 0 if i == 7 else 1, 0, 0, 0, 0]))
    probs = crossfit_probs(docs, labels, 3, n_folds=3)
    assert [p.shape for p in probs] == [(len(d), 3) for d in docs]
    assert np.allclose(np.concatenate(probs).sum(axis=1), 1.0)
    assert probs[7][1].argmax() == 1  # the model never saw document 7's (wrong) label
    assert probs[3][0].argmax() == 0
