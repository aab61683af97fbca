import pytest
import spacy
from spacy.tokens import Span
from spacy.util import load_config_from_str, load_model_from_config

from spacy_weak.annotators.function import FunctionAnnotator
from spacy_weak.errors import SpacyWeakError

TEXT = "Cocaine and morphine caused seizures in 12 rats ."


@spacy.registry.misc("test_fn.suffix.v1")
def make_suffix(suffix: str = "ine", label: str = "Chemical"):
    def suffix_rule(doc):
        for tok in doc:
            if tok.lower_.endswith(suffix):
                yield tok.i, tok.i + 1, label, "kb:" + tok.lower_

    return suffix_rule


@spacy.registry.misc("test_fn.mixed.v1")
def make_mixed():
    def mixed(doc):
        yield Span(doc, 4, 5, label="Disease")
        yield (6, 7, "O")  # numbers: explicit negative vote
        yield [6, 7, "O"]  # duplicate: voted once

    return mixed


@spacy.registry.misc("test_fn.chars.v1")
def make_chars():
    def chars(doc):
        yield 0, 7, "Chemical"  # "Cocaine", aligned
        yield 0, 5, "Chemical"  # "Cocai": not token-aligned
        return

    return chars


@spacy.registry.misc("test_fn.out_of_range.v1")
def make_out_of_range():
    return lambda doc: [(0, len(doc) + 1, "Chemical")]


@spacy.registry.misc("test_fn.bad_item.v1")
def make_bad_item():
    return lambda doc: ["Cocaine"]


@spacy.registry.misc("test_fn.raises.v1")
def make_raises():
    def raises(doc):
        raise KeyError("lexicon entry")

    return raises


@spacy.registry.misc("test_fn.other_doc.v1")
def make_other_doc():
    other = spacy.blank("en")("something else entirely")
    return lambda doc: [Span(other, 0, 1, label="X")]


@spacy.registry.misc("test_fn.direct.v1")
def direct(doc):  # registered without a maker: a config error, see the test
    return []


@spacy.registry.misc("test_fn.not_callable.v1")
def make_not_callable():
    return 42


def add(nlp, fn, name="fn", **config):
    return nlp.add_pipe("weak_function", name=name, config={"function": {"@misc": fn}, **config})


def spans(doc, key="fn"):
    return [(s.text, s.label_, s.kb_id_) for s in doc.spans[key]]


def test_token_tuples_with_kb_id_and_maker_arguments():
    nlp = spacy.blank("en")
    nlp.add_pipe("weak_function", name="fn", config={"function": {"@misc": "test_fn.suffix.v1", "suffix": "ine"}})
    doc = nlp(TEXT)
    assert spans(doc) == [("Cocaine", "Chemical", "kb:cocaine"), ("morphine", "Chemical", "kb:morphine")]
    assert doc.spans["fn"].attrs == {"source": "fn", "level": "span"}


def test_spans_and_negative_votes_deduplicated():
    nlp = spacy.blank("en")
    add(nlp, "test_fn.mixed.v1")
    assert spans(nlp(TEXT)) == [("seizures", "Disease", ""), ("12", "O", "")]


def test_char_offsets_aligned_and_counted():
    nlp = spacy.blank("en")
    fn = add(nlp, "test_fn.chars.v1", offsets="char")
    assert spans(nlp(TEXT)) == [("Cocaine", "Chemical", "")]
    assert fn.stats["unaligned"] == 1
    nlp2 = spacy.blank("en")
    add(nlp2, "test_fn.chars.v1", offsets="char", alignment_mode="expand")
    assert spans(nlp2(TEXT)) == [("Cocaine", "Chemical", "")]  # both expand to the same token


def test_label_map_applies():
    nlp = spacy.blank("en")
    fn = add(nlp, "test_fn.mixed.v1",
             label_map={"@misc": "spacy_weak.label_map.v1", "mapping": {"Disease": "DIS", "O": None}})
    assert spans(nlp(TEXT)) == [("seizures", "DIS", "")]
    assert fn.stats["dropped_by_label_map"] == 2


def test_out_of_range_is_coded_error_naming_component_and_function():
    nlp = spacy.blank("en")
    add(nlp, "test_fn.out_of_range.v1", name="rangey")
    with pytest.raises(SpacyWeakError, match=r"E057.*make_out_of_range.*'rangey'.*\(0, 10\) in token offsets, outside the document \(0-9\)"):
        nlp(TEXT)


def test_bad_item_is_coded_error():
    nlp = spacy.blank("en")
    add(nlp, "test_fn.bad_item.v1")
    with pytest.raises(SpacyWeakError, match=r"E056.*'fn' produced 'Cocaine': expected a Span"):
        nlp(TEXT)


def test_span_of_another_doc_is_coded_error():
    nlp = spacy.blank("en")
    add(nlp, "test_fn.other_doc.v1")
    with pytest.raises(SpacyWeakError, match="E059"):
        nlp(TEXT)


def test_raising_function_goes_through_error_handler_with_code():
    nlp = spacy.blank("en")
    add(nlp, "test_fn.raises.v1")
    with pytest.raises(SpacyWeakError, match=r"E058.*make_raises.<locals>.raises of component 'fn' raised KeyError"):
        nlp(TEXT)
    seen = []
    nlp.set_error_handler(lambda name, proc, docs, e: seen.append((name, str(e))))
    list(nlp.pipe([TEXT, TEXT]))
    assert len(seen) == 2 and seen[0][0] == "fn" and "[E058]" in seen[0][1]


def test_not_callable_and_unregistered_function():
    nlp = spacy.blank("en")
    with pytest.raises(SpacyWeakError, match="E060.*'fn'.*got 42"):
        add(nlp, "test_fn.not_callable.v1")
    # an unregistered name: spaCy's own registry error names it
    with pytest.raises(Exception, match=r"E893.*'test_fn.nope.v1'.*misc"):
        add(nlp, "test_fn.nope.v1")
    # the labelling function registered directly: spaCy's config error names the missing Doc
    with pytest.raises(Exception, match=r"test_fn.direct.v1(.|\n)*missing required argument: 'doc'"):
        add(nlp, "test_fn.direct.v1")
    with pytest.raises(SpacyWeakError, match="E050.*offsets"):
        add(nlp, "test_fn.suffix.v1", offsets="bytes")


def test_config_string_disk_roundtrip_and_n_process(tmp_path):
    cfg = """
[nlp]
lang = "en"
pipeline = ["fn"]

[components]

[components.fn]
factory = "weak_function"

[components.fn.function]
@misc = "test_fn.suffix.v1"
suffix = "ine"
"""
    nlp = load_model_from_config(load_config_from_str(cfg), auto_fill=True)
    nlp.initialize()
    texts = [TEXT, "Nothing here .", "Caffeine ."] * 3
    one = [spans(d) for d in nlp.pipe(texts)]
    assert one[2] == [("Caffeine", "Chemical", "kb:caffeine")]
    assert [spans(d) for d in nlp.pipe(texts, n_process=2, batch_size=2)] == one
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    assert [spans(d) for d in nlp2.pipe(texts)] == one


def test_direct_construction_with_plain_callable():
    nlp = spacy.blank("en")
    fn = FunctionAnnotator(nlp.vocab, name="x", function=lambda doc: [(0, 1, "Chemical")])
    doc = fn(nlp(TEXT))
    assert [s.text for s in doc.spans["x"]] == ["Cocaine"]
