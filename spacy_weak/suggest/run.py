"""One ``suggest`` round: checks, reviewed documents, cross-validated selection, and with
``apply`` the new recipe, the re-annotation of what changed, the refitted label model and the
before/after scores. ``spacy-weak suggest`` (``cli/suggest.py``) only parses and prints."""
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from spacy.tokens import Doc

from ..errors import Errors, SpacyWeakError
from .changes import KINDS
from .recipe import changelog, changelog_path, lexicon_var, new_config, planned_files, write_files
from .workspace import TERMS_SOURCE, Gold, Workspace, f1

logger = logging.getLogger(__name__)


def gold_of(doc: Doc, gold_key: str | None, labels: Sequence[str]) -> list[tuple[int, int, int, int, str]] | None:
    """Gold spans ``(start, end, start_char, end_char, label)`` of ``doc``: the group ``gold_key``,
    else the group marked gold (``set_gold``), else None."""
    from ..evaluation.data import ATTR_GOLD

    key = gold_key
    if key is None:
        key = next((k for k, g in doc.spans.items() if g.attrs.get(ATTR_GOLD) is True), None)
    if key == "ents":
        spans = list(doc.ents)
    elif key is not None and key in doc.spans:
        spans = list(doc.spans[key])
    else:
        return None
    return [(s.start, s.end, s.start_char, s.end_char, s.label_) for s in spans if s.label_ in labels]


def reviewed_gold(docs: Sequence[Doc], reviewed: Sequence[Doc] | None, gold_key: str | None,
                  labels: Sequence[str]) -> dict[int, Gold]:
    """Document index -> gold spans of the reviewed documents (``[E611]``, ``[E612]``, ``[E618]``)."""
    out: dict[int, Gold] = {}
    if reviewed is not None:
        by_text = {}
        for i, d in enumerate(docs):
            by_text.setdefault(d.text, i)
        unknown = []
        for r in reviewed:
            spans = gold_of(r, gold_key, labels)
            i = by_text.get(r.text)
            if i is None:
                unknown.append(r.text[:60])
                continue
            doc = docs[i]
            gold = set()
            for _s, _e, a, b, lab in spans or []:
                sp = doc.char_span(a, b, alignment_mode="expand")
                if sp is not None:
                    gold.add((sp.start, sp.end, lab))
            out[i] = gold
        if unknown:
            raise SpacyWeakError(Errors.E618.format(n=len(unknown), example=unknown[0]))
    elif gold_key is not None:
        for i, d in enumerate(docs):
            spans = gold_of(d, gold_key, labels) if (gold_key == "ents" or gold_key in d.spans) else None
            if spans is not None:
                out[i] = {(s, e, lab) for s, e, _a, _b, lab in spans}
    if not out:
        raise SpacyWeakError(Errors.E611.format(where=" in the reviewed set" if reviewed is not None else f" (no document has the span key {gold_key!r})"))
    if not any(out.values()):
        raise SpacyWeakError(Errors.E612.format(n=len(out), labels=list(labels)))
    return out


def _recipe(recipe: Path):
    from spacy.util import load_config

    raw = load_config(recipe, interpolate=False)
    interp = load_config(recipe, interpolate=True)
    comps = interp["components"]
    hmm = next((n for n in raw["nlp"]["pipeline"] if comps.get(n, {}).get("factory") == "weak_hmm"), None)
    if hmm is None:
        raise SpacyWeakError(Errors.E616.format(path=recipe, pipes=", ".join(raw["nlp"]["pipeline"])))
    gazetteers = [n for n in raw["nlp"]["pipeline"] if comps.get(n, {}).get("factory") == "weak_gazetteer"]
    return raw, dict(comps[hmm]), hmm, gazetteers


def check_inputs(docs: Sequence[Doc], hmm_cfg: dict, hmm: str) -> None:
    present = set()
    for d in docs:
        present.update(d.spans.keys())
    missing = [s for s in hmm_cfg["sources"] if s not in present]
    if missing:
        raise SpacyWeakError(Errors.E614.format(missing=", ".join(missing), hmm=hmm, n=len(docs),
                                                found=", ".join(sorted(present)[:12]) or "none"))


def output_paths(output: Path, gazetteers: Sequence[str]) -> dict[str, Any]:
    all_changes = [{"kind": "stop_terms", "target": g} for g in gazetteers] + [{"kind": "new_terms", "target": ""}]
    return {
        "files": planned_files(output, all_changes, gazetteers),
        "after": output.with_name(f"{output.stem}.after.spacy"),
        "model": output.with_name(f"{output.stem}.hmm"),
    }


def suggest(
    docbins: Sequence[Path],
    recipe: Path,
    *,
    reviewed: Sequence[Path] | None = None,
    gold_key: str | None = None,
    eval_paths: Sequence[Path] = (),
    lexicons: dict[str, str] | None = None,
    output: Path | None = None,
    apply: bool = False,
    k: int = 5,
    seed: int = 0,
    kinds: Sequence[str] = KINDS,
    overwrite: bool = False,
    confidence: float = 0.8,
    command: str = "spacy-weak suggest",
    docs: Sequence[Doc] | None = None,
    reviewed_docs: Sequence[Doc] | None = None,
    eval_docs: Sequence[Doc] | None = None,
) -> dict[str, Any]:
    """Everything of one round; ``docs`` / ``reviewed_docs`` / ``eval_docs`` given directly skip
    reading the paths (benchmarks). Every check runs before any work; nothing existing is
    overwritten without ``overwrite``, the recipe and the inputs never."""
    from ..corpora.output_dir import check_output_file
    from ..corpora.save import check_outputs
    from ..evaluation.data import read_docbins

    t0 = time.perf_counter()
    lexicons = dict(lexicons or {})
    recipe = Path(recipe)
    raw, hmm_cfg, hmm, gazetteers = _recipe(recipe)
    outs = None
    if apply:
        output = Path(output) if output is not None else recipe.with_name(f"{recipe.stem}.suggested{recipe.suffix}")
        if output.resolve() == recipe.resolve():
            raise SpacyWeakError(Errors.E615.format(output=output, input=recipe))
        outs = output_paths(output, gazetteers)
        inputs = [recipe, *docbins, *(reviewed or []), *eval_paths, *lexicons.values()]
        for path in [*outs["files"], outs["after"]]:
            check_output_file(path, inputs)
        check_outputs([*outs["files"], outs["after"], outs["model"]], overwrite=overwrite)
    labels = list(hmm_cfg["labels"])
    import spacy

    vocab = docs[0].vocab if docs else spacy.blank(raw["nlp"].get("lang") or "en").vocab
    docs = list(docs) if docs is not None else list(read_docbins(list(docbins), vocab=vocab))
    check_inputs(docs, hmm_cfg, hmm)
    if reviewed_docs is None and reviewed:
        reviewed_docs = list(read_docbins(list(reviewed), vocab=vocab))
    gold = reviewed_gold(docs, reviewed_docs if (reviewed_docs is not None or reviewed) else None, gold_key, labels)
    if eval_docs is None and eval_paths:
        eval_docs = list(read_docbins(list(eval_paths), vocab=vocab))
    eval_docs = list(eval_docs or [])
    if eval_docs:
        texts = {docs[i].text for i in gold}
        shared = [d.text for d in eval_docs if d.text in texts]
        if shared:
            raise SpacyWeakError(Errors.E613.format(n=len(shared), path=", ".join(map(str, eval_paths)) or "--eval",
                                                    example=shared[0][:60]))
    t_load = time.perf_counter() - t0
    from .select import suggest_changes

    ws = Workspace(docs, hmm_cfg["sources"], labels, gold)
    result = suggest_changes(ws, hmm_cfg, gazetteers=gazetteers, kinds=kinds, k=k, seed=seed, confidence=confidence)
    result["timings_s"] = {"load": t_load, "suggest": result["seconds"]}
    result["recipe"] = str(recipe)
    if apply and outs is not None:
        t1 = time.perf_counter()
        cfg, files = new_config(raw, result["changes"], output=output, gazetteers=gazetteers, lexicons=lexicons,
                                hmm_sources=hmm_cfg["sources"], term_texts=result.get("term_texts"))
        result["files"] = write_files(files)
        from ..io import write_text_atomic

        write_text_atomic(output, cfg.to_str())
        result["output"] = str(output)
        scores = reaggregate(raw, cfg, docs, eval_docs, lexicons, hmm, result, outs, gold_key, labels)
        result["scores"] = scores
        result["timings_s"]["apply"] = time.perf_counter() - t1
        write_text_atomic(changelog_path(output), changelog(result, recipe, output, command))
        result["changelog"] = str(changelog_path(output))
        result["after"] = str(outs["after"])
        result["model_dir"] = str(outs["model"])
    result["timings_s"]["total"] = time.perf_counter() - t0
    return result


def _changed(old, new, pipeline: Sequence[str]) -> list[str]:
    """Components to re-run: new or edited ones (a gazetteer whose lexicon path changed too),
    and every later non-aggregator that reads other sources."""
    out, dirty = [], False
    for name in pipeline:
        block = new["components"][name]
        if block.get("factory") in ("weak_vote", "weak_hmm"):
            continue
        changed = name not in old["components"] or dict(old["components"][name]) != dict(block)
        var = lexicon_var(new, name)
        if var is not None and old["paths"].get(var) != new["paths"].get(var):
            changed = True
        if changed or (dirty and "sources" in block):
            out.append(name)
            dirty = True
    return out


def reaggregate(old, cfg, docs, eval_docs, lexicons, hmm, result, outs, gold_key, labels) -> dict[str, dict]:
    """Run the changed components of the new recipe on the documents, refit its label model on
    them, write the documents and the model; score eval documents before and after."""
    from spacy.util import load_model_from_config

    from ..aggregation.observations import encode_docs
    from ..corpora.save import save_docs

    overrides = {f"paths.{k}": v for k, v in lexicons.items() if cfg["paths"].get(k) in (None, "", v) or k not in cfg["paths"]}
    from spacy.util import load_config_from_str

    config = load_config_from_str(cfg.to_str(), overrides=overrides, interpolate=False)
    pipeline = list(config["nlp"]["pipeline"])
    old = load_config_from_str(old.to_str(), overrides={f"paths.{k}": v for k, v in lexicons.items()}, interpolate=False)
    rerun = _changed(old, config, pipeline)
    disabled = [n for n in pipeline if n not in rerun]
    nlp = load_model_from_config(config, vocab=docs[0].vocab if docs else True, auto_fill=True, disable=disabled)
    nlp.initialize()
    aggregators = [n for n in pipeline if config["components"][n].get("factory") in ("weak_vote", "weak_hmm")]
    before_model = result["base_model"]
    before_eval = None
    if eval_docs:
        X, lengths, _ = encode_docs(eval_docs, before_model.sources, labels)
        idx = list(range(len(eval_docs)))
        before_eval = before_model.decode(X, before_model.sources, lengths, idx, labels)

    def run(ds):
        ds = [d.copy() for d in ds]  # the caller's documents stay as they were
        for name in rerun:
            ds = list(nlp.get_pipe(name).pipe(ds))
        return ds

    after_docs = run(docs)
    hmm_pipe = nlp.get_pipe(hmm)
    hmm_pipe.fit(after_docs)
    for name in aggregators:
        pipe = nlp.get_pipe(name)
        after_docs = list(pipe.pipe(after_docs))
    save_docs(outs["after"], after_docs)
    hmm_pipe.to_disk(outs["model"])
    result["rerun"] = rerun
    scores = {}
    key = hmm_pipe.cfg["spans_key"]
    if eval_docs:
        ev = run(eval_docs)
        for name in aggregators:
            ev = list(nlp.get_pipe(name).pipe(ev))
        counts_b, counts_a = [0, 0, 0], [0, 0, 0]
        for i, d in enumerate(ev):
            g = {(s, e, lab) for s, e, _a, _b, lab in (gold_of(d, gold_key, labels) or [])}
            for counts, pred in ((counts_b, before_eval[i]), (counts_a, {(s.start, s.end, s.label_) for s in d.spans[key] if s.label_ in labels})):
                inter = len(pred & g)
                counts[0] += inter
                counts[1] += len(pred) - inter
                counts[2] += len(g) - inter
        import numpy as np

        scores["eval"] = {"before": f1(np.array(counts_b)), "after": f1(np.array(counts_a)), "docs": len(ev)}
        result["eval_docs_after"] = ev
        result["eval_before"] = [before_eval[i] for i in range(len(ev))]
    return scores


__all__ = ["TERMS_SOURCE", "reviewed_gold", "suggest"]
