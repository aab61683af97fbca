import shutil
from pathlib import Path

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from thinc.api import Config

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.compiled import CompiledLexicon

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "corpora" / "lexicon"
SEMANTIC_MAP = REPO / "configs" / "sample_semantic_map.json"

RECORDS = [
    ("non-small-cell lung cancer", "Disease", "D002289"),
    ("lung cancer", "Disease", "D008175"),
    ("cancer", "Disease", "D009369"),
    ("aspirin", "Chemical", "D001241"),
    ("cold", "Disease", "D003139"),
    ("cold", "Temperature", "C0009264"),
    ("HIV", "Disease", "D015658"),
    ("Na", "Chemical", "D012964"),
]
TEXT = "Non small cell lung cancer: aspirin, hiv and HIV; NA or Na; a cold, cold-induced."

CONFIG = """
[nlp]
lang = "en"
pipeline = ["gaz"]

[components]

[components.gaz]
factory = "weak_gazetteer"
spans_key = "gaz_sample"
min_term_length = 2
spans_filter = {"@misc": "spacy_weak.keep_all_spans.v1"}

[components.gaz.label_map]
@misc = "spacy_weak.label_map.v1"
mapping = {"Chemical": "CHEM", "Disease": "DIS"}

[initialize]

[initialize.components]

[initialize.components.gaz]

[initialize.components.gaz.lexicon]
@misc = "spacy_weak.lexicon.v1"
path = "%s"
semantic_map = "%s"
"""


def make_nlp(records=RECORDS, **config):
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz", config=config)
    gaz.initialize(lexicon=records)
    return nlp


def spans(doc, key="gaz"):
    return [(s.start, s.end, s.text, s.label_, s.kb_id_) for s in doc.spans[key]]


def test_matches_token_aligned_with_ids():
    doc = make_nlp()(TEXT)
    assert spans(doc) == [
        (0, 5, "Non small cell lung cancer", "Disease", "D002289"),
        (3, 5, "lung cancer", "Disease", "D008175"),
        (4, 5, "cancer", "Disease", "D009369"),
        (6, 7, "aspirin", "Chemical", "D001241"),
        (10, 11, "HIV", "Disease", "D015658"),  # short term: 'hiv' is not matched
        (14, 15, "Na", "Chemical", "D012964"),  # nor 'NA'
        (17, 18, "cold", "Disease", "D003139"),  # ambiguous term: one span per label
        (17, 18, "cold", "Temperature", "C0009264"),
        (19, 20, "cold", "Disease", "D003139"),  # 'cold-induced' -> tokens cold, -, induced
        (19, 20, "cold", "Temperature", "C0009264"),
    ]
    assert doc.spans["gaz"].attrs["source"] == "gaz"


def test_options_ambiguous_filter_case():
    assert {s[3] for s in spans(make_nlp(ambiguous="drop")(TEXT)) if s[2] == "cold"} == set()
    assert {s[3] for s in spans(make_nlp(ambiguous="first")(TEXT)) if s[2] == "cold"} == {"Disease"}
    longest = spans(make_nlp(spans_filter={"@misc": "spacy_weak.longest_spans_filter.v1"})(TEXT))
    assert (3, 5, "lung cancer", "Disease", "D008175") not in longest and longest[0][:3] == (0, 5, "Non small cell lung cancer")
    insensitive_short = spans(make_nlp(short_term_max_len=0)(TEXT))
    assert (8, 9, "hiv", "Disease", "D015658") in insensitive_short
    assert spans(make_nlp(case_sensitive=True)("Aspirin and aspirin")) == [(2, 3, "aspirin", "Chemical", "D001241")]
    no_fold = spans(make_nlp(fold_hyphens=False)(TEXT))
    assert not any(s[0] == 0 for s in no_fold)
    assert not spans(make_nlp(stop_terms=["Cancer"], min_term_length=7)(TEXT)) == []
    stopped = spans(make_nlp(stop_terms=["CANCER", "cold"])(TEXT))
    assert not any(s[2] in ("cancer", "cold") for s in stopped)
    with pytest.raises(SpacyWeakError, match=r"\[E007\]"):
        make_nlp(ambiguous="vote")


def test_label_map_and_unmapped_labels():
    nlp = make_nlp(label_map={"@misc": "spacy_weak.label_map.v1", "mapping": {"Temperature": None}})
    doc = nlp(TEXT)
    assert "Temperature" not in {s.label_ for s in doc.spans["gaz"]}
    assert nlp.get_pipe("gaz").labels == ("Chemical", "Disease")


def test_config_string_assembly():
    cfg = Config().from_str(CONFIG % (SAMPLE, SEMANTIC_MAP))
    nlp = spacy.util.load_model_from_config(cfg, auto_fill=True)
    nlp.initialize()
    doc = nlp("Cyclosporine-induced nephrotoxicity and hypertension were treated with aspirin.")
    found = {(s.text, s.label_) for s in doc.spans["gaz_sample"]}
    assert {("Cyclosporine", "CHEM"), ("hypertension", "DIS"), ("aspirin", "CHEM")} <= found
    assert all(s.kb_id_.startswith("C9") for s in doc.spans["gaz_sample"])
    assert nlp.get_pipe("gaz").lexicon.summary.read == 3000


def test_to_disk_from_disk_does_not_need_the_vocabulary(tmp_path):
    lex_dir = tmp_path / "lexicon"
    shutil.copytree(SAMPLE, lex_dir)
    cfg = Config().from_str(CONFIG % (lex_dir, SEMANTIC_MAP))
    nlp = spacy.util.load_model_from_config(cfg, auto_fill=True)
    nlp.initialize()
    texts = ["Cyclosporine-induced nephrotoxicity and hypertension.", "Aspirin, lithium and heparin in diabetes mellitus."]
    before = [spans(doc, "gaz_sample") for doc in nlp.pipe(texts)]
    assert all(before)
    nlp.to_disk(tmp_path / "model")
    shutil.rmtree(lex_dir)  # the RRF files are gone: loading must not read them
    nlp2 = spacy.load(tmp_path / "model")
    assert [spans(doc, "gaz_sample") for doc in nlp2.pipe(texts)] == before
    nlp3 = spacy.blank("en")
    nlp3.add_pipe("weak_gazetteer", name="gaz", config={
        "spans_key": "gaz_sample",
        "label_map": {"@misc": "spacy_weak.label_map.v1", "mapping": {"Chemical": "CHEM", "Disease": "DIS"}},
    })
    nlp3.from_bytes(nlp2.to_bytes())
    assert [spans(doc, "gaz_sample") for doc in nlp3.pipe(texts)] == before


def test_compiled_lexicon_options_must_match(tmp_path):
    CompiledLexicon.build(RECORDS, min_term_length=3).to_disk(tmp_path / "compiled")
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz")
    with pytest.raises(SpacyWeakError, match=r"\[E008\].*min_term_length=3.*min_term_length=2"):
        gaz.initialize(lexicon=str(tmp_path / "compiled"))
    gaz2 = nlp.add_pipe("weak_gazetteer", name="gaz2", config={"min_term_length": 3})
    gaz2.initialize(lexicon=str(tmp_path / "compiled"))
    assert len(gaz2) == 6  # 'Na' is too short at min_term_length=3


def test_multiprocessing_same_spans():
    nlp = make_nlp()
    texts = [TEXT, "No match here.", "lung cancer and aspirin"] * 4
    one = [spans(d) for d in nlp.pipe(texts, n_process=1)]
    two = [spans(d) for d in nlp.pipe(texts, n_process=2, batch_size=2)]
    assert one == two


def test_empty_and_missing_lexicon_warn(tmp_path):
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz")
    empty = tmp_path / "empty.tsv"
    empty.write_text("# nothing\n", encoding="utf8")
    with pytest.warns(UserWarning, match=r"\[W001\]"):
        gaz.initialize(lexicon=str(empty))
    assert spans(nlp("aspirin")) == []
    with pytest.warns(UserWarning, match=r"\[W002\]"):
        gaz.initialize()
    assert "gaz" in nlp("aspirin").spans  # the source ran (and was silent)
    with pytest.raises(SpacyWeakError, match=r"\[E001\]"):
        gaz.initialize(lexicon=str(tmp_path / "missing.tsv"))
    with pytest.raises(SpacyWeakError, match=r"\[E013\].*got int"):
        gaz.initialize(lexicon=5)


def test_error_handler_is_used():
    nlp = make_nlp()
    gaz = nlp.get_pipe("gaz")
    gaz.lexicon = "broken"  # any failure inside the component goes to the error handler
    seen = []
    nlp.set_error_handler(lambda name, comp, docs, e: seen.append(name))
    nlp("aspirin")
    assert seen == ["gaz"]


WORDS = ["lung", "cancer", "non", "small", "cell", "aspirin", "cold", "HIV", "Na", "na", "ﬁbrosis", "İx", "naïve"]
LEXICON = RECORDS + [("fibrosis", "Disease", "D1"), ("naïve", "X", "N1"), ("ix", "X", "I1")]
SEPARATORS = [" ", "-", "–", ", ", "  ", "\n", "(", ")", ""]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=25))
def test_property_spans_aligned_in_bounds_and_in_lexicon(parts):
    text = "".join(w + sep for w, sep in parts)
    nlp = _PROPERTY_NLP
    doc = nlp(text)
    lex = nlp.get_pipe("gaz").lexicon
    for span in doc.spans["gaz"]:
        assert 0 <= span.start < span.end <= len(doc)
        assert span.start_char == doc[span.start].idx and span.end_char == doc[span.end - 1].idx + len(doc[span.end - 1])
        assert (span.label_, span.kb_id_) in lex.lookup(span.text)


_PROPERTY_NLP = make_nlp(LEXICON)


def test_text_whose_normalisation_changes_length():
    # the ligature makes the normalised text longer: offsets go through a position map
    nlp = make_nlp(LEXICON)
    doc = nlp("\ufb01brosis, İx and non-small-cell lung cancer; HIV")
    found = [(s.text, s.label_) for s in doc.spans["gaz"]]
    assert ("\ufb01brosis", "Disease") in found and ("HIV", "Disease") in found
    assert ("non-small-cell lung cancer", "Disease") in found
    assert not any(text == "İx" for text, _ in found)  # 'İ'.lower() is 'i' + combining dot, not the term 'ix'


def test_pipe_batches_give_the_spans_of_call():
    # pipe() matches a batch's texts in one vectorised pass; __call__ one document at a time;
    # a text whose normalisation changes length (the ligature) goes through the automaton
    nlp = make_nlp(LEXICON + [("non-small-cell lung cancer stage IV", "Disease", "D9")])
    texts = [TEXT, "", "\ufb01brosis and HIV", "non small cell lung cancer stage iv; Na", "cold " * 30, "x"]
    expected = [spans(nlp(t)) for t in texts]
    assert ("non small cell lung cancer stage iv", "Disease") in [(s[2], s[3]) for s in expected[3]]
    for batch_size in (1, 2, 128):
        docs = list(nlp.get_pipe("gaz").pipe((nlp.make_doc(t) for t in texts), batch_size=batch_size))
        assert [spans(d) for d in docs] == expected


def test_docs_of_another_vocab():
    nlp = make_nlp()
    other = spacy.blank("en")
    doc = nlp.get_pipe("gaz")(other.make_doc("aspirin for the cold"))
    assert [(s.text, s.label_, s.kb_id_) for s in doc.spans["gaz"]] == [
        ("aspirin", "Chemical", "D001241"), ("cold", "Disease", "D003139"), ("cold", "Temperature", "C0009264")]


def test_a_split_shape_the_lexicon_cannot_match_is_said_at_build_time_not_by_the_fit():
    # issue 27: W100 reported gaz_short_symbol empty at every fit, when min_term_length = 3 had
    # dropped every short-symbol term of the lexicon
    import warnings

    import spacy

    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="gaz", config={"min_term_length": 3, "split_shapes": ["short_symbol", "acronym"]})
    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["gaz*"], "labels": ["Chemical"], "n_iter": 3})
    with pytest.warns(UserWarning, match=r"W003.*'short_symbol'.*2 term.*min_term_length = 3.*gaz_short_symbol") as caught:
        gaz.initialize(lambda: [], nlp=nlp, lexicon=[("Ca", "Chemical"), ("K", "Chemical"), ("aspirin", "Chemical"),
                                                     ("NSAIDs", "Chemical")])
    assert not [w for w in caught if "acronym" in str(w.message)]  # NSAIDs was kept: that sub-source can match
    texts = ["Aspirin and Ca were given.", "NSAIDs like aspirin.", "No drug here."]
    docs = [gaz(nlp.make_doc(t)) for t in texts]
    assert all("gaz_short_symbol" in d.spans for d in docs)  # still written, as every sub-source
    with warnings.catch_warnings(record=True) as fitted:
        warnings.simplefilter("always")
        hmm.fit(docs)
    assert not [w for w in fitted if "W100" in str(w.message) and "gaz_short_symbol" in str(w.message)]


@pytest.mark.parametrize("ambiguous", ["keep_all", "first", "drop"])
@pytest.mark.parametrize("unmapped", [True, False])
def test_bulk_spans_and_counts_equal_the_per_span_path(ambiguous, unmapped, monkeypatch):
    """The token matcher's spans are made in bulk (labels and ids resolved once per key, or per
    key and text for case-sensitive short terms); the character search makes them one by one:
    same spans, same counts, over repeated batches (the resolution cache warm)."""
    texts = [TEXT, "HIV, hiv, Hiv and NA, Na, na; cold cold", "", TEXT.upper(), TEXT.lower()] * 3
    mapping = {"@misc": "spacy_weak.label_map.v1", "mapping": {"Temperature": None}} if unmapped else None
    import spacy_weak.annotators.gazetteer as gazetteer

    monkeypatch.setattr(gazetteer, "BULK_MIN_HITS", 0)  # these small batches in bulk too
    results = {}
    for matcher in ("tokens", "chars"):
        nlp = make_nlp(ambiguous=ambiguous, label_map=mapping)
        gaz = nlp.get_pipe("gaz")
        gaz.matcher = matcher
        docs = [d for _ in range(2) for d in gaz.pipe((nlp.make_doc(t) for t in texts), batch_size=4)]
        results[matcher] = ([spans(d) for d in docs], dict(gaz.stats))
    assert results["tokens"] == results["chars"]
    counts = results["tokens"][1]
    assert (counts.get("unmapped_label", 0) > 0) == unmapped
    # "cold" is ambiguous unless Temperature is unmapped
    assert (counts.get("ambiguous_dropped", 0) > 0) == (ambiguous == "drop" and not unmapped)
    assert any(s[2] == "Na" for d in results["tokens"][0] for s in d)


def test_keep_all_spans_filter_is_not_a_filter():
    assert not make_nlp().get_pipe("gaz")._filters()
    assert make_nlp(spans_filter={"@misc": "spacy_weak.longest_spans_filter.v1"}).get_pipe("gaz")._filters()
