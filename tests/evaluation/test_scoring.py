"""Scores vs gold, proxy gap and the HMM comparison on the hand-built corpus (see conftest)."""
import pytest
import srsly
from spacy.scorer import Scorer
from spacy.tokens import Doc, Span
from spacy.training import Example

from spacy_weak.errors import SpacyWeakError
from spacy_weak.evaluation.analysis import analyze
from spacy_weak.evaluation.scoring import load_hmm_report, validate_hmm_report


@pytest.fixture
def result(span_docs):
    return analyze(span_docs, gold_key="gold")


def test_span_level_scores_by_hand(result):
    gold = result.scores["gold"]
    a = gold["a"]["span"]
    assert (a["micro"]["tp"], a["micro"]["fp"], a["micro"]["fn"]) == (1, 1, 1)
    assert a["micro"]["f"] == pytest.approx(0.5)
    assert a["per_label"]["Chemical"]["f"] == pytest.approx(1.0)
    assert a["per_label"]["Disease"]["f"] == pytest.approx(0.0)
    # b did not run on d2: scored on d1 only
    assert gold["b"]["docs"] == 1
    assert gold["b"]["span"]["per_label"]["Chemical"]["p"] == pytest.approx(0.5)
    assert gold["b"]["span"]["per_label"]["Disease"]["r"] == pytest.approx(0.0)
    # c's explicit "O" span is not an entity: only Disease[3,4) is scored
    c = gold["c"]["span"]["micro"]
    assert (c["tp"], c["fp"], c["fn"]) == (1, 0, 1)
    assert c["f"] == pytest.approx(2 / 3)


def test_token_level_scores_by_hand(result):
    tok = result.scores["gold"]["a"]["token"]
    # Chemical: token 0 right; Disease: tokens 2, 3 predicted, token 3 gold
    assert (tok["micro"]["tp"], tok["micro"]["fp"], tok["micro"]["fn"]) == (2, 1, 0)
    assert tok["micro"]["p"] == pytest.approx(2 / 3)
    assert tok["micro"]["f"] == pytest.approx(0.8)
    assert tok["per_label"]["Disease"]["p"] == pytest.approx(0.5)


def test_aggregate_scores_and_calibration(result):
    silver = result.scores["gold"]["silver"]
    assert silver["kind"] == "aggregate"
    assert silver["span"]["micro"]["f"] == pytest.approx(0.5)
    assert silver["mean_prob_correct"] == pytest.approx(0.9)
    assert silver["mean_prob_incorrect"] == pytest.approx(0.6)


def test_proxy_gap_silver_vs_gold(result):
    gaps = {row["source"]: row for row in result.scores["proxy_gap"]}
    # a agrees exactly with silver (F1 1.0) but has F1 0.5 against gold
    assert gaps["a"]["f1_silver"] == pytest.approx(1.0)
    assert gaps["a"]["gap"] == pytest.approx(0.5)
    assert gaps["b"]["gap"] == pytest.approx(0.0)
    assert gaps["c"]["f1_silver"] == pytest.approx(0.0)
    assert gaps["c"]["gap"] == pytest.approx(-2 / 3)


def _spacy_examples(span_docs, key):
    """Examples whose reference is a copy of the doc with gold as the same span key."""
    examples = []
    for doc in span_docs:
        if key not in doc.spans:
            continue
        ref = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        ref.spans[key] = [Span(ref, s.start, s.end, s.label_) for s in doc.spans["gold"]]
        pred = Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc])
        pred.spans[key] = [Span(pred, s.start, s.end, s.label_) for s in doc.spans[key] if s.label_ != "O"]
        examples.append(Example(pred, ref))
    return examples


@pytest.mark.parametrize("key", ["a", "b", "c", "silver"])
def test_span_scores_equal_spacy_scorer(span_docs, result, key):
    examples = _spacy_examples(span_docs, key)
    getter = lambda doc, attr: doc.spans.get(attr, [])  # noqa: E731
    expected = Scorer.score_spans(examples, key, getter=getter, allow_overlap=True)
    ours = result.scores["gold"][key]["span"]
    assert ours["micro"]["p"] == pytest.approx(expected[f"{key}_p"])
    assert ours["micro"]["r"] == pytest.approx(expected[f"{key}_r"])
    assert ours["micro"]["f"] == pytest.approx(expected[f"{key}_f"])
    for label, prf in expected[f"{key}_per_type"].items():
        assert ours["per_label"][label]["f"] == pytest.approx(prf["f"])


def test_gold_from_separate_docbin_order_and_ents(nlp, span_docs):
    gold_docs = []
    for doc in span_docs:
        g = nlp(doc.text)
        g.ents = [Span(g, s.start, s.end, s.label_) for s in doc.spans["gold"]]
        gold_docs.append(g)
    for doc in span_docs:
        del doc.spans["gold"]
    separate = analyze(span_docs, gold_docs=gold_docs)
    assert separate.scores["gold"]["a"]["span"]["micro"]["f"] == pytest.approx(0.5)
    assert separate.data.sources == ["a", "b", "c"]


def test_gold_with_other_tokenisation_is_projected(nlp, span_docs):
    from spacy.tokens import Doc as _Doc

    d1 = span_docs[0]
    # gold tokenised differently: "aspirin" split in two tokens
    g1 = _Doc(nlp.vocab, words=["aspi", "rin", "causes", "severe", "headache", "in", "patients"],
              spaces=[False, True, True, True, True, True, False])
    g1.ents = [Span(g1, 0, 2, "Chemical"), Span(g1, 4, 5, "Disease")]
    g2 = nlp(span_docs[1].text)
    g2.ents = []
    result = analyze(span_docs, gold_docs=[g1, g2])
    assert result.scores["gold"]["a"]["span"]["per_label"]["Chemical"]["f"] == pytest.approx(1.0)
    assert d1.text == g1.text


def test_gold_misalignment_errors(nlp, span_docs):
    n = len(span_docs)
    # the message gives the sizes of the two inputs, not where the reading stopped (issue 27)
    with pytest.raises(SpacyWeakError, match=f"E151.* {n} annotated documents, 1 gold documents"):
        analyze(iter(span_docs), gold_docs=[nlp(span_docs[0].text)])
    extra = [nlp(d.text) for d in span_docs] + [nlp("extra"), nlp("more")]
    with pytest.raises(SpacyWeakError, match=f"E151.* {n} annotated documents, {n + 2} gold documents"):
        analyze(span_docs, gold_docs=extra)
    with pytest.raises(SpacyWeakError, match="E153"):
        analyze(span_docs, gold_docs=[nlp("something else"), nlp(span_docs[1].text)])


def test_hmm_comparison_side_by_side(span_docs):
    report = {
        "a": {"Chemical": {"precision": 0.9, "recall": 0.8}, "Disease": {"precision": 0.4, "recall": 0.7, "n_votes": 2}},
        "c": {"O": {"precision": 1.0, "recall": 0.2}},
    }
    result = analyze(span_docs, gold_key="gold", hmm_report=report)
    rows = {(r["source"], r["label"]): r for r in result.hmm}
    chem = rows[("a", "Chemical")]
    assert chem["hmm_precision"] == 0.9 and chem["emp_precision"] == pytest.approx(1.0)
    assert chem["precision_diff"] == pytest.approx(-0.1)
    dis = rows[("a", "Disease")]
    assert dis["emp_precision"] == pytest.approx(0.5) and dis["emp_recall"] == pytest.approx(1.0)
    # c's explicit "O" vote on "causes": a gold-O token; 7 gold-O tokens where c ran
    o = rows[("c", "O")]
    assert o["emp_precision"] == pytest.approx(1.0)
    assert o["emp_recall"] == pytest.approx(1 / 7)
    assert o["reference"] == "gold"


def test_hmm_report_without_gold_uses_the_aggregate(span_docs):
    for doc in span_docs:
        del doc.spans["gold"]
    result = analyze(span_docs, hmm_report={"a": {"Disease": {"precision": 0.5, "recall": 0.5}}})
    assert result.hmm[0]["reference"] == "silver"
    assert result.hmm[0]["emp_precision"] == pytest.approx(1.0)


def test_hmm_report_validation_and_json(tmp_path):
    with pytest.raises(SpacyWeakError, match="E157"):
        validate_hmm_report({"a": 1})
    with pytest.raises(SpacyWeakError, match="E157"):
        validate_hmm_report([1, 2])
    path = tmp_path / "hmm.json"
    srsly.write_json(path, {"a": {"X": {"precision": 0.5, "recall": 0.25}}})
    assert load_hmm_report(path) == {"a": {"X": {"precision": 0.5, "recall": 0.25}}}
    with pytest.raises(SpacyWeakError, match="E155"):
        load_hmm_report(tmp_path / "missing")


def test_reports_of_a_fitted_weak_hmm_pipeline_and_component(nlp, span_docs, tmp_path):
    """--hmm accepts what `spacy-weak fit` saves: the pipeline, or the component folder."""
    from spacy_weak.evaluation.scoring import load_model_reports

    hmm = nlp.add_pipe("weak_hmm", config={"sources": ["a", "b", "c"], "labels": ["Chemical", "Disease"], "n_iter": 3})
    hmm.fit(span_docs)
    nlp.to_disk(tmp_path / "pipeline")
    hmm.to_disk(tmp_path / "component")
    expected = validate_hmm_report(hmm.source_report())
    from_pipeline = load_model_reports(tmp_path / "pipeline")
    assert from_pipeline["span"] == expected
    assert from_pipeline["span_key"] == "silver"
    assert from_pipeline["dependencies"] == hmm.dependency_report() and "groups" in from_pipeline["dependencies"]
    assert load_hmm_report(tmp_path / "component") == expected
    result = analyze(span_docs, gold_key="gold", hmm_report=expected)
    assert {(r["source"], r["label"]) for r in result.hmm} >= {("a", "Chemical"), ("a", "Disease")}
