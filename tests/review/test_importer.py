import warnings

import pytest
import srsly

from spacy_weak.errors import SpacyWeakError
from spacy_weak.review.evidence import collect_evidence
from spacy_weak.review.export import export_records, rank_documents
from spacy_weak.review.importer import apply_reviews, read_reviews

from ..aggregation.synth import LABELS


def _export(fitted, fmt="prodigy", k=4):
    _nlp, hmm, docs = fitted
    docs = [d.copy() for d in docs]
    ev = collect_evidence(docs, hmm)
    items = rank_documents(docs, ev, sources=hmm.sources_, labels=hmm.labels_)[:k]
    return docs, export_records(docs, items, fmt=fmt)


def _gold(doc):
    return [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]


def test_prodigy_roundtrip_human_source_and_dev_set(fitted, tmp_path):
    docs, recs = _export(fitted)
    by_id = {f"d{i}": d for i, d in enumerate(docs)}
    for r in recs:
        r["spans"] = _gold(by_id[r["meta"]["doc_id"]])
        r["answer"] = "accept"
    path = tmp_path / "r.jsonl"
    srsly.write_jsonl(path, recs)
    result = read_reviews(path, docs, labels=LABELS)
    assert len(result.reviews) == 4 and result.stats.fixed == 0
    dev = apply_reviews(docs, result, labels=LABELS)
    assert len(dev) == 4
    for d in dev:
        assert [(e.start, e.end, e.label_) for e in d.ents] == [
            (e.start, e.end, e.label_) for e in by_id[d.user_data["doc_id"]].ents]
        assert d.spans["gold"].attrs["gold"] is True
    reviewed = by_id[recs[0]["meta"]["doc_id"]]
    human = reviewed.spans["human"]
    covered = sum(len(s) for s in human)
    assert covered == len(reviewed)  # entities + "O" spans cover the whole reviewed document
    assert {s.label_ for s in human} <= set(LABELS) | {"O"}
    assert sum("human" in d.spans for d in docs) == 4


def test_misaligned_spans_are_fixed_and_reported(fitted, tmp_path):
    docs, recs = _export(fitted, k=1)
    doc = next(d for d in docs if d.user_data["doc_id"] == recs[0]["meta"]["doc_id"])
    tok = doc[1]
    recs[0]["spans"] = [{"start": tok.idx + 1, "end": tok.idx + len(tok) - 0, "label": "CHEM"},  # inside a token
                        {"start": 0, "end": len(doc.text) + 5, "label": "CHEM"}]  # outside the text
    path = tmp_path / "r.jsonl"
    srsly.write_jsonl(path, recs)
    with pytest.warns(UserWarning, match=r"W404.*1 span\(s\) did not align.*1 could not"):
        result = read_reviews(path, docs, labels=LABELS)
    assert result.stats.fixed == 1 and result.stats.dropped == 1
    assert next(iter(result.reviews.values()))["default"].spans == ((1, 2, "CHEM"),)


def test_unknown_documents_and_empty_annotator_warn(fitted, tmp_path):
    docs, recs = _export(fitted, k=2)
    recs[0]["meta"]["doc_id"] = "nope"
    recs[0]["text"] = "a text that is not in the corpus"
    recs[1]["spans"] = []
    recs[1]["_annotator_id"] = "lazy"
    path = tmp_path / "r.jsonl"
    srsly.write_jsonl(path, recs)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read_reviews(path, docs, labels=LABELS)
    messages = " ".join(str(w.message) for w in caught)
    assert "[W400]" in messages and f"{path}:1" in messages
    assert "[W402]" in messages and "lazy" in messages
    assert result.unknown_docs and len(result.reviews) == 1


def test_conflicting_duplicates_are_an_error_naming_both_lines(fitted, tmp_path):
    docs, recs = _export(fitted, k=1)
    dup = dict(recs[0], spans=[])
    same = dict(recs[0])
    path = tmp_path / "r.jsonl"
    srsly.write_jsonl(path, [recs[0], same])
    assert read_reviews(path, docs, labels=LABELS).duplicates == 1
    srsly.write_jsonl(path, [recs[0], dup])
    if recs[0]["spans"]:
        with pytest.raises(SpacyWeakError, match=rf"E403.*{path}:1 and {path}:2"):
            read_reviews(path, docs, labels=LABELS)


def test_bad_lines_and_changed_text(fitted, tmp_path):
    docs, recs = _export(fitted, k=1)
    path = tmp_path / "r.jsonl"
    path.write_text("{not json\n")
    with pytest.raises(SpacyWeakError, match=rf"E400.*{path}:1"):
        read_reviews(path, docs, labels=LABELS)
    recs[0]["text"] = recs[0]["text"] + " extra"
    srsly.write_jsonl(path, recs)
    with pytest.raises(SpacyWeakError, match=r"E401"):
        read_reviews(path, docs, labels=LABELS)
    with pytest.raises(SpacyWeakError, match=r"E405"):
        read_reviews(tmp_path / "missing.jsonl", docs, labels=LABELS)
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes(b'{"text": "ok"}\n\n{"text": "caf\xe9"}\n')  # was a raw UnicodeDecodeError
    with pytest.raises(SpacyWeakError, match=rf"E201.*{latin1} line 3"):
        read_reviews(latin1, docs, labels=LABELS)


def test_argilla_crowd_consensus_with_reliability(fitted, tmp_path):
    docs, recs = _export(fitted, fmt="argilla", k=6)
    by_id = {f"d{i}": d for i, d in enumerate(docs)}
    for r in recs:
        gold = _gold(by_id[r["id"]])
        r["responses"] = {"entities": [
            {"value": gold, "user_id": "good1"},
            {"value": gold, "user_id": "good2"},
            {"value": [dict(s, label="DIS" if s["label"] == "CHEM" else "CHEM") for s in gold], "user_id": "bad"},
        ]}
    path = tmp_path / "a.jsonl"
    srsly.write_jsonl(path, recs)
    result = read_reviews(path, docs, labels=LABELS)
    assert result.annotators == ["bad", "good1", "good2"]
    apply_reviews(docs, result, labels=LABELS)
    for r in recs:
        doc = by_id[r["id"]]
        assert {"human_good1", "human_good2", "human_bad"} <= set(doc.spans)
        assert sorted((s.start, s.end, s.label_) for s in doc.spans["human"] if s.label_ != "O") == sorted(
            (e.start, e.end, e.label_) for e in doc.ents)
    rel = result.reliability
    good = rel["good1"]["per_label"]["CHEM"]["precision"]
    bad = rel["bad"]["per_label"]["CHEM"]["precision"]
    assert good > 0.9 and (bad is None or bad < 0.5)


def _design_export(fitted, k=6, share=0.5):
    from spacy_weak.review.export import design_items

    _nlp, hmm, docs = fitted
    docs = [d.copy() for d in docs]
    ev = collect_evidence(docs, hmm)
    items = rank_documents(docs, ev, sources=hmm.sources_, labels=hmm.labels_)
    picked = design_items(items, len(docs), k, random_share=share, seed=1)
    return docs, export_records(docs, picked, fmt="prodigy")


def test_design_meta_travels_from_export_to_the_dev_set(fitted, tmp_path):
    from spacy_weak.review.importer import review_weights

    docs, recs = _design_export(fitted)
    assert [r["meta"]["stratum"] for r in recs] == ["ranked"] * 3 + ["random"] * 3
    by_id = {f"d{i}": d for i, d in enumerate(docs)}
    for r in recs:
        r["spans"] = _gold(by_id[r["meta"]["doc_id"]])
    path = tmp_path / "r.jsonl"
    srsly.write_jsonl(path, recs)
    result = read_reviews(path, docs, labels=LABELS)
    dev = apply_reviews(docs, result, labels=LABELS)
    assert result.summary()["strata"] == {"ranked": 3, "random": 3}
    weights = sorted(review_weights(dev))
    assert weights[:3] == [1.0] * 3 and weights[3] == pytest.approx((40 - 3) / 3)
    assert all("stratum" in d.spans["gold"].attrs for d in dev)
    assert all(docs[i].spans["human"].attrs["stratum"] in ("ranked", "random") for i in result.reviewed)


@pytest.mark.parametrize("bad", [0, -0.5, "NaN", "x"])
def test_zero_or_non_finite_inclusion_probability_names_the_document(fitted, tmp_path, bad):
    docs, recs = _design_export(fitted, k=2)
    recs[1]["meta"]["inclusion_prob"] = bad
    path = tmp_path / "r.jsonl"
    srsly.write_jsonl(path, recs)
    with pytest.raises(SpacyWeakError, match=rf"E412.*{recs[1]['meta']['doc_id']}"):
        read_reviews(path, docs, labels=LABELS)


def test_two_rounds_keep_every_review_and_report_disagreements(fitted, tmp_path):
    docs, recs = _export(fitted, k=4)
    by_id = {f"d{i}": d for i, d in enumerate(docs)}
    for r in recs:
        r["spans"] = _gold(by_id[r["meta"]["doc_id"]])
    first, second = recs[:3], [dict(r) for r in recs[1:4]]
    changed = second[0]["meta"]["doc_id"]
    second[0]["spans"] = []  # round 2 says doc has no entity (round 1 gave the gold entities)
    assert _gold(by_id[changed])
    srsly.write_jsonl(tmp_path / "r1.jsonl", first)
    srsly.write_jsonl(tmp_path / "r2.jsonl", second)
    apply_reviews(docs, read_reviews(tmp_path / "r1.jsonl", docs, labels=LABELS), labels=LABELS)
    result = read_reviews(tmp_path / "r2.jsonl", docs, labels=LABELS)
    with pytest.warns(UserWarning, match=rf"W409.*1 reviewed document.*{changed}"):
        dev = apply_reviews(docs, result, labels=LABELS)
    assert len(dev) == 4  # round 1's doc reviewed only then is kept in the dev set
    only_first = first[0]["meta"]["doc_id"]
    kept = next(d for d in dev if d.user_data["doc_id"] == only_first)
    assert kept.spans["gold"].attrs["round"] == "earlier"
    assert [(e.start, e.end, e.label_) for e in kept.ents] == [(e.start, e.end, e.label_) for e in by_id[only_first].ents]
    redone = next(d for d in dev if d.user_data["doc_id"] == changed)
    assert not list(redone.ents)  # the later round wins ...
    history = by_id[changed].spans["human"].attrs["previous_rounds"]
    assert len(history) == 1 and len(history[0]) == len(_gold(by_id[changed]))  # ... the earlier one is kept
    assert result.summary()["round_conflicts"] == 1
