"""The schema of a sharded run's ``manifest.json``, checked on every read.

A manifest is trusted for three things: which files belong to the run (and
may thus be deleted by ``--overwrite`` or a replacing run), how many input
documents are done (what a resume skips), and whether the run is complete.
So every field is checked for type and range, shard file names must be
exactly ``shard-00000.spacy``, ``shard-00001.spacy``, ... in order (no path
can point outside the directory), and the total must equal the sum of the
per-shard counts. The per-shard counts are checked against the files when a
run resumes and when the shards are read (``E268``). Any violation is
``E267`` naming the field.

Fields (``spacy_weak.shards.v1``)::

    format     "spacy_weak.shards.v1"
    settings   object: what identifies the run (compared on resume)
    shard_size integer >= 1
    shards     list of {"file": "shard-NNNNN.spacy", "docs": int >= 1, "counts": {str: int >= 0},
               "sha256": hex digest of the file (optional: manifests of older versions lack it)}
    docs       integer: the sum of shards[*].docs
    complete   boolean
    summary    object
    pending    null, the shard name being written, or a list of the shard
               names being written elsewhere (Dask workers), each after the
               listed shards, in increasing order (optional; a kill leaves
               them behind and the next run deletes those files, which it wrote)
    writer     null or {"pid", "host", "started", "token"}: the run writing
               now (optional; null once complete)
"""
import re
from pathlib import Path
from typing import Any, Dict

from ..errors import Errors, SpacyWeakError

MANIFEST_FORMAT = "spacy_weak.shards.v1"


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.spacy"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def pending_names(manifest: dict[str, Any]) -> list[str]:
    """The shard files a (validated) manifest records as being written."""
    pending = manifest.get("pending")
    if pending is None:
        return []
    return [pending] if isinstance(pending, str) else list(pending)


def _shard_index(name: Any) -> int | None:
    """``i`` if ``name`` is exactly ``shard_name(i)``, else None."""
    match = re.match(r"^shard-(\d{5,})\.spacy$", name) if isinstance(name, str) else None
    return int(match.group(1)) if match and shard_name(int(match.group(1))) == name else None


def _short_list(values: list[Any], limit: int = 3) -> str:
    return repr(values[:limit])[:-1] + (", ...]" if len(values) > limit else "]")


def validate_manifest(data: Any, path: Path) -> Dict[str, Any]:
    """``data`` if it is a valid manifest, else ``E267`` naming the first problem."""

    def bad(problem: str) -> SpacyWeakError:
        return SpacyWeakError(Errors.E267.format(path=path, problem=problem))

    if not isinstance(data, dict):
        raise bad(f"expected a JSON object, got {type(data).__name__}")
    if data.get("format") != MANIFEST_FORMAT:
        raise bad(f"'format' is {data.get('format')!r}, expected {MANIFEST_FORMAT!r}")
    for key in ("settings", "shard_size", "shards", "docs", "complete"):
        if key not in data:
            raise bad(f"field '{key}' is missing")
    if not isinstance(data["settings"], dict):
        raise bad("'settings' must be an object")
    if not _is_int(data["shard_size"]) or data["shard_size"] < 1:
        raise bad(f"'shard_size' must be an integer >= 1, got {data['shard_size']!r}")
    if not isinstance(data["complete"], bool):
        raise bad(f"'complete' must be true or false, got {data['complete']!r}")
    if not isinstance(data.get("summary", {}), dict):
        raise bad("'summary' must be an object")
    shards = data["shards"]
    if not isinstance(shards, list):
        raise bad("'shards' must be a list")
    total = 0
    for i, shard in enumerate(shards):
        where = f"shards[{i}]"
        if not isinstance(shard, dict):
            raise bad(f"{where} must be an object")
        if shard.get("file") != shard_name(i):
            raise bad(f"{where}.file is {shard.get('file')!r}, expected {shard_name(i)!r} (shards are numbered in order, inside the directory)")
        docs = shard.get("docs")
        if not _is_int(docs) or docs < 1:
            raise bad(f"{where}.docs must be an integer >= 1, got {docs!r}")
        if docs > data["shard_size"]:
            raise bad(f"{where}.docs is {docs}, more than shard_size {data['shard_size']}")
        counts = shard.get("counts", {})
        if not isinstance(counts, dict) or not all(
            isinstance(k, str) and _is_int(v) and v >= 0 for k, v in counts.items()
        ):
            raise bad(f"{where}.counts must map names to integers >= 0")
        digest = shard.get("sha256")
        if digest is not None and not (isinstance(digest, str) and re.fullmatch(r"[0-9a-f]{64}", digest)):
            raise bad(f"{where}.sha256 must be a SHA-256 hex digest, got {str(digest)[:80]!r}")
        total += docs
    if not _is_int(data["docs"]) or data["docs"] != total:
        raise bad(f"'docs' is {data['docs']!r}, but the shards hold {total}")
    pending = data.get("pending")
    if isinstance(pending, list):
        positions = [_shard_index(name) for name in pending]
        if None in positions or positions != sorted(set(positions)) or (positions and positions[0] < len(shards)):
            raise bad(f"'pending' lists {_short_list(pending)}: expected shard names after {shard_name(len(shards) - 1) if shards else 'none'}, in increasing order")
    elif pending is not None and pending != shard_name(len(shards)):
        raise bad(f"'pending' is {pending!r}, expected null, {shard_name(len(shards))!r} or a list of later shard names")
    writer = data.get("writer")
    if writer is not None and not isinstance(writer, dict):
        raise bad("'writer' must be null or an object")
    return data
