import warnings

import pytest
import spacy

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.crossfit import CrossFitter, set_oof_spans
from spacy_weak.training.partial import make_partial_annotation
from spacy_weak.training.selftrain import add_source, check_rounds, refit, self_train

from ._data import CONFIG, make_docs


def _hmm(docs):
    nlp = spacy.blank("en")
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["src_chem", "src_dis"], "labels": ["Chemical", "Disease"], "n_iter": 5})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hmm.fit(docs)
    return hmm


def test_add_source_appends_only_when_no_pattern_matches():
    hmm = _hmm(make_docs(4))
    add_source(hmm, "model_oof")
    assert hmm.cfg["sources"] == ["src_chem", "src_dis", "model_oof"]
    add_source(hmm, "model_oof")
    assert hmm.cfg["sources"].count("model_oof") == 1
    hmm.cfg["sources"] = ["*"]
    add_source(hmm, "model_oof")
    assert hmm.cfg["sources"] == ["*"]


def test_refit_reads_the_model_predictions_as_a_source():
    docs = make_docs(12, with_silver=False)
    hmm = _hmm(docs)
    for doc in docs:  # a "model" that recognises the disease in every document
        set_oof_spans(doc, [(0, 1, "Chemical", 0.9), (2, 3, "Disease", 0.8)], fold=0)
    [silver, extra] = refit(hmm, docs, add="model_oof", apply_to=[make_docs(2, with_silver=False)])
    assert "model_oof" in hmm.sources and len(silver) == 12 and len(extra) == 2
    assert all("silver" in d.spans and "model_oof" in d.spans for d in silver)
    found = {(s.start, s.end, s.label_) for d in silver for s in d.spans["silver"]}
    assert (0, 1, "Chemical") in found and (2, 3, "Disease") in found


def test_refit_without_the_model_group_is_a_coded_error_not_a_claim():
    # issue 27: W107 then "Refitted 'hmm' with source 'model_oof'" although no document had it
    docs = make_docs(4, with_silver=False)
    hmm = _hmm(docs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(SpacyWeakError, match=r"E322.*'model_oof'.*src_chem"):
            refit(hmm, docs, add="model_oof")
    assert not caught and "model_oof" not in hmm.cfg["sources"]


def test_one_self_training_round_end_to_end(tmp_path):
    docs = make_docs(6, with_silver=False)
    hmm = _hmm(docs)
    silver = list(hmm.pipe(docs))
    fitter = CrossFitter(config=CONFIG, n_folds=2, steps=2, policy=make_partial_annotation(), labels=["Chemical", "Disease"], beam_width=1)
    seen = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an untrained model may predict nothing (W100: silent source)
        results = self_train(silver, hmm, fitter, tmp_path, rounds=1, extra=make_docs(2, with_silver=False), on_round=seen.append)
    assert [r.round for r in results] == [1] and seen == results
    assert (tmp_path / "round_1" / "manifest.json").exists()
    assert "model_oof" in hmm.cfg["sources"]
    assert all("model_oof" in d.spans and "silver" in d.spans for d in results[0].silver)
    assert len(results[0].extra_silver) == 2


@pytest.mark.parametrize("rounds", [-1, 1.5, "two"])
def test_rounds_must_be_a_non_negative_integer(rounds):
    with pytest.raises(SpacyWeakError, match=r"\[E309\]"):
        check_rounds(rounds)
