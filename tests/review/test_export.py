import pytest

from spacy_weak.review.evidence import collect_evidence
from spacy_weak.review.export import (
    argilla_record,
    export_records,
    input_hash,
    prodigy_record,
    rank_documents,
    task_hash,
)


def _items(fitted, ranking="combined"):
    _nlp, hmm, docs = fitted
    ev = collect_evidence(docs, hmm)
    return docs, ev, rank_documents(docs, ev, sources=hmm.sources_, labels=hmm.labels_, ranking=ranking)


def test_ranking_orders_by_score_with_reasons(fitted):
    docs, ev, items = _items(fitted)
    scores = [it.score for it in items]
    assert scores == sorted(scores, reverse=True)
    assert [it.rank for it in items] == list(range(1, len(docs) + 1))
    assert all(it.reason for it in items)
    top = items[0]
    assert top.score >= ev[top.index].expected_errors()
    conflict = _items(fitted, "conflict")[2]
    assert conflict[0].components["conflict"] == max(it.components["conflict"] for it in conflict)
    assert any(it.reason.startswith("conflict") for it in items) or all(it.components["conflict"] == 0 for it in items)


def test_prodigy_record_format_and_stable_hashes(fitted):
    docs, _, items = _items(fitted)
    rec = prodigy_record(docs[items[0].index], items[0])
    assert set(rec) >= {"text", "tokens", "spans", "meta", "_input_hash", "_task_hash"}
    doc = docs[items[0].index]
    assert len(rec["tokens"]) == len(doc)
    for s in rec["spans"]:
        span = doc.char_span(s["start"], s["end"])
        assert span.start == s["token_start"] and span.end - 1 == s["token_end"]  # token_end inclusive
    assert rec["meta"]["reason"] == items[0].reason and rec["meta"]["doc_id"] == items[0].doc_id
    again = prodigy_record(doc, items[0])
    assert again["_input_hash"] == rec["_input_hash"] == input_hash(doc.text)
    assert again["_task_hash"] == rec["_task_hash"]
    assert task_hash(doc.text, rec["spans"][:-1]) != rec["_task_hash"] or not rec["spans"]
    assert -(2**31) <= rec["_input_hash"] < 2**31


def test_argilla_records_validate_with_the_sdk(fitted):
    rg = pytest.importorskip("argilla", reason="the argilla SDK is not installed")
    docs, _, items = _items(fitted)
    records = export_records(docs, items[:5], fmt="argilla")
    for rec in records:
        parsed = rg.Record.from_dict(rec)
        assert parsed.fields["text"] == docs[int(rec["id"][1:])].text
        if rec["suggestions"]:
            sug = parsed.suggestions["entities"]
            assert sug.value == rec["suggestions"]["entities"]["value"]
            assert len(sug.score) == len(sug.value)
            assert sug.agent.startswith("spacy-weak")
    assert argilla_record(docs[0], items[0])["metadata"]["rank"] == items[0].rank
