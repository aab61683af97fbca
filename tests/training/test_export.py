import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.errors import SpacyWeakError
from spacy_weak.training.export import cat_confidence, confident_docs, export_training
from spacy_weak.training.partial import make_partial_annotation

from ._data import make_docs


def test_export_training_writes_docs_and_counts_tokens(tmp_path):
    stats = export_training(make_docs(6), make_partial_annotation(), tmp_path / "t.spacy")
    d = stats.as_dict()
    assert d["n_docs"] == 6 and d["entities"] == {"Chemical": 6}
    # per doc: 1 entity token, the disease missing, the verb missing in docs 0 and 3
    assert d["entity_tokens"] == 6 and d["missing_tokens"] == 6 + 2 and d["outside_tokens"] == 6 * 8 - 14
    docs = list(DocBin().from_disk(tmp_path / "t.spacy").get_docs(spacy.blank("en").vocab))
    assert [e.text for e in docs[1].ents] == [docs[1][0].text] and not docs[1].spans


def test_export_without_silver_entities_writes_nothing(tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E304\]"):
        export_training(make_docs(3, with_silver=False), make_partial_annotation(), tmp_path / "t.spacy")
    assert not (tmp_path / "t.spacy").exists()


def test_confident_docs_leaves_out_low_confidence_documents():
    nlp = spacy.blank("en")
    docs = []
    for p in (0.99, 0.6, 0.9):
        doc = nlp("text")
        doc.cats = {"SPAM": p, "HAM": 1 - p}
        docs.append(doc)
    docs.append(nlp("no cats"))
    assert [cat_confidence(d) for d in docs] == [0.99, 0.6, 0.9, 0.0]
    assert confident_docs(docs, 0.9) == [docs[0], docs[2]]
    assert len(confident_docs(docs, 0.0)) == 4
    with pytest.raises(SpacyWeakError, match=r"\[E300\].*min_confidence"):
        confident_docs(docs, 1.5)
