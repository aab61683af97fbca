"""Shipping a pipeline to Dask workers once per worker, not once per task.

The client saves the pipeline (``nlp.to_disk``) and packs the directory into
one zip blob (plus the text of any ``--code`` file). A
:class:`PipelinePlugin` carrying the blob is registered with the scheduler,
which hands it to every worker -- also to workers that join or restart later.
A task calls :func:`worker_pipeline` with the blob's sha256: the first call in
a worker process unpacks the blob into the worker's local directory, imports
the code and ``spacy.load``s it; later calls return the cached ``Language``.
"""
import hashlib
import io
import logging
import tempfile
import threading
import zipfile
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

logger = logging.getLogger(__name__)

_PLUGINS: dict[str, "PipelinePlugin"] = {}
_LOADED: dict[str, object] = {}
_LOCK = threading.Lock()


def pack_directory(path: Path) -> bytes:
    """The files under ``path`` as a zip (sorted names, fixed timestamps: same files, same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for file in sorted(p for p in Path(path).rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(file.relative_to(path)), date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED  # already compact; deflate cost seconds per run
            zf.writestr(info, file.read_bytes())
    return buf.getvalue()


def pack_pipeline(nlp) -> bytes:
    with tempfile.TemporaryDirectory(prefix="spacy-weak-nlp-") as tmp:
        nlp.to_disk(Path(tmp) / "model")
        return pack_directory(Path(tmp) / "model")


class PipelinePlugin(WorkerPlugin):
    """Carries a packed pipeline (and user code) to every worker; see the module docstring."""

    def __init__(self, blob: bytes, code: list[tuple[str, str]] | None = None) -> None:
        self.blob = blob
        self.key = hashlib.sha256(blob).hexdigest()
        self.code = list(code or [])
        self.name = f"spacy-weak-pipeline-{self.key[:16]}"

    def setup(self, worker) -> None:
        self.local_directory = getattr(worker, "local_directory", None)
        _PLUGINS[self.key] = self

    def teardown(self, worker) -> None:
        _PLUGINS.pop(self.key, None)
        _LOADED.pop(self.key, None)


def register_pipeline(client, nlp, code_path: Path | None = None) -> str:
    """Register ``nlp`` (and the ``--code`` file) with every worker; returns the key for :func:`worker_pipeline`."""
    code = [(Path(code_path).name, Path(code_path).read_text(encoding="utf8"))] if code_path else []
    plugin = PipelinePlugin(pack_pipeline(nlp), code)
    client.register_plugin(plugin, name=plugin.name)
    logger.info("Pipeline %s (%d bytes packed) registered with the workers", plugin.key[:12], len(plugin.blob))
    return plugin.key


def unregister_pipeline(client, key: str) -> None:
    """Remove the plugin (and the worker-side cache) once a run is over."""
    try:
        client.unregister_worker_plugin(f"spacy-weak-pipeline-{key[:16]}")
    except Exception as err:  # noqa: BLE001 - best effort: the cluster may be gone already
        logger.debug("could not unregister pipeline %s: %s", key[:12], err)


def _import_code(directory: Path, code: list[tuple[str, str]]) -> None:
    from spacy.util import import_file

    for name, text in code:
        path = directory / name
        path.write_text(text, encoding="utf8")
        import_file("spacy_weak_user_code", path)


def worker_pipeline(key: str):
    """The pipeline registered under ``key``, loaded once per worker process."""
    nlp = _LOADED.get(key)
    if nlp is not None:
        return nlp
    with _LOCK:
        nlp = _LOADED.get(key)
        if nlp is not None:
            return nlp
        plugin = _PLUGINS.get(key)
        if plugin is None:
            raise RuntimeError(f"pipeline {key[:12]} is not registered on this worker")
        import spacy

        base = Path(tempfile.mkdtemp(prefix=f"spacy-weak-{key[:12]}-", dir=plugin.local_directory))
        _import_code(base, plugin.code)
        with zipfile.ZipFile(io.BytesIO(plugin.blob)) as zf:
            zf.extractall(base / "model")
        nlp = spacy.load(base / "model")
        _LOADED[key] = nlp
        return nlp
