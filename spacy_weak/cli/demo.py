"""``spacy-weak demo``: the main job on the embedded sample in ``corpora/``.

Annotates the 40 embedded BC5CDR abstracts with the sample recipe
(``configs/sample.cfg``: a gazetteer over the UMLS-style RRF lexicon in
``corpora/lexicon`` plus the generic rule sources), fits the HMM on them
without labels, writes the silver DocBin and prints a per-source summary
(spans per label, coverage) and, because the sample carries gold, the scores.
"""
import time
from pathlib import Path
from typing import List, Optional

import typer

from ..errors import Errors, SpacyWeakError
from ._app import app

REPO = Path(__file__).resolve().parent.parent.parent


def _need(path: Path, what: str, option: str) -> Path:
    if not path.exists():
        raise SpacyWeakError(Errors.E260.format(what=what, path=path, option=option))
    return path


def run_demo(output: Path, *, config: Path, lexicon: Path, corpus: Path, n_iter: Optional[int] = None) -> dict:
    """Run the demo; return {"docs": [...], "nlp": nlp, "silver": path, "seconds": {...}}."""
    from spacy.tokens import DocBin
    from spacy.util import load_config, load_model_from_config

    from ..corpora.pubtator import read_pubtator
    from ..io import write_bytes_atomic

    overrides = {"paths.lexicon": str(lexicon)}
    if n_iter is not None:
        overrides["components.hmm.n_iter"] = n_iter
    cfg = load_config(config, overrides=overrides, interpolate=False)
    nlp = load_model_from_config(cfg, auto_fill=True)
    seconds = {}
    t = time.perf_counter()
    nlp.initialize()
    seconds["initialize"] = time.perf_counter() - t
    aggregators = ["mv", "hmm"]
    sources = [name for name in nlp.pipe_names if name not in aggregators]
    t = time.perf_counter()
    docs = list(read_pubtator(corpus, nlp))
    with nlp.select_pipes(enable=sources):
        docs = list(nlp.pipe(docs))
    seconds["annotate"] = time.perf_counter() - t
    t = time.perf_counter()
    nlp.get_pipe("hmm").fit(docs)
    seconds["fit"] = time.perf_counter() - t
    t = time.perf_counter()
    with nlp.select_pipes(enable=aggregators):
        docs = list(nlp.pipe(docs))
    seconds["aggregate"] = time.perf_counter() - t
    db = DocBin(docs=docs)
    silver = Path(output) / "silver.spacy"
    write_bytes_atomic(silver, db.to_bytes())
    from ..pipeline_meta import stamp_meta

    stamp_meta(nlp)
    nlp.to_disk(Path(output) / "pipeline")
    return {"docs": docs, "nlp": nlp, "silver": silver, "seconds": seconds, "sources": sources}


@app.command("demo")
def demo_cli(
    output: Path = typer.Option(Path("output/demo"), "--output", "-o", help="Folder for silver.spacy and the fitted pipeline."),
    config: Path = typer.Option(REPO / "configs" / "sample.cfg", "--config", help="Recipe config."),
    lexicon: Path = typer.Option(REPO / "corpora" / "lexicon", "--lexicon", help="UMLS-style RRF folder (MRCONSO/MRSTY)."),
    corpus: Optional[Path] = typer.Option(None, "--corpus", help="PubTator file (default: the embedded sample)."),
) -> None:
    """Annotate the embedded sample, aggregate silver labels with the HMM, print a per-source summary."""
    from wasabi import msg

    from ..corpora import sample_path
    from ..evaluation import analyze, print_tables

    try:
        corpus = _need(corpus or sample_path(), "the sample corpus", "corpus")
        config = _need(config, "the sample recipe", "config")
        lexicon = _need(lexicon, "the sample lexicon", "lexicon")
        result = run_demo(output, config=config, lexicon=lexicon, corpus=corpus)
    except SpacyWeakError as err:
        msg.fail(str(err))
        raise typer.Exit(code=1)
    docs = result["docs"]
    n_tokens = sum(len(d) for d in docs)
    msg.good(f"Annotated {len(docs)} documents ({n_tokens} tokens) from {corpus}")
    rows: List[list] = []
    for name in result["sources"]:
        counts = {}
        for doc in docs:
            for span in doc.spans.get(name, []):
                counts[span.label_] = counts.get(span.label_, 0) + 1
        rows.append([name, sum(counts.values())] + [counts.get(l, 0) for l in ("Chemical", "Disease", "O")])
    for key in ("mv", "silver"):
        counts = {}
        for doc in docs:
            for span in doc.spans.get(key, []):
                counts[span.label_] = counts.get(span.label_, 0) + 1
        rows.append([f"[{key}]", sum(counts.values())] + [counts.get(l, 0) for l in ("Chemical", "Disease", "O")])
    msg.divider("Spans per source and label")
    msg.table(rows, header=["source", "spans", "Chemical", "Disease", "O (negative)"], divider=True)
    analysis = analyze(docs, gold_key="gold", aggregates=["mv", "silver"])
    print_tables(analysis)
    secs = ", ".join(f"{k} {v:.1f}s" for k, v in result["seconds"].items())
    msg.good(f"Silver labels (doc.ents + doc.spans['silver'] with probabilities): {result['silver']}")
    msg.info(f"Fitted pipeline: {Path(output) / 'pipeline'}  ({secs})")
