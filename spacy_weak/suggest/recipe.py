"""Write the suggested changes as a new recipe next to the old one, with its files and a
Markdown changelog (each change, why, its cross-validated effect, how to undo it).

How each kind lands in the config:

``stop_terms`` / ``shape_filter`` of a gazetteer
    a filtered copy of its lexicon (``<output stem>.<component>.tsv``: the stop terms compared
    as the gazetteer normalises them, the records whose term has the shape dropped), named
    in ``[paths]``;
``stop_terms`` of another source
    a ``weak_span_filter`` component (``suggested_filter``) right after the last source it
    filters, removing that source's spans with those texts;
``boundary`` / ``coordination``
    a ``weak_boundary`` component per label (``suggested_boundary_<label>``, ``trim_negative
    = true``) before the aggregators, reading the label model's sources;
``new_terms``
    a ``weak_gazetteer`` (``suggested_terms``) over a new TSV lexicon (``<stem>.suggested_terms.tsv``);
``drop_source``
    the source left out of every aggregator's ``sources`` (it still runs).

New sources join every span aggregator's ``sources``.
"""
import copy
import json
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from thinc.api import Config

from ..errors import Errors, SpacyWeakError
from .workspace import TERMS_SOURCE, boundary_source

AGGREGATOR_FACTORIES = ("weak_vote", "weak_hmm")
FILTER_NAME = "suggested_filter"


def lexicon_var(config: Config, component: str) -> str | None:
    """The ``[paths]`` variable a gazetteer's lexicon path reads (``${paths.ctd}`` -> ``ctd``)."""
    try:
        raw = config["initialize"]["components"][component]["lexicon"]["path"]
    except (KeyError, TypeError):
        return None
    raw = str(raw)
    if raw.startswith("${paths.") and raw.endswith("}"):
        return raw[len("${paths."):-1]
    return None


def planned_files(output: Path, changes: Sequence[dict], gazetteers: Sequence[str]) -> list[Path]:
    """Every file ``write_recipe`` would write (checked before any work)."""
    out = [output, changelog_path(output)]
    for gaz in sorted({c["target"] for c in changes if c["kind"] in ("stop_terms", "shape_filter") and c["target"] in gazetteers}):
        out.append(output.with_name(f"{output.stem}.{gaz}.tsv"))
    if any(c["kind"] == "new_terms" for c in changes):
        out.append(output.with_name(f"{output.stem}.{TERMS_SOURCE}.tsv"))
    return out


def changelog_path(output: Path) -> Path:
    return output.with_name(f"{output.stem}.changes.md")


def new_config(
    config: Config,
    changes: Sequence[dict],
    *,
    output: Path,
    gazetteers: Sequence[str],
    lexicons: dict[str, str],
    hmm_sources: Sequence[str],
    term_texts: dict[str, str] | None = None,
) -> tuple[Config, dict[Path, Any]]:
    """The edited config and the files to write ``{path: rows or text}``."""
    cfg = Config(copy.deepcopy(dict(config)))
    comps = cfg["components"]
    pipeline = list(cfg["nlp"]["pipeline"])
    files: dict[Path, Any] = {}
    gaz_stop: dict[str, set] = defaultdict(set)
    gaz_shapes: dict[str, set] = defaultdict(set)
    span_stop: dict[str, set] = defaultdict(set)
    boundary: dict[str, dict[str, list]] = {}
    terms: list[tuple[str, str]] = []
    dropped: set[str] = set()
    undo: dict[str, str] = {}
    for c in changes:
        kind, target, items = c["kind"], c["target"], c["items"]
        if kind == "stop_terms":
            (gaz_stop if target in gazetteers else span_stop)[target].update(items)
        elif kind == "shape_filter":
            gaz_shapes[target].update(items)
        elif kind == "boundary":
            boundary.setdefault(target, {}).setdefault(c["detail"].split(":")[0], []).extend(items)
        elif kind == "coordination":
            boundary.setdefault(target, {}).setdefault("patterns", []).extend(items)
        elif kind == "new_terms":
            terms += [((term_texts or {}).get(t, t), target) for t in items]
        elif kind == "drop_source":
            dropped.add(target)
    # gazetteers: filtered lexicon copies
    for gaz in sorted(set(gaz_stop) | set(gaz_shapes)):
        var = lexicon_var(cfg, gaz)
        source = lexicons.get(var) if var else None
        if source is None and var is not None:
            source = cfg["paths"].get(var)
        if not source:
            raise SpacyWeakError(Errors.E617.format(name=gaz, where=f"[paths] {var}" if var else "its lexicon path", var=var or gaz))
        path = output.with_name(f"{output.stem}.{gaz}.tsv")
        files[path] = ("filter", str(source), sorted(gaz_stop[gaz]), sorted(gaz_shapes[gaz]))
        cfg["paths"][var] = str(path)
        undo[gaz] = f"--paths.{var} {source}"
    # other sources: one span filter after the last one it filters
    if span_stop:
        comps[FILTER_NAME] = {"factory": "weak_span_filter", "terms": {k: sorted(v) for k, v in sorted(span_stop.items())}}
        last = max(pipeline.index(s) for s in span_stop)
        pipeline.insert(last + 1, FILTER_NAME)
    aggregators = [n for n in pipeline if comps.get(n, {}).get("factory") in AGGREGATOR_FACTORIES]
    first_agg = min((pipeline.index(a) for a in aggregators), default=len(pipeline))
    new_sources = []
    insert = []
    if terms:
        path = output.with_name(f"{output.stem}.{TERMS_SOURCE}.tsv")
        files[path] = ("terms", sorted(set(terms)))
        comps[TERMS_SOURCE] = {"factory": "weak_gazetteer", "case_sensitive": False, "min_term_length": 1,
                               "fold_hyphens": True, "ambiguous": "keep_all"}
        cfg["paths"][TERMS_SOURCE] = str(path)
        cfg["initialize"].setdefault("components", {})[TERMS_SOURCE] = {
            "lexicon": {"@misc": "spacy_weak.lexicon.v1", "path": "${paths.%s}" % TERMS_SOURCE}}
        insert.append(TERMS_SOURCE)
        new_sources.append(TERMS_SOURCE)
    for label in sorted(boundary):
        rules = boundary[label]
        name = boundary_source(label)
        comps[name] = {
            "factory": "weak_boundary", "sources": list(hmm_sources) + new_sources[:1] if terms else list(hmm_sources),
            "labels": [label], "patterns": sorted(set(rules.get("patterns", []))), "trim_negative": True,
            **{side: sorted(set(rules.get(side, []))) for side in ("trim_left", "trim_right", "widen_left", "widen_right")},
        }
        insert.append(name)
        new_sources.append(name)
    pipeline[first_agg:first_agg] = insert
    for agg in aggregators:
        srcs = [s for s in comps[agg]["sources"] if s not in dropped]
        comps[agg]["sources"] = srcs + [s for s in new_sources if s not in srcs]
    cfg["nlp"]["pipeline"] = pipeline
    for c in changes:  # a spaCy config override that takes the change back out of the new recipe
        kind, target = c["kind"], c["target"]
        if kind in ("stop_terms", "shape_filter") and target in undo:
            c["undo"] = undo[target]
        elif kind == "stop_terms":
            rest = {k: sorted(v) for k, v in span_stop.items() if k != target}
            c["undo"] = f"--components.{FILTER_NAME}.terms '{json.dumps(rest)}'"
        elif kind == "boundary":
            side = c["detail"].split(":")[0]
            keep = sorted(set(boundary[target].get(side, [])) - set(c["items"]))
            c["undo"] = f"--components.{boundary_source(target)}.{side} '{json.dumps(keep)}'"
        elif kind == "coordination":
            keep = sorted(set(boundary[target].get("patterns", [])) - set(c["items"]))
            c["undo"] = f"--components.{boundary_source(target)}.patterns '{json.dumps(keep)}'"
    return cfg, files


def write_files(files: dict[Path, Any]) -> dict[str, dict]:
    """Write the lexicon files of :func:`new_config` (atomically); returns counts per file."""
    from ..evaluation.term_precision import filter_lexicon
    from ..io import write_text_atomic

    out = {}
    for path, spec in files.items():
        if spec[0] == "filter":
            _kind, source, stop, shapes = spec
            out[str(path)] = filter_lexicon(source, path, stop, shapes=shapes)
        else:
            rows = spec[1]
            write_text_atomic(path, "term\tlabel\n" + "".join(f"{t}\t{lab}\n" for t, lab in rows if "\t" not in t))
            out[str(path)] = {"kept": len(rows)}
    return out


def _undo(change: dict, old: Path, new: Path) -> str:
    kind, target = change["kind"], change["target"]
    if change.get("undo"):
        return f"`{change['undo']}` (spaCy override on any command reading `{new.name}`)"
    if kind in ("stop_terms", "shape_filter"):
        return (f"remove these items from `{FILTER_NAME}` (or point `[paths]` back at the original lexicon) in `{new.name}`"
                if kind == "stop_terms" else f"point `[paths]` of `{target}` back at the original lexicon in `{new.name}`")
    if kind in ("boundary", "coordination"):
        return f"remove these words/patterns from `[components.{boundary_source(target)}]` in `{new.name}`"
    if kind == "new_terms":
        return f"delete the `{target}` rows of `{new.stem}.{TERMS_SOURCE}.tsv`"
    return f"add `\"{target}\"` back to the aggregators' `sources` in `{new.name}`"


def changelog(result: dict[str, Any], old: Path, new: Path, command: str) -> str:
    """The Markdown changelog of an applied suggestion."""
    lines = [
        f"# Recipe changes: `{old.name}` → `{new.name}`",
        "",
        f"Made by `{command}`. {result['reviewed_docs']} reviewed documents, {result['folds']}-fold cross-validation "
        f"(each change derived on the other folds, scored on the held-out one); label model fitted, without labels, on "
        f"{result['docs']} documents.",
        "",
        f"Cross-validated strict F1 on the reviewed documents: **{100 * result['cv_f1_before']:.2f} → "
        f"{100 * result['cv_f1_after']:.2f}**. The old recipe is untouched: to undo everything, use `{old.name}` again.",
        "",
        "| # | change | items | why | CV effect (F1 points) | undo |",
        "|---|---|---|---|---|---|",
    ]
    for k, c in enumerate(result["changes"], 1):
        items = ", ".join(str(x) for x in c["items"][:30]) + (f" … (+{len(c['items']) - 30})" if len(c["items"]) > 30 else "")
        what = f"{c['kind']} `{c['target']}`" + (f" ({c['detail']})" if c["detail"] else "")
        lines.append(f"| {k} | {what} | {items.replace('|', '/')} | {c['why']} | {100 * c['cv_effect']:+.2f} | {_undo(c, old, new)} |")
    if not result["changes"]:
        lines.append("| - | no change improved the cross-validated F1 | | | | |")
    if result.get("proposed"):
        lines += ["", "## Proposed, not applied", "",
                  "Sources whose removal gained on the held-out folds with a refitted label model. Not applied: a drop "
                  "changes every document and a few reviewed documents do not show it reliably (on BC5CDR dev such drops "
                  "lowered F1). To apply one, remove the source from the aggregators' `sources`.", "",
                  "| change | CV effect (F1 points) | why |", "|---|---|---|"]
        for c in result["proposed"]:
            lines.append(f"| {c['kind']} `{c['target']}` | {100 * c['cv_effect']:+.2f} | {c['why']} |")
    if result.get("scores"):
        lines += ["", "## Before / after", "", "| documents | F1 before | F1 after |", "|---|---|---|"]
        for name, s in result["scores"].items():
            lines.append(f"| {name} | {100 * s['before']:.2f} | {100 * s['after']:.2f} |")
    lines.append("")
    return "\n".join(lines)


__all__ = ["changelog", "changelog_path", "lexicon_var", "new_config", "planned_files", "write_files"]
