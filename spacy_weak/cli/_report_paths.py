"""Report outputs (``analyze --html/--json/--markdown``, ``audit --json``) never replace a user's file.

A report path that exists is replaced only when it is empty or looks like a report of the same
kind (so reruns, e.g. by ``spacy project run``, keep working); anything else is ``[E603]``
before any work starts, unless ``--overwrite`` is given.
"""
from collections.abc import Iterable
from pathlib import Path

from ..errors import Errors, SpacyWeakError

# kind -> a string the files of that kind written by spacy-weak start with / contain near the top
SIGNATURES = {
    "html": "table.report",  # the report's stylesheet, whatever its title
    "markdown": "# Weak supervision analysis",
    "json": None,  # a JSON object (checked below)
}


def looks_like_report(path: Path, kind: str) -> bool:
    """True if ``path`` is empty or holds what spacy-weak writes as a ``kind`` report."""
    data = Path(path).read_bytes()
    if not data.strip():
        return True
    head = data[:4096].decode("utf8", errors="replace")
    if kind == "json":
        import srsly

        try:
            return isinstance(srsly.json_loads(data.decode("utf8")), dict)
        except ValueError:
            return False
    if kind == "html" and not head.lstrip().lower().startswith("<!doctype html>"):
        return False
    return SIGNATURES[kind] in head


def check_report_paths(paths: Iterable[tuple[Path | None, str]], *, overwrite: bool = False) -> None:
    """``[E603]`` for the first existing path that is not a report of its kind (or is not a file)."""
    if overwrite:
        return
    for path, kind in paths:
        if path is None or not Path(path).exists():
            continue
        if Path(path).is_dir() or not looks_like_report(Path(path), kind):
            raise SpacyWeakError(Errors.E603.format(path=path))
