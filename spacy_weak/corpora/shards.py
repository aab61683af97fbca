"""Sharded DocBin output that survives interruption, and reading it back.

A run writes ``shard-00000.spacy``, ``shard-00001.spacy``, ... into an output
directory, each with ``shard_size`` documents (the last may hold fewer), and
a ``manifest.json`` (srsly JSON)::

    {"format": "spacy_weak.shards.v1", "settings": {...}, "shard_size": 1000,
     "shards": [{"file": "shard-00000.spacy", "docs": 1000, "counts": {...}}, ...],
     "docs": 2000, "complete": false, "summary": {...}}

Each shard is written atomically (temporary name, then rename) and the
manifest is rewritten atomically *after* each shard. So a ``kill -9`` at any
moment leaves complete shards and a manifest that lists a prefix of them.
:class:`ShardWriter` opened again on the directory with the same settings
deletes what the manifest does not list (a shard written just before the
kill, temporary files), reports :attr:`ShardWriter.n_done` documents done,
and continues with the next shard: the caller skips that many input
documents (``itertools.islice(docs, writer.n_done, None)``). Because shard
boundaries depend only on the document count, the finished directory is
identical to one written without interruption.

Usage (what ``spacy-weak apply`` and ``convert`` do)::

    with ShardWriter(out_dir, settings={"input": ..., "model": ...}, shard_size=1000) as writer:
        if not writer.complete:
            for doc in nlp.pipe(islice(read_docs(path, nlp.vocab), writer.n_done, None)):
                writer.add(doc)
            writer.finish(summary={...})

``settings`` must be JSON-serialisable and identify the run (input, model,
options that change the output); a directory holding a run with other
settings is refused (``E250``) unless ``overwrite=True``.
"""
import hashlib
import logging
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Union

import srsly
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..io import atomic_path, write_json_atomic

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "spacy_weak.shards.v1"
SHARD_PATTERN = re.compile(r"^shard-(\d{5,})\.spacy$")
CountFn = Callable[[Doc], Dict[str, int]]


def speed_up_srsly_msgpack() -> None:
    """Make srsly's msgpack stop re-reading its encoder registry on every call.

    srsly builds a new ``Packer``/``Unpacker`` for each ``msgpack_dumps`` /
    ``msgpack_loads`` and each time calls ``get_all()`` on its
    ``msgpack_encoders``/``_decoders`` registries, which scans all of
    catalogue's registrations (thousands, once spaCy is loaded) and the
    ``srsly_msgpack_*`` entry points of every installed distribution: about
    1 ms per call, several calls per Doc (one per span group), which capped
    DocBin writing at a few dozen docs/s. When no installed package announces
    such an entry point, the lookup is cached until catalogue's registry grows
    (a new registration invalidates it), so the result is the same.
    """
    import catalogue
    from importlib.metadata import entry_points
    from srsly import msgpack as srsly_msgpack

    for reg in (srsly_msgpack.msgpack_encoders, srsly_msgpack.msgpack_decoders):
        if getattr(reg, "_spacy_weak_cached", False):
            continue
        if reg.entry_points and entry_points().select(group=reg.entry_point_namespace):
            continue
        reg.entry_points = False
        original = reg.get_all
        cache: Dict[str, Any] = {}

        def get_all(_original=original, _cache=cache):
            size = len(catalogue.REGISTRY)
            if _cache.get("size") != size:
                _cache["value"] = _original()
                _cache["size"] = size
            return _cache["value"]

        reg.get_all = get_all
        reg._spacy_weak_cached = True


def _short(value: Any, limit: int = 200) -> str:
    text = srsly.json_dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.spacy"


def read_manifest(output_dir: PathLike) -> Optional[Dict[str, Any]]:
    """The manifest of a sharded run, or None if there is none."""
    path = Path(output_dir) / MANIFEST
    if not path.exists():
        return None
    try:
        data = srsly.read_json(path)
    except ValueError as err:
        raise SpacyWeakError(Errors.E252.format(path=path, err=err)) from None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("shards"), list):
        raise SpacyWeakError(Errors.E252.format(path=path, err=f"not a {MANIFEST_FORMAT} manifest"))
    return data


def _stray_files(output_dir: Path) -> List[Path]:
    return [p for p in output_dir.iterdir() if p.name.startswith((".shard-", f".{MANIFEST}.")) and p.name.endswith(".tmp")]


def _shard_files(output_dir: Path) -> List[Path]:
    return sorted(p for p in output_dir.iterdir() if SHARD_PATTERN.match(p.name))


class ShardWriter:
    """Write docs to atomically written DocBin shards with a resumable manifest.

    output_dir: the directory (created if needed).
    settings: JSON-serialisable description of the run; must match to resume.
    shard_size: documents per shard.
    overwrite: delete an earlier run in ``output_dir`` instead of resuming it.
    count_fn: ``doc -> {name: count}`` summed per shard into the manifest
        (e.g. spans per key), so the summary of a resumed run is complete.
    store_user_data: passed to :class:`DocBin` (keeps ``doc.user_data``).
    """

    def __init__(
        self,
        output_dir: PathLike,
        *,
        settings: Optional[Dict[str, Any]] = None,
        shard_size: int = 1000,
        overwrite: bool = False,
        count_fn: Optional[CountFn] = None,
        store_user_data: bool = True,
    ) -> None:
        if not isinstance(shard_size, int) or isinstance(shard_size, bool) or shard_size < 1:
            raise SpacyWeakError(Errors.E257.format(value=shard_size))
        speed_up_srsly_msgpack()
        self.output_dir = Path(output_dir)
        self.settings = srsly.json_loads(srsly.json_dumps(settings or {}))
        self.shard_size = shard_size
        self.count_fn = count_fn
        self.store_user_data = store_user_data
        self.shards: List[Dict[str, Any]] = []
        self.complete = False
        self.summary: Dict[str, Any] = {}
        self.resumed = False
        self._buffer: Optional[DocBin] = None
        self._buffer_counts: Dict[str, int] = {}
        self._open(overwrite)

    # ------------------------------------------------------------------ state
    @property
    def n_done(self) -> int:
        """Documents safely written (input documents to skip when resuming)."""
        return sum(int(s["docs"]) for s in self.shards)

    @property
    def n_written(self) -> int:
        """Documents written or buffered so far."""
        return self.n_done + (len(self._buffer) if self._buffer is not None else 0)

    @property
    def counts(self) -> Dict[str, int]:
        """``count_fn`` totals over the written shards."""
        total: Dict[str, int] = {}
        for shard in self.shards:
            for key, n in shard.get("counts", {}).items():
                total[key] = total.get(key, 0) + int(n)
        return dict(sorted(total.items()))

    @property
    def manifest_path(self) -> Path:
        return self.output_dir / MANIFEST

    def _open(self, overwrite: bool) -> None:
        self.output_dir.mkdir(parents=True, exist_ok=True)
        manifest = read_manifest(self.output_dir) if not overwrite else None
        if overwrite:
            for p in _shard_files(self.output_dir) + _stray_files(self.output_dir):
                p.unlink()
            if self.manifest_path.exists():
                self.manifest_path.unlink()
        elif manifest is None:
            existing = _shard_files(self.output_dir)
            if existing:
                raise SpacyWeakError(Errors.E251.format(path=self.output_dir, n=len(existing)))
        elif not self._resume(manifest):
            manifest = None
        for p in _stray_files(self.output_dir):
            p.unlink()
        if manifest is None:
            self._write_manifest()

    def _resume(self, manifest: Dict[str, Any]) -> bool:
        """Continue the run in the manifest; False if it was replaced (see below).

        A *complete* run with other settings is obsolete output: it is
        replaced (``W251``), as a workflow step that reruns because its input
        changed expects. An *incomplete* one is refused (``E250``): mixing
        two runs would be wrong, and replacing it could throw away hours of
        work done with, e.g., a mistyped model path.
        """
        old = dict(manifest.get("settings", {}), shard_size=manifest.get("shard_size"))
        new = dict(self.settings, shard_size=self.shard_size)
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                if manifest.get("complete"):
                    warn(Warnings.W251.format(path=self.output_dir, key=key))
                    for p in _shard_files(self.output_dir):
                        p.unlink()
                    self.manifest_path.unlink()
                    return False
                raise SpacyWeakError(
                    Errors.E250.format(path=self.output_dir, key=key, old=_short(old.get(key)), new=_short(new.get(key)))
                )
        listed = {s["file"] for s in manifest["shards"]}
        for shard in manifest["shards"]:
            if not (self.output_dir / shard["file"]).is_file():
                raise SpacyWeakError(Errors.E253.format(path=self.output_dir / shard["file"], err="file missing"))
        for p in _shard_files(self.output_dir):
            if p.name not in listed:
                logger.info("Removing %s: written after the last manifest update of an interrupted run", p)
                p.unlink()
        self.shards = list(manifest["shards"])
        self.complete = bool(manifest.get("complete"))
        self.summary = dict(manifest.get("summary", {}))
        self.resumed = bool(self.shards) or self.complete
        if self.resumed:
            logger.info(
                "Resuming %s: %d documents in %d shards already written%s",
                self.output_dir,
                self.n_done,
                len(self.shards),
                " (complete)" if self.complete else "",
            )
        return True

    def _write_manifest(self) -> None:
        write_json_atomic(
            self.manifest_path,
            {
                "format": MANIFEST_FORMAT,
                "settings": self.settings,
                "shard_size": self.shard_size,
                "shards": self.shards,
                "docs": self.n_done,
                "complete": self.complete,
                "summary": self.summary,
            },
        )

    # ---------------------------------------------------------------- writing
    def add(self, doc: Doc) -> None:
        """Buffer ``doc``; a full buffer is written as the next shard."""
        if self.complete:
            raise SpacyWeakError(Errors.E254.format(path=self.output_dir))
        if self._buffer is None:
            self._buffer = DocBin(store_user_data=self.store_user_data)
            self._buffer_counts = {}
        self._buffer.add(doc)
        if self.count_fn is not None:
            for key, n in self.count_fn(doc).items():
                self._buffer_counts[key] = self._buffer_counts.get(key, 0) + int(n)
        if len(self._buffer) >= self.shard_size:
            self.flush()

    def add_all(self, docs: Iterable[Doc]) -> None:
        for doc in docs:
            self.add(doc)

    def flush(self) -> None:
        """Write the buffered docs as a shard (atomically), then the manifest."""
        if self._buffer is None or len(self._buffer) == 0:
            return
        name = shard_name(len(self.shards))
        with atomic_path(self.output_dir / name) as tmp:
            self._buffer.to_disk(tmp)
        self.shards.append({"file": name, "docs": len(self._buffer), "counts": dict(sorted(self._buffer_counts.items()))})
        self._buffer, self._buffer_counts = None, {}
        self._write_manifest()

    def record(self, file: str, docs: int, counts: dict[str, int]) -> None:
        """List a shard written elsewhere (e.g. by a Dask worker, atomically, under
        ``shard_name(len(self.shards))``) as the next one, then rewrite the manifest."""
        if self.complete:
            raise SpacyWeakError(Errors.E254.format(path=self.output_dir))
        if file != shard_name(len(self.shards)) or not (self.output_dir / file).is_file():
            raise SpacyWeakError(Errors.E253.format(path=self.output_dir / file, err="not the next shard, or missing"))
        self.shards.append({"file": file, "docs": int(docs), "counts": dict(sorted(counts.items()))})
        self._write_manifest()

    def finish(self, summary: Optional[Dict[str, Any]] = None) -> None:
        """Write the last (partial) shard and mark the run complete."""
        self.flush()
        if summary is not None:
            self.summary = srsly.json_loads(srsly.json_dumps(summary))
        self.complete = True
        self._write_manifest()

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # On an exception, keep the full shards written so far; the buffered
        # (partial) shard is discarded and redone by the next run.
        self._buffer, self._buffer_counts = None, {}

    @property
    def files(self) -> List[Path]:
        return [self.output_dir / s["file"] for s in self.shards]


# ------------------------------------------------------------------- reading


def load_docbin(path: PathLike) -> DocBin:
    """A DocBin from ``path``; a corrupted or truncated file is ``E215``."""
    path = Path(path)
    if not path.is_file():
        raise SpacyWeakError(Errors.E200.format(path=path))
    try:
        return DocBin().from_disk(path)
    except Exception as err:  # zlib.error, msgpack errors, KeyError, ValueError...
        raise SpacyWeakError(Errors.E215.format(path=path, err=f"{type(err).__name__}: {err}")) from None


def docbin_files(source: PathLike) -> List[Path]:
    """The ``.spacy`` files of ``source``: the file itself, or a directory's shards.

    A directory with a manifest is read in manifest order (warning ``W201``
    if its run is not complete); without one, all ``*.spacy`` files sorted by name.
    """
    source = Path(source)
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise SpacyWeakError(Errors.E200.format(path=source))
    manifest = read_manifest(source)
    if manifest is not None:
        if not manifest.get("complete"):
            warn(Warnings.W201.format(path=source, docs=sum(int(s["docs"]) for s in manifest["shards"])))
        return [source / s["file"] for s in manifest["shards"]]
    files = sorted(source.glob("*.spacy"))
    if not files:
        raise SpacyWeakError(Errors.E216.format(path=source))
    return files


def read_docs(source: Union[PathLike, Sequence[PathLike]], vocab: Vocab) -> Iterator[Doc]:
    """Stream docs from a ``.spacy`` file, a directory of shards, or a list of those."""
    speed_up_srsly_msgpack()
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    for src in sources:
        for path in docbin_files(src):
            docbin = load_docbin(path)
            try:
                yield from docbin.get_docs(vocab)
            except SpacyWeakError:
                raise
            except Exception as err:
                raise SpacyWeakError(Errors.E215.format(path=path, err=f"{type(err).__name__}: {err}")) from None


def count_docs(source: Union[PathLike, Sequence[PathLike]]) -> int:
    """Number of docs in DocBin files / shard directories (manifest counts when present)."""
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    total = 0
    for src in sources:
        src = Path(src)
        manifest = read_manifest(src) if src.is_dir() else None
        if manifest is not None:
            total += sum(int(s["docs"]) for s in manifest["shards"])
        else:
            total += sum(len(load_docbin(p)) for p in docbin_files(src))
    return total


def file_digest(path: PathLike, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def input_fingerprint(source: Union[PathLike, Sequence[PathLike]]) -> List[Dict[str, Any]]:
    """Name, size and sha256 of the input file(s) (a directory: its files), for a run's settings.

    Resuming with an input whose content changed since the interrupted run is
    refused (``E250``): skipping "the documents already done" would skip other
    ones. Content, not modification time, is compared, so an input rewritten
    identically by an earlier workflow step still resumes.
    """
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    out = []
    for src in sources:
        src = Path(src)
        files = sorted(p for p in src.iterdir() if p.is_file() and not p.name.startswith(".")) if src.is_dir() else [src]
        for p in files:
            out.append({"name": p.name, "size": p.stat().st_size, "sha256": file_digest(p)})
    return out
