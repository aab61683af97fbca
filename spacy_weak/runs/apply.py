"""A run of a pipeline over a corpus into resumable sharded DocBins (``spacy-weak apply``).

:class:`Applier` holds what every backend shares, in order: the checks of the
options, the output directory's check (nothing read or written before it), the
input format, the pipeline (``--code``, overrides), the input limits, the run's
settings and provenance, and the :class:`~spacy_weak.corpora.shards.ShardWriter`
that takes the lock and keeps the manifest (resume after ``kill -9``). A backend
replaces only :meth:`Applier.loop` -- here ``nlp.pipe`` in this process (``n_process``
workers of spaCy's own); :class:`spacy_weak.distributed.apply.DaskApplier` submits one
task per shard -- and the hooks :meth:`Applier.check_options`,
:meth:`Applier.check_input` and :meth:`Applier.guard` for what differs before it.
Snorkel's ``BaseLFApplier`` / ``DaskLFApplier`` have the same shape.

Output shard ``k`` holds input documents ``[k * shard_size, (k + 1) * shard_size)``
whatever the backend, so one backend can resume the other's run and both write the
same bytes.
"""
import logging
import os
import sys
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Dict, Iterable, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from ..corpora.limits import guard_tokenizer
from ..corpora.output_dir import check_output_dir
from ..corpora.readers import FORMATS, detect_format, read_corpus
from ..corpora.shards import ShardWriter, count_docs, input_fingerprint
from ..errors import Errors, SpacyWeakError, Warnings, warn
from ..progress import progress, progress_enabled
from .code import import_code
from .pipeline import load_pipeline

logger = logging.getLogger(__name__)


def span_counts(doc: Doc) -> Dict[str, int]:
    """Per-doc counts kept in the manifest: spans per key, entities per label."""
    counts: Dict[str, int] = {"docs": 1}
    for key, group in doc.spans.items():
        counts[f"spans:{key}"] = len(group)
    for ent in doc.ents:
        counts[f"ents:{ent.label_}"] = counts.get(f"ents:{ent.label_}", 0) + 1
    return counts


def summarize(counts: Dict[str, int]) -> Dict[str, Any]:
    """The manifest's summary of a run from its summed :func:`span_counts`."""
    return {
        "documents": counts.get("docs", 0),
        "spans": {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("spans:")},
        "ents": {k.split(":", 1)[1]: v for k, v in counts.items() if k.startswith("ents:")},
    }


def apply_settings(model_id: str, nlp, input_path: Path, fmt: str) -> Dict[str, Any]:
    """The settings an ``apply`` run records in its manifest (any backend): a resumed run
    must have the same ones."""
    return {
        "command": "apply",
        "pipeline": model_id,
        "pipe_names": list(nlp.pipe_names),
        "input": input_fingerprint(input_path),
        "format": fmt,
    }


def run_report(summary: Dict[str, Any], *, resumed_from: int, processed: int, start: float, **extra: Any) -> Dict[str, Any]:
    """What an ``apply`` run returns (any backend): the span summary, where it resumed, how
    many documents it processed and how fast."""
    seconds = time.perf_counter() - start
    return dict(
        summary,
        resumed_from=resumed_from,
        processed=processed,
        seconds=round(seconds, 3),
        docs_per_second=round(processed / seconds, 1) if seconds > 0 else None,
        **extra,
    )


def count_input(path: Path, fmt: str) -> Optional[int]:
    """Documents in the input, for the progress bar's ETA (None if unknown cheaply)."""
    try:
        if fmt == "docbin":
            return count_docs(path)
        if fmt == "pubtator":
            with Path(path).open("rb") as fh:
                return sum(1 for line in fh if b"|t|" in line[:40])
    except (SpacyWeakError, OSError):
        return None
    return None


@dataclass
class PreparedRun:
    """A run after the shared preparation: the loop of a backend works on this."""

    nlp: Language
    input_path: Path
    output_dir: Path
    fmt: str
    writer: ShardWriter
    provenance: Dict[str, Any]
    resumed_from: int


class Applier:
    """``apply`` in this process: :meth:`run` = :meth:`prepare` (shared by every backend),
    then :meth:`loop`. The options are those of ``spacy-weak apply`` (see :func:`apply_pipeline`)."""

    progress_desc = "apply"

    def __init__(
        self,
        *,
        n_process: int = 1,
        batch_size: int = 64,
        shard_size: int = 1000,
        format: str = "auto",
        code: Optional[Path] = None,
        initialize: bool = False,
        overwrite: bool = False,
        show_progress: bool = True,
        overrides: Optional[Dict[str, Any]] = None,
        exclude: Sequence[str] = (),
        max_length: Optional[int] = None,
        max_token_work: Optional[int] = None,
    ) -> None:
        self.n_process, self.batch_size, self.shard_size = n_process, batch_size, shard_size
        self.format, self.code, self.initialize, self.overwrite = format, code, initialize, overwrite
        self.show_progress, self.overrides, self.exclude = show_progress, overrides, exclude
        self.max_length, self.max_token_work = max_length, max_token_work

    # ----------------------------------------------------------- hooks of a backend
    def check_options(self) -> None:
        """``E212`` for an option out of range (before anything is read or written)."""
        if self.n_process < 1 and self.n_process != -1:
            raise SpacyWeakError(Errors.E212.format(param="n_process", value=self.n_process, options="an integer >= 1, or -1"))
        self._check_common_options()

    def _check_common_options(self) -> None:
        if self.batch_size < 1:
            raise SpacyWeakError(Errors.E212.format(param="batch_size", value=self.batch_size, options="an integer >= 1"))
        if self.format not in FORMATS:
            raise SpacyWeakError(Errors.E212.format(param="format", value=self.format, options=", ".join(FORMATS)))

    def check_input(self, input_path: Path, fmt: str) -> None:
        """Checks of the input a backend needs before the pipeline is loaded (none here)."""

    def guard(self, nlp: Language) -> None:
        """The input limits (``max_length``, ``max_token_work``) on the pipeline's tokenizer."""
        guard_tokenizer(nlp, max_length=self.max_length, max_token_work=self.max_token_work)

    def loop(self, run: PreparedRun) -> int:
        """Process the documents not written yet into ``run.writer``; returns how many."""
        from ..review.card import stamp

        nlp, writer = run.nlp, run.writer
        n_new = 0
        docs: Iterable[Doc] = islice(read_corpus(run.input_path, nlp, format=run.fmt), run.resumed_from, None)
        docs = nlp.pipe(docs, batch_size=self.batch_size, n_process=self.n_process)
        if self.show_progress and progress_enabled():
            total = count_input(run.input_path, run.fmt)
            docs = progress(docs, total=None if total is None else max(total - run.resumed_from, 0), desc=self.progress_desc, unit="doc")
        for doc in docs:
            writer.add(stamp(doc, run.provenance))
            n_new += 1
        writer.flush()
        return n_new

    def report_extra(self) -> Dict[str, Any]:
        """Entries a backend adds to the run's report."""
        return {}

    # ---------------------------------------------------------------- shared steps
    def prepare(self, model: Path, input_path: Path, output_dir: Path, *, nlp: Optional[Language] = None) -> PreparedRun:
        """Checks, output directory, format, pipeline, limits, settings, provenance and the
        writer (holding the lock) -- in that order, the same for every backend."""
        import_code(self.code)
        self.check_options()
        input_path, output_dir = Path(input_path), Path(output_dir)
        check_output_dir(output_dir, [input_path])  # E263 / E264 before anything is read or written
        fmt = detect_format(input_path) if self.format == "auto" else self.format
        self.check_input(input_path, fmt)
        if nlp is None:
            nlp, model_id = load_pipeline(Path(model), initialize=self.initialize, overrides=self.overrides, exclude=self.exclude)
        else:
            model_id = str(model)
        self.guard(nlp)
        settings = apply_settings(model_id, nlp, input_path, fmt)
        from ..review.card import pipeline_provenance

        # silver carries the recipe hash and the package version (docs/review.md)
        provenance = pipeline_provenance(nlp)
        writer = ShardWriter(
            output_dir, settings=settings, shard_size=self.shard_size, overwrite=self.overwrite,
            count_fn=span_counts, inputs=[input_path],
        )
        return PreparedRun(nlp, input_path, output_dir, fmt, writer, provenance, writer.n_done)

    def run(self, model: Path, input_path: Path, output_dir: Path, *, nlp: Optional[Language] = None) -> Dict[str, Any]:
        """Prepare, run :meth:`loop` unless the output is complete (``W250``), finish the
        manifest; returns the run's report."""
        start = time.perf_counter()
        run = self.prepare(model, input_path, output_dir, nlp=nlp)
        with run.writer as writer:  # releases the output directory's lock however this ends
            if writer.complete:
                warn(Warnings.W250.format(path=run.output_dir, docs=writer.n_done))
                return dict(writer.summary, resumed_from=writer.n_done, seconds=round(time.perf_counter() - start, 3))
            n_new = self.loop(run)
            summary = summarize(writer.counts)
            writer.finish(summary=summary)
        return run_report(summary, resumed_from=run.resumed_from, processed=n_new, start=start, **self.report_extra())


def apply_pipeline(
    model: Path,
    input_path: Path,
    output_dir: Path,
    *,
    nlp: Optional[Language] = None,
    **options: Any,
) -> Dict[str, Any]:
    """Run a pipeline over a corpus into resumable sharded DocBins; returns the summary.

    ``nlp`` may be given directly (then ``model`` only names it in the settings).
    ``options`` are :class:`Applier`'s: ``n_process``, ``batch_size``, ``shard_size``,
    ``format``, ``code``, ``initialize``, ``overwrite``, ``show_progress``,
    ``overrides``, ``exclude``, ``max_length`` / ``max_token_work`` (limits on text
    input, see :mod:`spacy_weak.corpora.limits`; ``E273`` / ``E275``).
    """
    return Applier(**options).run(model, input_path, output_dir, nlp=nlp)


_DEATH_SIGNAL_REGISTERED = False


def kill_workers_with_parent() -> None:
    """Make processes forked from now on die when this process dies (Linux).

    ``nlp.pipe(n_process=N)`` forks workers that wait on a queue; after a
    ``kill -9`` of the parent they would wait forever. With
    ``PR_SET_PDEATHSIG`` the kernel sends them SIGKILL when the parent dies.
    Called by the command line only (it changes every later fork of the process).
    """
    global _DEATH_SIGNAL_REGISTERED
    if _DEATH_SIGNAL_REGISTERED or not sys.platform.startswith("linux"):
        return
    try:
        import ctypes
        import signal

        libc = ctypes.CDLL(None, use_errno=True)
    except (OSError, AttributeError):
        return
    pr_set_pdeathsig = 1

    def in_child() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)

    os.register_at_fork(after_in_child=in_child)
    _DEATH_SIGNAL_REGISTERED = True
