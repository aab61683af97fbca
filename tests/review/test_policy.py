import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.corpora.align import set_gold
from spacy_weak.review.policy import candidates, choose_policy, token_counts
from spacy_weak.spans import ATTR_PROBS
from spacy_weak.training.partial import TokenAnnotation

PARTIAL = {"entity_threshold": 0.5, "outside_keep": 1.0, "missing_voted": True, "seed": 0}


def _doc(nlp, i, *, doubtful_right: bool, inclusion_prob=0.5):
    """Silver: a sure right Chemical (p 0.95) and a doubtful Disease (p 0.6) that the review
    confirms or rejects; a source voted on 'fever', which the silver left out and the review has."""
    doc = nlp(f"aspirin causes headache and fever in patient {i} .")
    doc.user_data["doc_id"] = f"d{i}"
    doc.spans["silver"] = [Span(doc, 0, 1, label="Chemical"), Span(doc, 2, 3, label="Disease")]
    doc.spans["silver"].attrs[ATTR_PROBS] = [0.95, 0.6]
    doc.spans["src"] = [Span(doc, 4, 5, label="Disease")]
    review = [Span(doc, 0, 1, label="Chemical"), Span(doc, 4, 5, label="Disease")] + ([Span(doc, 2, 3, label="Disease")] if doubtful_right else [])
    copy = doc.copy()
    set_gold(copy, [Span(copy, s.start, s.end, label=s.label_) for s in review], doc_id=f"d{i}",
             attrs={"stratum": "ranked", "inclusion_prob": inclusion_prob})
    return copy


def test_token_counts_missing_tokens_count_nowhere():
    nlp = spacy.blank("en")
    doc = _doc(nlp, 0, doubtful_right=False)
    # taught: aspirin Chemical (right), headache Disease (wrong: the review says O), fever O (wrong)
    assert token_counts(TokenAnnotation([(0, 1, "Chemical"), (2, 3, "Disease")], []), doc) == (1, 1, 1)
    assert token_counts(TokenAnnotation([(0, 1, "Chemical")], [2, 4]), doc) == (1, 0, 0)
    right = _doc(nlp, 1, doubtful_right=True)
    assert token_counts(TokenAnnotation([(0, 1, "Chemical")], []), right) == (1, 0, 2)  # headache, fever taught O


def test_candidates_start_with_the_users_policy_without_duplicates():
    cands = candidates(("partial", PARTIAL))
    assert cands[0] == ("partial", PARTIAL)
    assert ("hard", {}) in cands and len(cands) == len(set(map(str, cands)))
    assert {c[1].get("entity_threshold") for c in cands if c[0] == "partial"} == {0.3, 0.5, 0.7, 0.9}
    assert all(c[1]["missing_voted"] is True for c in cands if c[0] == "partial")


def test_reviews_that_reject_doubtful_spans_raise_the_threshold():
    nlp = spacy.blank("en")
    docs = [_doc(nlp, i, doubtful_right=False) for i in range(30)]
    choice = choose_policy(docs, [2.0] * len(docs), ("partial", PARTIAL))
    assert choice.name == "partial" and choice.params["entity_threshold"] in (0.7, 0.9)
    assert choice.n_docs == 30 and choice.table[0]["policy"] == "partial" and "p_better" not in choice.table[0]
    hard = next(r for r in choice.table if r["policy"] == "hard")
    assert hard["f1"] < choice.table[0]["f1"]  # hard labels teach 'fever' as O and headache as Disease


def test_reviews_that_confirm_them_keep_the_users_policy():
    nlp = spacy.blank("en")
    docs = [_doc(nlp, i, doubtful_right=True) for i in range(30)]
    choice = choose_policy(docs, [1.0] * len(docs), ("partial", PARTIAL))
    assert (choice.name, choice.params) == ("partial", PARTIAL)


def test_few_reviews_or_clamped_ones_decide_nothing():
    nlp = spacy.blank("en")
    few = [_doc(nlp, i, doubtful_right=False) for i in range(9)]
    choice = choose_policy(few, [1.0] * 9, ("partial", PARTIAL))
    assert (choice.params, choice.table, choice.n_docs) == (PARTIAL, [], 9)  # fewer than min_docs decide nothing
    clamped = _doc(nlp, 1, doubtful_right=True)  # its silver equals its review
    clamped.spans["silver"] = [Span(clamped, 0, 1, label="Chemical"), Span(clamped, 2, 3, label="Disease"),
                               Span(clamped, 4, 5, label="Disease")]
    out = choose_policy([clamped], [1.0], ("hard", {}))
    assert (out.name, out.n_docs, out.n_clamped, out.table) == ("hard", 0, 1, [])


@pytest.mark.parametrize("weight", [0.0, float("nan")])
def test_bad_weights_are_errors_naming_the_document(tmp_path, weight):
    from spacy_weak.errors import SpacyWeakError
    from spacy_weak.review.importer import review_weights

    nlp = spacy.blank("en")
    doc = _doc(nlp, 3, doubtful_right=True, inclusion_prob=weight)
    with pytest.raises(SpacyWeakError, match=r"E412.*d3"):
        review_weights([doc])
