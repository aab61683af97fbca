"""The analysis of a corpus's sources and aggregates (``spacy-weak analyze``), without printing."""
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..errors import Errors, SpacyWeakError
from .code import import_code


def analyze_corpus(
    docbin_paths: Sequence[Path],
    *,
    gold: Optional[Path] = None,
    gold_key: Optional[str] = None,
    sources: Optional[List[str]] = None,
    aggregates: Optional[List[str]] = None,
    model: Optional[Path] = None,
    code: Optional[Path] = None,
    n_samples: int = 6,
    n_documents: int = 10,
    diagnostics: bool = True,
) -> Tuple[Any, Dict[str, Any]]:
    """``(result, model reports)``: :func:`~spacy_weak.evaluation.analysis.analyze` over the DocBins
    (streamed), with the learned figures of the fitted aggregators of ``model`` beside the
    measured ones. ``E156`` when the input holds no document."""
    from ..evaluation.analysis import analyze
    from ..evaluation.data import read_docbins
    from ..evaluation.scoring import load_model_reports
    from ..progress import progress

    import_code(code)
    models = load_model_reports(model) if model is not None else {}
    docs = progress(read_docbins(docbin_paths), desc="analyze")
    gold_docs = read_docbins(gold) if gold is not None else None
    result = analyze(
        docs,
        gold_docs=gold_docs,
        gold_key=gold_key,
        sources=sources,
        aggregates=aggregates,
        hmm_report=models.get("span"),
        hmm_source=models.get("span_key"),
        doc_model_report=models.get("doc"),
        n_samples=n_samples,
        n_documents=n_documents,
        diagnostics=diagnostics,
    )
    if result.data.n_docs == 0:
        raise SpacyWeakError(Errors.E156.format(path=", ".join(str(p) for p in docbin_paths)))
    return result, models
