"""@span_source / @doc_source: registration, resources, config, saving, bad input."""
import subprocess
import sys

import pytest
import spacy

import spacy_weak
from spacy_weak.errors import SpacyWeakError


@spacy_weak.span_source("t16_suffix", label="Chemical", resources={"suffixes": ("ine",)})
def t16_suffix(doc, suffixes):
    return [(t.i, t.i + 1) for t in doc if t.lower_.endswith(tuple(suffixes))]


@spacy_weak.doc_source("t16_short", label="HAM")
def t16_short(doc, max_len=3):
    if len(doc) <= max_len:
        return True
    return False if len(doc) > 10 else None


def test_factory_and_misc_names_work():
    nlp = spacy.blank("en")
    nlp.add_pipe("t16_suffix")
    nlp.add_pipe("weak_function", name="generic", config={"function": {"@misc": "t16_suffix", "suffixes": ["aine"]}})
    nlp.add_pipe("t16_short")
    doc = nlp("cocaine morphine")
    assert [(s.text, s.label_) for s in doc.spans["t16_suffix"]] == [("cocaine", "Chemical"), ("morphine", "Chemical")]
    assert [s.text for s in doc.spans["generic"]] == ["cocaine"]
    assert doc.spans["t16_short"].attrs["doc_votes"] == {"HAM": 1}
    long_doc = nlp("a b c d e f g h i j k l")
    assert long_doc.spans["t16_short"].attrs["doc_votes"] == {"HAM": 0}
    assert nlp("a b c d e").spans["t16_short"].attrs["doc_votes"] == {}


def test_config_overrides_label_and_resources_and_survive_to_disk(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("t16_suffix", config={"label": "Drug", "resources": {"suffixes": ["phine"]}})
    nlp.to_disk(tmp_path / "p")
    nlp2 = spacy.load(tmp_path / "p")
    doc = nlp2("cocaine morphine")
    assert [(s.text, s.label_) for s in doc.spans["t16_suffix"]] == [("morphine", "Drug")]


def test_saved_pipeline_reloads_in_a_fresh_process_with_code(tmp_path):
    rules = tmp_path / "rules.py"
    rules.write_text(
        "import spacy_weak\n"
        "@spacy_weak.span_source('t16_caps', label='ORG')\n"
        "def caps(doc):\n"
        "    return [(t.i, t.i + 1) for t in doc if t.is_upper]\n"
    )
    script = (
        "import spacy, sys\n"
        "from spacy.util import import_file\n"
        "import_file('rules', sys.argv[1])\n"
        "nlp = spacy.blank('en'); nlp.add_pipe('t16_caps'); nlp.to_disk(sys.argv[2])\n"
    )
    subprocess.run([sys.executable, "-c", script, str(rules), str(tmp_path / "p")], check=True)
    load = "import spacy, sys\nnlp = spacy.load(sys.argv[2])\ndoc = nlp('IBM and me')\nprint([s.text for s in doc.spans['t16_caps']])\n"
    without = subprocess.run([sys.executable, "-c", load, str(rules), str(tmp_path / "p")], capture_output=True, text=True)
    assert without.returncode != 0 and "t16_caps" in without.stderr
    with_code = subprocess.run(
        [sys.executable, "-c", "from spacy.util import import_file; import sys; import_file('rules', sys.argv[1])\n" + load,
         str(rules), str(tmp_path / "p")], capture_output=True, text=True, check=True)
    assert with_code.stdout.strip() == "['IBM']"


def test_bad_definitions_are_coded_errors():
    with pytest.raises(SpacyWeakError, match="E067"):
        spacy_weak.span_source("has.dot")(lambda doc: [])
    with pytest.raises(SpacyWeakError, match="E072"):
        spacy_weak.span_source("ner")(lambda doc: [])

    def other(doc):
        return []

    with pytest.raises(SpacyWeakError, match="E072"):
        spacy_weak.span_source("t16_suffix")(other)
    with pytest.raises(SpacyWeakError, match=r"E073.*\['nope'\]"):
        spacy_weak.span_source("t16_bad1", resources={"nope": 1})(other)

    def needs(doc, table):
        return []

    with pytest.raises(SpacyWeakError, match=r"E073.*table"):
        spacy_weak.doc_source("t16_bad2")(needs)
    with pytest.raises(SpacyWeakError, match="E073"):
        spacy_weak.doc_source("t16_bad3", label="")


def test_redecorating_the_same_function_replaces_it():
    source = spacy_weak.span_source("t16_suffix", label="Chemical", resources={"suffixes": ("ine",)})(
        t16_suffix.function)
    assert source.name == "t16_suffix"


def test_function_errors_name_the_users_function():
    @spacy_weak.span_source("t16_broken")
    def broken(doc):
        raise KeyError("x")

    nlp = spacy.blank("en")
    nlp.add_pipe("t16_broken")
    with pytest.raises(SpacyWeakError, match=r"E058.*broken"):
        nlp("a")


def test_import_spacy_weak_stays_cheap():
    code = "import sys, spacy_weak; print('spacy' in sys.modules, 'hmmlearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False"]
