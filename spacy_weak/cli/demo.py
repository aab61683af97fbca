"""``spacy-weak demo``: the main job on the embedded sample in ``corpora/``.

Annotates the 40 embedded BC5CDR abstracts with the sample recipe
(``configs/sample.cfg``: a gazetteer over the UMLS-style RRF lexicon in
``corpora/lexicon`` plus the generic rule sources), fits the HMM on them
without labels, writes the silver DocBin and prints a per-source summary
(spans per label, coverage) and, because the sample carries gold, the scores.
"""
import logging
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import Errors, SpacyWeakError
from ..runs.demo import run_demo
from ._app import app

REPO = Path(__file__).resolve().parent.parent.parent


def _need(path: Path, what: str, option: str) -> Path:
    if not path.exists():
        raise SpacyWeakError(Errors.E260.format(what=what, path=path, option=option))
    return path


LABELS = ("Chemical", "Disease", "O")


def _fmt(value: Optional[float]) -> str:
    return "  -  " if value is None else f"{value:5.2f}"


def summary_lines(docs, sources: List[str], aggregates: List[str], analysis) -> List[str]:
    """One table (at most 100 columns): spans per label, coverage, and P/R/F1 against the
    sample's gold for every source and aggregate; recall and F1 only for sources that
    vote for an entity label (a source voting only "O" cannot find entities)."""
    gold = analysis.scores.get("gold", {})
    coverage = {row["source"]: row.get("coverage") for row in analysis.summary}
    name_width = max(len(n) for n in sources + [f"[{a}]" for a in aggregates]) + 1
    head = f"{'source':<{name_width}} {'spans':>5} {'Chem':>5} {'Dis':>5} {'O':>5} {'cov%':>5}  {'P':>5} {'R':>5} {'F1':>5}"
    lines = [head, "-" * len(head)]
    for name in sources + aggregates:
        counts = {label: 0 for label in LABELS}
        for doc in docs:
            for span in doc.spans.get(name, []):
                counts[span.label_] = counts.get(span.label_, 0) + 1
        micro = gold.get(name, {}).get("span", {}).get("micro", {})
        negative_only = not (counts["Chemical"] or counts["Disease"])
        cov = coverage.get(name)
        label = name if name in sources else f"[{name}]"
        lines.append((
            f"{label:<{name_width}} {sum(counts.values()):>5} {counts['Chemical']:>5} {counts['Disease']:>5} "
            f"{counts['O']:>5} {'' if cov is None else f'{100 * cov:5.1f}':>5}  "
            + ("" if negative_only else f"{_fmt(micro.get('p'))} {_fmt(micro.get('r'))} {_fmt(micro.get('f'))}")
        ).rstrip())
    return lines


@app.command("demo", outputs={"output": "dir"})
def demo_cli(
    output: Path = typer.Option(Path("output/demo"), "--output", "-o", help="Folder for silver.spacy and the fitted pipeline."),
    config: Path = typer.Option(REPO / "configs" / "sample.cfg", "--config", help="Recipe config."),
    lexicon: Path = typer.Option(REPO / "corpora" / "lexicon", "--lexicon", help="UMLS-style RRF folder (MRCONSO/MRSTY)."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="PubTator file (default: the embedded sample)."),
    full: bool = typer.Option(False, "--full", help="Also print every analysis table (as `spacy-weak analyze`)."),
) -> None:
    """Annotate the embedded sample, aggregate silver labels with the HMM, print a per-source summary."""
    from wasabi import msg

    from ..corpora import sample_path
    from ..evaluation import analyze, print_tables

    try:
        corpus = _need(corpus or sample_path(), "the sample corpus", "corpus")
        config = _need(config, "the sample recipe", "config")
        lexicon = _need(lexicon, "the sample lexicon", "lexicon")
        package_logger = logging.getLogger("spacy_weak")
        level = package_logger.level
        package_logger.setLevel(max(level, logging.WARNING))  # the summary below says what the INFO lines say
        try:
            result = run_demo(output, config=config, lexicon=lexicon, corpus=corpus)
        finally:
            package_logger.setLevel(level)
    except SpacyWeakError as err:
        msg.fail(str(err))
        raise typer.Exit(code=1) from None
    docs = result["docs"]
    n_tokens = sum(len(d) for d in docs)
    msg.good(f"Annotated {len(docs)} documents ({n_tokens} tokens) with {len(result['sources'])} sources")
    analysis = analyze(docs, gold_key="gold", aggregates=["mv", "silver"])
    typer.echo("\nSpans per source and label; P/R/F1 of spans against the sample's gold")
    typer.echo("([mv] majority vote, [silver] the HMM; O = votes for 'not an entity')\n")
    for line in summary_lines(docs, result["sources"], ["mv", "silver"], analysis):
        typer.echo(line)
    if full:
        print_tables(analysis)
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in result["seconds"].items())
    typer.echo("")
    msg.good(f"Silver labels: {result['silver']}")
    typer.echo("  (doc.ents, and doc.spans['silver'] with probabilities)")
    msg.info(f"Fitted pipeline: {Path(output) / 'pipeline'}")
    typer.echo(f"  time: {secs}")
    out = Path(output)
    typer.echo("\nNext: train a spaCy NER on the silver labels (a few minutes on a CPU), choosing the model on")
    typer.echo("held-out silver documents (every 10th), not on the documents it is trained on:")
    typer.echo(f"  spacy-weak export-training {result['silver']} -o {out / 'train.spacy'} \\")
    typer.echo(f"    --dev-output {out / 'dev.spacy'}")
    typer.echo(f"  python -m spacy train {REPO / 'configs' / 'ner_silver.cfg'} --output {out / 'ner'} \\")
    typer.echo(f"    --paths.train {out / 'train.spacy'} --paths.dev {out / 'dev.spacy'}")
    typer.echo("  More: `spacy-weak analyze ... --html report.html` for the report; docs/getting-started.md")
