from spacy_weak.suggest.changes import Candidate, ReviewStats
from spacy_weak.suggest.select import make_folds, suggest_changes
from spacy_weak.suggest.workspace import Workspace

from .conftest import HMM_CFG


def _ws(docs, n=30):
    gold = {i: {(s.start, s.end, s.label_) for s in docs[i].spans["gold"]} for i in range(n)}
    return Workspace(docs, HMM_CFG["sources"], HMM_CFG["labels"], gold)


def test_folds_partition_the_reviewed_docs():
    folds = make_folds(range(23), 5, seed=1)
    assert sorted(d for f in folds for d in f) == list(range(23)) and len(folds) == 5


def test_derivation_reads_only_the_docs_given(docs):
    ws = _ws(docs)
    stats = ReviewStats(ws, {i: set() for i in ws.reviewed}, [])
    cand = Candidate("stop_terms", "src_a")
    assert cand.derive(stats, list(range(30))) == ("foo",)
    assert cand.derive(stats, [0]) == ()  # one match: below min_matches


def test_suggest_finds_the_junk_term(docs):
    ws = _ws(docs)
    out = suggest_changes(ws, HMM_CFG, kinds=("stop_terms", "boundary", "drop_source"), k=3)
    found = {(c["kind"], c["target"], tuple(c["items"])) for c in out["changes"]}
    assert ("stop_terms", "src_a", ("foo",)) in found
    assert all(c["cv_effect"] > 0 for c in out["changes"])  # no change lowers the CV F1 it reports
    assert out["cv_f1_after"] > out["cv_f1_before"]
    assert ("drop_source", "src_a", ("src_a",)) not in found
