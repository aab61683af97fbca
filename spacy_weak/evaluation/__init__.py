"""Source analysis, gold scoring and reports (see ``docs/evaluation.md``).

    from spacy_weak.evaluation import analyze, read_docbins, write_html
    result = analyze(read_docbins("annotated/"), gold_docs=read_docbins("gold.spacy"))
    write_html(result, "report.html")

Imported lazily: importing :mod:`spacy_weak` does not load the evaluation code.
"""
from .analysis import AnalysisResult, analyze, analyze_data
from .data import CorpusData, collect, read_docbins
from .report import print_tables, to_html, to_json, to_markdown, write_html, write_json, write_markdown
from .scoring import load_hmm_report

__all__ = [
    "AnalysisResult",
    "CorpusData",
    "analyze",
    "analyze_data",
    "collect",
    "read_docbins",
    "load_hmm_report",
    "print_tables",
    "to_html",
    "to_json",
    "to_markdown",
    "write_html",
    "write_json",
    "write_markdown",
]
