"""suggest end to end: bad inputs are coded errors before any work, --apply writes next to the recipe."""
import pytest
import spacy
from spacy.tokens import DocBin

from spacy_weak.corpora.align import set_gold
from spacy_weak.corpora.save import save_docs
from spacy_weak.errors import SpacyWeakError
from spacy_weak.evaluation.data import read_docbins
from spacy_weak.suggest.run import suggest

from .conftest import RECIPE, make_docs


@pytest.fixture()
def files(tmp_path):
    docs = make_docs(60)
    recipe = tmp_path / "recipe.cfg"
    recipe.write_text(RECIPE.replace('sources = ["src_a", "src_b", "neg"]', 'sources = ["src_a", "src_b", "src_c", "neg"]'))
    annotated = tmp_path / "annotated.spacy"
    reviewed = tmp_path / "reviewed.spacy"
    save_docs(annotated, docs)
    save_docs(reviewed, [d.copy() for d in docs[:30]])
    return tmp_path, recipe, annotated, reviewed, docs


def _code(excinfo) -> str:
    return str(excinfo.value)[:6]


def test_bad_inputs_are_coded_errors_and_write_nothing(files):
    tmp, recipe, annotated, reviewed, docs = files
    before = sorted(p.name for p in tmp.iterdir())
    empty = tmp / "empty.spacy"
    DocBin().to_disk(empty)
    no_entity = tmp / "no_entity.spacy"
    copies = [d.copy() for d in docs[:5]]
    for d in copies:
        set_gold(d, [])
    save_docs(no_entity, copies)
    before = sorted(p.name for p in tmp.iterdir())
    cases = [
        ("[E611]", dict(reviewed=[empty])),
        ("[E611]", dict(gold_key="nothing_here")),
        ("[E612]", dict(reviewed=[no_entity])),
        ("[E613]", dict(reviewed=[reviewed], eval_paths=[reviewed])),
        ("[E615]", dict(reviewed=[reviewed], apply=True, output=recipe)),
    ]
    for code, kwargs in cases:
        with pytest.raises(SpacyWeakError) as err:
            suggest([annotated], recipe, **kwargs)
        assert _code(err) == code, (code, kwargs, str(err.value))
    missing = tmp / "missing.cfg"
    missing.write_text(recipe.read_text().replace('"src_c", "neg"]', '"src_c", "neg", "src_zzz"]'))
    with pytest.raises(SpacyWeakError, match=r"\[E614\].*src_zzz"):
        suggest([annotated], missing, reviewed=[reviewed])
    assert sorted(p.name for p in tmp.iterdir()) == sorted(before + ["missing.cfg"])
    # an existing output is not replaced without overwrite, before any work
    out = tmp / "recipe.suggested.cfg"
    out.write_text("mine")
    with pytest.raises(SpacyWeakError, match=r"\[E701\]"):
        suggest([annotated], recipe, reviewed=[reviewed], apply=True)
    assert out.read_text() == "mine"


def test_apply_writes_a_new_recipe_next_to_the_old_one(files):
    tmp, recipe, annotated, reviewed, docs = files
    old = recipe.read_text()
    result = suggest([annotated], recipe, reviewed=[reviewed], apply=True, k=3,
                     kinds=("stop_terms", "boundary"), command="spacy-weak suggest test")
    assert recipe.read_text() == old
    new = tmp / "recipe.suggested.cfg"
    assert result["output"] == str(new) and new.exists()
    kinds = {c["kind"] for c in result["changes"]}
    assert "stop_terms" in kinds
    log = (tmp / "recipe.suggested.changes.md").read_text()
    assert "stop_terms `src_a`" in log and "CV effect" in log and "undo" in log
    assert "--components.suggested_filter.terms" in log  # the override that takes it back out
    # the new recipe loads; its filter removes the junk term; the refitted model is on disk
    nlp = spacy.util.load_model_from_config(spacy.util.load_config(new), auto_fill=True)
    assert "suggested_filter" in nlp.pipe_names
    after = list(read_docbins(tmp / "recipe.suggested.after.spacy"))
    assert len(after) == len(docs) and not any(s.text == "foo" for d in after for s in d.spans["src_a"])
    assert all("silver" in d.spans for d in after)
    assert (tmp / "recipe.suggested.hmm").is_dir()
