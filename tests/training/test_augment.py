"""spacy_weak.lexicon_swap.v1: mentions swapped for other lexicon terms of their label, context kept."""
import pytest
import spacy
from spacy.tokens import Span
from spacy.training import Example

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.compiled import CompiledLexicon
from spacy_weak.lexicons.records import LexiconRecord
from spacy_weak.training.augment import build_lexicon_swap, concept_type, match_case


@pytest.fixture
def terms(tmp_path):
    path = tmp_path / "terms.tsv"
    path.write_text("aspirin\tChemical\tDB00945\nheparin\tChemical\tDB01109\nmorphine\tChemical\tDB00295\n"
                    "Myocardial Infarction\tDisease\tMESH:D009203\nhepatitis\tDisease\tMESH:D006505\n"
                    "gout\tDisease\tMESH:D006073\nBad, Inverted Term\tDisease\tMESH:D000001\n", encoding="utf8")
    return path


def _example(nlp):
    ref = nlp.make_doc("Cocaine induced severe asthma in rats .")
    ref.set_ents([Span(ref, 0, 1, "Chemical"), Span(ref, 3, 4, "Disease")], missing=[ref[5:6]], default="outside")
    return Example(nlp.make_doc(ref.text), ref)


def test_swaps_keep_context_labels_and_missing_tokens(terms):
    nlp = spacy.blank("en")
    aug = build_lexicon_swap(str(terms), rate=1.0, seed=3)
    out = list(aug(nlp, _example(nlp)))
    assert len(out) == 2 and out[0].reference.text == "Cocaine induced severe asthma in rats ."
    new = out[1].reference
    assert [e.label_ for e in new.ents] == ["Chemical", "Disease"]
    assert new.ents[0].text.lower() in {"aspirin", "heparin", "morphine"}
    assert new.ents[1].text in {"myocardial infarction", "hepatitis", "gout"}  # lower-cased like the mention
    assert "induced severe" in new.text and new.text.endswith("in rats .")
    rats = [t for t in new if t.text == "rats"][0]
    assert rats.ent_iob_ == ""  # the missing token stays missing
    assert aug.summary["swapped"] == 2 and aug.summary["mentions"] == 2
    assert aug.summary["swapped_per_label"] == {"Chemical": 1, "Disease": 1}


def test_seeded_and_rate_zero(terms):
    nlp = spacy.blank("en")
    texts = [[e.reference.text for e in build_lexicon_swap(str(terms), rate=1.0, seed=7)(nlp, _example(nlp))]
             for _ in range(2)]
    assert texts[0] == texts[1]
    assert len(list(build_lexicon_swap(str(terms), rate=0.0)(nlp, _example(nlp)))) == 1


def test_same_concept_type_where_known(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text("asthma\tDisease\tMESH:D001249\ngout\tDisease\tMESH:D006073\nfoo syndrome\tDisease\tMESH:C000001\n"
                    "bar syndrome\tDisease\tMESH:C000002\n", encoding="utf8")
    nlp = spacy.blank("en")
    aug = build_lexicon_swap(str(path), rate=1.0, labels=["Disease"], seed=0)
    for _ in range(10):
        new = list(aug(nlp, _example(nlp)))[-1].reference
        assert new.ents[-1].text == "gout"  # asthma is a MESH:D term: swapped only for MESH:D terms
    assert concept_type("MESH:D001249") == "MESH:D" and concept_type("DB00945") == "DB" and concept_type("") == ""
    assert match_case("Myocardial Infarction", "asthma") == "myocardial infarction"
    assert match_case("Myocardial Infarction", "Asthma") == "Myocardial Infarction"


def test_compiled_gazetteer_folder(tmp_path):
    lex = CompiledLexicon.build([LexiconRecord("aspirin", "Chemical", "DB1"), LexiconRecord("heparin", "Chemical", "DB2")])
    lex.to_disk(tmp_path / "gaz" / "lexicon")
    nlp = spacy.blank("en")
    aug = build_lexicon_swap(str(tmp_path / "gaz"), rate=1.0)
    assert sorted(aug.terms.by_label["Chemical"]) == ["aspirin", "heparin"]
    new = list(aug(nlp, _example(nlp)))[-1].reference
    assert new.ents[0].text in {"aspirin", "heparin"}


@pytest.mark.parametrize("rate", [-0.1, 1.5, "x", float("nan"), True])
def test_rate_outside_unit_interval_is_e313(terms, rate):
    with pytest.raises(SpacyWeakError, match=r"\[E313\].*rate"):
        build_lexicon_swap(str(terms), rate=rate)


def test_empty_lexicon_is_e314(tmp_path, terms):
    empty = tmp_path / "empty.tsv"
    empty.write_text("", encoding="utf8")
    with pytest.raises(SpacyWeakError, match=r"\[E314\].*empty.tsv"):
        build_lexicon_swap(str(empty))
    with pytest.raises(SpacyWeakError, match=r"\[E314\].*Gene"):
        build_lexicon_swap(str(terms), labels=["Gene"])
    with pytest.raises(SpacyWeakError, match=r"\[E315\].*missing.tsv"):
        build_lexicon_swap(str(tmp_path / "missing.tsv"))


def test_registered_and_used_by_the_corpus_reader(terms, tmp_path):
    from spacy.tokens import DocBin
    from spacy.util import registry

    nlp = spacy.blank("en")
    db = DocBin()
    db.add(_example(nlp).reference)
    db.to_disk(tmp_path / "train.spacy")
    corpus = registry.resolve({"c": {"@readers": "spacy.Corpus.v1", "path": str(tmp_path / "train.spacy"), "gold_preproc": False,
                                     "augmenter": {"@augmenters": "spacy_weak.lexicon_swap.v1",
                                                   "lexicon": [str(terms)], "rate": 1.0}}})["c"]
    examples = list(corpus(nlp))
    assert len(examples) == 2 and examples[1].reference.text != examples[0].reference.text
    with pytest.raises(SpacyWeakError, match=r"\[E313\]"):
        registry.resolve({"a": {"@augmenters": "spacy_weak.lexicon_swap.v1", "lexicon": str(terms), "rate": 2}})


def test_entry_point_declared():
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    target = data["project"]["entry-points"]["spacy_augmenters"]["spacy_weak.lexicon_swap.v1"]
    module, func = target.split(":")
    import importlib

    assert getattr(importlib.import_module(module), func).__name__ == "create_lexicon_swap"


def test_labels_without_other_terms_are_counted_and_warned(tmp_path):
    import warnings

    path = tmp_path / "t.tsv"
    path.write_text("aspirin\tChemical\tDB1\n", encoding="utf8")
    nlp = spacy.blank("en")
    aug = build_lexicon_swap(str(path), rate=1.0, log_every=1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        list(aug(nlp, _example(nlp)))
    assert aug.summary["no_candidate_per_label"] == {"Disease": 1}
    assert any("[W303]" in str(w.message) and "Disease" in str(w.message) for w in caught)
