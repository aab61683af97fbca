"""Report writers: terminal tables, JSON (srsly), Markdown and a self-contained HTML file.

All four show the same tables (:func:`report_tables`); the HTML report adds
displaCy span renderings of sample documents: gold, each aggregate, the tokens
where sources disagree, and each source, one row under the other, followed by a
token table of the disagreements. The HTML file loads nothing from the network
(inline CSS, no scripts, no fonts, no CDN).
"""
import logging
from pathlib import Path
from typing import Any, Dict, Union

import numpy as np
import srsly

from ..io import write_json_atomic, write_text_atomic
from .analysis import AnalysisResult
from .report_tables import report_tables
from .tables import DASH, Table, fmt  # noqa: F401 (re-exported: the report's table and cell)

logger = logging.getLogger(__name__)

# ---------------------------------------------------------------- terminal


def print_tables(result: AnalysisResult) -> None:
    """Print the tables with wasabi (the CLI's output; libraries never call this)."""
    from wasabi import msg

    for table in report_tables(result):
        msg.divider(table.title)
        rows = [[_short(fmt(c)) for c in row] for row in table.rows]
        msg.table(rows, header=table.headers, divider=True)
        if table.description:
            msg.text(table.description)


def _short(text: str, n: int = 40) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------- JSON / Markdown


def to_json(result: AnalysisResult) -> Dict[str, Any]:
    return srsly.json_loads(srsly.json_dumps(_plain(result.to_dict())))


def _plain(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.floating):
        return None if np.isnan(obj) else float(obj)
    if isinstance(obj, float) and obj != obj:
        return None
    return obj


def write_json(result: AnalysisResult, path: Union[str, Path]) -> None:
    write_json_atomic(path, to_json(result))


def _md_cell(value: Any) -> str:
    return fmt(value).replace("|", "\\|").replace("\n", " ")


def to_markdown(result: AnalysisResult) -> str:
    lines = ["# Weak supervision analysis", ""]
    for table in report_tables(result):
        lines += [f"## {table.title}", ""]
        if table.description:
            lines += [table.description, ""]
        lines.append("| " + " | ".join(_md_cell(h) for h in table.headers) + " |")
        lines.append("|" + "|".join("---" for _ in table.headers) + "|")
        for row in table.rows:
            lines.append("| " + " | ".join(_md_cell(c) for c in row) + " |")
        lines.append("")
    return "\n".join(lines)


def write_markdown(result: AnalysisResult, path: Union[str, Path]) -> None:
    write_text_atomic(path, to_markdown(result))


# ---------------------------------------------------------------- HTML (report_html.py)


def to_html(result: AnalysisResult, *, title: str = "Weak supervision report") -> str:
    """The self-contained HTML report (:mod:`spacy_weak.evaluation.report_html`)."""
    from .report_html import to_html as _to_html

    return _to_html(result, title=title)


def write_html(result: AnalysisResult, path: Union[str, Path], *, title: str = "Weak supervision report") -> None:
    from .report_html import write_html as _write_html

    _write_html(result, path, title=title)
