"""Progress bars: shown on a terminal, quiet when output is not a TTY or in CI."""
import os
import sys
from typing import Iterable, Optional, TypeVar

T = TypeVar("T")


def progress_enabled() -> bool:
    if os.environ.get("CI") or os.environ.get("SPACY_WEAK_NO_PROGRESS"):
        return False
    return sys.stderr.isatty()


def progress(iterable: Iterable[T], *, total: Optional[int] = None, desc: str = "", unit: str = "doc") -> Iterable[T]:
    """Wrap ``iterable`` in a tqdm bar (rate and ETA) when progress is enabled."""
    if not progress_enabled():
        return iterable
    from tqdm import tqdm

    return tqdm(iterable, total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
