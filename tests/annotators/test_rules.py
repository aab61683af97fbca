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


def _numbers_with_units_reference(units, doc):
    """The rule written token by token (what the one-code-per-token version must equal)."""
    unit_set, unit_lower = set(units), {u.lower() for u in units}

    def is_number(text):
        return text.replace(".", "", 1).replace(",", "", 1).isdigit()

    def is_unit(i):
        return i < len(doc) and (doc[i].text in unit_set or doc[i].lower_ in unit_lower)

    out = []
    for i, tok in enumerate(doc):
        text = tok.text
        digits = len(text) - len(text.lstrip("0123456789.,"))
        if is_number(text):
            if not is_unit(i + 1):
                continue
            end = i + 2
        elif 0 < digits < len(text) and text[digits:] in unit_set:
            end = i + 1
        else:
            continue
        while end + 1 < len(doc) and doc[end].text == "/" and is_unit(end + 1):
            end += 2
        out.append((i, end, "O"))
    return out


def test_numbers_with_units_equals_a_token_by_token_reference():
    import random

    units = ["mg", "kg", "MG", "h", "mg/kg", "%", "µg", "day"]
    words = ["5", "5.5", "1,000", "5mg", "7MG", "3kg", "2h", "Mg", "mg", "KG", "kg", "/", "day", "Day", "%",
             "µg", "10µg", "x", "dose", "mg/kg", ".", "1.2.3", "12h"]
    rng = random.Random(0)
    rule = make_numbers_with_units(units)
    for _ in range(300):
        doc = spacy.tokens.Doc(nlp.vocab, words=[rng.choice(words) for _ in range(rng.randint(0, 25))])
        assert list(rule(doc)) == _numbers_with_units_reference(units, doc)
