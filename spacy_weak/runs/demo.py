"""The demo's run (``spacy-weak demo``): the sample recipe over the embedded abstracts.

Assembles ``configs/sample.cfg`` with the sample lexicon, annotates the abstracts,
fits the HMM without labels, aggregates and saves the silver DocBin and the pipeline;
the command prints the summary.
"""
import time
import warnings
from pathlib import Path
from typing import Optional


def run_demo(output: Path, *, config: Path, lexicon: Path, corpus: Path, n_iter: Optional[int] = None) -> dict:
    """Run the demo; return {"docs": [...], "nlp": nlp, "silver": path, "seconds": {...}}."""
    from spacy.tokens import DocBin
    from spacy.util import load_config, load_model_from_config

    from ..corpora.pubtator import read_pubtator
    from ..corpora.saved_dir import check_saved_dir
    from ..io import write_bytes_atomic
    from ..portable import save_pipeline

    check_saved_dir(Path(output) / "pipeline", [corpus, lexicon, config])
    overrides = {"paths.lexicon": str(lexicon)}
    if n_iter is not None:
        overrides["components.hmm.n_iter"] = n_iter
    cfg = load_config(config, overrides=overrides, interpolate=False)
    nlp = load_model_from_config(cfg, auto_fill=True)
    seconds = {}
    t = time.perf_counter()
    with warnings.catch_warnings():
        # the HMM has nothing to learn from at initialisation; it is fitted below
        warnings.filterwarnings("ignore", message=r"\[W102\]")
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
    save_pipeline(nlp, Path(output) / "pipeline")
    return {"docs": docs, "nlp": nlp, "silver": silver, "seconds": seconds, "sources": sources}
