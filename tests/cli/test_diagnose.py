"""``spacy-weak diagnose breakdown|terms``."""
import srsly
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from tests.evaluation.corpora import write_docbin as _write
from tests.evaluation.test_breakdown import make_corpus
from tests.evaluation.test_term_precision import gaz_corpus

runner = CliRunner()


def test_breakdown_command(tmp_path):
    import spacy

    _load_commands()
    path = _write(make_corpus(spacy.blank("en")), tmp_path / "docs.spacy")
    result = runner.invoke(app, ["diagnose", "breakdown", path, "--key", "a", "--gold-key", "gold",
                                 "--json", str(tmp_path / "b.json")])
    assert result.exit_code == 0, result.output
    assert "breast cancer → hereditary breast cancer ×1" in result.output
    assert "hereditary ×1" in result.output
    out = srsly.read_json(tmp_path / "b.json")
    assert out["breakdown"]["pred"]["total"]["spurious"] == 1
    bad = runner.invoke(app, ["diagnose", "breakdown", path, "--key", "nope", "--gold-key", "gold"])
    assert bad.exit_code == 1 and "[E600]" in bad.output and "Traceback" not in bad.output
    no_gold = runner.invoke(app, ["diagnose", "breakdown", path, "--key", "a", "--gold-key", "missing"])
    assert no_gold.exit_code == 1 and "[E601]" in no_gold.output


def test_terms_command(tmp_path):
    _load_commands()
    path = _write(gaz_corpus(), tmp_path / "gaz.spacy")
    lex = tmp_path / "lex.tsv"
    lex.write_text("MS\tDisease\tC1\ncancer\tDisease\tC2\n")
    stop, out_lex = tmp_path / "stop.txt", tmp_path / "out.tsv"
    result = runner.invoke(app, ["diagnose", "terms", path, "--key", "gaz", "--gold-key", "gold", "--stop-terms",
                                 str(stop), "--filter-lexicon", str(lex), "--output-lexicon", str(out_lex)])
    assert result.exit_code == 0, result.output
    assert stop.read_text() == "ms\n"
    assert out_lex.read_text() == "cancer\tDisease\tC2\n"
    again = runner.invoke(app, ["diagnose", "terms", path, "--key", "gaz", "--gold-key", "gold", "--stop-terms", str(stop)])
    assert again.exit_code == 0, again.output  # a rerun replaces its own output (stamped)...
    stop.write_text("edited by hand\n")
    again = runner.invoke(app, ["diagnose", "terms", path, "--key", "gaz", "--gold-key", "gold", "--stop-terms", str(stop)])
    assert again.exit_code == 1 and "[E701]" in again.output  # ... never a file changed since
    half = runner.invoke(app, ["diagnose", "terms", path, "--key", "gaz", "--filter-lexicon", str(lex)])
    assert half.exit_code == 1 and "[E606]" in half.output
    concepts = runner.invoke(app, ["diagnose", "terms", path, "--key", "gaz", "--gold-key", "gold", "--concepts"])
    assert concepts.exit_code == 0 and "C1" in concepts.output


def test_gold_of_another_text_is_coded(tmp_path):
    import spacy

    _load_commands()
    nlp = spacy.blank("en")
    docs = make_corpus(nlp)
    path = _write(docs, tmp_path / "docs.spacy")
    other = [nlp("a different text"), nlp("b"), nlp("c")]
    gold = _write(other, tmp_path / "gold.spacy")
    result = runner.invoke(app, ["diagnose", "breakdown", path, "--key", "a", "--gold", gold])
    assert result.exit_code == 1 and "[E153]" in result.output and "Traceback" not in result.output


def test_terms_overwrite_option_and_lexicon_filtered_onto_itself(tmp_path):
    # E701 tells the user to pass --overwrite: the option exists; filtering a lexicon onto itself is refused
    _load_commands()
    path = _write(gaz_corpus(), tmp_path / "gaz.spacy")
    lex = tmp_path / "lex.tsv"
    lex.write_text("MS\tDisease\tC1\ncancer\tDisease\tC2\n")
    stop = tmp_path / "stop.txt"
    stop.write_text("old\n")
    args = ["diagnose", "terms", path, "--key", "gaz", "--gold-key", "gold", "--stop-terms", str(stop)]
    assert runner.invoke(app, args).exit_code == 1
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.output
    assert stop.read_text() == "ms\n"
    same = runner.invoke(app, ["diagnose", "terms", path, "--key", "gaz", "--gold-key", "gold", "--filter-lexicon",
                               str(lex), "--output-lexicon", str(lex), "--overwrite"])
    assert same.exit_code == 1 and "[E263]" in same.output
    assert lex.read_text() == "MS\tDisease\tC1\ncancer\tDisease\tC2\n"


def test_breakdown_json_keeps_a_users_file(tmp_path):
    import spacy

    _load_commands()
    path = _write(make_corpus(spacy.blank("en")), tmp_path / "c.spacy")
    data = tmp_path / "reviewed.jsonl"
    data.write_text('{"a": 1}\n{"b": 2}\n')
    args = ["diagnose", "breakdown", path, "--key", "a", "--gold-key", "gold", "--json", str(data)]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "[E701]" in result.output
    assert data.read_text() == '{"a": 1}\n{"b": 2}\n'
    assert runner.invoke(app, [*args, "--overwrite"]).exit_code == 0
