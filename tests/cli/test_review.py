"""``spacy-weak review export|import``, ``audit``, ``card`` and ``analyze --compare`` end to end."""
import warnings

import pytest
import spacy
import srsly
from spacy.tokens import DocBin
from typer.testing import CliRunner

from spacy_weak.cli import _load_commands, app
from tests.aggregation.synth import LABELS, make_corpus

runner = CliRunner()


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("review")
    nlp = spacy.blank("en")
    docs = make_corpus(nlp.vocab, n_docs=30, seed=4, doc_len=(8, 20))
    for i, d in enumerate(docs):
        d.user_data["doc_id"] = f"d{i}"
    gold = {f"d{i}": [(e.start_char, e.end_char, e.label_) for e in d.ents] for i, d in enumerate(docs)}
    hmm = nlp.add_pipe("weak_hmm", name="hmm", config={"labels": LABELS, "n_iter": 3})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hmm.fit(docs)
    nlp.to_disk(tmp / "pipe")
    DocBin(docs=docs, store_user_data=True).to_disk(tmp / "corpus.spacy")
    return tmp, gold


def _run(args):
    _load_commands()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return runner.invoke(app, [str(a) for a in args])


def test_export_import_roundtrip(setup):
    tmp, gold = setup
    out = tmp / "tasks.jsonl"
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", out, "--top", "5"])
    assert r.exit_code == 0, r.output
    tasks = list(srsly.read_jsonl(out))
    assert len(tasks) == 5 and all(t["meta"]["reason"] for t in tasks)
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", out, "--top", "5"])
    assert r.exit_code == 0, r.output  # a rerun replaces its own output...
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", tmp / "corpus.spacy", "--overwrite"])
    assert r.exit_code == 1 and "E263" in r.output  # ... never its input
    for t in tasks:
        t["spans"] = [{"start": s, "end": e, "label": lab} for s, e, lab in gold[t["meta"]["doc_id"]]]
        t["answer"] = "accept"
    srsly.write_jsonl(tmp / "reviewed.jsonl", tasks)
    r = _run(["review", "import", tmp / "reviewed.jsonl", "-c", tmp / "corpus.spacy", "-p", tmp / "pipe",
              "-o", tmp / "with_human.spacy", "--dev", tmp / "dev.spacy", "--json", tmp / "import.json"])
    assert r.exit_code == 0, r.output
    assert srsly.read_json(tmp / "import.json")["reviewed_docs"] == 5
    nlp = spacy.blank("en")
    dev = list(DocBin().from_disk(tmp / "dev.spacy").get_docs(nlp.vocab))
    assert len(dev) == 5
    for d in dev:
        assert [(e.start_char, e.end_char, e.label_) for e in d.ents] == sorted(gold[d.user_data["doc_id"]])
    full = list(DocBin().from_disk(tmp / "with_human.spacy").get_docs(nlp.vocab))
    assert sum("human" in d.spans for d in full) == 5
    # the reviewed dev set is a gold set for analyze
    r = _run(["analyze", tmp / "dev.spacy", "--gold-key", "gold", "-q"])
    assert r.exit_code == 0, r.output


def test_export_argilla_and_bad_options(setup):
    tmp, _ = setup
    out = tmp / "argilla.jsonl"
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", out, "-f", "argilla", "-k", "3"])
    assert r.exit_code == 0, r.output
    assert all("fields" in rec for rec in srsly.read_jsonl(out))
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", tmp / "x.jsonl", "-f", "csv"])
    assert r.exit_code == 1 and "E404" in r.output
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "nope", "-o", tmp / "x.jsonl"])
    assert r.exit_code == 1 and "E406" in r.output
    for option in ("--top", "--json-top"):  # a negative count was accepted and printed nothing
        r = _run(["audit", tmp / "corpus.spacy", "-p", tmp / "pipe", option, "-3"])
        assert r.exit_code == 1 and "E404" in r.output and option in r.output


def test_audit_card_and_compare(setup):
    tmp, _ = setup
    r = _run(["audit", tmp / "corpus.spacy", "-p", tmp / "pipe", "--json", tmp / "audit.json", "--top", "3"])
    assert r.exit_code == 0, r.output
    data = srsly.read_json(tmp / "audit.json")
    assert data["spans"] and "bias" in data
    r = _run(["card", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", tmp / "card.md", "--gold-key", "ents"])
    assert r.exit_code == 0, r.output
    text = (tmp / "card.md").read_text()
    assert "## Sources" in text and "Known limits" in text
    r = _run(["analyze", tmp / "corpus.spacy", "--compare", tmp / "corpus.spacy", "--json", tmp / "drift.json"])
    assert r.exit_code == 0, r.output
    assert srsly.read_json(tmp / "drift.json")["flagged"] == []


def test_review_commands_take_code_for_the_users_functions(tmp_path):
    # a pipeline made by `spacy-weak init` uses rules.py: audit/card/review need --code like apply/fit
    import spacy

    from spacy_weak.runs.review import load_hmm
    from spacy_weak.errors import SpacyWeakError

    code = tmp_path / "rules_for_review.py"
    code.write_text(
        "from spacy.language import Language\n\n"
        "@Language.component('review_test_user_rule')\n"
        "def review_test_user_rule(doc):\n    return doc\n",
        encoding="utf8",
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.to_disk(tmp_path / "model")
    cfg = tmp_path / "model" / "config.cfg"
    cfg.write_text(cfg.read_text().replace('factory = "sentencizer"', 'factory = "review_test_user_rule"'))
    with pytest.raises(SpacyWeakError, match=r"(?s)E406.*pass that file with --code"):
        load_hmm(tmp_path / "model")
    with pytest.raises(SpacyWeakError, match="no fitted weak_hmm"):  # loaded: the code was imported
        load_hmm(tmp_path / "model", code=code)


def test_design_export_refit_and_training_export_with_reviews(setup):
    """Issue 22: --random-share records the design; review refit chooses settings on the reviewed
    docs; export-training --reviewed replaces silver and selects on the random share."""
    tmp, gold = setup
    out = tmp / "design_tasks.jsonl"
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", out, "--top", "8", "--random-share", "0.25"])
    assert r.exit_code == 0, r.output
    tasks = list(srsly.read_jsonl(out))
    assert [t["meta"]["stratum"] for t in tasks] == ["ranked"] * 6 + ["random"] * 2
    assert tasks[-1]["meta"]["inclusion_prob"] == pytest.approx(2 / 24)
    for t in tasks:
        t["spans"] = [{"start": s, "end": e, "label": lab} for s, e, lab in gold[t["meta"]["doc_id"]]]
        t["answer"] = "accept"
    srsly.write_jsonl(tmp / "design_reviewed.jsonl", tasks)
    r = _run(["review", "import", tmp / "design_reviewed.jsonl", "-c", tmp / "corpus.spacy", "-p", tmp / "pipe",
              "-o", tmp / "design_human.spacy", "--dev", tmp / "design_dev.spacy"])
    assert r.exit_code == 0, r.output
    r = _run(["review", "refit", tmp / "pipe", tmp / "design_human.spacy", "--dev", tmp / "design_dev.spacy",
              "-o", tmp / "pipe_reviewed", "--silver-output", tmp / "design_silver.spacy", "--json", tmp / "refit.json",
              "--second-stage"])
    assert r.exit_code == 0, r.output
    summary = srsly.read_json(tmp / "refit.json")
    assert summary["reviewed_docs"] == 8 and len(summary["candidates"]) == 4
    assert summary["cfg"]["clamp_sources"] == ["human"]
    st = summary["second_stage"]  # cross-fitted on the 8 reviewed docs; its file exists only when kept
    assert st["reviewed_docs"] == 8 and "f1_second_stage" in st
    assert (tmp / "pipe_reviewed" / "second_stage.json").exists() == st["second_stage"]
    assert spacy.load(tmp / "pipe_reviewed").get_pipe("hmm").cfg["clamp_sources"] == ["human"]
    r = _run(["export-training", tmp / "design_silver.spacy", "--reviewed", tmp / "design_dev.spacy", "-o",
              tmp / "t.spacy", "--dev-output", tmp / "d.spacy", "--upsample", "2", "--policy", "hard"])
    assert r.exit_code == 0, r.output
    nlp = spacy.blank("en")
    assert len(list(DocBin().from_disk(tmp / "t.spacy").get_docs(nlp.vocab))) == 30 - 8 + 2 * 6
    assert len(list(DocBin().from_disk(tmp / "d.spacy").get_docs(nlp.vocab))) == 2
    r = _run(["review", "export", tmp / "corpus.spacy", "-p", tmp / "pipe", "-o", tmp / "x.jsonl", "--random-share", "2"])
    assert r.exit_code == 1 and "E411" in r.output
