"""Every source's spans of a recipe on a PubTator corpus, dumped and compared between two checkouts.

    PYTHONPATH=/path/to/main   python bench/compare_sources.py dump OUT_MAIN.json   --corpus DIR --lexicon drugbank=PATH ...
    PYTHONPATH=/path/to/branch python bench/compare_sources.py dump OUT_BRANCH.json --corpus DIR --lexicon drugbank=PATH ...
    python bench/compare_sources.py compare OUT_MAIN.json OUT_BRANCH.json [--json REPORT.json]

``dump`` runs the recipe (``--config``, default ``configs/bc5cdr.cfg``; ``--lexicon NAME=PATH`` for its
``[paths]``) without its aggregators on every document of the corpus's PubTator files and writes, per
source, per document, its spans as ``[start, end, label, kb_id]`` in the group's order (plus the group's
attrs), and the checkout it ran (``spacy_weak.__file__``). ``compare`` reports, per source, the documents
whose spans differ (exit status 1 if any): the check that a speed change left every source's output
byte-identical.

``dump --aggregates`` also keeps the recipe's aggregators: each one with a ``fit`` is fitted on all the
annotated documents, then all are applied, and their groups (spans, ``attrs["probs"]``) are dumped too.
``compare`` then says, per aggregate group, whether it is byte-identical, or identical spans with
probabilities within ``--tol`` (default 1e-9), or different.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def read_texts(corpus: Path, limit: int = 0):
    sys.path.insert(0, str(HERE))
    from speed import bc5cdr_files, read_pubtator_texts  # dependency-free reader: same texts for both checkouts

    texts = []
    for path in bc5cdr_files(corpus):
        texts.extend(read_pubtator_texts(path)[0])
    return texts[:limit] if limit else texts


def dump(args) -> int:
    import logging
    import warnings

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import spacy
    import spacy_weak

    overrides = {}
    for item in args.lexicon:
        name, _, path = item.partition("=")
        overrides[f"paths.{name}"] = path
    config = spacy.util.load_config(args.config, overrides=overrides, interpolate=False)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    aggregators = [n for n, c in nlp.pipeline if type(c).__name__.endswith("Aggregator")]
    removed = [(name, nlp.remove_pipe(name)[1]) for name in aggregators]
    nlp.initialize()
    texts = read_texts(args.corpus, args.limit)
    out = {"spacy_weak": str(Path(spacy_weak.__file__).resolve().parent), "docs": len(texts), "groups": {}}
    docs = nlp.pipe(texts, batch_size=args.batch_size)
    if args.aggregates:
        docs = list(docs)
        for _, component in removed:
            if hasattr(component, "fit"):
                component.fit(docs)
        for _, component in removed:
            docs = list(component.pipe(docs))
    for i, doc in enumerate(docs):
        for key in doc.spans:
            group = doc.spans[key]
            out["groups"].setdefault(key, {})[str(i)] = {
                "spans": [[s.start, s.end, s.label_, s.kb_id_] for s in group],
                "attrs": json.loads(json.dumps(dict(group.attrs), default=str)),
            }
    Path(args.out).write_text(json.dumps(out), encoding="utf8")
    print(f"{len(texts)} docs, {len(out['groups'])} span groups, "
          f"{sum(len(g['spans']) for v in out['groups'].values() for g in v.values())} spans -> {args.out}")
    return 0


def compare(args) -> int:
    a = json.loads(Path(args.a).read_text("utf8"))
    b = json.loads(Path(args.b).read_text("utf8"))
    report = {"a": a["spacy_weak"], "b": b["spacy_weak"], "docs": [a["docs"], b["docs"]], "groups": {}}
    differ = a["docs"] != b["docs"] or set(a["groups"]) != set(b["groups"])
    for key in sorted(set(a["groups"]) | set(b["groups"])):
        ga, gb = a["groups"].get(key), b["groups"].get(key)
        if ga is None or gb is None:
            report["groups"][key] = {"missing_in": "a" if ga is None else "b"}
            continue
        bad = sorted((i for i in set(ga) | set(gb) if ga.get(i) != gb.get(i)), key=int)
        n_spans = sum(len(g["spans"]) for g in ga.values())
        entry = report["groups"][key] = {"spans": n_spans, "docs_differing": len(bad), "first": bad[:5]}
        verdict = "identical" if not bad else f"{len(bad)} docs differ, e.g. {bad[:5]}"
        if bad and _aggregate(ga) and _aggregate(gb):
            # an aggregate group: same spans, probabilities within tol?
            close, diff = _close(ga, gb, bad, args.tol)
            entry["max_prob_diff"] = diff
            if close:
                entry["within_tol"] = args.tol
                verdict = f"identical spans, probabilities within {args.tol:g} (max diff {diff:.2e}) in {len(bad)} docs"
                bad = []
        differ = differ or bool(bad)
        print(f"{key:20s} {n_spans:8d} spans  {verdict}")
    report["identical"] = not differ
    print("IDENTICAL" if not differ else "DIFFERENT")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf8")
    return 1 if differ else 0


def _aggregate(groups) -> bool:
    return any("probs" in g.get("attrs", {}) for g in groups.values())


def _close(ga, gb, docs, tol: float):
    """Whether the aggregate groups of ``docs`` have the same spans and sources, and
    probabilities within ``tol``; and the largest probability difference."""
    worst = 0.0
    for i in docs:
        a, b = ga.get(i), gb.get(i)
        if a is None or b is None or a["spans"] != b["spans"]:
            return False, float("inf")
        attrs_a, attrs_b = dict(a["attrs"]), dict(b["attrs"])
        pa, pb = attrs_a.pop("probs", []), attrs_b.pop("probs", [])
        if attrs_a != attrs_b or len(pa) != len(pb):
            return False, float("inf")
        worst = max([worst] + [abs(x - y) for x, y in zip(pa, pb)])
    return worst <= tol, worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out")
    d.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "data" / "bc5cdr")
    d.add_argument("--config", type=Path, default=ROOT / "configs" / "bc5cdr.cfg")
    d.add_argument("--lexicon", action="append", default=[], metavar="NAME=PATH")
    d.add_argument("--limit", type=int, default=0)
    d.add_argument("--batch-size", type=int, default=1000)
    d.add_argument("--aggregates", action="store_true", help="also fit and apply the recipe's aggregators")
    c = sub.add_parser("compare")
    c.add_argument("a")
    c.add_argument("b")
    c.add_argument("--json")
    c.add_argument("--tol", type=float, default=1e-9, help="aggregate probabilities within this are the same")
    args = ap.parse_args(argv)
    return dump(args) if args.cmd == "dump" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
