"""The label-model-v2 figures of ``bench/quality.py`` (issue 12), kept out of its main loop.

* ``majority_vote_merged`` / ``hmm_unmerged``: both aggregators with and without the
  ``merge_adjacent`` post-processing, so the HMM and majority vote compare on equal terms;
* ``errors``: the HMM's error breakdown against gold (``spacy_weak.evaluation.breakdown``):
  ``boundary`` = boundary errors seen from the predictions plus seen from gold (a too-short
  prediction is one spurious *and* one missed span in strict F1, the count the issue uses);
* ``duplicate_source``: the HMM's F1 change when an exact copy of a source (a second span
  group with the same spans) is added to its sources, for every source named by
  ``--duplicate-sources`` (``all`` = every span-level source); the worst is reported, and for
  it a second copy too.
"""
import warnings
from typing import Callable, Dict, List, Sequence

from spacy.tokens import Doc

from spacy_weak.spans import set_source_spans

COPY_SUFFIX = "__copy"


def add_arguments(ap) -> None:
    ap.add_argument(
        "--duplicate-sources", default="",
        help="sources to copy one at a time (comma-separated, or 'all'): the HMM's F1 change is reported",
    )


def _predicted(results, docs: Sequence[Doc]) -> List[set]:
    return [set() if r is None else {tuple(t) for t in r[0]} for r in results]


def _with_cfg(pipe, key, value, fn: Callable):
    old = pipe.cfg[key]
    pipe.cfg[key] = value
    try:
        return fn()
    finally:
        pipe.cfg[key] = old


def merge_variants(vote, hmm, docs, gold, score, labels) -> Dict:
    """Majority vote with the merge and the HMM without it (each the other way round from
    its config, so both sides are reported with and without the merge)."""
    out = {}
    mv_merged = _with_cfg(vote, "merge_adjacent", True, lambda: vote.predict(docs))
    out["majority_vote_merged"] = score(zip(_predicted(mv_merged, docs), gold), labels)
    hmm_merge = not hmm.cfg["merge_adjacent"]
    hmm_other = _with_cfg(hmm, "merge_adjacent", hmm_merge, lambda: hmm.predict(docs))
    out["hmm_merged" if hmm_merge else "hmm_unmerged"] = score(zip(_predicted(hmm_other, docs), gold), labels)
    return out


def error_counts(docs: Sequence[Doc], key: str, sources: Sequence[str]) -> Dict:
    from spacy_weak.evaluation.breakdown import error_breakdown

    b = error_breakdown(docs, key, gold_key="gold", source_keys=list(sources), n_examples=0)
    p, g = b["pred"]["total"], b["gold"]["total"]
    bp = p["too_long"] + p["too_short"] + p["shifted"]
    bg = g["too_long"] + g["too_short"] + g["shifted"]
    return {
        "boundary": bp + bg,
        "boundary_pred": bp, "boundary_gold": bg,
        "pred_too_long": p["too_long"], "pred_too_short": p["too_short"], "pred_shifted": p["shifted"],
        "spurious": p["spurious"],
        "missed_no_vote": g["missed_no_vote"], "missed_voted": g["missed_voted"],
        "wrong_label_pred": p["wrong_label"], "wrong_label_gold": g["wrong_label"],
        "exact": p["exact"],
    }


def _copy_groups(docs: Sequence[Doc], source: str, n: int) -> List[str]:
    names = [f"{source}{COPY_SUFFIX}{i}" for i in range(n)]
    for doc in docs:
        if source in doc.spans:
            for name in names:
                set_source_spans(doc, name, list(doc.spans[source]))
    return names


def _drop_groups(docs: Sequence[Doc], names: Sequence[str]) -> None:
    for doc in docs:
        for name in names:
            if name in doc.spans:
                del doc.spans[name]


def duplicate_source(hmm, fit_docs, eval_docs, gold, score, labels, candidates, base_f1) -> Dict:
    """The HMM refitted with an exact copy of each candidate source (one at a time)."""
    per_source = {}
    sources = list(hmm.cfg["sources"])

    def run(source, n):
        names = _copy_groups(list(fit_docs) + list(eval_docs), source, n)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _with_cfg(hmm, "sources", sources + names, lambda: hmm.fit(fit_docs))
                preds = hmm.predict(eval_docs)
            return score(zip(_predicted(preds, eval_docs), gold), labels)["f1"]
        finally:
            _drop_groups(list(fit_docs) + list(eval_docs), names)

    for source in candidates:
        per_source[source] = run(source, 1) - base_f1
    worst = max(per_source, key=lambda s: abs(per_source[s])) if per_source else None
    out = {"source": worst, "delta_f1": per_source.get(worst), "per_source": per_source,
           "dependencies": bool(hmm.cfg.get("dependencies"))}
    if worst is not None:
        out["two_copies_delta_f1"] = run(worst, 2) - base_f1
    hmm.fit(fit_docs)  # back to the model fitted without copies
    return out


def candidates_from(arg: str, sources: Sequence[str]) -> List[str]:
    if not arg:
        return []
    if arg == "all":
        return list(sources)
    names = [s.strip() for s in arg.split(",") if s.strip()]
    unknown = [s for s in names if s not in sources]
    if unknown:
        raise SystemExit(f"--duplicate-sources: {unknown} not among the sources {list(sources)}")
    return names


def print_rows(result: Dict, row: Callable) -> None:
    for key in ("majority_vote_merged", "hmm_unmerged", "hmm_merged"):
        if key in result:
            row(key, result[key])
    if "errors" in result:
        print("HMM errors:", result["errors"])
    if "duplicate_source" in result:
        d = result["duplicate_source"]
        print(f"duplicate source: worst {d['source']} delta F1 {d['delta_f1'] * 100:+.2f} "
              f"(two copies {d.get('two_copies_delta_f1', 0) * 100:+.2f}); per source (points):",
              {k: round(v * 100, 2) for k, v in d["per_source"].items()})
