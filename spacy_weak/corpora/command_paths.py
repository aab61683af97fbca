"""One check of a command's inputs and outputs, and the stamp that lets a command replace its own output.

Every CLI command declares which of its path parameters are outputs (``file``: a file
it writes; ``dir``: a directory it writes into, e.g. shards and a manifest, a saved
pipeline, a project); every other path parameter is an input. Before the command runs, :func:`check_command_paths`
resolves every path (``os.path.realpath``: symlinks and ``..``) and refuses, whatever
``--overwrite`` says:

* an output that is an input, lies inside an input directory, or (``dir``) contains
  an input: ``E263``, naming both parameters;
* two outputs on one path, or a file output inside a directory output: ``E277``.

Then :func:`check_file_outputs` refuses (``E701``, unless ``--overwrite``) an existing
output file that this command did not write. What a command wrote is recorded in the
stamp file ``.spacy-weak-outputs.json`` of the output's folder: file name -> command,
size and SHA-256. A rerun of the same command may replace a file whose stamp is its
own and whose content is unchanged (or an empty file); a file another command wrote,
a user's file, or a stamped file edited since is never replaced without ``--overwrite``.
After the command (also when it fails part-way) :func:`stamp_written` records every
output file it created or replaced. An unreadable stamp file counts as empty: the
worst outcome is a refusal, never a lost file.
"""
import os
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import srsly

from ..errors import Errors, SpacyWeakError
from ..io import file_digest, write_json_atomic

PathLike = Union[str, Path]
STAMP_FILE = ".spacy-weak-outputs.json"
STAMP_FORMAT = "spacy_weak.outputs.v1"
OUTPUT_KINDS = ("file", "dir")


def real(path: PathLike) -> Path:
    """The path with symlinks and ``..`` resolved in order, as the OS walks it (``link/..`` is the
    parent of the link's target, not the folder holding the link), also for paths that do not
    exist yet. (``os.path.abspath`` first would collapse ``..`` textually: wrong through symlinks.)"""
    return Path(os.path.realpath(os.fspath(path)))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _label(param: str, path: PathLike, resolved: Path) -> str:
    shown = f"{path} ({param})"
    if str(resolved) != os.path.join(os.getcwd(), os.fspath(path)):
        shown += f", which resolves to {resolved}"
    return shown


def _flatten(named: Iterable[Tuple[str, Any]]) -> List[Tuple[str, Path]]:
    out = []
    for param, value in named:
        values = value if isinstance(value, (list, tuple)) else [value]
        out.extend((param, Path(v)) for v in values if v is not None and str(v) != "")
    return out


def check_command_paths(
    inputs: Iterable[Tuple[str, Any]], outputs: Iterable[Tuple[str, Any, str]]
) -> None:
    """``E263`` if an output resolves onto (or into, or around) an input; ``E277`` if two outputs collide.

    ``inputs``: ``(param, path or list of paths)``; ``outputs``: ``(param, path, kind)``
    with kind ``file`` or ``dir``. ``None`` values are skipped.
    """
    ins = [(param, path, real(path)) for param, path in _flatten(inputs)]
    outs = []
    for param, value, kind in outputs:
        if kind not in OUTPUT_KINDS:
            raise ValueError(f"unknown output kind {kind!r}")
        outs.extend((param, path, real(path), kind) for _, path in _flatten([(param, value)]))
    for o_param, o_path, o_real, kind in outs:
        for i_param, i_path, i_real in ins:
            clash = o_real == i_real or (i_real.is_dir() and _inside(o_real, i_real))
            clash = clash or (kind == "dir" and _inside(i_real, o_real))
            if clash:
                raise SpacyWeakError(Errors.E263.format(
                    input=_label(i_param, i_path, i_real), output=_label(o_param, o_path, o_real)))
    for a in range(len(outs)):
        for b in range(a + 1, len(outs)):
            (p1, path1, r1, k1), (p2, path2, r2, k2) = outs[a], outs[b]
            if r1 == r2 or (k1 == "dir" and _inside(r2, r1)) or (k2 == "dir" and _inside(r1, r2)):
                raise SpacyWeakError(Errors.E277.format(
                    first=_label(p1, path1, r1), second=_label(p2, path2, r2)))


# ------------------------------------------------------------------------- stamps
def _read_stamps(folder: Path) -> Dict[str, Dict[str, Any]]:
    path = folder / STAMP_FILE
    try:
        data = srsly.read_json(path)
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != STAMP_FORMAT or not isinstance(data.get("files"), dict):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}


def written_by(path: PathLike) -> Optional[str]:
    """The command whose stamp matches ``path``'s current content, else None."""
    path = real(path)
    stamp = _read_stamps(path.parent).get(path.name)
    if not stamp or not path.is_file():
        return None
    try:
        if stamp.get("size") != path.stat().st_size or stamp.get("sha256") != file_digest(path):
            return None
    except OSError:
        return None
    command = stamp.get("command")
    return command if isinstance(command, str) else None


def check_file_outputs(outputs: Iterable[Tuple[str, Any]], command: str, *, overwrite: bool = False) -> None:
    """``E274`` for a file output that is a directory; ``E701`` for an existing file this command
    did not write (its stamp), unless ``overwrite``. Empty files may be replaced."""
    for param, path in _flatten(outputs):
        if path.is_dir():
            raise SpacyWeakError(Errors.E274.format(path=path, what=f"the output {param}"))
        if overwrite or not path.exists():
            continue
        try:
            if path.stat().st_size == 0:
                continue
        except OSError:
            pass
        owner = written_by(path)
        if owner != command:
            raise SpacyWeakError(Errors.E701.format(path=f"{path} ({param})"))


def snapshot(paths: Iterable[Tuple[str, Any]]) -> Dict[Path, Optional[Tuple[int, int, int]]]:
    """``(inode, size, mtime_ns)`` of each path (None if absent): compared after the run."""
    out: Dict[Path, Optional[Tuple[int, int, int]]] = {}
    for _, path in _flatten(paths):
        try:
            st = os.stat(path)
            out[real(path)] = (st.st_ino, st.st_size, st.st_mtime_ns)
        except OSError:
            out[real(path)] = None
    return out


def stamp_written(before: Dict[Path, Optional[Tuple[int, int, int]]], command: str) -> List[Path]:
    """Stamp every file of ``before`` that the run created or replaced; returns them."""
    by_folder: Dict[Path, List[Path]] = {}
    for path, old in before.items():
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not path.is_file() or (st.st_ino, st.st_size, st.st_mtime_ns) == old:
            continue
        by_folder.setdefault(path.parent, []).append(path)
    done = []
    for folder, paths in by_folder.items():
        stamps = _read_stamps(folder)
        for path in paths:
            try:
                stamps[path.name] = {"command": command, "size": path.stat().st_size, "sha256": file_digest(path)}
            except OSError:
                continue
            done.append(path)
        stamps = {k: v for k, v in stamps.items() if (folder / k).is_file()}
        try:
            write_json_atomic(folder / STAMP_FILE, {"format": STAMP_FORMAT, "files": stamps})
        except OSError:  # a read-only folder: the output stands, only a rerun will ask for --overwrite
            pass
    return done


def stamp(paths: Sequence[PathLike], command: str) -> None:
    """Record ``paths`` as written by ``command`` (for writers outside the CLI wrapper)."""
    stamp_written({real(p): None for p in paths}, command)
