import logging

import pytest
import spacy
from spacy.tokens import Doc

from spacy_weak.annotators.regex import RegexAnnotator
from spacy_weak.errors import SpacyWeakError

TEXT = "Patients given 50 mg cocaine or ethanol developed hypertension; morphine-induced seizures."

PATTERNS = [
    {"label": "Chemical", "pattern": r"\b\w+(?:ine|ol)\b", "id": "suffix"},
    {"pattern": r"(?P<O>\d+ mg)|(?P<Disease>\w+tension)"},
]


def spans(doc, key):
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[key]]


@pytest.fixture
def nlp():
    return spacy.blank("en")


def test_labelled_patterns_and_named_groups(nlp):
    nlp.add_pipe("weak_regex", name="rx", config={"patterns": PATTERNS})
    doc = nlp(TEXT)
    assert spans(doc, "rx") == [
        ("50 mg", "O", ""),
        ("cocaine", "Chemical", "suffix"),
        ("ethanol", "Chemical", "suffix"),
        ("hypertension", "Disease", ""),
        ("morphine", "Chemical", "suffix"),
    ]
    assert doc.spans["rx"].attrs == {"source": "rx", "level": "span"}


def test_spans_key_and_group_selection(nlp):
    patterns = [{"label": "Chemical", "pattern": r"given \d+ mg (\w+)", "group": 1}]
    nlp.add_pipe("weak_regex", config={"patterns": patterns, "spans_key": "rx_dose"})
    doc = nlp(TEXT)
    assert spans(doc, "rx_dose") == [("cocaine", "Chemical", "")]
    assert "weak_regex" not in doc.spans


def test_flags_global_and_per_pattern(nlp):
    text = "COCAINE and Ethanol"
    nlp.add_pipe("weak_regex", name="a", config={"patterns": [{"label": "C", "pattern": "cocaine"}], "flags": ["IGNORECASE"]})
    nlp.add_pipe("weak_regex", name="b", config={"patterns": [{"label": "C", "pattern": "ethanol", "flags": ["re.I"]},
                                                               {"label": "C", "pattern": "cocaine"}]})
    doc = nlp(text)
    assert spans(doc, "a") == [("COCAINE", "C", "")]
    assert spans(doc, "b") == [("Ethanol", "C", "")]


@pytest.mark.parametrize(
    "mode,expected", [("strict", []), ("contract", [("anti-", "X")]), ("expand", [("anti-inflammatory", "X")])]
)
def test_alignment_modes_and_unaligned_count(nlp, mode, expected, caplog):
    words = ["anti", "-", "inflammatory"]
    doc = Doc(nlp.vocab, words=words, spaces=[False, False, False])
    rx = RegexAnnotator(nlp.vocab, name="rx", patterns=[{"label": "X", "pattern": "anti-infl"}], alignment_mode=mode)
    with caplog.at_level(logging.DEBUG, logger="spacy_weak"):
        rx(doc)
    assert [(s.text, s.label_) for s in doc.spans["rx"]] == expected
    assert rx.stats["unaligned"] == (1 if mode == "strict" else 0)
    if mode == "strict":
        assert "does not align" in caplog.text


def test_label_map_renames_and_drops_with_count(nlp):
    config = {
        "patterns": PATTERNS,
        "label_map": {"@misc": "spacy_weak.label_map.v1", "mapping": {"Chemical": "CHEM", "Disease": None}},
    }
    rx = nlp.add_pipe("weak_regex", name="rx", config=config)
    doc = nlp(TEXT)
    assert [s.label_ for s in doc.spans["rx"]] == ["O", "CHEM", "CHEM", "CHEM"]
    assert rx.stats["dropped_by_label_map"] == 1


def test_duplicate_matches_vote_once(nlp):
    nlp.add_pipe("weak_regex", name="rx", config={"patterns": [{"label": "C", "pattern": "cocaine"},
                                                               {"label": "C", "pattern": r"\bcoc\w+"}]})
    assert spans(nlp(TEXT), "rx") == [("cocaine", "C", "")]


def test_initialize_patterns_and_disk_roundtrip(nlp, tmp_path):
    nlp.add_pipe("weak_regex", name="rx", config={"patterns": [{"label": "Disease", "pattern": "seizures"}]})
    nlp.initialize()  # no initialize patterns: config patterns only
    nlp.get_pipe("rx").initialize(patterns=PATTERNS)
    before = spans(nlp(TEXT), "rx")
    assert ("seizures", "Disease", "") in before and ("cocaine", "Chemical", "suffix") in before
    nlp.to_disk(tmp_path / "p")
    assert (tmp_path / "p" / "rx" / "patterns.jsonl").exists()
    nlp2 = spacy.load(tmp_path / "p")
    assert spans(nlp2(TEXT), "rx") == before
    assert nlp2.get_pipe("rx").patterns == nlp.get_pipe("rx").patterns
    nlp3 = spacy.blank("en")
    nlp3.add_pipe("weak_regex", name="rx", config={"patterns": [{"label": "Disease", "pattern": "seizures"}]})
    nlp3.from_bytes(nlp.to_bytes())
    assert spans(nlp3(TEXT), "rx") == before


def test_initialize_patterns_from_config_string():
    from spacy.util import load_config_from_str, load_model_from_config

    cfg = """
[nlp]
lang = "en"
pipeline = ["rx"]

[components]

[components.rx]
factory = "weak_regex"
flags = ["IGNORECASE"]

[initialize]

[initialize.components]

[initialize.components.rx]
patterns = [{"label": "Chemical", "pattern": "COCAINE"}]
"""
    nlp = load_model_from_config(load_config_from_str(cfg), auto_fill=True)
    nlp.initialize()
    assert spans(nlp(TEXT), "rx") == [("cocaine", "Chemical", "")]


def test_pipe_n_process_2_matches_n_process_1(nlp):
    nlp.add_pipe("weak_regex", name="rx", config={"patterns": PATTERNS})
    texts = [TEXT, "No match here.", "Ethanol 5 mg and hypertension."] * 4
    one = [spans(d, "rx") for d in nlp.pipe(texts, n_process=1)]
    two = [spans(d, "rx") for d in nlp.pipe(texts, n_process=2, batch_size=2)]
    assert one == two
    assert one[1] == []


def test_no_patterns_warns_and_writes_empty_group(nlp):
    nlp.add_pipe("weak_regex", name="rx")
    with pytest.warns(UserWarning, match="W051"):
        doc = nlp(TEXT)
    assert "rx" in doc.spans and len(doc.spans["rx"]) == 0


def test_invalid_regex_names_pattern_and_reason(nlp):
    bad = [{"label": "Chemical", "pattern": "ok"}, {"label": "Disease", "pattern": "(unclosed"}]
    with pytest.raises(SpacyWeakError, match=r"E053.*pattern 1 \(label 'Disease'\).*missing \), unterminated subpattern"):
        nlp.add_pipe("weak_regex", config={"patterns": bad})


def test_invalid_regex_in_initialize_keeps_previous_patterns(nlp):
    rx = nlp.add_pipe("weak_regex", name="rx", config={"patterns": [{"label": "C", "pattern": "cocaine"}]})
    with pytest.raises(SpacyWeakError, match="E053.*pattern 1"):
        rx.initialize(patterns=[{"label": "C", "pattern": "x"}, {"label": "C", "pattern": "[z"}])
    assert spans(nlp(TEXT), "rx") == [("cocaine", "C", "")]


@pytest.mark.parametrize(
    "pattern,message",
    [
        ({"label": "C"}, "'pattern' must be a non-empty string"),
        ({"pattern": "cocaine"}, "no 'label' and no named groups"),
        ({"label": "C", "pattern": "x", "lable": "y"}, "unknown keys"),
        ({"label": "C", "pattern": "(x)", "group": 3}, "'group' 3 is not a group"),
        ("cocaine", "expected a dict"),
    ],
)
def test_malformed_patterns(nlp, pattern, message):
    with pytest.raises(SpacyWeakError, match=f"E054.*Pattern 0 of component 'rx'.*{message}"):
        RegexAnnotator(nlp.vocab, name="rx", patterns=[pattern])


def test_malformed_pattern_through_config(nlp):
    with pytest.raises(SpacyWeakError, match="E054.*Pattern 0 of component 'weak_regex'.*no 'label'"):
        nlp.add_pipe("weak_regex", config={"patterns": [{"pattern": "x"}]})


def test_unknown_flag_and_alignment_mode(nlp):
    with pytest.raises(SpacyWeakError, match="E055.*'IGNORE_CASE' in flags"):
        nlp.add_pipe("weak_regex", config={"flags": ["IGNORE_CASE"]})
    with pytest.raises(SpacyWeakError, match="E055.*pattern 0"):
        nlp.add_pipe("weak_regex", config={"patterns": [{"label": "C", "pattern": "x", "flags": ["NOPE"]}]})
    with pytest.raises(SpacyWeakError, match="E050.*alignment_mode"):
        nlp.add_pipe("weak_regex", config={"alignment_mode": "loose"})


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from spacy_weak.annotators._align import char_span  # noqa: E402

_VOCAB = spacy.blank("en").vocab


@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.text(alphabet="ab-.", min_size=1, max_size=4), min_size=1, max_size=8),
    spaces=st.lists(st.booleans(), min_size=8, max_size=8),
    data=st.data(),
)
def test_alignment_modes_property(words, spaces, data):
    doc = Doc(_VOCAB, words=words, spaces=spaces[: len(words)])
    n = len(doc.text)
    start = data.draw(st.integers(0, n))
    end = data.draw(st.integers(0, n))
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t.text) for t in doc}
    for mode in ("strict", "contract", "expand"):
        span = char_span(doc, start, end, "X", alignment_mode=mode)
        if span is None:
            continue
        assert 0 <= span.start < span.end <= len(doc) and span.label_ == "X"
        if mode == "strict":
            assert (span.start_char, span.end_char) == (start, end)
        elif mode == "contract":
            assert start <= span.start_char and span.end_char <= end
        else:  # every non-whitespace character asked for is covered
            text = doc.text
            inside = [i for i in range(start, end) if not text[i].isspace()]
            assert all(span.start_char <= i < span.end_char for i in inside)
    if start < end and start in starts and end in ends:
        assert char_span(doc, start, end, "X") is not None  # strict aligns exactly the token boundaries
