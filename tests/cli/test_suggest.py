"""``spacy-weak suggest`` parses, calls spacy_weak.suggest.run and prints; bad input is a coded error."""
import srsly
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.corpora.save import save_docs
from tests.suggest.conftest import RECIPE, make_docs

runner = CliRunner()


def test_suggest_command(tmp_path):
    _load_commands()
    docs = make_docs(60)
    recipe = tmp_path / "recipe.cfg"
    recipe.write_text(RECIPE.replace('sources = ["src_a", "src_b", "neg"]', 'sources = ["src_a", "src_b", "src_c", "neg"]'))
    save_docs(tmp_path / "docs.spacy", docs)
    save_docs(tmp_path / "reviewed.spacy", [d.copy() for d in docs[:30]])
    args = ["suggest", str(tmp_path / "docs.spacy"), "--recipe", str(recipe), "--reviewed", str(tmp_path / "reviewed.spacy"),
            "--folds", "3", "--kinds", "stop_terms", "--json", str(tmp_path / "s.json")]
    result = runner.invoke(app, args + ["--apply"])
    assert result.exit_code == 0, result.output
    assert "stop_terms" in result.output and "cross-validated F1" in result.output
    assert "--compare" in result.output
    out = srsly.read_json(tmp_path / "s.json")
    assert out["changes"][0]["items"] == ["foo"] and out["changes"][0]["cv_effect"] > 0
    again = runner.invoke(app, args + ["--apply", "--overwrite", "--output", str(recipe)])
    # the command-line's one path check (E263) refuses it before suggest's own E615 would
    assert again.exit_code == 1 and "[E263]" in again.output and "Traceback" not in again.output
    assert recipe.read_text() == RECIPE.replace('sources = ["src_a", "src_b", "neg"]', 'sources = ["src_a", "src_b", "src_c", "neg"]')
