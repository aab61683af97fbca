"""Training from silver: ``export-training``, ``crossfit``, ``refit``, ``self-train``.

Thin over :mod:`spacy_weak.training` (``docs/training.md``)::

    spacy-weak export-training silver/train silver/dev -o corpus/train.spacy --dev-output corpus/dev.spacy --policy partial
    spacy-weak crossfit silver/train silver/dev -o training/crossfit --config configs/ner_silver.cfg --folds 5 --steps 1000
    spacy-weak refit training/label_model training/crossfit/predictions.spacy -o training/label_model_st --silver-output silver/st.spacy
    spacy-weak self-train training/label_model silver/train silver/dev -o training/self_train --rounds 2 --config configs/ner_silver.cfg
"""
import logging
import time
from pathlib import Path
from typing import List, Optional

import typer

from ._app import app
from ..runs.training import build_policy, load_label_model, output_lock, read_all

logger = logging.getLogger(__name__)


_POLICY_HELP = "Training-data policy: partial (spacy_weak.partial_annotation.v1) or hard (spacy_weak.hard_labels.v1)."
_EXPORT_POLICY_HELP = _POLICY_HELP[:-1] + ", or auto (with --reviewed: chosen on the reviewed documents, spacy_weak/review/policy.py)."


@app.command("export-training", outputs={"output": "file", "dev_output": "file"})
def export_training_cli(
    docbin_paths: List[Path] = typer.Argument(..., help="Aggregated DocBins / shard folders (with the silver span group)."),
    output: Path = typer.Option(..., "--output", "-o", help="The training DocBin to write (.spacy)."),
    dev_output: Optional[Path] = typer.Option(None, "--dev-output", help="Also write a held-out silver slice here (model selection)."),
    dev_every: int = typer.Option(10, "--dev-every", help="With --dev-output: every N-th document is held out."),
    policy: str = typer.Option("partial", "--policy", help=_EXPORT_POLICY_HELP),
    spans_key: str = typer.Option("silver", "--spans-key", help="The aggregate span group (with attrs['probs'])."),
    entity_threshold: float = typer.Option(0.5, "--entity-threshold", help="partial: a span below this probability is missing."),
    outside_keep: float = typer.Option(1.0, "--outside-keep", help="partial: share of the remaining tokens kept as O."),
    missing_voted: bool = typer.Option(True, "--missing-voted/--no-missing-voted", help="partial: tokens a source voted an entity on, outside the kept entities, are missing."),
    seed: int = typer.Option(0, "--seed"),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing output files."),
    reviewed: Optional[Path] = typer.Option(None, "--reviewed", help="Reviewed dev set (review import --dev): reviewed docs replace their silver; the random-share reviews become --dev-output."),
    upsample: int = typer.Option(1, "--upsample", help="With --reviewed: copies of each reviewed document in the training data."),
) -> None:
    """Turn aggregated DocBins into `spacy train` input: each token an entity, O or missing."""
    import spacy

    from ..errors import Errors, SpacyWeakError
    from ..training.export import export_training
    from ..training.trainer import split_held_out

    if dev_output is not None and dev_every < 2:
        raise SpacyWeakError(Errors.E312.format(param="--dev-every", value=dev_every, minimum=2))
    if policy == "auto" and reviewed is None:
        raise SpacyWeakError(Errors.E417)
    params = dict(entity_threshold=entity_threshold, outside_keep=outside_keep, missing_voted=missing_voted, seed=seed)
    pol = build_policy("partial" if policy == "auto" else policy, spans_key=spans_key, **params)
    docs = read_all(docbin_paths, spacy.blank("en").vocab)
    what = ", ".join(str(p) for p in docbin_paths)
    if reviewed is not None:  # reviews replace their silver (spacy_weak/review/training.py)
        from ..review.training import export_with_reviews

        rev_docs = read_all([reviewed], spacy.blank("en").vocab, "--reviewed")
        if policy == "auto":
            pol = _policy_on_reviews(rev_docs, params, spans_key)
        stats, dev_stats, merged = export_with_reviews(
            docs, rev_docs, pol, output, dev_output=dev_output, dev_every=dev_every, upsample=upsample,
            spans_key=spans_key, what=what)
        typer.echo(f"Wrote {stats.n_docs} training docs to {output} ({merged.n_replaced} reviewed, x{upsample})"
                   + (f" and {dev_stats.n_docs} to {dev_output}" + (" (reviewed, random share)" if merged.dev else "")
                      if dev_stats else ""))
    elif dev_output is not None:
        train, dev = split_held_out(docs, every=dev_every)
        stats = export_training(train, pol, output, spans_key=spans_key, what=what)
        dev_stats = export_training(dev, pol, dev_output, spans_key=spans_key, what=what)
        typer.echo(f"Wrote {stats.n_docs} training docs to {output} and {dev_stats.n_docs} to {dev_output}")
    else:
        stats = export_training(docs, pol, output, spans_key=spans_key, what=what)
        typer.echo(f"Wrote {stats.n_docs} training docs to {output}")
    d = stats.as_dict()
    typer.echo(f"entities {d['entities']}; tokens: entity {d['entity_tokens']}, O {d['outside_tokens']}, "
               f"missing {d['missing_tokens']} ({d['missing_share']:.1%})")


def _policy_on_reviews(rev_docs, params: dict, spans_key: str):
    """``--policy auto``: the policy chosen on the reviewed documents (spacy_weak/review/policy.py)."""
    from ..review.importer import review_weights
    from ..review.policy import build, choose_policy

    choice = choose_policy(rev_docs, review_weights(rev_docs), ("partial", params), spans_key=spans_key)
    for row in choice.table:
        typer.echo(f"  {row['policy']:8s} entity_threshold {row.get('entity_threshold', '-')!s:5s} "
                   f"weighted token F1 {row['f1']:.4f} (P {row['p']:.4f} R {row['r']:.4f})"
                   + (f", better on {row['p_better']:.0%} of resamples" if "p_better" in row else ""))
    chosen = choice.summary()["chosen"]
    typer.echo(f"Policy chosen on {choice.n_docs} reviewed documents: {chosen}"
               + (f" ({choice.n_clamped} already clamped left out)" if choice.n_clamped else ""))
    return build(choice.name, choice.params, spans_key=spans_key, exclude=())


def _crossfitter(config, folds, steps, policy, labels, seed, beam_width, **policy_args):
    from ..training.crossfit import CrossFitter

    pol = build_policy(policy, seed=seed, **policy_args)
    return CrossFitter(config=config, n_folds=folds, steps=steps, policy=pol, policy_name=policy,
                       labels=[x for x in labels.split(",") if x], spans_key=policy_args["spans_key"],
                       seed=seed, beam_width=beam_width)


@app.command("crossfit", outputs={"output": "dir"})
def crossfit_cli(
    docbin_paths: List[Path] = typer.Argument(..., help="Aggregated DocBins / shard folders (silver training docs)."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder for folds, manifest and predictions (resumable)."),
    config: Path = typer.Option(..., "--config", "-c", help="The spacy train config of the fold models."),
    folds: int = typer.Option(5, "--folds", "-k", help="Number of folds K (2 <= K <= number of docs)."),
    steps: int = typer.Option(1000, "--steps", help="Training steps per fold model."),
    extra: List[Path] = typer.Option([], "--extra", help="Other docs (e.g. an evaluation split): predicted by every fold model."),
    labels: str = typer.Option("", "--labels", help="Comma-separated labels (default: those of the silver spans)."),
    policy: str = typer.Option("partial", "--policy", help=_POLICY_HELP),
    spans_key: str = typer.Option("silver", "--spans-key"),
    entity_threshold: float = typer.Option(0.5, "--entity-threshold"),
    outside_keep: float = typer.Option(1.0, "--outside-keep"),
    missing_voted: bool = typer.Option(True, "--missing-voted/--no-missing-voted"),
    beam_width: int = typer.Option(8, "--beam-width", help="Beam width of the span probabilities (1: hard 0/1)."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """K-fold out-of-fold NER predictions, written as span group 'model_oof' (resumable per fold)."""
    import spacy
    from ..training.crossfit import write_predictions

    start = time.perf_counter()
    cf = _crossfitter(config, folds, steps, policy, labels, seed, beam_width, spans_key=spans_key,
                      entity_threshold=entity_threshold, outside_keep=outside_keep, missing_voted=missing_voted)
    vocab = spacy.blank("en").vocab
    docs = read_all(docbin_paths, vocab)
    extra_docs = read_all(extra, vocab, "--extra") if extra else []
    with output_lock(output):  # like apply: two runs into one folder would delete each other's fold work
        result = cf.run(docs, output, extra=extra_docs, progress=lambda i, k: typer.echo(f"fold {i}/{k} done"))
        write_predictions(result, output)
    typer.echo(
        f"Cross-fitted {len(result.docs)} docs in {len(result.folds and set(result.folds))} folds "
        f"({len(result.trained)} trained, {len(result.resumed)} resumed) in {time.perf_counter() - start:.0f}s: "
        f"{output / 'predictions.spacy'}"
    )


@app.command("refit", outputs={"output": "dir", "silver_output": "file", "extra_output": "file"})
def refit_cli(
    label_model: Path = typer.Argument(..., help="The fitted label-model pipeline (spacy-weak fit output)."),
    docbin_paths: List[Path] = typer.Argument(..., help="Docs with the out-of-fold group (crossfit's predictions.spacy)."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory of the refitted pipeline."),
    silver_output: Path = typer.Option(..., "--silver-output", help="DocBin of the docs with the new silver labels."),
    component: str = typer.Option("hmm", "--component", help="The aggregator to refit."),
    source: str = typer.Option("model_oof", "--add-source", help="Span group added to the aggregator's sources."),
    extra: List[Path] = typer.Option([], "--extra", help="Other docs to label with the refitted model (crossfit's predictions_extra.spacy)."),
    extra_output: Optional[Path] = typer.Option(None, "--extra-output", help="DocBin for the labelled --extra docs."),
    overwrite: bool = typer.Option(False, "--overwrite"),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
) -> None:
    """Refit the label model with the model's out-of-fold predictions as one more source; write new silver."""
    from ..training.selftrain import refit
    from ..training.trainer import save_docbin

    from ..corpora.saved_dir import check_saved_dir
    from ..pipeline_meta import stamp_meta
    from ..portable import save_pipeline

    check_saved_dir(output, [label_model, *docbin_paths, *extra])
    nlp = load_label_model(label_model, component, code)
    docs = read_all(docbin_paths, nlp.vocab)
    extra_docs = read_all(extra, nlp.vocab, "--extra") if extra else []
    silver, extra_silver = refit(nlp.get_pipe(component), docs, add=source, apply_to=[extra_docs])
    stamp_meta(nlp)
    save_pipeline(nlp, output)
    save_docbin(silver, silver_output)
    if extra_output is not None:
        save_docbin(extra_silver, extra_output)
    typer.echo(f"Refitted '{component}' with source '{source}' on {len(docs)} docs: {output}; silver: {silver_output}")


@app.command("self-train", outputs={"output": "dir"})
def self_train_cli(
    label_model: Path = typer.Argument(..., help="The fitted label-model pipeline."),
    docbin_paths: List[Path] = typer.Argument(..., help="Aggregated DocBins (sources + silver) of the training docs."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder: round_<r>/ cross-fitting, label_model/, silver.spacy."),
    config: Path = typer.Option(..., "--config", "-c", help="spacy train config of the fold models."),
    rounds: int = typer.Option(1, "--rounds", help="Self-training rounds."),
    folds: int = typer.Option(5, "--folds", "-k"),
    steps: int = typer.Option(1000, "--steps", help="Training steps per fold model."),
    component: str = typer.Option("hmm", "--component"),
    labels: str = typer.Option("", "--labels"),
    policy: str = typer.Option("partial", "--policy", help=_POLICY_HELP),
    spans_key: str = typer.Option("silver", "--spans-key"),
    entity_threshold: float = typer.Option(0.5, "--entity-threshold"),
    outside_keep: float = typer.Option(1.0, "--outside-keep"),
    missing_voted: bool = typer.Option(True, "--missing-voted/--no-missing-voted"),
    beam_width: int = typer.Option(8, "--beam-width"),
    seed: int = typer.Option(0, "--seed"),
    code: Optional[Path] = typer.Option(None, "--code", help="Python file registering the functions the pipeline uses (e.g. rules.py)."),
) -> None:
    """Rounds of cross-fit -> refit (model as a source) -> new silver. Resumable (per fold)."""
    from ..training.selftrain import check_rounds, self_train
    from ..training.trainer import save_docbin

    from ..corpora.saved_dir import check_saved_dir
    from ..pipeline_meta import stamp_meta
    from ..portable import save_pipeline

    check_rounds(rounds, "--rounds")
    check_saved_dir(output / "label_model", [label_model, *docbin_paths])
    cf = _crossfitter(config, folds, steps, policy, labels, seed, beam_width, spans_key=spans_key,
                      entity_threshold=entity_threshold, outside_keep=outside_keep, missing_voted=missing_voted)
    nlp = load_label_model(label_model, component, code)
    docs = read_all(docbin_paths, nlp.vocab)
    with output_lock(output):
        results = self_train(docs, nlp.get_pipe(component), cf, output, rounds=rounds,
                             on_round=lambda r: typer.echo(f"round {r.round} done"))
        silver = results[-1].silver if results else docs
        stamp_meta(nlp)
        save_pipeline(nlp, output / "label_model")
        save_docbin(silver, output / "silver.spacy")
    typer.echo(f"{rounds} self-training round(s): {output / 'silver.spacy'}, label model {output / 'label_model'}")
