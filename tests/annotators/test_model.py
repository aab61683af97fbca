"""weak_model with tiny pipelines trained here on synthetic data (nothing downloaded)."""
import random

import pytest
import spacy
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import load_config_from_str, load_model_from_config

from spacy_weak.annotators.model import ModelAnnotator
from spacy_weak.errors import SpacyWeakError
from spacy_weak.spans import get_doc_votes

CHEMICALS = ["aspirin", "cocaine", "morphine", "heparin", "lithium"]
DISEASES = ["asthma", "migraine", "anemia", "gout"]
TEMPLATES = [
    "Patients given {c} developed {d} .",
    "The {c} dose was reduced after {d} .",
    "No {d} was seen with {c} .",
    "{c} treats {d} in rats .",
]
SMALL_TOK2VEC = {
    "@architectures": "spacy.HashEmbedCNN.v2",
    "pretrained_vectors": None,
    "width": 32,
    "depth": 1,
    "embed_size": 500,
    "window_size": 1,
    "maxout_pieces": 2,
    "subword_features": True,
}


def ner_examples(nlp):
    rng = random.Random(0)
    examples = []
    for i in range(20):
        c, d = CHEMICALS[i % len(CHEMICALS)], DISEASES[i % len(DISEASES)]
        text = rng.choice(TEMPLATES).format(c=c, d=d)
        doc = nlp.make_doc(text)
        ents = []
        for word, label in ((c, "CHEM"), (d, "DIS")):
            start = text.index(word)
            ents.append((start, start + len(word), label))
        examples.append(Example.from_dict(doc, {"entities": ents}))
    return examples


def train(nlp, examples, epochs):
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in spacy.util.minibatch(examples, size=4):
            nlp.update(batch, sgd=optimizer, drop=0.0)
    return nlp


@pytest.fixture(scope="module")
def ner_path(tmp_path_factory):
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    model = {
        "@architectures": "spacy.TransitionBasedParser.v2",
        "state_type": "ner",
        "extra_state_tokens": False,
        "hidden_width": 32,
        "maxout_pieces": 2,
        "use_upper": True,
        "nO": None,
        "tok2vec": SMALL_TOK2VEC,
    }
    nlp.add_pipe("ner", config={"model": model})
    train(nlp, ner_examples(nlp), epochs=15)
    # the wrapped pipeline also writes a span group, for annotation = "spans"
    nlp.add_pipe("span_copy", last=True)
    path = tmp_path_factory.mktemp("models") / "tiny_ner"
    nlp.to_disk(path)
    return path


@spacy.Language.component("span_copy")
def span_copy(doc):
    doc.spans["found"] = list(doc.ents)
    return doc


@pytest.fixture(scope="module")
def cats_path(tmp_path_factory):
    spacy.util.fix_random_seed(0)
    nlp = spacy.blank("en")
    nlp.add_pipe("textcat", config={"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                                              "ngram_size": 1, "no_output_layer": False}})
    examples = []
    for i in range(20):
        spam = i % 2 == 0
        text = ("subscribe to my channel now " if spam else "what a lovely song ") + str(i)
        cats = {"SPAM": float(spam), "HAM": float(not spam)}
        examples.append(Example.from_dict(nlp.make_doc(text), {"cats": cats}))
    train(nlp, examples, epochs=10)
    path = tmp_path_factory.mktemp("models") / "tiny_textcat"
    nlp.to_disk(path)
    return path


def spans(doc, key="model"):
    return [(s.start, s.end, s.label_) for s in doc.spans[key]]


TEXT = "Patients given aspirin developed asthma . Lithium treats gout in rats ."


def test_copies_ents_of_the_wrapped_pipeline_on_the_same_tokens(ner_path):
    nlp = spacy.blank("en")
    # our tokenizer differs from the wrapped one: "aspirin-" stays one token here
    nlp.tokenizer = lambda text: Doc(nlp.vocab, words=text.split(" "))
    model = nlp.add_pipe("weak_model", name="model", config={"model": str(ner_path)})
    assert model._nlp is None  # nothing loaded at construction
    doc = nlp(TEXT)
    wrapped = model.wrapped
    ref = wrapped(Doc(wrapped.vocab, words=TEXT.split(" ")))
    assert spans(doc) == [(e.start, e.end, e.label_) for e in ref.ents]
    labels = {s[2] for s in spans(doc)}
    assert labels <= {"CHEM", "DIS"} and len(spans(doc)) >= 3  # the tiny model learned something
    assert [t.text for t in doc] == TEXT.split(" ")
    assert doc.spans["model"].attrs == {"source": "model", "level": "span"}


def test_label_map_span_group_and_pipe_batches(ner_path):
    nlp = spacy.blank("en")
    label_map = {"@misc": "spacy_weak.label_map.v1", "mapping": {"CHEM": "Chemical", "DIS": None}}
    m = nlp.add_pipe("weak_model", name="m",
                     config={"model": str(ner_path), "annotation": "spans", "source_spans_key": "found",
                             "label_map": label_map, "batch_size": 2})
    docs = list(nlp.pipe([TEXT] * 5))
    assert all(spans(d, "m") == spans(docs[0], "m") for d in docs)
    assert {s[2] for s in spans(docs[0], "m")} == {"Chemical"}
    assert m.stats["dropped_by_label_map"] > 0 and m.stats["docs"] == 5


def test_cats_become_doc_votes(cats_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="tc", config={"model": str(cats_path), "annotation": "cats"})
    nlp.add_pipe("weak_model", name="tc_neg",
                 config={"model": str(cats_path), "annotation": "cats", "cats_threshold": 0.99,
                         "cats_negative_threshold": 0.3})
    spam = nlp("subscribe to my channel now 99")
    ham = nlp("what a lovely song 99")
    assert get_doc_votes(spam, "tc") == {"SPAM": 1}
    assert get_doc_votes(ham, "tc") == {"HAM": 1}
    wrapped = nlp.get_pipe("tc_neg").wrapped
    cats = wrapped(Doc(wrapped.vocab, words=[t.text for t in spam])).cats
    expected = {k: 1 for k, v in cats.items() if v >= 0.99}
    expected.update({k: 0 for k, v in cats.items() if v <= 0.3})
    assert get_doc_votes(spam, "tc_neg") == expected
    assert len(spam.spans["tc"]) == 0 and spam.spans["tc"].attrs["level"] == "doc"


def test_disk_roundtrip_stores_the_model(ner_path, tmp_path):
    import shutil

    copy = tmp_path / "copy_of_model"
    shutil.copytree(ner_path, copy)
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="model", config={"model": str(copy)})
    nlp.initialize()
    before = spans(nlp(TEXT))
    nlp.to_disk(tmp_path / "p")
    assert (tmp_path / "p" / "model" / "model" / "config.cfg").exists()
    shutil.rmtree(copy)  # the saved pipeline no longer needs the original
    nlp2 = spacy.load(tmp_path / "p")
    assert spans(nlp2(TEXT)) == before
    nlp3 = spacy.blank("en")
    nlp3.add_pipe("weak_model", name="model", config={"model": str(copy)})
    nlp3.from_bytes(nlp.to_bytes())
    assert spans(nlp3(TEXT)) == before


def test_store_model_false_keeps_the_reference(ner_path, tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="model", config={"model": str(ner_path), "store_model": False})
    before = spans(nlp(TEXT))
    nlp.to_disk(tmp_path / "p")
    assert not (tmp_path / "p" / "model" / "model").exists()
    assert spans(spacy.load(tmp_path / "p")(TEXT)) == before


def test_missing_model_is_coded_error_at_initialize_not_construction(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="model", config={"model": str(tmp_path / "nope")})
    with pytest.raises(SpacyWeakError, match=r"E061.*nope.*'model'"):
        nlp.initialize()
    with pytest.raises(SpacyWeakError, match="E061"):
        nlp("text")
    nlp2 = spacy.blank("en")
    nlp2.add_pipe("weak_model", config={"model": "no_such_package_xyz"})
    with pytest.raises(SpacyWeakError, match="E061.*no_such_package_xyz"):
        nlp2.initialize()


def test_unloadable_model_and_config_errors(tmp_path):
    (tmp_path / "broken").mkdir()
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="model", config={"model": str(tmp_path / "broken")})
    with pytest.raises(SpacyWeakError, match="E068.*broken"):
        nlp.initialize()
    with pytest.raises(SpacyWeakError, match="E062"):
        nlp.add_pipe("weak_model", name="m2", config={"model": "x", "annotation": "spans"})
    with pytest.raises(SpacyWeakError, match="E050.*annotation"):
        nlp.add_pipe("weak_model", name="m3", config={"model": "x", "annotation": "tags"})
    with pytest.raises(SpacyWeakError, match="E050.*cats_negative_threshold"):
        nlp.add_pipe("weak_model", name="m4", config={"model": "x", "cats_negative_threshold": 0.6})


def test_missing_span_group_and_language_warning(ner_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_model", name="m", config={"model": str(ner_path), "annotation": "spans",
                                                 "source_spans_key": "absent"})
    with pytest.raises(SpacyWeakError, match="E063.*'absent'.*it wrote: found"):
        nlp(TEXT)
    de = spacy.blank("de")
    with pytest.warns(UserWarning, match="W050.*'en'.*'de'"):
        ModelAnnotator(de.vocab, name="m", model=nlp.get_pipe("m").wrapped, lang=de.lang)


def test_config_with_every_source(ner_path, cats_path, tmp_path):
    """A pipeline of every source of this package except the gazetteer, from a config string."""

    @spacy.registry.misc("test_model.first_token.v1")
    def make_first_token():
        return lambda doc: [(0, 1, "Chemical")] if len(doc) else []

    @spacy.registry.misc("test_model.long_doc.v1")
    def make_long_doc():
        return lambda doc: "LONG" if len(doc) > 10 else None

    cfg = f"""
[nlp]
lang = "en"
pipeline = ["rx","fn","model","cats","doc_fn","doc_kw","abbr","cons"]

[components]

[components.rx]
factory = "weak_regex"
patterns = [{{"label": "Disease", "pattern": "(?:asthma|gout)"}}, {{"pattern": "(?P<O>\\\\d+ mg)"}}]

[components.fn]
factory = "weak_function"

[components.fn.function]
@misc = "test_model.first_token.v1"

[components.model]
factory = "weak_model"
model = "{ner_path}"

[components.model.label_map]
@misc = "spacy_weak.label_map.v1"
mapping = {{"CHEM": "Chemical", "DIS": "Disease"}}
labels = ["Chemical", "Disease"]

[components.cats]
factory = "weak_model"
model = "{cats_path}"
annotation = "cats"

[components.doc_fn]
factory = "weak_doc_function"

[components.doc_fn.function]
@misc = "test_model.long_doc.v1"

[components.doc_kw]
factory = "weak_doc_keywords"
label = "HAM"
keywords = ["rats"]

[components.abbr]
factory = "weak_abbreviations"
sources = ["rx","fn","model"]

[components.cons]
factory = "weak_doc_consistency"
sources = ["rx","model"]
"""
    nlp = load_model_from_config(load_config_from_str(cfg), auto_fill=True)
    nlp.initialize()
    text = "Bronchial asthma (BA) and gout . Aspirin 5 mg , asthma , BA , gout in rats ."
    doc = nlp(text)
    assert set(doc.spans) == {"rx", "fn", "model", "cats", "doc_fn", "doc_kw", "abbr", "cons"}
    assert [(s.text, s.label_) for s in doc.spans["rx"]] == [
        ("asthma", "Disease"), ("gout", "Disease"), ("5 mg", "O"), ("asthma", "Disease"), ("gout", "Disease")]
    assert [s.text for s in doc.spans["abbr"]] == ["BA", "BA"]
    assert get_doc_votes(doc, "doc_fn") == {"LONG": 1} and get_doc_votes(doc, "doc_kw") == {"HAM": 1}
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    doc2 = nlp2(text)
    for key in doc.spans:
        assert [(s.start, s.end, s.label_, s.kb_id_) for s in doc2.spans[key]] == [
            (s.start, s.end, s.label_, s.kb_id_) for s in doc.spans[key]], key
        assert doc2.spans[key].attrs == doc.spans[key].attrs, key


def test_python_api_accepts_a_language_object(cats_path):
    nlp = spacy.blank("en")
    model = ModelAnnotator(nlp.vocab, name="m", model=spacy.load(cats_path), annotation="cats")
    doc = model(nlp("what a lovely song"))
    assert get_doc_votes(doc, "m") == {"HAM": 1}
