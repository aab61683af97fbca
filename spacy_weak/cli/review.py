# ruff: noqa: B008  (typer declares options as argument defaults)
"""``spacy-weak review export|import``, ``spacy-weak audit`` and ``spacy-weak card``
(see docs/review.md)."""
from pathlib import Path

import typer

from ..runs.review import ensure_silver, load_hmm, read_reviewed_docs, require_key
from ._app import GuardedTyper, app

review_app = GuardedTyper(help="Export the documents most worth a person's review; import the reviews back.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")



def _labels(values: str | None) -> list[str]:
    return [x.strip() for x in (values or "").split(",") if x.strip()]


@review_app.command("export", outputs={"output": "file"})
def export_cli(
    docbins: list[Path] = typer.Argument(..., help="Annotated DocBins (source span groups; silver if already aggregated)."),
    pipeline: Path = typer.Option(..., "--pipeline", "-p", help="Pipeline directory with the fitted weak_hmm."),
    output: Path = typer.Option(..., "--output", "-o", help="JSONL file to write."),
    fmt: str = typer.Option("prodigy", "--format", "-f", help="prodigy or argilla"),
    top: int = typer.Option(50, "--top", "-k", help="Number of documents to export."),
    ranking: str = typer.Option("combined", "--ranking", help="combined, uncertainty, conflict, audit or random"),
    oof_key: str | None = typer.Option(None, "--oof-key", help="Span key of out-of-fold model predictions (attrs['probs'])."),
    seed: int = typer.Option(0, "--seed"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing output file."),
    code: Path | None = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
    random_share: float = typer.Option(0.2, "--random-share", help="Share of --top drawn at random from the documents the ranking did not take (an unbiased sample for the settings and model selection; 0: the ranking's top only)."),
) -> None:
    """Write the K documents where a person's answer is worth most, with the reason per item.

    A --random-share of them is drawn at random from the rest; each record's meta carries its
    stratum and inclusion probability (docs/review.md, the review design)."""
    import srsly

    from ..errors import Errors, SpacyWeakError
    from ..io import atomic_path
    from ..review.audit import audit
    from ..review.evidence import collect_evidence
    from ..errors import Warnings, warn
    from ..review.export import (
        FORMATS,
        RANK_VOTE_WEIGHT,
        RANKINGS,
        design_items,
        export_records,
        rank_documents,
    )

    if fmt not in FORMATS:
        raise SpacyWeakError(Errors.E404.format(param="--format", options=", ".join(FORMATS), value=fmt))
    if ranking not in RANKINGS:
        raise SpacyWeakError(Errors.E404.format(param="--ranking", options=", ".join(RANKINGS), value=ranking))
    if top < 1:
        raise SpacyWeakError(Errors.E404.format(param="--top", options="an integer >= 1", value=top))
    nlp, hmm = load_hmm(pipeline, code=code)
    docs = read_reviewed_docs(docbins, "export", nlp.vocab)
    key = ensure_silver(docs, hmm)
    evidence = collect_evidence(docs, hmm, oof_key=oof_key)
    aud = None
    if ranking in ("combined", "audit"):
        aud = audit(docs, evidence, sources=hmm.sources_, labels=hmm.labels_, key=key, vote_weight=RANK_VOTE_WEIGHT)
    items = rank_documents(docs, evidence, sources=hmm.sources_, labels=hmm.labels_, ranking=ranking,
                           audit_doc_scores=aud.doc_scores if aud else None, seed=seed)
    items = design_items(items, len(docs), top, random_share=random_share, seed=seed,
                         where=", ".join(map(str, docbins)))
    if random_share == 0:
        warn(Warnings.W408.format(where=f"review export --random-share 0 ({output})"))
    records = export_records(docs, items, fmt=fmt, spans_key=key)
    with atomic_path(output) as tmp:
        srsly.write_jsonl(tmp, records)
    for it in items[:10]:
        typer.echo(f"{it.rank:4d}  {it.doc_id:>12s}  {it.score:8.2f}  {it.reason}")
    typer.echo(f"Wrote {len(records)} {fmt} records to {output}")


@review_app.command("import", outputs={"output": "file", "dev": "file", "json_path": "file"})
def import_cli(
    reviewed: list[Path] = typer.Argument(..., help="Reviewed JSONL files (Prodigy or Argilla), one or more annotators."),
    corpus: list[Path] = typer.Option(..., "--corpus", "-c", help="The DocBin(s) the export was made from."),
    output: Path = typer.Option(..., "--output", "-o", help="DocBin to write: the corpus with the human source."),
    dev: Path | None = typer.Option(None, "--dev", help="DocBin to write: the reviewed documents with the reviews as gold."),
    labels: str | None = typer.Option(None, "--labels", help="Entity labels, comma-separated (default: the pipeline's)."),
    pipeline: Path | None = typer.Option(None, "--pipeline", "-p", help="Pipeline with the fitted weak_hmm (for labels)."),
    key: str = typer.Option("human", "--key", help="Span key of the human source."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the import summary (and annotator reliability) as JSON."),
    overwrite: bool = typer.Option(False, "--overwrite"),
    code: Path | None = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
) -> None:
    """Read reviews back: a clamped human source in the corpus and a reviewed dev set.

    Refit with `weak_hmm` option clamp_sources = ["human"] so reviewed tokens are observed labels.
    """
    import srsly
    from spacy.tokens import DocBin

    from ..errors import Errors, SpacyWeakError
    from ..io import atomic_path, write_json_atomic
    from ..review.importer import apply_reviews, read_reviews

    vocab = None
    label_list = _labels(labels)
    if pipeline is not None:
        nlp, hmm = load_hmm(pipeline, code=code)
        vocab = nlp.vocab
        label_list = label_list or list(hmm.labels_)
    if not label_list:
        raise SpacyWeakError(Errors.E404.format(param="--labels", options="a comma-separated list (or --pipeline)", value=labels))
    docs = read_reviewed_docs(corpus, "import into", vocab)
    result = read_reviews(reviewed, docs, labels=label_list)
    dev_docs = apply_reviews(docs, result, key=key, labels=label_list)
    for path, items in [(output, docs)] + ([(dev, dev_docs)] if dev else []):
        db = DocBin(docs=items, store_user_data=True)
        with atomic_path(path) as tmp:
            db.to_disk(tmp)
    summary = result.summary()
    if json_path:
        write_json_atomic(json_path, summary)
    typer.echo(srsly.json_dumps(summary, indent=2))
    typer.echo(f"Wrote {output}" + (f" and {dev} ({len(dev_docs)} reviewed documents)" if dev else ""))


@review_app.command("refit", outputs={"output": "dir", "silver_output": "file", "json_path": "file"})
def refit_cli(
    pipeline: Path = typer.Argument(..., help="Pipeline directory with the fitted weak_hmm."),
    corpus: list[Path] = typer.Argument(..., help="The corpus with the human source (review import --output)."),
    reviewed_dev: Path | None = typer.Option(None, "--dev", help="The reviewed dev set (review import --dev): settings are chosen on it."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory of the refitted pipeline."),
    silver_output: Path | None = typer.Option(None, "--silver-output", help="DocBin of the corpus with the new silver."),
    key: str = typer.Option("human", "--key", help="Span key of the human source (clamped)."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the candidates' scores and the choice as JSON."),
    overwrite: bool = typer.Option(False, "--overwrite"),
    code: Path | None = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
    second_stage: bool = typer.Option(False, "--second-stage/--no-second-stage", help="Also try a second stage trained on the reviews (kept only when it wins on them, cross-fitted); its silver goes to --silver-output, its weights to OUTPUT/second_stage.json."),
) -> None:
    """Refit the label model with the reviews clamped, its settings chosen on the reviewed documents.

    Each candidate setting is scored on the reviewed dev set (design-weighted F1 of its silver,
    decoded without the reviews; cross-fitted when it learns from them); the current settings win
    ties. Without --dev (or reviews) the pipeline is refitted with its own settings.
    """
    from spacy.tokens import DocBin

    from ..corpora.saved_dir import check_saved_dir
    from ..io import atomic_path, write_json_atomic
    from ..pipeline_meta import stamp_meta
    from ..portable import save_pipeline
    from ..review.second_stage import STAGE_FILE, annotate_with_stage, save_stage, stage_with_reviews
    from ..review.tune import refit_with_reviews

    check_saved_dir(output, [pipeline, *corpus] + ([reviewed_dev] if reviewed_dev else []))
    nlp, hmm = load_hmm(pipeline, code=code)
    docs = read_reviewed_docs(corpus, "refit on", nlp.vocab)
    dev_docs = read_reviewed_docs([reviewed_dev], "choose settings on", nlp.vocab) if reviewed_dev else []
    choice = refit_with_reviews(hmm, docs, dev_docs, key=key, where=", ".join(map(str, corpus)))
    stage = stage_with_reviews(hmm, docs, dev_docs, key=key, where=", ".join(map(str, corpus))) if second_stage else None
    stamp_meta(nlp)
    save_pipeline(nlp, output)
    if stage is not None and stage.stage is not None:
        save_stage(stage.stage, output / STAGE_FILE)
    if silver_output is not None:
        out = annotate_with_stage(stage.stage, hmm, docs, key=key) if stage and stage.stage else list(hmm.pipe(docs))
        with atomic_path(silver_output) as tmp:
            DocBin(docs=out, store_user_data=True).to_disk(tmp)
    summary = {"reviewed_docs": len(dev_docs), **choice.summary(), "cfg": {k: hmm.cfg[k] for k in (
        "clamp_sources", "clamp_learn", "review_weight", "anchor_strength", "merge_adjacent")},
        "second_stage": stage.summary() if stage is not None else None}
    if json_path is not None:
        write_json_atomic(json_path, summary)
    for row in summary["candidates"]:
        typer.echo(f"  {row['overrides']!s:40s} weighted F1 {row['f1']:.4f}" + ("  (cross-fitted)" if row["cross_fitted"] else ""))
    if summary["second_stage"] and "f1_second_stage" in summary["second_stage"]:
        st = summary["second_stage"]
        typer.echo(f"  second stage (cross-fitted)               weighted F1 {st['f1_second_stage']:.4f} vs {st['f1_label_model']:.4f}: "
                   + ("kept" if st["second_stage"] else "not kept"))
    typer.echo(f"Chose {summary['chosen'] or 'the current settings'}; refitted pipeline: {output}"
               + (f"; silver: {silver_output}" if silver_output else ""))


@app.command("audit", outputs={"json_path": "file"})
def audit_cli(
    docbins: list[Path] = typer.Argument(..., help="Annotated DocBins (source span groups; silver and/or gold)."),
    pipeline: Path = typer.Option(..., "--pipeline", "-p", help="Pipeline directory with the fitted weak_hmm."),
    key: str = typer.Option("silver", "--key", help="Span group to audit: the silver key, 'gold' or 'ents'."),
    top: int = typer.Option(20, "--top", "-k", help="Spans to print."),
    oof_key: str | None = typer.Option(None, "--oof-key", help="Span key of out-of-fold model predictions (attrs['probs'])."),
    vote_weight: float | None = typer.Option(None, "--vote-weight", help="Weight of the sources' soft vote against the label-model posterior (default 1.0 for silver, 0.5 otherwise)."),
    no_cleanlab: bool = typer.Option(False, "--no-cleanlab", help="Score by self-confidence without cleanlab."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the ranked spans and the bias breakdown as JSON."),
    json_top: int = typer.Option(1000, "--json-top", help="Spans written to the JSON."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --json file that is not JSON."),
    code: Path | None = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
) -> None:
    """Rank the spans most likely to be wrong, with their evidence, and break errors down by label, source and document group."""
    from ..errors import Errors, SpacyWeakError
    from ..io import write_json_atomic
    from ..review.audit import audit
    from ..review.evidence import collect_evidence

    for param, value in (("--top", top), ("--json-top", json_top)):
        if value < 0:
            raise SpacyWeakError(Errors.E404.format(param=param, options="an integer >= 0", value=value))
    if vote_weight is not None and not 0.0 <= vote_weight <= 1.0:
        raise SpacyWeakError(Errors.E404.format(param="--vote-weight", options="a number in [0, 1]", value=vote_weight))
    nlp, hmm = load_hmm(pipeline, code=code)
    docs = read_reviewed_docs(docbins, "audit", nlp.vocab)
    if key == hmm.cfg["spans_key"]:
        ensure_silver(docs, hmm)
        vote_weight = 1.0 if vote_weight is None else vote_weight
    require_key(docs, key, "--key", docbins)
    evidence = collect_evidence(docs, hmm, oof_key=oof_key)
    result = audit(docs, evidence, sources=hmm.sources_, labels=hmm.labels_, key=key, vote_weight=vote_weight,
                   use_cleanlab=not no_cleanlab, source_report=hmm.source_report())
    if json_path:
        write_json_atomic(json_path, result.to_dict(top=json_top))
    typer.echo(f"audit of {key!r} ({result.method}): {len(result.spans)} spans, {result.token_issues} tokens flagged")
    for s in result.spans[:top]:
        votes = ", ".join(f"{k}={v}" for k, v in s.evidence["votes"].items() if v != "-")
        typer.echo(f"{s.score:6.3f} {'*' if s.flagged else ' '} {s.doc_id:>10s} {s.label:10s} {s.text[:40]!r:42s} {votes}")
    for lab, row in result.bias.get("per_label", {}).items():
        typer.echo(f"label {lab}: {row['suspect']}/{row['spans']} suspect")
    if json_path:
        typer.echo(f"Wrote {json_path}")


@app.command("card", outputs={"output": "file", "json_path": "file"})
def card_cli(
    docbins: list[Path] = typer.Argument(..., help="Silver DocBins."),
    output: Path = typer.Option(..., "--output", "-o", help="Markdown file to write."),
    pipeline: Path | None = typer.Option(None, "--pipeline", "-p", help="Pipeline with the fitted weak_hmm (learned accuracies)."),
    labels: str | None = typer.Option(None, "--labels", help="Entity labels (default: the pipeline's)."),
    key: str = typer.Option("silver", "--key", help="Silver span key."),
    gold_key: str | None = typer.Option(None, "--gold-key", help="Span key of gold/reviewed labels in the same docs (e.g. gold)."),
    json_path: Path | None = typer.Option(None, "--json"),
    overwrite: bool = typer.Option(False, "--overwrite"),
    code: Path | None = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
) -> None:
    """Write a Markdown derivation card (datasheet) for a silver set."""
    from ..errors import Warnings, warn
    from ..io import write_json_atomic, write_text_atomic
    from ..review.card import card_data, render_markdown

    report = None
    vocab = None
    label_list = _labels(labels)
    if pipeline is not None:
        nlp, hmm = load_hmm(pipeline, code=code)
        vocab, report = nlp.vocab, hmm.source_report()
        label_list = label_list or list(hmm.labels_)
    docs = read_reviewed_docs(docbins, "describe", vocab)
    if pipeline is not None and key == hmm.cfg["spans_key"]:
        ensure_silver(docs, hmm)  # as audit does: the silver of the given label model
    require_key(docs, key, "--key", docbins)
    require_key(docs, gold_key, "--gold-key", docbins)
    if not label_list:
        label_list = sorted({s.label_ for d in docs for s in d.spans.get(key, []) if s.label_ != "O"})
    data = card_data(docs, labels=label_list, key=key, source_report=report, gold_key=gold_key)
    if data["docs_without_provenance"]:
        warn(Warnings.W405.format(path=", ".join(map(str, docbins))))
    write_text_atomic(output, render_markdown(data))
    if json_path:
        write_json_atomic(json_path, data)
    typer.echo(f"Wrote {output}")
