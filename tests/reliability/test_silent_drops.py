"""Classes 7 and 12 of issue 15: nothing is dropped without a word; a document model
that its sources cannot identify says so."""
import warnings

import spacy
from spacy.tokens import Span

from spacy_weak.spans import set_doc_votes, set_source_spans


def span_docs(nlp, n=6, labels=("Chemical", "Disease")):
    docs = []
    for _ in range(n):
        doc = nlp.make_doc("aspirin causes headache today")
        set_source_spans(doc, "a", [Span(doc, 0, 1, label=labels[0])], source="a")
        set_source_spans(doc, "b", [Span(doc, 2, 3, label=labels[1]), Span(doc, 0, 1, label=labels[0])], source="b")
        docs.append(doc)
    return docs


def coded(record, code):
    return [str(w.message) for w in record if str(w.message).startswith(f"[{code}]")]


def test_sources_naming_groups_that_never_exist_warn():
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["a", "b", "gazeteer_typo"], "n_iter": 2})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        hmm.fit(span_docs(nlp))
    msgs = coded(record, "W107")
    assert msgs and "'gazeteer_typo'" in msgs[0] and "a, b" in msgs[0]
    assert hmm.sources == ("a", "b")


def test_globs_that_match_nothing_do_not_warn():
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["a", "b", "extra_*"], "n_iter": 2})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        hmm.fit(span_docs(nlp))
    assert not coded(record, "W107")


def test_doc_em_sources_never_present_warn():
    nlp = spacy.blank("en")
    em = nlp.add_pipe("weak_doc_em", config={"labels": ["SPAM", "HAM"], "sources": ["kw", "len", "nope"]})
    docs = []
    for i in range(6):
        doc = nlp.make_doc(f"m {i}")
        set_doc_votes(doc, "kw", {"SPAM": 1} if i % 2 else {"HAM": 1}, source="kw")
        set_doc_votes(doc, "len", {"HAM": 1} if i % 3 else {"SPAM": 1}, source="len")
        docs.append(doc)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        em.fit(docs)
    assert any("'nope'" in m for m in coded(record, "W107"))


def test_label_differing_only_in_case_warns_at_fit_and_apply():
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"labels": ["Chemical", "Disease"], "n_iter": 2})
    docs = span_docs(nlp)
    for doc in docs:
        set_source_spans(doc, "c", [Span(doc, 0, 1, label="chemical")], source="c")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        hmm.fit(docs)
    msgs = coded(record, "W108")
    assert msgs and "'c'" in msgs[0] and "'chemical'" in msgs[0] and "'Chemical'" in msgs[0]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        list(hmm.pipe([d.copy() for d in docs], batch_size=2))
        list(hmm.pipe([d.copy() for d in docs], batch_size=2))
    assert len(coded(record, "W108")) == 1  # once per component, source and label


def test_labels_that_are_simply_unknown_do_not_warn():
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"labels": ["Chemical"], "n_iter": 2})
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        hmm.fit(span_docs(nlp))
    assert not coded(record, "W108")


# ------------------------------------------------------------ class 12: identifiability


def vote_docs(nlp, votes_per_doc):
    docs = []
    for i, votes in enumerate(votes_per_doc):
        doc = nlp.make_doc(f"message {i}")
        for source, vote in votes.items():
            set_doc_votes(doc, source, vote, source=source)
        docs.append(doc)
    return docs


def test_one_sided_sources_warn_with_the_remedy():
    nlp = spacy.blank("en")
    em = nlp.add_pipe("weak_doc_em", config={"labels": ["SPAM", "HAM"]})
    votes = [{"s1": {"SPAM": 1}} if i % 2 else {"s2": {"SPAM": 1}, "s3": {"SPAM": 1}} for i in range(20)]
    votes += [{"s1": {}}] * 5  # abstentions
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        em.fit(vote_docs(nlp, votes))
    msgs = coded(record, "W109")
    assert msgs and "SPAM only" in msgs[0] and "class_priors" in msgs[0] and "HAM" in msgs[0]


def test_class_priors_silence_the_warning():
    nlp = spacy.blank("en")
    em = nlp.add_pipe("weak_doc_em", config={"labels": ["SPAM", "HAM"], "class_priors": {"SPAM": 0.4, "HAM": 0.6}})
    votes = [{"s1": {"SPAM": 1}} for _ in range(10)]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        em.fit(vote_docs(nlp, votes))
    assert not coded(record, "W109")


def test_two_sided_sources_do_not_warn():
    nlp = spacy.blank("en")
    em = nlp.add_pipe("weak_doc_em", config={"labels": ["SPAM", "HAM"]})
    votes = [{"s1": {"SPAM": 1}, "s2": {"SPAM": 1}} if i % 2 else {"s1": {"HAM": 1}, "s3": {"HAM": 1}} for i in range(20)]
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        em.fit(vote_docs(nlp, votes))
    assert not coded(record, "W109")


def test_multilabel_label_without_negative_votes_warns():
    nlp = spacy.blank("en")
    em = nlp.add_pipe("weak_doc_em", config={"labels": ["A", "B"], "multilabel": True})
    votes = [{"s1": {"A": 1, "B": 0}, "s2": {"B": 1}} for _ in range(8)]  # B: for and against; A: for only
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        em.fit(vote_docs(nlp, votes))
    msgs = coded(record, "W109")
    assert msgs and "label(s) A get" in msgs[0]
