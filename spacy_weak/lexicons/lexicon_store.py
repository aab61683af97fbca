"""A compiled lexicon on disk and in bytes (``CompiledLexicon.to_disk``/``from_disk``,
``to_bytes``/``from_bytes``): the formats are described in :mod:`spacy_weak.lexicons.compiled`.
The functions take the lexicon (or its class, to load one); the class's methods call them.
"""
import logging
import zipfile
from zlib import crc32
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy
import srsly

from ..errors import Errors, SpacyWeakError
from ..io import atomic_path, write_bytes_atomic
from .key_index import ANCHOR_LEN, SHORT_KEY_MAX, _ahocorasick, _KeyIndex
from .long_keys import decode_keys
from .records import LexiconSummary

logger = logging.getLogger(__name__)

PathLike = Union[str, Path]

FORMAT_VERSION = 3  # 3: the keys' blob and the long keys' table; 2 (dicts in msgpack) is read by rebuilding
READABLE_VERSIONS = (2, 3)
TABLES = ("key_len", "entry_ptr", "entry_label", "entry_cased", "kb_offsets",
          "anchor_key", "anchor_len", "anchor_lptr", "anchor_lens", "key_off", "long_slots")


def read_meta(path: PathLike) -> Dict[str, Any]:
    path = Path(path)
    meta_path = path / "meta.json"
    if not meta_path.exists():
        raise SpacyWeakError(Errors.E001.format(path=meta_path))
    try:
        meta = srsly.read_json(meta_path)
    except ValueError as e:
        raise SpacyWeakError(Errors.E009.format(path=path, problem=f"meta.json is not valid JSON: {e}")) from None
    if meta.get("format") != "spacy_weak.compiled_lexicon":
        raise SpacyWeakError(Errors.E009.format(path=path, problem="meta.json is not a compiled lexicon's"))
    if meta.get("format_version") not in READABLE_VERSIONS:
        raise SpacyWeakError(
            Errors.E009.format(path=path, problem=f"format version {meta.get('format_version')}, expected {FORMAT_VERSION}")
        )
    return meta


def _read_msgpack(path: Path, name: str) -> Any:
    try:
        return srsly.read_msgpack(path / name)
    except Exception as e:  # msgpack raises several types for truncated data
        raise SpacyWeakError(Errors.E009.format(path=path, problem=f"{name} cannot be read: {e}")) from None


def is_compiled_dir(path: PathLike) -> bool:
    return (Path(path) / "meta.json").exists() and (Path(path) / "tables.npz").exists()


def _dist_version(name: str) -> Optional[str]:
    try:
        from importlib.metadata import version

        return version(name)
    except Exception:  # pragma: no cover
        return None


def _state_usable(meta: Dict[str, Any]) -> bool:
    ac = _ahocorasick()
    current = getattr(ac, "__version__", None) or _dist_version("pyahocorasick")
    args = meta.get("automaton_args") or []
    if meta.get("pyahocorasick") != current or len(args) != 5:
        logger.info("Compiled with pyahocorasick %s, running %s: rebuilding the automaton", meta.get("pyahocorasick"), current)
        return False
    return args[0] == ac.AHOCORASICK and args[1] == ac.STORE_INTS and args[2] == ac.KEY_STRING


def _automaton_from_state(chunks: List[bytes], args: List[Any]):
    ac = _ahocorasick()
    try:
        return ac.Automaton(chunks, *args, None)
    except Exception as e:  # a dump this pyahocorasick cannot read: rebuild from the keys instead
        logger.info("Stored automaton not usable (%s): rebuilding from keys", e)
        return None


_DTYPES = {"key_len": numpy.int32, "entry_ptr": numpy.int64, "entry_label": numpy.int32, "entry_cased": numpy.int32,
           "kb_offsets": numpy.int64, "anchor_key": numpy.int32, "anchor_len": numpy.int32,
           "anchor_lptr": numpy.int64, "anchor_lens": numpy.int32, "key_off": numpy.int64, "long_slots": numpy.uint64}


def _short_keys(key_blob: bytes, key_off, key_len: numpy.ndarray) -> Dict[str, int]:
    """The short keys' dict, from the keys' blob."""
    ks = numpy.flatnonzero(key_len <= SHORT_KEY_MAX).tolist()
    return dict(zip(decode_keys(key_blob, key_off, ks), ks))


def _rebuilt(keys: List[str], tables: Dict[str, Any]):
    """The automaton and key tables made again from the keys (in index order)."""
    rebuilt = _KeyIndex.from_keys(keys)
    built = rebuilt.finish()
    tables.update(built)
    return built["automaton"], built["short_keys"], built["key_blob"]


def lexicon_meta(lex) -> Dict[str, Any]:
    ac = _ahocorasick()
    return {
        "format": "spacy_weak.compiled_lexicon",
        "format_version": FORMAT_VERSION,
        "pyahocorasick": getattr(ac, "__version__", None) or _dist_version("pyahocorasick"),
        "short_key_max": SHORT_KEY_MAX,
        "anchor_len": ANCHOR_LEN,
        "options": lex.options,
        "labels": lex.labels,
        "cased_forms": lex.cased_forms,
        "n_terms": lex.n_terms,
        "n_anchors": len(lex.automaton),
        "n_entries": lex.n_entries,
        "summary": lex.summary.to_dict(),
    }


def automaton_state(lex) -> Tuple[List[bytes], List[Any]]:
    if not len(lex.automaton):
        return [], []
    _, args = lex.automaton.__reduce__()
    return list(args[0]), list(args[1:6])


def to_disk(lex, path: PathLike) -> None:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    chunks, args = automaton_state(lex)
    meta = lexicon_meta(lex)
    meta["automaton_args"] = args
    meta["automaton_chunks"] = [len(c) for c in chunks]
    with atomic_path(path / "automaton.bin") as tmp, open(tmp, "wb") as fh:
        for c in chunks:
            fh.write(c)
    del chunks
    with atomic_path(path / "tables.npz") as tmp, open(tmp, "wb") as fh:
        numpy.savez(fh, **{name: getattr(lex, name) for name in TABLES})
    write_bytes_atomic(path / "kb.bin", lex.kb_blob)
    write_bytes_atomic(path / "keys.bin", lex.key_blob)
    bitmaps = lex.token_bitmaps
    if bitmaps:
        with atomic_path(path / "token_bitmaps.npz") as tmp, open(tmp, "wb") as fh:
            numpy.savez(fh, **{name: bitmaps[name] for name in _BITMAP_ARRAYS})
        meta["token_bitmaps"] = {"format": bitmaps["format"], "max_len": bitmaps["max_len"], "keys_crc": crc32(lex.key_blob)}
    write_bytes_atomic(path / "keys.msgpack", srsly.msgpack_dumps(lex.keys_in_order()))
    write_bytes_atomic(path / "meta.json", srsly.json_dumps(meta, indent=2).encode("utf8"))


def from_disk(cls, path: PathLike) -> Any:
    path = Path(path)
    meta = read_meta(path)
    for name in ("tables.npz", "kb.bin", "automaton.bin"):
        if not (path / name).exists():
            raise SpacyWeakError(Errors.E009.format(path=path, problem=f"{name} is missing"))
    try:
        with numpy.load(path / "tables.npz", allow_pickle=False) as z:
            tables = {name: z[name] for name in z.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as e:
        raise SpacyWeakError(Errors.E009.format(path=path, problem=f"tables.npz cannot be read: {e}")) from None
    kb_blob = (path / "kb.bin").read_bytes()
    automaton = None
    if meta["format_version"] == FORMAT_VERSION and (path / "keys.bin").exists():
        key_blob = (path / "keys.bin").read_bytes()
        if _state_usable(meta):
            if meta.get("n_anchors", 0):
                sizes = meta.get("automaton_chunks", [])
                if (path / "automaton.bin").stat().st_size != sum(sizes):
                    raise SpacyWeakError(Errors.E009.format(path=path, problem="automaton.bin has the wrong size"))
                with open(path / "automaton.bin", "rb") as fh:
                    chunks = [fh.read(n) for n in sizes]
                automaton = _automaton_from_state(chunks, meta["automaton_args"])
                del chunks
            else:
                automaton = _KeyIndex().automaton
        if automaton is None:
            if "key_off" not in tables or len(tables["key_off"]) < 1 or tables["key_off"][-1] != len(key_blob):
                raise SpacyWeakError(Errors.E009.format(path=path, problem="keys.bin and tables.npz disagree"))
            keys = decode_keys(key_blob, tables["key_off"])
            logger.info("Rebuilding the automaton of %s from its %d keys", path, len(keys))
            automaton, short, key_blob = _rebuilt(keys, tables)
        elif "key_off" in tables and "key_len" in tables:
            short = _short_keys(key_blob, tables["key_off"], tables["key_len"])
        else:
            raise SpacyWeakError(Errors.E009.format(path=path, problem="tables.npz misses the keys' tables"))
    else:  # format 2 (or keys.bin missing): the keys in order, from keys.msgpack
        if not (path / "keys.msgpack").exists():
            raise SpacyWeakError(Errors.E009.format(path=path, problem="keys.msgpack is missing"))
        keys = _read_msgpack(path, "keys.msgpack")
        logger.info("Rebuilding the automaton of %s from its %d keys", path, len(keys))
        automaton, short, key_blob = _rebuilt(keys, tables)
    lex = from_parts(cls, meta, automaton, short, key_blob, tables, kb_blob, path)
    lex.path = path
    lex.token_bitmaps = _token_bitmaps(path, meta, key_blob)
    return lex


_BITMAP_ARRAYS = ("keys", "prefixes", "exact_fp", "exact_key")  # the token-window matcher's key tables


def _token_bitmaps(path: Path, meta: Dict[str, Any], key_blob) -> Optional[Dict[str, Any]]:
    """The token-window bitmaps saved with these keys, or None (then the matcher builds them)."""
    info = meta.get("token_bitmaps")
    if not info or not (path / "token_bitmaps.npz").exists() or info.get("keys_crc") != crc32(key_blob):
        return None
    try:
        with numpy.load(path / "token_bitmaps.npz", allow_pickle=False) as z:
            arrays = {name: z[name] for name in _BITMAP_ARRAYS}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as e:
        logger.info("token_bitmaps.npz of %s not usable (%s): the matcher rebuilds them", path, e)
        return None
    if any(arrays[name].dtype != numpy.uint8 or arrays[name].ndim != 1 for name in ("keys", "prefixes")):
        return None
    return {"format": info.get("format"), "max_len": info.get("max_len"), **arrays}


def from_parts(cls, meta, automaton, short, key_blob, tables, kb_blob, path) -> Any:
    try:
        lex = cls(
            options=meta["options"],
            labels=meta["labels"],
            automaton=automaton,
            cased_forms=meta.get("cased_forms", []),
            kb_blob=kb_blob,
            short_keys=short,
            key_blob=key_blob,
            summary=LexiconSummary.from_dict(meta.get("summary", {})),
            **{name: tables[name] for name in TABLES},
        )
    except KeyError as e:
        raise SpacyWeakError(Errors.E009.format(path=path, problem=f"missing {e}")) from None
    except ValueError as e:
        raise SpacyWeakError(Errors.E009.format(path=path, problem=str(e))) from None
    n_medium = int((lex.anchor_key >= 0).sum())
    if (
        len(automaton) != len(lex.anchor_key)
        or len(lex.short_keys) + len(lex.long_keys) + n_medium != lex.n_terms
        or len(lex.entry_ptr) != lex.n_terms + 1
        or int(lex.kb_offsets[-1]) != len(kb_blob)
        or len(lex.key_off) != lex.n_terms + 1
        or int(lex.key_off[-1]) != len(key_blob)
        or int((lex.long_slots & numpy.uint64(0xFFFFFFFF)).max()) > lex.n_terms
    ):
        raise SpacyWeakError(Errors.E009.format(path=path, problem="automaton and tables disagree"))
    return lex


def to_bytes(lex) -> bytes:
    chunks, args = automaton_state(lex)
    meta = lexicon_meta(lex)
    meta["automaton_args"] = args
    return srsly.msgpack_dumps(
        {
            "meta": meta,
            "automaton": chunks,
            "tables": {name: getattr(lex, name).tobytes() for name in TABLES},
            "kb": lex.kb_blob,
            "keys": lex.key_blob,
        }
    )


def from_bytes(cls, data: bytes) -> Any:
    msg = srsly.msgpack_loads(data)
    meta = msg["meta"]
    tables = {name: numpy.frombuffer(buf, dtype=_DTYPES[name]).copy() for name, buf in msg["tables"].items()}
    automaton = None
    key_blob = msg["keys"]
    if _state_usable(meta):
        if meta.get("n_anchors", 0):
            automaton = _automaton_from_state(list(msg["automaton"]), meta["automaton_args"])
        else:
            automaton = _KeyIndex().automaton
    if automaton is None:
        automaton, short, key_blob = _rebuilt(decode_keys(key_blob, tables["key_off"]), tables)
    else:
        short = _short_keys(key_blob, tables["key_off"], tables["key_len"])
    return from_parts(cls, meta, automaton, short, key_blob, tables, msg["kb"], "(bytes)")
