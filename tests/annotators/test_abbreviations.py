import pytest
import spacy
from spacy.tokens import Span

from spacy_weak.annotators.abbreviations import best_long_form, find_definitions
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_aggregate, set_source_spans


@pytest.fixture
def nlp():
    return spacy.blank("en")


def definitions(nlp, text):
    doc = nlp(text)
    return [(d.long_text(doc), d.short_text(doc)) for d in find_definitions(doc)]


@pytest.mark.parametrize(
    "short,long,expected",
    [
        ("HSF", "the heat shock transcription factor", "heat shock transcription factor"),
        ("NSAIDs", "with non-steroidal anti-inflammatory drugs", "non-steroidal anti-inflammatory drugs"),
        ("CML", "patients with chronic myeloid leukemia", "chronic myeloid leukemia"),
        ("XYZ", "heat shock factor", None),
    ],
)
def test_best_long_form(short, long, expected):
    start = best_long_form(short, long)
    assert (None if start is None else long[start:]) == expected


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Treated with non-steroidal anti-inflammatory drugs (NSAIDs) daily.",
         [("non-steroidal anti-inflammatory drugs", "NSAIDs")]),
        ("Cases of chronic myeloid leukemia (CML; n = 4) and acute lymphoblastic leukemia (ALL).",
         [("chronic myeloid leukemia", "CML"), ("acute lymphoblastic leukemia", "ALL")]),
        ("Levels of TNF (tumor necrosis factor) rose.", [("tumor necrosis factor", "TNF")]),
        ("Differences were significant (p < 0.05) in rats (n = 12) and mice (female).", []),
        ("Blood pressure rose. (BP) was measured.", []),  # the long form does not cross a sentence end
    ],
)
def test_find_definitions(nlp, text, expected):
    assert definitions(nlp, text) == expected
    doc = nlp(text)  # on the token texts (what a caller may pass) as on the ORTH hashes
    assert find_definitions(doc, texts=[t.text for t in doc]) == find_definitions(doc)


TEXT = (
    "Patients on non-steroidal anti-inflammatory drugs (NSAIDs) developed acute renal failure (ARF) . "
    "NSAIDs and ARF were frequent ; NSAIDs-related ARF is rare ."
)


def tok(doc, text, nth=0):
    starts = [t.i for t in doc if t.text == text]
    return starts[nth]


def spans(doc, key="abbr"):
    return [(s.text, s.start, s.label_, s.kb_id_) for s in doc.spans[key]]


def test_short_form_takes_the_long_forms_majority_label(nlp):
    abbr = nlp.add_pipe("weak_abbreviations", name="abbr")
    doc = nlp.make_doc(TEXT)
    drugs = tok(doc, "drugs")
    failure = tok(doc, "failure")
    non = tok(doc, "non")
    set_source_spans(doc, "gaz", [Span(doc, non, drugs + 1, "Chemical", kb_id="D000894"),
                                  Span(doc, failure - 2, failure + 1, "Disease")])
    set_source_spans(doc, "rx", [Span(doc, drugs - 3, drugs + 1, "Chemical"), Span(doc, failure - 1, failure + 1, "O"),
                                 Span(doc, drugs, drugs + 1, "Disease")])  # covers 1/7 of the long form: no vote
    set_source_spans(doc, "fn", [Span(doc, failure - 1, failure + 1, "Disease")])
    abbr(doc)
    got = spans(doc)
    nsaids = [s for s in got if s[0] == "NSAIDs"]
    arf = [s for s in got if s[0] == "ARF"]
    # every token-aligned occurrence, the definition included; "NSAIDs-related" is tokenised apart
    assert {s[2] for s in nsaids} == {"Chemical"} and {s[3] for s in nsaids} == {"D000894"}
    assert len(nsaids) == len([t for t in doc if t.text == "NSAIDs"])
    assert {s[2] for s in arf} == {"Disease"} and len(arf) == 3  # Disease 2 votes vs O 1
    assert doc.spans["abbr"].attrs == {"source": "abbr", "level": "span", "reads": ["*"]}  # it adds to what it reads
    assert abbr.stats["definitions"] == 2


def test_long_form_takes_the_short_forms_label_and_ties_abstain(nlp):
    abbr = nlp.add_pipe("weak_abbreviations", name="abbr")
    doc = nlp.make_doc(TEXT)
    last_arf = tok(doc, "ARF", 2)
    set_source_spans(doc, "gaz", [Span(doc, last_arf, last_arf + 1, "Disease")])
    n1, n2 = tok(doc, "NSAIDs", 1), tok(doc, "NSAIDs", 2)
    set_source_spans(doc, "rx", [Span(doc, n1, n1 + 1, "Chemical"), Span(doc, n2, n2 + 1, "Disease")])
    abbr(doc)
    assert spans(doc) == [("acute renal failure", tok(doc, "acute"), "Disease", "")]
    assert abbr.stats["ties"] == 1  # NSAIDs: Chemical 1, Disease 1


def test_min_long_coverage(nlp):
    any_head = nlp.add_pipe("weak_abbreviations", name="any", config={"min_long_coverage": 0.0})
    full = nlp.add_pipe("weak_abbreviations", name="full", config={"min_long_coverage": 1.0})
    doc = nlp.make_doc(TEXT)
    failure = tok(doc, "failure")
    set_source_spans(doc, "gaz", [Span(doc, failure, failure + 1, "Disease")])  # "failure" only
    any_head(full(doc))
    assert len(doc.spans["any"]) == 3 and len(doc.spans["full"]) == 0
    with pytest.raises(SpacyWeakError, match="E050.*min_long_coverage"):
        nlp.add_pipe("weak_abbreviations", name="bad", config={"min_long_coverage": 2})


def test_sources_exclude_itself_aggregates_and_unlisted(nlp):
    abbr = nlp.add_pipe("weak_abbreviations", name="abbr", config={"sources": ["gaz*"]})
    doc = nlp.make_doc(TEXT)
    failure = tok(doc, "failure")
    span = Span(doc, failure - 2, failure + 1, "Disease")
    set_source_spans(doc, "rx", [span])
    set_source_spans(doc, "abbr", [span])
    set_aggregate(doc, "gaz_silver", [span], [1.0], [["rx"]], aggregator="hmm")
    abbr(doc)
    assert spans(doc) == []


def test_label_map_and_config_assembly(tmp_path):
    from spacy.util import load_config_from_str, load_model_from_config

    cfg = """
[nlp]
lang = "en"
pipeline = ["rx","abbr"]

[components]

[components.rx]
factory = "weak_regex"
patterns = [{"label": "Disease", "pattern": "renal failure"}]

[components.abbr]
factory = "weak_abbreviations"
sources = ["rx"]
max_short_length = 8

[components.abbr.label_map]
@misc = "spacy_weak.label_map.v1"
mapping = {"Disease": "DIS"}
"""
    nlp = load_model_from_config(load_config_from_str(cfg), auto_fill=True)
    nlp.initialize()
    doc = nlp(TEXT)
    assert [s[0] for s in spans(doc)] == ["ARF"] * 3 and {s[2] for s in spans(doc)} == {"DIS"}
    nlp.to_disk(tmp_path / "p")
    assert spans(spacy.load(tmp_path / "p")(TEXT)) == spans(doc)


def test_config_errors(nlp):
    with pytest.raises(SpacyWeakError, match="E050.*max_short_length"):
        nlp.add_pipe("weak_abbreviations", config={"max_short_length": 1})
    with pytest.raises(SpacyWeakError, match="E050.*sources"):
        nlp.add_pipe("weak_abbreviations", config={"sources": []})
