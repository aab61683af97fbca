"""`spacy-weak init`: scaffold a project for the user's own text, run it end to end (tiny)."""
import json
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from spacy_weak.corpora.plain_text import read_texts

runner = CliRunner()
TEXTS = [
    "Yesterday Acme Robotics signed a deal with Globex for 12 million dollars.",
    "The CEO of Globex said the IBM partnership helps. Talks with Initech took 3 weeks.",
    "Analysts expect Initech and Acme Robotics to merge in 2025.",
]


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "texts"
    folder.mkdir()
    for i, text in enumerate(TEXTS):
        (folder / f"{i}.txt").write_text(text + "\n", encoding="utf8")
    return folder


def test_init_scaffolds_and_runs_on_a_folder_of_txt(tmp_path, data):
    _load_commands()
    project = tmp_path / "project"
    result = runner.invoke(app, ["init", str(project), "--data", str(data), "--label", "ORG"])
    assert result.exit_code == 0, (result.output, result.exception)
    for rel in ("configs/weak.cfg", "configs/ner.cfg", "rules.py", "lexicon.tsv", "project.yml", "README.md",
                "scripts/convert.py", "reports/report.html", "metrics/analysis.json"):
        assert (project / rel).is_file(), rel
    assert "@spacy_weak.span_source" in (project / "rules.py").read_text(encoding="utf8")
    assert "Globex\tORG" in (project / "lexicon.tsv").read_text(encoding="utf8")
    assert "spacy project run all" in result.output
    # the first pass ran the project's own commands and recorded them: `spacy project run all`
    # skips every step up to the report (issue 27), and trains
    from weasel.cli.run import check_rerun
    from weasel.util import load_project_config

    assert (project / "project.lock").is_file()
    commands = {cmd["name"]: cmd for cmd in load_project_config(project)["commands"]}
    assert [name for name, cmd in commands.items() if check_rerun(project, cmd)] == ["train"]
    assert "scripts/train.py" in commands["train"]["script"][0]
    silver = list(DocBin().from_disk(next((project / "silver").glob("*.spacy"))).get_docs(spacy.blank("en").vocab))
    assert len(silver) == 3
    ents = {e.text for doc in silver for e in doc.ents}
    assert {"Globex", "Initech"} <= ents and all(e.label_ == "ORG" for doc in silver for e in doc.ents)
    analysis = json.loads((project / "metrics" / "analysis.json").read_text(encoding="utf8"))
    assert analysis["corpus"]["n_docs"] == 3
    config = (project / "training" / "label_model" / "config.cfg").read_text(encoding="utf8")
    assert str(tmp_path) not in config  # no absolute path of this machine in the saved pipeline
    meta = json.loads((project / "training" / "label_model" / "meta.json").read_text(encoding="utf8"))
    assert "version" in meta["spacy_weak"]  # stamped as `spacy-weak fit` stamps it
    # never overwrites
    again = runner.invoke(app, ["init", str(project), "--data", str(data)])
    assert again.exit_code == 1 and "[E288]" in again.output and "rules.py" in again.output


@pytest.mark.slow
def test_the_scaffolded_workflow_runs_with_spacy_project(tmp_path, data):
    _load_commands()
    project = tmp_path / "project"
    result = runner.invoke(app, ["init", str(project), "--data", str(data), "--no-run"])
    assert result.exit_code == 0, result.output
    assert not (project / "silver").exists()
    for step in ("convert", "annotate", "fit", "silver", "analyze"):
        proc = subprocess.run([sys.executable, "-m", "spacy", "project", "run", step, str(project)],
                              capture_output=True, text=True, cwd=project)
        assert proc.returncode == 0, (step, proc.stdout[-2000:], proc.stderr[-2000:])
    assert (project / "reports" / "report.html").is_file()
    assert (project / "training" / "label_model" / "meta.json").is_file()


def test_seed_terms_are_names_not_sentence_starts_or_common_words(tmp_path):
    from spacy_weak.scaffold import seed_terms

    texts = ["Free entry! The Nokia phone is yours. Reply to Nokia now.",
             "Update: you may win. Call Nokia or Vodafone today. Hey, Vodafone says yes.",
             "Thanks for the update, Free Update from Yes Mobile. The end.",
             "Free Free Free. Yes yes. May we call The Nokia shop?"]
    (tmp_path / "sms.txt").write_text("\n".join(texts) + "\n", encoding="utf8")
    terms = seed_terms(spacy.blank("en"), tmp_path / "sms.txt")
    assert terms == ["Nokia", "Vodafone"]


def test_init_without_a_name_in_the_data_leaves_the_gazetteer_out_and_does_not_warn(tmp_path):
    _load_commands()
    data = tmp_path / "plain.txt"
    data.write_text("the cat sat on the mat.\nwe like 3 dogs and a cat.\nthe dog ate 2 mats.\n", encoding="utf8")
    project = tmp_path / "p"
    result = runner.invoke(app, ["init", str(project), "--data", str(data)])
    assert result.exit_code == 0, (result.output, result.exception)
    lexicon = (project / "lexicon.tsv").read_text(encoding="utf8")
    assert all(line.startswith("#") for line in lexicon.splitlines())  # no noise seeded: comments on how to fill it
    config = (project / "configs" / "weak.cfg").read_text(encoding="utf8")
    pipeline = next(line for line in config.splitlines() if line.startswith("pipeline = "))
    assert "gaz_terms" not in pipeline and 'add "gaz_terms"' in config
    assert "short_term_max_len = 3" in config  # the case rule of short terms is visible
    warned = [line for line in result.output.splitlines() if line.startswith("warning: ")]
    assert not [line for line in warned if "[W001]" in line or "gaz_terms" in line]
    # the steps' warnings come with the summary, before the "Next:" block
    assert all(result.output.index(line) < result.output.index("Next:") for line in warned)


def test_plain_text_readers(tmp_path):
    lines = tmp_path / "docs.txt"
    lines.write_text("first doc\n\nsecond doc\n", encoding="utf8")
    assert [t for t, _ in read_texts(lines)] == ["first doc", "second doc"]
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_text('{"body": "a text", "id": 7}\n', encoding="utf8")
    assert list(read_texts(jsonl, text_field="body")) == [("a text", {"id": 7, "path": "docs.jsonl", "line": 1})]
    csv_file = tmp_path / "docs.csv"
    csv_file.write_text("id,text\n1,hello there\n", encoding="utf8")
    assert [t for t, _ in read_texts(csv_file)] == ["hello there"]


def test_bad_data_is_a_coded_error(tmp_path):
    _load_commands()
    missing = runner.invoke(app, ["init", str(tmp_path / "p"), "--data", str(tmp_path / "nope")])
    assert missing.exit_code == 1 and "[E219]" in missing.output
    jsonl = tmp_path / "bad.jsonl"
    jsonl.write_text('{"text": "ok"}\n{"body": "no text"}\n', encoding="utf8")
    bad = runner.invoke(app, ["init", str(tmp_path / "p"), "--data", str(jsonl)])
    assert bad.exit_code == 1 and "[E220]" in bad.output and "line 2" in bad.output
    label = runner.invoke(app, ["init", str(tmp_path / "p"), "--data", str(jsonl), "--label", "O"])
    assert label.exit_code == 1 and "[E289]" in label.output
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("where", ["same", "data_inside"])
def test_init_refuses_a_project_folder_holding_the_data(tmp_path, data, where):
    # the project's lexicon.tsv would be read back as text, and its files mixed into the user's data folder
    _load_commands()
    project = data if where == "same" else tmp_path
    before = sorted(p.name for p in data.iterdir())
    result = runner.invoke(app, ["init", str(project), "--data", str(data), "--no-run"])
    assert result.exit_code == 1 and "[E263]" in result.output, result.output
    assert sorted(p.name for p in data.iterdir()) == before
    assert not (project / "rules.py").exists()


def test_the_example_regex_finds_acronyms_not_shouting(tmp_path):
    # new-user pass of issue 27: "CHECK OUT MY CHANNEL" came out as three silver entities
    import re

    from spacy.util import load_config_from_str

    from spacy_weak.scaffold import project_files

    files = project_files(tmp_path / "p", tmp_path, label="ORG", lang="en", text_field="text", terms=[], n_docs=1)
    config = load_config_from_str(files["configs/weak.cfg"], interpolate=False)
    pattern = config["components"]["rx_acronyms"]["patterns"][0]["pattern"]
    found = [m.group(0) for t in ["CHECK OUT MY CHANNEL", "a deal with IBM.", "an EDM company", "THIS IS US"]
             for m in re.finditer(pattern, t)]
    assert found == ["IBM", "EDM"]
