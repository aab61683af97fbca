"""Saving a pipeline (or one component) into a directory without losing anything.

``nlp.to_disk(path)`` writes into whatever ``path`` holds: a user's own
``config.cfg`` or ``README.md`` there would be overwritten, and a crash half-way
leaves a pipeline that loads with some components old and some new. Commands
that save a pipeline (``fit``, ``train refit``, ``train self-train``, ``demo``)
go through this module instead:

* :func:`check_saved_dir` runs before any work: ``E263`` if the directory is
  an input (the loaded pipeline itself, a DocBin), ``E264`` if it is a file,
  ``E276`` if it holds files this kind of command did not write. An empty
  directory, a new path, or an earlier output of the same kind (a pipeline
  whose ``meta.json`` carries spacy-weak's stamp, see
  :mod:`spacy_weak.pipeline_meta`; a component folder holding only ``cfg`` and
  ``model``) may be written.
* :func:`save_dir_atomic` writes into a fresh temporary sibling directory and
  renames it into place: a crash leaves the old output (or none) complete,
  never a mix. Only a directory :func:`check_saved_dir` accepted is replaced,
  and the temporary directory gets the umask's mode.
"""
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import srsly

from ..errors import Errors, SpacyWeakError
from ..io import current_umask
from .output_dir import check_output_dir

PathLike = str | Path
KINDS = ("pipeline", "component")
COMPONENT_FILES = frozenset({"cfg", "model"})


def _is_ours(path: Path, kind: str) -> bool:
    entries = {p.name for p in path.iterdir()}
    if kind == "component":
        return entries <= COMPONENT_FILES and (path / "cfg").is_file()
    meta = path / "meta.json"
    if not meta.is_file():
        return False
    try:
        data = srsly.read_json(meta)
    except ValueError:
        return False
    return isinstance(data, dict) and isinstance(data.get("spacy_weak"), dict)


def check_saved_dir(output: PathLike, inputs: Iterable[PathLike | None] = (), *, kind: str = "pipeline") -> None:
    """Refuse (``E263``/``E264``/``E276``) an output directory a save could destroy."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    out = Path(output)
    check_output_dir(out, [p for p in inputs if p is not None])
    if out.is_dir():
        entries = sorted(p.name for p in out.iterdir())
        if entries and not _is_ours(out, kind):
            what = "a pipeline saved by spacy-weak" if kind == "pipeline" else "a saved component (cfg, model)"
            raise SpacyWeakError(Errors.E276.format(path=out, files=", ".join(entries[:5]), what=what))


def save_dir_atomic(output: PathLike, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_dir)``, then put ``tmp_dir`` in ``output``'s place.

    Call :func:`check_saved_dir` first: an existing ``output`` is replaced
    (it was accepted as this command's earlier output)."""
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    os.chmod(tmp, 0o777 & ~current_umask())  # mkdtemp makes 0o700
    try:
        write(tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not out.exists():
        os.replace(tmp, out)
        return out
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
    os.rmdir(old)  # a unique free name for the old output
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        os.replace(old, out)  # put the old output back
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old)
    return out


__all__ = ["check_saved_dir", "save_dir_atomic"]
