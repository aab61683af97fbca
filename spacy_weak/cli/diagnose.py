# ruff: noqa: B008 - typer declares options as argument defaults
"""``spacy-weak diagnose breakdown|terms``: the diagnostics of one key, and exports to act on them."""
from pathlib import Path

import typer

from ._app import GuardedTyper, app

diagnose_app = GuardedTyper(
    name="diagnose",
    help="Diagnostics of one source or aggregate against gold: error breakdown and boundary words, per-term and "
    "per-concept precision with stop-term / filtered-lexicon export.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(diagnose_app, name="diagnose")

GOLD_HELP = "Gold DocBin aligned with the input by order (gold in doc.ents or --gold-key)."
GOLD_KEY_HELP = "Span key holding gold ('ents' = doc.ents). Default: the group the corpus reader marked as gold."


def _load(paths, gold, gold_key):
    from ..evaluation.data import read_docbins

    docs = list(read_docbins(paths))
    gold_docs = list(read_docbins(gold)) if gold is not None else None
    return docs, gold_docs, gold_key


def _gold_key(docs, gold_docs, gold_key):
    """The gold key: given, else 'ents' of separate gold docs, else the group marked gold."""
    if gold_key is not None or gold_docs is not None:
        return gold_key
    from ..evaluation.data import ATTR_GOLD

    for doc in docs:
        for key, group in doc.spans.items():
            if group.attrs.get(ATTR_GOLD) is True:
                return key
    return None


@diagnose_app.command("breakdown", outputs={"json_path": "file", "missed_lexicon": "file"})
def breakdown_cli(
    docbin_paths: list[Path] = typer.Argument(..., help="Annotated (and aggregated) DocBin files or shard directories."),
    key: str = typer.Option(..., "--key", "-k", help="Source or aggregate span key ('ents' = doc.ents)."),
    gold: Path | None = typer.Option(None, "--gold", help=GOLD_HELP),
    gold_key: str | None = typer.Option(None, "--gold-key", help=GOLD_KEY_HELP),
    n: int = typer.Option(10, "--examples", help="Strings shown per class and boundary words per side."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the breakdown and boundary words as JSON."),
    kwic: int = typer.Option(0, "--kwic", help="Show this many contexts (keyword in context) of each frequent error string."),
    missed_lexicon: Path | None = typer.Option(None, "--missed-lexicon", help="Write the gold mentions no source voted on as a TSV lexicon (term, label)."),
    missed_min_count: int = typer.Option(1, "--missed-min-count", help="... those missed at least this many times."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --json file that is not JSON (and an existing --missed-lexicon)."),
) -> None:
    """Error breakdown of one key (exact / too long / too short / shifted / wrong label / spurious; missed
    with or without a vote) with the most frequent strings, and its boundary words per label."""
    from wasabi import msg

    from ..evaluation.boundary_words import boundary_words
    from ..evaluation.breakdown import (
        GOLD_CLASSES,
        PRED_CLASSES,
        breakdown_data,
        classify_key,
        collect_for_key,
    )
    from ..io import write_json_atomic

    docs, gold_docs, gold_key = _load(docbin_paths, gold, gold_key)
    gk = _gold_key(docs, gold_docs, gold_key)
    data = collect_for_key(docs, key, gold_docs=gold_docs, gold_key=gk)
    classified = classify_key(data, key)
    out = breakdown_data(data, key, n_examples=n, classified=classified)
    words = boundary_words(data, key, n=n, classified=classified)
    for side, classes in (("pred", PRED_CLASSES), ("gold", GOLD_CLASSES)):
        total = out[side]["total"]
        msg.divider(f"{key}: {'predicted spans' if side == 'pred' else 'gold mentions'} ({total['n']})")
        rows = []
        for cls in classes:
            ex = "; ".join(
                (f"{r['text']} → {r.get('gold', r.get('pred'))}" if r.get("gold", r.get("pred")) not in (None, r["text"])
                 else r["text"]) + f" ×{r['count']}"
                for r in out[side]["examples"][cls][:5]
            )
            rows.append([cls, total[cls], ex[:110]])
        msg.table(rows, header=["class", "count", "most frequent"], divider=True)
        if side == "pred":
            typer.echo(f"nested matches (too short, the whole mention also marked): {total['nested']}; "
                       f"boundary errors without them: {total['boundary_real']}")
    if kwic > 0:
        from ..evaluation.kwic import keyword_in_context

        contexts = keyword_in_context(data, classified, n_contexts=kwic)
        msg.divider(f"{key}: keyword in context")
        for cls_name, rows_ in contexts.items():
            for r in rows_:
                typer.echo(f"{cls_name:<15} {r['text']} ×{r['count']}")
                for ctx in r["contexts"]:
                    typer.echo(f"{'':<17}{ctx}")
        out["kwic"] = contexts
    msg.divider(f"{key}: boundary words (word ×one-word fixes, breaks)")
    rows = []
    for label, sides in sorted(words["per_label"].items()):
        for side, ws in sides.items():
            cell = "; ".join(f"{w['word']} ×{w['one_word']} (breaks {w['breaks']})" for w in ws if w["net"] > 0)
            if cell:
                rows.append([label, side, cell[:110]])
    msg.table(rows or [["-", "-", "no word with a positive net"]], header=["label", "side", "words"], divider=True)
    if missed_lexicon is not None:
        from ..evaluation.kwic import missed_lexicon_rows, write_missed_lexicon

        n_rows = write_missed_lexicon(missed_lexicon, missed_lexicon_rows(data, classified), min_count=missed_min_count)
        typer.echo(f"Wrote {n_rows} missed strings (no source voted) to {missed_lexicon}")
    if json_path is not None:
        write_json_atomic(json_path, {"breakdown": out, "boundary_words": words})
        typer.echo(f"Wrote {json_path}")


@diagnose_app.command("terms", outputs={"stop_terms": "file", "lexicon_out": "file", "json_path": "file"})
def terms_cli(
    docbin_paths: list[Path] = typer.Argument(..., help="Annotated DocBin files or shard directories."),
    key: str = typer.Option(..., "--key", "-k", help="The gazetteer's (or any source's) span key."),
    gold: Path | None = typer.Option(None, "--gold", help=GOLD_HELP),
    gold_key: str | None = typer.Option(None, "--gold-key", help=GOLD_KEY_HELP),
    sort: str = typer.Option("wrong", "--sort", help="wrong, matches (most first), precision, hit_rate (lowest first), term."),
    n: int = typer.Option(25, "--top", help="Rows printed."),
    concepts: bool = typer.Option(False, "--concepts", help="Print per-concept (kb_id) rows instead of per-term rows."),
    min_matches: int = typer.Option(2, "--min-matches", help="A bad term has at least this many matches ..."),
    max_hit_rate: float = typer.Option(0.2, "--max-hit-rate", help="... and at most this share on a mention of its label."),
    stop_terms: Path | None = typer.Option(None, "--stop-terms", help="Write the bad terms here, one per line."),
    lexicon_in: Path | None = typer.Option(None, "--filter-lexicon", help="A TSV/JSONL lexicon to copy without the bad terms ..."),
    lexicon_out: Path | None = typer.Option(None, "--output-lexicon", help="... to this file."),
    json_path: Path | None = typer.Option(None, "--json", help="Write every term and concept row as JSON."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing --stop-terms / --output-lexicon / --json files."),
) -> None:
    """Per-term and per-concept precision of a source on gold; export the bad terms as a stop-term
    list (gazetteer `stop_terms`, `lexicon compile --stop-terms`) or as a filtered lexicon."""
    from wasabi import msg

    from ..errors import Errors, SpacyWeakError
    from ..evaluation.term_precision import (
        filter_lexicon,
        sort_rows,
        term_precision,
        worst_terms,
        write_stop_terms,
    )
    from ..io import write_json_atomic

    if (lexicon_in is None) != (lexicon_out is None):
        raise SpacyWeakError(Errors.E606)
    docs, gold_docs, gold_key = _load(docbin_paths, gold, gold_key)
    out = term_precision(docs, key, gold_key=_gold_key(docs, gold_docs, gold_key), gold_docs=gold_docs)
    rows = sort_rows(out["concepts"] if concepts else out["terms"], sort)
    bad = worst_terms(out["terms"], min_matches=min_matches, max_hit_rate=max_hit_rate)
    name = "concept" if concepts else "term"
    table = [
        [r[name], r.get("label", ", ".join(r.get("terms", [])[:3])), r["matches"], r["exact"], r["boundary"],
         r["wrong"], r["precision"], r["hit_rate"]]
        for r in rows[:n]
    ]
    msg.divider(f"{key}: {len(out['terms'])} terms, {len(out.get('concepts', []))} concepts on {out['docs']} gold docs")
    msg.table(
        [[c if not isinstance(c, float) else f"{c:.2f}" for c in row] for row in table],
        header=[name, "label" if not concepts else "terms", "matches", "exact", "boundary", "wrong", "precision", "hit rate"],
        divider=True,
    )
    typer.echo(f"Bad terms (matches >= {min_matches}, hit rate <= {max_hit_rate}): {len(bad)}, "
               f"{sum(r['wrong'] for r in bad)} wrong matches, {sum(r['exact'] for r in bad)} exact ones lost")
    if stop_terms is not None:
        typer.echo(f"Wrote {write_stop_terms(stop_terms, bad)} stop terms to {stop_terms}")
    if lexicon_in is not None:
        counts = filter_lexicon(lexicon_in, lexicon_out, [r["term"] for r in bad])
        typer.echo(f"Wrote {lexicon_out}: {counts['kept']} of {counts['read']} records ({counts['dropped']} dropped)")
    if json_path is not None:
        write_json_atomic(json_path, out)
        typer.echo(f"Wrote {json_path}")
