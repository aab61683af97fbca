"""The examples of the user docs run as written (python blocks in order, ini blocks load)."""
import re
from pathlib import Path

import pytest
import spacy
from spacy.util import load_config_from_str

DOCS = Path(__file__).resolve().parents[2] / "docs"
BLOCK = re.compile(r"```(python|ini)\n(.*?)```", re.S)


def blocks(name: str, kind: str):
    text = (DOCS / name).read_text(encoding="utf8")
    return [body for lang, body in BLOCK.findall(text) if lang == kind]


def run_python(name: str) -> dict:
    namespace: dict = {"__name__": f"docs_{name.replace('.', '_').replace('-', '_')}"}
    for body in blocks(name, "python"):
        exec(compile(body, str(DOCS / name), "exec"), namespace)
    return namespace


def test_sources_python_examples_run():
    ns = run_python("sources.md")
    assert ns["reloaded"].pipe_names == ["ol_suffix"]
    # the decorated source stays callable on a Doc, with its resources
    assert ns["chem_suffix"](spacy.blank("en")("morphine")) == [(0, 1, "Chemical")]


def test_sources_config_examples_load():
    run_python("sources.md")  # registers the factories the configs name
    full, fragment = blocks("sources.md", "ini")
    nlp = spacy.util.load_model_from_config(load_config_from_str(full), auto_fill=True)
    doc = nlp("Chloride and free stuff at http://x")
    assert [s.text for s in doc.spans["chem_suffix"]] == ["Chloride"]
    assert doc.spans["has_link"].attrs["doc_votes"] == {"SPAM": 1}
    header = '[nlp]\nlang = "en"\npipeline = ["price", "free_offer"]\n\n[components]\n\n'
    nlp = spacy.util.load_model_from_config(load_config_from_str(header + fragment), auto_fill=True)
    doc = nlp("It costs $12.50 , winner")
    assert [s.text for s in doc.spans["price"]] == ["$12.50"]
    assert doc.spans["free_offer"].attrs["doc_votes"] == {"SPAM": 1}
    assert nlp.get_pipe("free_offer").keywords == ["free", "$"]


@pytest.mark.parametrize("name", ["getting-started.md"])
def test_other_docs_python_examples_run(name):
    if not (DOCS / name).exists():
        pytest.skip(f"{name} not written")
    run_python(name)


def test_readme_python_examples_run():
    """The README's Python blocks run as written (the first thing a new user copies)."""
    text = (DOCS.parent / "README.md").read_text(encoding="utf8")
    namespace: dict = {"__name__": "docs_readme"}
    bodies = [body for lang, body in BLOCK.findall(text) if lang == "python"]
    assert len(bodies) >= 2
    for body in bodies:
        exec(compile(body, "README.md", "exec"), namespace)
    doc = namespace["doc"]
    assert [s.text for s in doc.spans["gaz_chem"]] == ["Aspirin"]
