"""In-domain floret vectors from unlabelled text, the spaCy way (``spacy-weak vectors``).

Three stages, each written atomically into the output folder and skipped when a
previous run finished it with the same settings (a killed run resumes; the stage
it was killed in starts again):

1. ``text.txt``: every input document tokenised by the *pipeline's* tokenizer
   (the tokens the NER will see), one document a line, tokens joined by spaces.
   Inputs are any corpus :func:`~spacy_weak.corpora.readers.read_corpus` reads
   (PubTator, DocBin, JSONL pool, ...); labels are never read.
2. ``vectors.floret``: ``floret.train_unsupervised(mode="floret")`` (cbow, hashed
   subwords: unseen words get vectors from their character n-grams).
3. ``model/``: ``spacy init vectors --mode floret``, through spaCy's own
   :func:`spacy.training.initialize.convert_vectors`; a config uses it with
   ``[initialize] vectors = "<out>/model"`` and ``include_static_vectors = true``.

``stamp.json`` records the settings of each finished stage. With ``threads = 1``
floret is deterministic, so a resumed run gives the same vectors as an unbroken one.
"""
import hashlib
import logging
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Union

import srsly

from ..errors import Errors, SpacyWeakError
from ..io import atomic_path, write_json_atomic

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]
STAMP = "stamp.json"
TEXT = "text.txt"
FLORET = "vectors.floret"
MODEL = "model"


@dataclass
class FloretSettings:
    """floret's ``train_unsupervised`` settings (defaults: the probes' recipe, ~2 min on 2 cores)."""

    model: str = "cbow"
    dim: int = 100
    epoch: int = 5
    min_count: int = 2
    minn: int = 3
    maxn: int = 5
    hash_count: int = 2
    bucket: int = 50000
    threads: int = 1


def input_fingerprint(paths: Sequence[PathLike]) -> List[Dict[str, Any]]:
    """Name, size and a hash of the first and last MiB of every input (cheap, changes with the file)."""
    out = []
    for p in paths:
        p = Path(p)
        files = sorted(x for x in p.rglob("*") if x.is_file()) if p.is_dir() else [p]
        h = hashlib.sha1()
        size = 0
        for f in files:
            st = f.stat()
            size += st.st_size
            with f.open("rb") as fh:
                h.update(fh.read(1 << 20))
                if st.st_size > 2 << 20:
                    fh.seek(-(1 << 20), 2)
                    h.update(fh.read())
        out.append({"path": str(p), "bytes": size, "sha1": h.hexdigest()[:16]})
    return out


def write_token_text(docs: Iterable, path: PathLike) -> Dict[str, int]:
    """One line per doc (tokens joined by spaces, whitespace tokens dropped); atomic."""
    n_docs = n_tokens = 0
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf8") as fh:
        for doc in docs:
            words = [t.text for t in doc if not t.is_space and t.text.strip()]
            if not words:
                continue
            fh.write(" ".join(words) + "\n")
            n_docs += 1
            n_tokens += len(words)
    return {"docs": n_docs, "tokens": n_tokens}


def vectors_width(path: PathLike, param: str = "vectors") -> int:
    """Width of the vectors of a ``spacy init vectors`` directory (E318 if it is not one)."""
    path = Path(path)
    cfg = path / "vocab" / "vectors.cfg"
    if not path.is_dir() or not (path / "vocab").is_dir():
        raise SpacyWeakError(Errors.E318.format(path=path, param=param, problem="no vocab/ folder"))
    from spacy.vectors import Vectors

    try:
        vectors = Vectors()
        vectors.from_disk(path / "vocab", exclude=("strings",))
    except Exception as err:  # noqa: BLE001 (any unreadable vectors file)
        raise SpacyWeakError(Errors.E318.format(path=path, param=param, problem=f"{type(err).__name__}: {err}")) from None
    if vectors.shape[1] == 0:
        raise SpacyWeakError(Errors.E318.format(path=path, param=param, problem=f"empty vectors ({cfg.name})"))
    return int(vectors.shape[1])


def check_vectors(path: PathLike, dim: Optional[int], *, param: str = "vectors_dim") -> int:
    """The vectors' width; E317 when it differs from ``dim`` (None: any width)."""
    found = vectors_width(path)
    if dim is not None and int(dim) != found:
        raise SpacyWeakError(Errors.E317.format(path=path, found=found, param=param, expected=dim))
    return found


def config_vectors(config: PathLike, overrides: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """The ``[initialize] vectors`` a ``spacy train`` config (with overrides) loads, or None."""
    from spacy.util import load_config

    cfg = load_config(Path(config), overrides=dict(overrides or {}), interpolate=True)
    value = cfg.get("initialize", {}).get("vectors")
    return str(value) if value else None


class VectorsRun:
    """The three stages in ``output``; :meth:`run` does what is not finished yet."""

    def __init__(self, output: PathLike, inputs: Sequence[PathLike], settings: FloretSettings, *, overwrite: bool = False):
        self.output = Path(output)
        self.inputs = [Path(p) for p in inputs]
        self.settings = settings
        self.overwrite = overwrite

    def _stamp(self) -> Dict[str, Any]:
        path = self.output / STAMP
        return dict(srsly.read_json(path)) if path.exists() else {}

    def _keys(self) -> Dict[str, Any]:
        return {
            "text": {"inputs": input_fingerprint(self.inputs)},
            "floret": asdict(self.settings),
        }

    def check(self) -> Dict[str, Any]:
        """Before any long step: refuse a folder with other settings (E319) unless ``overwrite``."""
        stamp = self._stamp()
        keys = self._keys()
        if self.output.exists() and any(self.output.iterdir()) and not stamp and not self.overwrite:
            raise SpacyWeakError(Errors.E319.format(path=self.output, key="stamp.json", old="absent", new="a vectors run"))
        for stage in ("text", "floret"):
            old = stamp.get(stage)
            if old is not None and old != keys[stage] and not self.overwrite:
                raise SpacyWeakError(Errors.E319.format(path=self.output, key=stage, old=old, new=keys[stage]))
        return keys

    def run(self, make_docs) -> Dict[str, Any]:
        """``make_docs(path)`` yields the tokenised docs of one input. Returns the stamp."""
        keys = self.check()
        self.output.mkdir(parents=True, exist_ok=True)
        stamp = self._stamp() if not self.overwrite else {}
        text = self.output / TEXT
        if stamp.get("text") != keys["text"] or not text.exists():
            stamp = {}
            counts = write_token_text((d for p in self.inputs for d in make_docs(p)), text)
            if counts["tokens"] == 0:
                raise SpacyWeakError(Errors.E320.format(inputs=[str(p) for p in self.inputs]))
            stamp["text"] = keys["text"]
            stamp["text_counts"] = counts
            write_json_atomic(self.output / STAMP, stamp)
            logger.info("vectors: wrote %d docs, %d tokens to %s", counts["docs"], counts["tokens"], text)
        floret_file = self.output / FLORET
        if stamp.get("floret") != keys["floret"] or not floret_file.exists():
            stamp.pop("model", None)
            self._train_floret(text, floret_file)
            stamp["floret"] = keys["floret"]
            write_json_atomic(self.output / STAMP, stamp)
        model = self.output / MODEL
        if not stamp.get("model") or not model.exists():
            self._init_vectors(floret_file, model)
            stamp["model"] = {"dim": check_vectors(model, self.settings.dim, param="--dim")}
            write_json_atomic(self.output / STAMP, stamp)
        return stamp

    def _train_floret(self, text: Path, out: Path) -> None:
        import floret

        s = self.settings
        logger.info("vectors: training floret (%s, dim %d, %d epochs, %d threads)", s.model, s.dim, s.epoch, s.threads)
        model = floret.train_unsupervised(
            str(text), model=s.model, mode="floret", dim=s.dim, epoch=s.epoch, minCount=s.min_count,
            minn=s.minn, maxn=s.maxn, hashCount=s.hash_count, bucket=s.bucket, thread=s.threads, verbose=0,
        )
        with atomic_path(out) as tmp:
            model.save_floret_vectors(str(tmp))

    def _init_vectors(self, floret_file: Path, model: Path) -> None:
        """``spacy init vectors en vectors.floret model --mode floret`` (spaCy's own function)."""
        import spacy
        from spacy.training.initialize import convert_vectors

        nlp = spacy.blank("en")
        convert_vectors(nlp, floret_file, truncate=0, prune=-1, mode="floret")
        tmp = model.with_name(f".{model.name}.tmp")
        if tmp.exists():
            shutil.rmtree(tmp)
        nlp.to_disk(tmp)
        if model.exists():
            shutil.rmtree(model)
        tmp.rename(model)
