"""Class 4 of issue 26: a name or label that matches nothing is an error or a counted warning, never silence."""
import warnings

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import DocBin, Span

from spacy_weak.errors import SpacyWeakError

from .helpers import assert_coded_failure, make_model, run_cli
from .test_params_and_models import fitted_hmm_pipeline, make_doc

NLP = spacy.blank("en")


def _docs(labels_a=("Chemical",), labels_b=("Disease",), n=4):
    return [
        make_doc(NLP, "aspirin causes headache today",
                 {"a": [(0, 1, labels_a[i % len(labels_a)])], "b": [(2, 3, labels_b[i % len(labels_b)])]})
        for i in range(n)
    ]


def test_apply_exclude_of_an_unknown_component(tmp_path):
    model = make_model(tmp_path / "model")
    corpus = tmp_path / "c.spacy"
    DocBin(docs=_docs()).to_disk(corpus)
    out = assert_coded_failure(run_cli("apply", model, corpus, tmp_path / "out", "--exclude", "span_rulr"), "E282")
    assert "span_rulr" in out and "span_ruler" in out
    assert not (tmp_path / "out").exists()
    assert run_cli("apply", model, corpus, tmp_path / "out2", "--exclude", "span_ruler").exit_code == 0


def test_audit_and_card_key_that_no_doc_has(tmp_path):
    nlp, docs = fitted_hmm_pipeline()
    nlp.to_disk(tmp_path / "pipe")
    DocBin(docs=docs).to_disk(tmp_path / "c.spacy")
    out = assert_coded_failure(run_cli("card", tmp_path / "c.spacy", "-o", tmp_path / "card.md", "--key", "nosuch"), "E283")
    assert "'nosuch'" in out and "a, b" in out and "W405" not in out
    assert_coded_failure(run_cli("card", tmp_path / "c.spacy", "-o", tmp_path / "card.md", "--gold-key", "gld"), "E283")
    out = assert_coded_failure(run_cli("audit", tmp_path / "c.spacy", "-p", tmp_path / "pipe", "--key", "nosuch"), "E283")
    assert not (tmp_path / "card.md").exists()


def test_labels_o_and_spans_key_of_a_source_are_refused_where_built():
    nlp = spacy.blank("en")
    for factory in ("weak_hmm", "weak_vote"):
        with pytest.raises(SpacyWeakError, match=r"\[E115\]"):
            nlp.add_pipe(factory, name=f"{factory}_o", config={"labels": ["O"]})
        with pytest.raises(SpacyWeakError, match=r"\[E116\].*'silver'"):
            nlp.add_pipe(factory, name=f"{factory}_k", config={"sources": ["silver", "b"]})


def test_a_source_called_like_the_aggregators_key():
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_regex", name="silver", config={"patterns": [{"label": "Chemical", "pattern": "aspirin"}]})
    nlp.add_pipe("weak_hmm", name="hmm")
    with pytest.raises(SpacyWeakError, match=r"\[E116\].*component 'silver'"):
        nlp.initialize()
    # the same caught on fitted documents (spacy-weak fit of an annotated corpus)
    docs = _docs()
    for doc in docs:
        doc.spans["silver"] = doc.spans["a"]
        doc.spans["silver"].attrs.update({"source": "silver"})
    with pytest.raises(SpacyWeakError, match=r"\[E116\].*fitted documents"):
        spacy.blank("en").add_pipe("weak_hmm").fit(docs)


def test_disjoint_labels_name_what_the_sources_vote():
    hmm = spacy.blank("en").add_pipe("weak_hmm", config={"labels": ["Gene"], "n_iter": 2})
    with pytest.raises(SpacyWeakError, match=r"\[E117\].*Gene.*Chemical, Disease"):
        hmm.fit(_docs())


def test_a_source_label_outside_the_model_is_counted():
    hmm = spacy.blank("en").add_pipe("weak_hmm", config={"labels": ["Chemical", "Disease"], "n_iter": 2})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hmm.fit(_docs(labels_b=("Illness", "Disease")))
    w503 = [str(w.message) for w in caught if "[W110]" in str(w.message)]
    assert len(w503) == 1 and "'b'" in w503[0] and "'Illness'" in w503[0] and "2 span(s)" in w503[0]


LABELS = st.sampled_from(["Chemical", "Disease", "Gene", "Illness", "chemical"])


@settings(max_examples=30, deadline=None)
@given(model=st.sets(LABELS, min_size=1, max_size=3), voted=st.lists(LABELS, min_size=1, max_size=4))
def test_every_vote_is_modelled_or_reported(model, voted):
    """Whatever the label sets: the fit refuses a model no vote fits (E117); otherwise every voted
    label outside the model is reported, case-only differences by W108, others by W110."""
    docs = _docs(labels_a=tuple(voted), labels_b=tuple(voted), n=max(2, len(voted)))
    hmm = spacy.blank("en").add_pipe("weak_hmm", config={"labels": sorted(model), "n_iter": 1})
    if not set(voted) & model:
        with pytest.raises(SpacyWeakError, match=r"\[E117\]"):
            hmm.fit(docs)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hmm.fit(docs)
    text = " ".join(str(w.message) for w in caught)
    folded = {m.casefold() for m in model}
    for label in set(voted) - model:
        code = "W108" if label.casefold() in folded else "W110"
        assert f"[{code}]" in text and repr(label) in text, (label, text)
