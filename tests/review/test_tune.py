import numpy as np
import pytest
import spacy

from spacy_weak.aggregation.hmm_component import HMMAggregator
from spacy_weak.errors import SpacyWeakError
from spacy_weak.review.tune import choose_settings, match_reviewed, refit_with_reviews

from ..aggregation.synth import LABELS, make_corpus
from ..aggregation.test_clamp import _human


class Fake:
    """A fitted model whose silver is the gold spans, minus the last one for candidate 'worse'."""

    def __init__(self, worse):
        self.worse = worse
        self.cfg = {"spans_key": "pred"}
        self.labels = LABELS

    def pipe(self, docs):
        for doc in docs:
            ents = list(doc.spans["gold"])
            doc.spans["pred"] = ents[:-1] if self.worse and ents else ents
            yield doc


def _docs():
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=12, seed=2)
    for d in docs:
        d.spans["gold"] = list(d.ents)
    return docs


def test_choose_settings_keeps_the_current_settings_unless_a_candidate_is_better():
    docs = _docs()
    reviewed = list(range(6))
    fitted = []

    def fit(over, hidden):
        fitted.append((dict(over), list(hidden)))
        return Fake(worse=not over.get("better", False))

    choice = choose_settings(fit, {"labels": LABELS}, docs, reviewed, [1.0] * 6, gold=[docs[i] for i in reviewed],
                             candidates=[{}, {"better": True}, {"clamp_learn": True}])
    assert choice.overrides == {"better": True}
    assert [r["cross_fitted"] for r in choice.table] == [False, False, True]
    hidden = [h for o, h in fitted if o.get("clamp_learn")]
    assert sorted(i for h in hidden for i in h) == reviewed  # cross-fitting: each reviewed doc hidden once
    tie = choose_settings(lambda o, h: Fake(worse=False), {"labels": LABELS}, docs, reviewed, [1.0] * 6,
                          gold=[docs[i] for i in reviewed], candidates=[{}, {"anchor_strength": 1.0}])
    assert tie.overrides == {}


def test_refit_without_reviews_is_todays_fit_and_reviews_are_matched():
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=30, seed=5)
    for i, d in enumerate(docs):
        d.user_data["doc_id"] = f"d{i}"
    plain = HMMAggregator(nlp.vocab, labels=LABELS, n_iter=3).fit(docs)
    again = HMMAggregator(nlp.vocab, labels=LABELS, n_iter=3)
    choice = refit_with_reviews(again, docs, [])
    assert choice.overrides == {} and choice.table == []
    np.testing.assert_allclose(again._model().emissionprob_, plain._model().emissionprob_)
    # with reviews: the human source is clamped, the candidates are scored on the reviewed docs
    dev = []
    for d in docs[:6]:
        _human(d, [(e.start, e.end, e.label_) for e in d.ents])
        c = d.copy()
        c.spans["gold"] = list(c.ents)
        c.spans["gold"].attrs["inclusion_prob"] = 1.0
        dev.append(c)
    model = HMMAggregator(nlp.vocab, labels=LABELS, n_iter=3)
    choice = refit_with_reviews(model, docs, dev, candidates=[{}, {"clamp_learn": True}])
    assert "human" in model.cfg["clamp_sources"] and len(choice.table) == 2
    assert match_reviewed(docs, dev) == list(range(6))
    stranger = nlp("not in the corpus")
    stranger.user_data["doc_id"] = "zz"
    with pytest.raises(SpacyWeakError, match=r"E413.*zz"):
        match_reviewed(docs, [stranger])


def test_a_gain_on_one_reviewed_document_does_not_change_the_settings():
    docs = _docs()
    reviewed = list(range(8))

    class OneDoc(Fake):
        def pipe(self, docs):  # better than the current settings on the first document only
            for k, doc in enumerate(super().pipe(docs)):
                if k == 0 and not self.worse:
                    doc.spans["pred"] = list(doc.spans["gold"])
                elif len(doc.spans["gold"]):
                    doc.spans["pred"] = list(doc.spans["gold"])[:-1]
                yield doc

    choice = choose_settings(lambda o, h: OneDoc(worse=not o), {"labels": LABELS}, docs, reviewed, [1.0] * 8,
                             gold=[docs[i] for i in reviewed], candidates=[{}, {"anchor_strength": 1.0}])
    assert choice.table[1]["f1"] > choice.table[0]["f1"] and choice.table[1]["p_better"] < 0.9
    assert choice.overrides == {}
