"""``spacy-weak vectors``: floret vectors from a corpus and an unlabelled pool (resumable)."""
from pathlib import Path
from typing import List, Optional

import typer

from ._app import app


@app.command("vectors", outputs={"output": "dir"})
def vectors_cli(
    inputs: List[Path] = typer.Argument(..., help="Corpora to read the text of (PubTator, BioC, IOB, DocBin, JSONL pool); labels are never read."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder: text.txt, vectors.floret, model/ (the spacy init vectors output) and stamp.json."),
    tokenizer: Optional[str] = typer.Option("spacy_weak.biomedical_tokenizer.v1", "--tokenizer", help="Registered tokenizer, pipeline directory or config.cfg: the tokens the NER will see."),
    lang: str = typer.Option("en", "--lang"),
    dim: int = typer.Option(100, "--dim", help="Vector width."),
    epoch: int = typer.Option(5, "--epoch"),
    min_count: int = typer.Option(2, "--min-count"),
    minn: int = typer.Option(3, "--minn"),
    maxn: int = typer.Option(5, "--maxn"),
    hash_count: int = typer.Option(2, "--hash-count"),
    bucket: int = typer.Option(50000, "--bucket", help="Rows of the floret table."),
    threads: int = typer.Option(1, "--threads", help="floret threads (1: deterministic, a resumed run gives the same vectors)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Start again in a folder made with other settings."),
) -> None:
    """Train floret vectors on the text of INPUTS and convert them with spaCy's `init vectors --mode floret`.

    A killed run resumes: the finished stages (text, floret, spaCy vectors) are kept.
    Use them in a training config with [initialize] vectors = OUTPUT/model and
    include_static_vectors = true (configs/ner_best.cfg).
    """
    from ..corpora.readers import read_corpus
    from ..training.vectors import FloretSettings, VectorsRun
    from ..corpora.convert import tokenizer_nlp

    from ..training.pool import check_pool

    for path in inputs:  # a missing, empty or broken pool fails here, before any long step
        if path.name.lower().endswith((".jsonl", ".jsonl.gz")):
            check_pool(path)
    nlp, _ = tokenizer_nlp(lang, tokenizer)
    settings = FloretSettings(dim=dim, epoch=epoch, min_count=min_count, minn=minn, maxn=maxn,
                              hash_count=hash_count, bucket=bucket, threads=threads)
    stamp = VectorsRun(output, inputs, settings, overwrite=overwrite).run(lambda p: read_corpus(p, nlp))
    counts = stamp.get("text_counts", {})
    typer.echo(f"Vectors in {output / 'model'}: {stamp['model']['dim']} dimensions, from {counts.get('docs', 0)} "
               f"documents, {counts.get('tokens', 0)} tokens")
