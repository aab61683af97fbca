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
