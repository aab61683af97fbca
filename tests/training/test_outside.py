import pytest
import spacy
from spacy.tokens import Doc
from spacy.util import registry

from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import set_aggregate
from spacy_weak.training.outside import SuspectOutside, entity_like_shape, lexicon_words, make_suspect_outside


def _doc(words, ents):
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=words, sent_starts=[True] + [False] * (len(words) - 1))
    spans = []
    for start, end, label in ents:
        span = doc[start:end]
        span.label_ = label
        spans.append(span)
    set_aggregate(doc, "silver", spans, [0.9] * len(spans), [["src"]] * len(spans), aggregator="hmm")
    return doc


def test_lexicon_words_skip_stop_words_and_short_words(tmp_path):
    terms = tmp_path / "t.tsv"
    terms.write_text("renal failure\tDisease\tD1\nthe acid of x\tChemical\tC1\n", encoding="utf8")
    assert lexicon_words([terms]) == {"renal", "failure", "acid"}
    assert lexicon_words([terms], labels=["Chemical"]) == {"acid"}


def test_shapes():
    doc = _doc(["Patients", "given", "Cisplatin", "and", "5-FU", "developed", "nephrotoxicity", "and", "hepatitis"], [])
    flags = [entity_like_shape(t) for t in doc]
    assert flags == [False, False, True, False, True, False, False, False, True]


def test_only_suspect_outside_tokens_are_missing():
    words = ["aspirin", "induced", "renal", "tubular", "damage", "in", "the", "patients", "."]
    doc = _doc(words, [(0, 1, "Chemical")])
    policy = SuspectOutside(words={"renal", "damage"}, shapes=False)
    ann = policy(doc)
    assert ann.entities == [(0, 1, "Chemical")]
    assert ann.missing == [2, 4]  # the lexicon words, not "induced" / "the" / "patients"
    # suspect_keep=1 keeps every O (partial_annotation.v1's behaviour)
    assert SuspectOutside(words={"renal", "damage"}, shapes=False, suspect_keep=1.0)(doc).missing == []


def test_fit_learns_plain_words_from_the_silver():
    docs = [_doc(["renal", "failure", "was", "induced"], [(0, 2, "Disease")]) for _ in range(3)]
    docs += [_doc(["drug", "induced", "renal", "damage"], [])]
    policy = SuspectOutside(words={"induced", "renal", "damage"}, shapes=False).fit(docs)
    assert "induced" in policy.plain and "renal" not in policy.plain
    assert policy(docs[-1]).missing == [2, 3]  # "renal" (often inside an entity) and the rare "damage"


def test_registered_and_seeded(tmp_path):
    terms = tmp_path / "t.tsv"
    terms.write_text("renal failure\tDisease\tD1\n", encoding="utf8")
    make = registry.misc.get("spacy_weak.suspect_outside.v1")
    docs = [_doc(["renal", "x", str(i), "renal", "renal", "renal"], []) for i in range(20)]
    policy = make(lexicon=[str(terms)], shapes=False, suspect_keep=0.5, seed=3)
    first = [policy(d).missing for d in docs]
    assert first == [make_suspect_outside(lexicon=[str(terms)], shapes=False, suspect_keep=0.5, seed=3)(d).missing
                     for d in docs]
    share = sum(len(m) for m in first) / (4 * len(docs))
    assert 0.3 < share < 0.7


def test_bad_suspect_keep_is_a_coded_error():
    with pytest.raises(SpacyWeakError, match=r"\[E300\].*suspect_keep"):
        SuspectOutside(suspect_keep=1.5)


def test_entry_point_names_the_registered_function():
    import importlib
    import tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    target = tomllib.loads(pyproject.read_text(encoding="utf8"))["project"]["entry-points"]["spacy_misc"][
        "spacy_weak.suspect_outside.v1"]
    module, name = target.split(":")
    assert getattr(importlib.import_module(module), name) is make_suspect_outside
