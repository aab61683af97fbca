"""Sharded DocBin output that survives interruption, and reading it back.

A run writes ``shard-00000.spacy``, ``shard-00001.spacy``, ... into an output
directory, each with ``shard_size`` documents (the last may hold fewer), and
a ``manifest.json`` (srsly JSON)::

    {"format": "spacy_weak.shards.v1", "settings": {...}, "shard_size": 1000,
     "shards": [{"file": "shard-00000.spacy", "docs": 1000, "counts": {...}}, ...],
     "docs": 2000, "complete": false, "summary": {...}}

Each shard is written atomically (temporary name, then rename); the
manifest is rewritten atomically before each shard (naming it ``pending``)
and after it (listing it). Shards written by other processes (Dask workers)
follow the same protocol through :meth:`ShardWriter.reserve` (``pending``
then lists every shard in flight) and :meth:`ShardWriter.record`. So a ``kill -9`` at any moment leaves complete
shards and a manifest that lists a prefix of them.
:class:`ShardWriter` opened again on the directory with the same settings
deletes the pending shard and its temporary file (files the manifest records
as written by the run; nothing else is ever deleted, see
docs/reliability.md), reports :attr:`ShardWriter.n_done` documents done,
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
import logging
import re
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import srsly
from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab

from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..io import atomic_path, file_digest, write_json_atomic
from .manifest import MANIFEST_FORMAT, pending_names, shard_name, validate_manifest
from .output_dir import DirectoryLock, check_output_dir, describe_writer, writer_identity

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
MANIFEST = "manifest.json"
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


def _difference(old: Any, new: Any):
    """Short texts of two differing setting values; for lists, what differs (never cut before it)."""
    if isinstance(old, list) and isinstance(new, list):
        removed = [v for v in old if v not in new]
        added = [v for v in new if v not in old]
        if removed or added:
            return (_short(old) + f" (not now: {_short(removed)})", _short(new) + f" (new: {_short(added)})")
        return _short(old) + " (another order)", _short(new)
    return _short(old), _short(new)


def read_manifest(output_dir: PathLike) -> Optional[Dict[str, Any]]:
    """The manifest of a sharded run (schema-checked, ``E267``), or None if there is none."""
    path = Path(output_dir) / MANIFEST
    if not path.exists():
        return None
    if path.is_dir():
        raise SpacyWeakError(Errors.E274.format(path=path, what="a run's manifest"))
    try:
        data = srsly.read_json(path)
    except ValueError as err:
        raise SpacyWeakError(Errors.E252.format(path=path, err=err)) from None
    except UnicodeDecodeError as err:
        raise SpacyWeakError(Errors.E252.format(path=path, err=f"not UTF-8 ({err})")) from None
    return validate_manifest(data, path)


def _tmp_name(name: str) -> str:
    """The temporary name the writer uses for ``name`` (reserved, see docs/reliability.md)."""
    return f".{name}.tmp"


def _shard_files(output_dir: Path) -> List[Path]:
    return sorted(p for p in output_dir.iterdir() if SHARD_PATTERN.match(p.name))


class ShardWriter:
    """Write docs to atomically written DocBin shards with a resumable manifest.

    output_dir: the directory (created if needed).
    settings: JSON-serialisable description of the run; must match to resume.
    shard_size: documents per shard.
    overwrite: delete an earlier run in ``output_dir`` (the files its manifest
        lists) instead of resuming it.
    count_fn: ``doc -> {name: count}`` summed per shard into the manifest
        (e.g. spans per key), so the summary of a resumed run is complete.
    store_user_data: passed to :class:`DocBin` (keeps ``doc.user_data``).
    inputs: the run's input paths; one that is (inside) ``output_dir`` is
        refused (``E263``) before anything is touched.

    The writer holds an exclusive lock on ``output_dir`` from construction
    to :meth:`close` (or the end of a ``with`` block); a second writer fails
    at once (``E265``). It deletes or overwrites only files recorded in a
    manifest (the shards it lists and the ``pending`` shard), the manifest
    itself, and its reserved temporary names (``.manifest.json.tmp``,
    ``.shard-NNNNN.spacy.tmp``); any other ``shard-*.spacy`` file is refused
    (``E269``), never deleted.
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
        inputs: Sequence[PathLike] = (),
    ) -> None:
        if not isinstance(shard_size, int) or isinstance(shard_size, bool) or shard_size < 1:
            raise SpacyWeakError(Errors.E257.format(value=shard_size))
        check_output_dir(output_dir, inputs)
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
        self.writer = writer_identity()
        self._owns_manifest = False
        self._reserved: list[str] = []  # shards being written elsewhere (reserve/record)
        self._buffer: Optional[DocBin] = None
        self._buffer_counts: Dict[str, int] = {}
        self._lock = DirectoryLock(self.output_dir)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._lock.acquire(self._describe_holder)
        try:
            self._open(overwrite)
        except BaseException:
            self.close()
            raise

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

    def _describe_holder(self) -> str:
        try:
            data = srsly.read_json(self.manifest_path) if self.manifest_path.is_file() else None
        except (ValueError, OSError):
            data = None
        return describe_writer(data.get("writer") if isinstance(data, dict) else None)

    def _remove_owned(self, manifest: Optional[Dict[str, Any]], *, listed: bool) -> None:
        """Delete what an earlier run recorded as its own: the pending shard and temporaries (and, if ``listed``, its shards and manifest)."""
        names = [_tmp_name(MANIFEST)]
        if manifest is not None:
            for name in pending_names(manifest):
                names += [name, _tmp_name(name)]
            if listed:
                names += [s["file"] for s in manifest["shards"]] + [MANIFEST]
        for name in names:
            path = self.output_dir / name
            if path.is_file() or path.is_symlink():
                path.unlink()

    def _check_foreign(self, manifest: Optional[Dict[str, Any]], overwrite: bool) -> None:
        """``E269`` if shard-like files exist that the manifest does not record."""
        known = set()
        if manifest is not None:
            known = {s["file"] for s in manifest["shards"]} | set(pending_names(manifest))
        foreign = [p.name for p in _shard_files(self.output_dir) if p.name not in known]
        if foreign:
            if manifest is None and not overwrite:
                raise SpacyWeakError(Errors.E251.format(path=self.output_dir, n=len(foreign)))
            raise SpacyWeakError(Errors.E269.format(path=self.output_dir, files=", ".join(foreign[:5])))

    def _open(self, overwrite: bool) -> None:
        manifest = read_manifest(self.output_dir)
        self._check_foreign(manifest, overwrite)
        if overwrite:
            self._remove_owned(manifest, listed=True)
            manifest = None
        elif manifest is not None and not self._resume(manifest):
            manifest = None
        if not self.complete:
            # This run holds the lock: it takes the manifest over from a
            # writer that died (its token is replaced by ours).
            self._owns_manifest = True
            self._write_manifest(takeover=True)

    def _resume(self, manifest: Dict[str, Any]) -> bool:
        """Continue the run in the manifest; False if it was replaced (see below).

        A *complete* run with other settings is obsolete output: it is
        replaced (``W251``; only the files its manifest lists are deleted),
        as a workflow step that reruns because its input changed expects. An
        *incomplete* one is refused (``E250``): mixing two runs would be
        wrong, and replacing it could throw away hours of work done with,
        e.g., a mistyped model path. An incomplete run that wrote no document
        yet (it failed at its start) holds no work: it is replaced as well.
        """
        old = dict(manifest.get("settings", {}), shard_size=manifest.get("shard_size"))
        new = dict(self.settings, shard_size=self.shard_size)
        for key in sorted(set(old) | set(new)):
            if old.get(key) != new.get(key):
                if manifest.get("complete") or not manifest.get("shards"):
                    warn(Warnings.W251.format(path=self.output_dir, key=key))
                    self._remove_owned(manifest, listed=True)
                    return False
                old_text, new_text = _difference(old.get(key), new.get(key))
                raise SpacyWeakError(Errors.E250.format(path=self.output_dir, key=key, old=old_text, new=new_text))
        for shard in manifest["shards"]:
            path = self.output_dir / shard["file"]
            if not path.is_file():
                raise SpacyWeakError(Errors.E253.format(path=path, err="file missing"))
            if shard.get("sha256") is not None and file_digest(path) != shard["sha256"]:
                # swapped, edited or replaced by hand: its documents are not the ones recorded at this position
                raise SpacyWeakError(Errors.E281.format(path=path))
            found = len(load_docbin(path))
            if found != shard["docs"]:
                raise SpacyWeakError(Errors.E268.format(path=path, expected=shard["docs"], found=found))
        if not manifest.get("complete"):
            self._remove_owned(manifest, listed=False)
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

    def _write_manifest(self, pending: Optional[str] = None, *, takeover: bool = False) -> None:
        """Rewrite the manifest, after checking that this run still owns it (``E266``)."""
        if not self._owns_manifest:
            raise SpacyWeakError(Errors.E254.format(path=self.output_dir))
        if not takeover and self.manifest_path.exists():
            try:
                on_disk = srsly.read_json(self.manifest_path)
            except (ValueError, OSError):
                on_disk = None
            holder = on_disk.get("writer") if isinstance(on_disk, dict) else None
            if isinstance(holder, dict) and holder.get("token") not in (None, self.writer["token"]):
                raise SpacyWeakError(
                    Errors.E266.format(
                        path=self.manifest_path, holder=describe_writer(holder), pid=self.writer["pid"], host=self.writer["host"]
                    )
                )
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
                "pending": pending if pending is not None else (list(self._reserved) or None),
                "writer": None if self.complete else self.writer,
            },
            tmp_name=_tmp_name(MANIFEST),
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
        # Record the shard as pending first: a kill between its rename and the
        # next manifest update leaves a file the next run knows it wrote.
        self._write_manifest(pending=name)
        with atomic_path(self.output_dir / name, tmp_name=_tmp_name(name)) as tmp:
            self._buffer.to_disk(tmp)
        self.shards.append({"file": name, "docs": len(self._buffer), "counts": dict(sorted(self._buffer_counts.items())),
                            "sha256": file_digest(self.output_dir / name)})
        self._buffer, self._buffer_counts = None, {}
        self._write_manifest()

    # ------------------------------------------ shards written elsewhere (Dask)
    def reserve(self, index: int) -> Path:
        """Record shard ``index`` as pending before another process (a Dask worker)
        writes it, atomically with :func:`spacy_weak.io.write_bytes_atomic`; returns its path.

        The same protocol as :meth:`flush`, for shards written out of order: the
        manifest names every reserved shard (``pending`` is then a list), so after a
        ``kill -9`` the next run knows these files are its own and deletes them.
        Reserving a shard that is already reserved does not rewrite the manifest.
        """
        if self.complete:
            raise SpacyWeakError(Errors.E254.format(path=self.output_dir))
        if self._buffer is not None:
            raise RuntimeError("ShardWriter: add() and reserve() cannot be mixed in one run")
        name = shard_name(index)
        if index < len(self.shards):
            raise SpacyWeakError(Errors.E253.format(path=self.output_dir / name, err="already listed in the manifest"))
        if name not in self._reserved:
            self._reserved = sorted(self._reserved + [name])
            self._write_manifest()
        return self.output_dir / name

    def record(self, file: str, docs: int, counts: Dict[str, int]) -> None:
        """List a reserved shard written elsewhere as the next one (``file`` must be
        ``shard_name(len(self.shards))``), then rewrite the manifest."""
        if self.complete:
            raise SpacyWeakError(Errors.E254.format(path=self.output_dir))
        if file != shard_name(len(self.shards)) or file not in self._reserved or not (self.output_dir / file).is_file():
            raise SpacyWeakError(Errors.E253.format(path=self.output_dir / file, err="not the next reserved shard, or missing"))
        self.shards.append({"file": file, "docs": int(docs), "counts": dict(sorted(counts.items())),
                            "sha256": file_digest(self.output_dir / file)})
        self._reserved.remove(file)
        self._write_manifest()

    def finish(self, summary: Optional[Dict[str, Any]] = None) -> None:
        """Write the last (partial) shard and mark the run complete."""
        self.flush()
        if self._reserved:
            raise SpacyWeakError(Errors.E253.format(path=self.output_dir / self._reserved[0], err="reserved, never recorded"))
        if summary is not None:
            self.summary = srsly.json_loads(srsly.json_dumps(summary))
        self.complete = True
        self._write_manifest()

    def close(self) -> None:
        """Release the directory lock (the buffered, unwritten docs are dropped)."""
        self._buffer, self._buffer_counts = None, {}
        self._lock.release()

    def __enter__(self) -> "ShardWriter":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # On an exception, keep the full shards written so far; the buffered
        # (partial) shard is discarded and redone by the next run.
        self.close()

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


def docbin_entries(source: PathLike) -> List[Tuple[Path, Optional[int]]]:
    """``(file, documents the manifest promises or None)`` for each ``.spacy`` file of ``source``."""
    source = Path(source)
    if source.is_file():
        return [(source, None)]
    if not source.is_dir():
        raise SpacyWeakError(Errors.E200.format(path=source))
    manifest = read_manifest(source)
    if manifest is not None:
        if not manifest.get("complete"):
            warn(Warnings.W201.format(path=source, docs=sum(int(s["docs"]) for s in manifest["shards"])))
        return [(source / s["file"], s["docs"]) for s in manifest["shards"]]
    files = sorted(p for p in source.glob("*.spacy") if p.is_file())
    if not files:
        raise SpacyWeakError(Errors.E216.format(path=source))
    return [(p, None) for p in files]


def docbin_files(source: PathLike) -> List[Path]:
    """The ``.spacy`` files of ``source``: the file itself, or a directory's shards.

    A directory with a manifest is read in manifest order (warning ``W201``
    if its run is not complete); without one, all ``*.spacy`` files sorted by name.
    """
    return [path for path, _ in docbin_entries(source)]


def read_docs(source: Union[PathLike, Sequence[PathLike]], vocab: Vocab) -> Iterator[Doc]:
    """Stream docs from a ``.spacy`` file, a directory of shards, or a list of those.

    A shard holding another number of documents than its manifest says is ``E268``.
    """
    speed_up_srsly_msgpack()
    sources = [source] if isinstance(source, (str, Path)) else list(source)
    for src in sources:
        for path, expected in docbin_entries(src):
            docbin = load_docbin(path)
            if expected is not None and len(docbin) != expected:
                raise SpacyWeakError(Errors.E268.format(path=path, expected=expected, found=len(docbin)))
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
