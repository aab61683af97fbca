"""Lexicon noise features of weak_gazetteer: common-word drop, shape and ambiguity sub-sources."""
import pytest
import spacy

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.noise import filter_records, route, sub_keys
from spacy_weak.lexicons.records import LexiconRecord, LexiconSummary

RECORDS = [
    ("water", "Chemical", "C1"),
    ("aspirin", "Chemical", "C2"),
    ("BRCA1", "Disease", "D1"),
    ("breast cancer", "Disease", "D2"),
    ("ALS", "Disease", "D3"),
    ("cold", "Disease", "D4"),
    ("cold", "Chemical", "C5"),
]


def _nlp(**cfg):
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz", config={"min_term_length": 3, **cfg})
    gaz.initialize(lexicon=[LexiconRecord(*r) for r in RECORDS])
    return nlp, gaz


def test_common_words_dropped_and_counted():
    pytest.importorskip("wordfreq")
    nlp, gaz = _nlp(common_word_zipf=5.0)
    summary = gaz.lexicon.summary
    assert summary.dropped["common_word"] == 3  # "water" and both "cold" records; "aspirin" (3.3) stays
    doc = nlp("water and aspirin for a cold")
    assert [s.text for s in doc.spans["gaz"]] == ["aspirin"]


def test_filter_records_without_options_keeps_everything():
    summary = LexiconSummary()
    out = list(filter_records(RECORDS, summary))
    assert [r.term for r in out] == [r[0] for r in RECORDS] and not summary.dropped and not summary.flagged


def test_shape_and_ambiguity_sub_sources():
    nlp, gaz = _nlp(split_shapes=["gene_symbol", "acronym"], split_ambiguous=True)
    summary = gaz.lexicon.summary
    assert summary.flagged == {"shape:gene_symbol": 1, "shape:acronym": 1}
    assert summary.to_dict()["flagged"] == {"shape:acronym": 1, "shape:gene_symbol": 1}
    doc = nlp("BRCA1 carriers with breast cancer, ALS or a cold")
    assert [s.text for s in doc.spans["gaz"]] == ["breast cancer"]
    assert [s.text for s in doc.spans["gaz_gene_symbol"]] == ["BRCA1"]
    assert [s.text for s in doc.spans["gaz_acronym"]] == ["ALS"]
    assert sorted(s.label_ for s in doc.spans["gaz_ambiguous"]) == ["Chemical", "Disease"]
    # every sub-source is written, even when empty
    empty = nlp("nothing here")
    assert set(sub_keys("gaz", ["gene_symbol", "acronym"], True)) | {"gaz"} <= set(empty.spans)
    assert all(len(empty.spans[k]) == 0 for k in empty.spans)


def test_route_order_first_shape_wins():
    nlp = spacy.blank("en")
    doc = nlp("ALS")
    from spacy.tokens import Span

    out = route([Span(doc, 0, 1, label="Disease")], "g", ["acronym", "short_symbol"], False)
    assert [len(out[k]) for k in ("g", "g_acronym", "g_short_symbol")] == [0, 1, 0]


def test_bad_noise_options():
    nlp = spacy.blank("en")
    with pytest.raises(SpacyWeakError, match="E014.*gene"):
        nlp.add_pipe("weak_gazetteer", config={"split_shapes": ["genes"]})
    with pytest.raises(SpacyWeakError, match="E015"):
        nlp.add_pipe("weak_gazetteer", name="g2", config={"common_word_zipf": 9})


def test_missing_wordfreq_is_a_coded_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "wordfreq":
            raise ImportError("no wordfreq")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(SpacyWeakError, match="E016"):
        _nlp(common_word_zipf=5.0)
