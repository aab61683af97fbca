"""The shared table helpers of the reports: :class:`Table` (what every writer shows) and
:func:`fmt` (one cell as text)."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional

import numpy as np

DASH = "–"


@dataclass
class Table:
    title: str
    headers: List[str]
    rows: List[List[Any]]
    description: str = ""
    # columns (by index) holding a 0-1 quality figure: shaded in HTML
    quality_cols: List[int] = field(default_factory=list)
    # optional CSS class per row (HTML only): "first" starts a group, "agg" marks an aggregate
    row_classes: List[str] = field(default_factory=list)


def fmt(value: Any, digits: int = 3) -> str:
    if value is None:
        return DASH
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def prf(block: Optional[Dict[str, Any]]) -> List[Any]:
    block = block or {}
    return [block.get("p"), block.get("r"), block.get("f")]
