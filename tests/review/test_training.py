import pytest
import spacy
from spacy.tokens import DocBin, Span

from spacy_weak.corpora.align import set_gold
from spacy_weak.errors import SpacyWeakError
from spacy_weak.review.training import export_with_reviews, merge_reviews
from spacy_weak.training.partial import make_hard_labels


def _corpus(n=10):
    nlp = spacy.blank("en")
    docs = []
    for i in range(n):
        doc = nlp(f"aspirin causes headache in patient {i} .")
        doc.user_data["doc_id"] = f"d{i}"
        doc.spans["silver"] = [Span(doc, 0, 1, label="Chemical")]  # silver misses the disease
        docs.append(doc)
    return nlp, docs


def _reviewed(doc, stratum=None):
    copy = doc.copy()
    attrs = {} if stratum is None else {"stratum": stratum, "inclusion_prob": 1.0 if stratum == "ranked" else 0.25}
    set_gold(copy, [Span(copy, 0, 1, label="Chemical"), Span(copy, 2, 3, label="Disease")],
             doc_id=doc.user_data["doc_id"], attrs=attrs)
    return copy


def test_reviews_replace_their_silver_random_share_is_the_dev_set():
    _, docs = _corpus()
    reviewed = [_reviewed(docs[1], "ranked"), _reviewed(docs[4], "ranked"), _reviewed(docs[7], "random")]
    out = merge_reviews(docs, reviewed, upsample=2)
    assert out.n_replaced == 2 and out.n_dev == 1 and len(out.train) == 7 + 2 * 2
    assert len(out.silver) == 7 and docs[7] not in out.train  # the dev doc's silver is not trained on either
    for doc in out.reviewed:
        assert [(e.start, e.end, e.label_) for e in doc.ents] == [(0, 1, "Chemical"), (2, 3, "Disease")]
        assert doc[1].ent_iob_ == "O"  # fully annotated
    assert [(e.start, e.end, e.label_) for e in out.dev[0].ents][1] == (2, 3, "Disease")


def test_reviews_without_design_warn_and_hold_out_every_nth():
    _, docs = _corpus()
    reviewed = [_reviewed(docs[i]) for i in range(6)]
    with pytest.warns(UserWarning, match="W408"):
        out = merge_reviews(docs, reviewed, dev_every=3)
    assert out.n_dev == 2 and out.n_replaced == 4


def test_bad_reviews_are_errors_naming_the_document():
    nlp, docs = _corpus()
    stranger = nlp("a document nobody exported .")
    stranger.user_data["doc_id"] = "x9"
    set_gold(stranger, [], doc_id="x9")
    with pytest.raises(SpacyWeakError, match=r"E413.*x9"):
        merge_reviews(docs, [stranger])
    changed = _reviewed(docs[2], "ranked")
    other = nlp("aspirin causes migraine in patient 2 .")
    set_gold(other, [], doc_id="d2")
    with pytest.raises(SpacyWeakError, match=r"E414.*d2"):
        merge_reviews(docs, [other])
    with pytest.raises(SpacyWeakError, match=r"E416.*d2"):
        merge_reviews(docs, [changed, _reviewed(docs[2], "random")])
    with pytest.raises(SpacyWeakError, match="E415"):
        merge_reviews(docs, [changed], upsample=0)


def test_export_with_reviews_writes_train_and_reviewed_dev(tmp_path):
    nlp, docs = _corpus()
    reviewed = [_reviewed(docs[1], "ranked"), _reviewed(docs[7], "random")]
    stats, dev_stats, merged = export_with_reviews(docs, reviewed, make_hard_labels(), tmp_path / "train.spacy",
                                                   dev_output=tmp_path / "dev.spacy")
    train = list(DocBin().from_disk(tmp_path / "train.spacy").get_docs(nlp.vocab))
    dev = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(nlp.vocab))
    assert len(train) == 9 and len(dev) == 1 and stats.n_docs == 9 and dev_stats.n_docs == 1
    assert sum(any(e.label_ == "Disease" for e in d.ents) for d in train) == 1  # the reviewed doc
    # no random share: the silver held-out tenth is the dev set (today's)
    stats, dev_stats, merged = export_with_reviews(docs, reviewed[:1], make_hard_labels(), tmp_path / "t2.spacy",
                                                   dev_output=tmp_path / "d2.spacy", dev_every=3)
    assert dev_stats.n_docs == 3 and stats.n_docs == 7
