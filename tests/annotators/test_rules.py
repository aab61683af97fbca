import spacy

from spacy_weak.annotators.rules import (
    make_head_phrases,
    make_numbers_with_units,
    make_token_suffixes,
    make_token_words,
)

nlp = spacy.blank("en")


def spans(rule, text):
    doc = nlp(text)
    return [(doc[s:e].text, label) for s, e, label in rule(doc)]


def test_token_suffixes_min_length_exclude_and_alpha():
    rule = make_token_suffixes("Chemical", ["caine", "amine"], min_length=6, exclude=["examine"])
    text = "Lidocaine and dopamine, not examine nor amine or 3-amine."
    assert spans(rule, text) == [("Lidocaine", "Chemical"), ("dopamine", "Chemical")]


def test_token_words_case():
    assert spans(make_token_words("Chemical", ["Sodium"]), "sodium and SODIUM") == [
        ("sodium", "Chemical"),
        ("SODIUM", "Chemical"),
    ]
    assert spans(make_token_words("Chemical", ["Sodium"], case_sensitive=True), "sodium and Sodium") == [
        ("Sodium", "Chemical")
    ]


def test_head_phrases_take_longest_modifier_run():
    rule = make_head_phrases("Disease", ["failure"], modifiers=["acute"], modifier_suffixes=["al"], max_modifiers=3)
    assert spans(rule, "He had acute renal failure and failure.") == [("acute renal failure", "Disease")]
    rule0 = make_head_phrases("Disease", ["failure"], modifier_suffixes=["al"], min_modifiers=0)
    assert spans(rule0, "renal failure and failure") == [("renal failure", "Disease"), ("failure", "Disease")]


def test_numbers_with_units():
    rule = make_numbers_with_units(["mg", "kg", "h"])
    # spaCy splits "5mg" into "5" "mg"; "10h" stays one token
    got = spans(rule, "Given 5 mg/kg for 10h and 3 rats.")
    assert ("5 mg/kg", "O") in got and ("3 rats", "O") not in got


def test_rules_in_pipeline_config():
    nlp2 = spacy.blank("en")
    nlp2.add_pipe(
        "weak_function",
        name="stems",
        config={"function": {"@misc": "spacy_weak.token_suffixes.v1", "label": "Chemical", "suffixes": ["caine"]}},
    )
    doc = nlp2("Lidocaine works.")
    assert [(s.text, s.label_) for s in doc.spans["stems"]] == [("Lidocaine", "Chemical")]


def test_decisions_are_remembered_by_string_and_merged(monkeypatch):
    """Each distinct word is decided once per rule; the sorted key array (after merges) and the
    recent dict give the same decisions as deciding again, across vocabularies."""
    import spacy_weak.annotators.rules as rules

    calls = []

    def decide(text):
        calls.append(text)
        return text.endswith("ine")

    decisions = rules.HashDecisions(decide)
    words = [f"w{i}ine" if i % 3 == 0 else f"w{i}" for i in range(600)]
    doc = nlp.make_doc(" ".join(words + words[:50]))
    from spacy.attrs import LOWER

    got = decisions(doc, doc.to_array(LOWER)).tolist()
    assert got == [int(w.endswith("ine")) for w in words + words[:50]]
    assert len(calls) == 600 and len(decisions.keys) > 0  # merged into the sorted array
    other = spacy.blank("en").make_doc("w3ine w4 lidocaine")
    assert decisions(other, other.to_array(LOWER)).tolist() == [1, 0, 1]
    assert len(calls) == 601


def test_numbers_with_units_edge_cases():
    rule = make_numbers_with_units(["mg", "kg", "MG"])
    assert spans(rule, "5 Mg and 5mg / kg / x, 7 / 3") == [("5 Mg", "O"), ("5mg / kg", "O")]
    assert spans(rule, "") == [] and spans(rule, "no numbers here") == []
