"""The keys' blob and the long keys' CRC-32 table: the same key indices, look-ups and tables as
a dict of the keys would give, CRC collisions kept apart, repeated long keys merged."""
import random
from array import array
from zlib import crc32

import numpy
import pytest
import srsly

from spacy_weak.lexicons.compiled import CompiledLexicon
from spacy_weak.lexicons.key_index import ANCHOR_LEN, SHORT_KEY_MAX
from spacy_weak.lexicons.long_keys import LongKeyTable, decode_keys, dedupe

# two different 16-character keys with the same CRC-32 (found by search; checked below)
COLLIDING = ("qouhmetsmegbvvvx", "ydfbbllyxghwvsgc")


def blob_of(keys):
    blob = bytearray()
    off = array("q", [0])
    for key in keys:
        blob += key.encode("utf8")
        off.append(len(blob))
    return blob, off


def random_keys(n, seed=0):
    rng = random.Random(seed)
    letters = "abcdefghij éü-"
    return [("".join(rng.choice(letters) for _ in range(rng.randint(13, 30)))).strip() + "x" for _ in range(n)]


def test_colliding_pair_is_a_collision():
    assert crc32(COLLIDING[0].encode()) == crc32(COLLIDING[1].encode()) and COLLIDING[0] != COLLIDING[1]


def test_table_looks_up_like_a_dict():
    keys = list(dict.fromkeys(random_keys(300) + list(COLLIDING)))
    blob, off = blob_of(keys)
    crc = numpy.array([crc32(k.encode()) for k in keys], dtype=numpy.uint32)
    table = LongKeyTable.build(bytes(blob), off, crc, numpy.arange(len(keys)))
    assert len(table) == len(keys) and dict(table.items()) == {k: i for i, k in enumerate(keys)}
    assert list(table) == keys
    for i, key in enumerate(keys):
        assert table.get(key) == i and key in table
    for other in ("not a key at all", keys[0] + "y", keys[0][:-1], "", "qouhmetsmegbvvvy"):
        assert table.get(other, -1) == -1 and other not in table
    empty = LongKeyTable.build(b"", array("q", [0]), numpy.zeros(0, numpy.uint32), numpy.zeros(0, numpy.int32))
    assert len(empty) == 0 and empty.get("anything") is None and not empty


def test_dedupe_merges_equal_bytes_only():
    keys = ["abc def ghi jkl", COLLIDING[0], "abc def ghi jkl", COLLIDING[1], COLLIDING[0], "zzz"]
    blob, off = blob_of(keys)
    crc = numpy.array([crc32(k.encode()) for k in keys], dtype=numpy.uint32)
    lens = numpy.array([len(k) for k in keys])
    ids = numpy.arange(len(keys), dtype=numpy.int32)
    assert dedupe(blob, off, crc, lens, ids).tolist() == [0, 1, 0, 3, 1, 5]


def reference_numbering(records):
    """Key indices in order of first appearance, as a plain dict assigns them."""
    from spacy_weak.lexicons.normalize import Normalizer

    norm = Normalizer(case_sensitive=False, normalize_unicode=True, fold_hyphens=True)
    index = {}
    for term, _, _ in records:
        index.setdefault(norm.key(term), len(index))
    return index


def records_with_repeats(n=400, seed=1):
    rng = random.Random(seed)
    keys = random_keys(n, seed) + list(COLLIDING) + ["IL-2", "AIDS", "tumour necrosis", "aspirin"]
    return [(rng.choice(keys), rng.choice(["Chemical", "Disease"]), f"ID{i}") for i in range(3 * n)]


def test_repeated_long_keys_are_numbered_as_a_dict_would():
    records = records_with_repeats()
    lex = CompiledLexicon.build(records)
    ref = reference_numbering(records)
    assert lex.keys_in_order() == list(ref)
    assert {k: lex.key_index(k) for k in ref} == ref
    assert set(lex.long_keys) == {k for k in ref if len(k) > ANCHOR_LEN}
    assert set(lex.short_keys) == {k for k in ref if len(k) <= SHORT_KEY_MAX}
    # every record's (label, id) is found under its key, ids of one (key, label) joined
    expected = {}
    for term, label, cid in records:
        expected.setdefault(lex.normalizer.key(term), {}).setdefault(label, set()).add(cid)
    for key, by_label in expected.items():
        got = {label: set(ids.split("|")) for label, ids in lex.lookup(key)}
        assert got == by_label
    assert lex.summary.terms == len(ref)


@pytest.mark.parametrize("via", ["disk", "bytes"])
def test_round_trip_keeps_the_tables(tmp_path, via):
    lex = CompiledLexicon.build(records_with_repeats())
    if via == "disk":
        lex.to_disk(tmp_path / "lex")
        assert (tmp_path / "lex" / "keys.bin").exists() and not (tmp_path / "lex" / "long_keys.msgpack").exists()
        back = CompiledLexicon.from_disk(tmp_path / "lex")
    else:
        back = CompiledLexicon.from_bytes(lex.to_bytes())
    assert back.keys_in_order() == lex.keys_in_order() and back.short_keys == lex.short_keys
    for name in CompiledLexicon.TABLES:
        assert numpy.array_equal(getattr(back, name), getattr(lex, name)), name
    for key in lex.keys_in_order():
        assert back.key_index(key) == lex.key_index(key) and back.lookup(key) == lex.lookup(key)


def test_format_2_folder_is_read_by_rebuilding(tmp_path):
    lex = CompiledLexicon.build(records_with_repeats())
    lex.to_disk(tmp_path / "lex")
    meta = srsly.read_json(tmp_path / "lex" / "meta.json")
    meta["format_version"] = 2  # a folder of the previous format: no keys.bin, key dicts in msgpack
    srsly.write_json(tmp_path / "lex" / "meta.json", meta)
    (tmp_path / "lex" / "keys.bin").unlink()
    back = CompiledLexicon.from_disk(tmp_path / "lex")
    assert back.keys_in_order() == lex.keys_in_order()
    for key in lex.keys_in_order():
        assert back.lookup(key) == lex.lookup(key)


def test_decode_keys():
    keys = ["a", "café", "ü" * 20]
    blob, off = blob_of(keys)
    assert decode_keys(bytes(blob), off) == keys
    assert decode_keys(bytes(blob), numpy.frombuffer(off, dtype=numpy.int64), [2, 0]) == [keys[2], keys[0]]


def test_cached_look_ups_agree_after_the_cache_is_full(monkeypatch):
    import spacy_weak.lexicons.long_keys as long_keys

    monkeypatch.setattr(long_keys, "CACHE_SIZE", 8)
    keys = random_keys(50)
    keys = list(dict.fromkeys(keys))
    blob, off = blob_of(keys)
    crc = numpy.array([crc32(k.encode()) for k in keys], dtype=numpy.uint32)
    table = LongKeyTable.build(bytes(blob), off, crc, numpy.arange(len(keys)))
    for _ in range(3):  # hits and misses, asked again after the cache was cleared
        for i, key in enumerate(keys):
            assert table.get(key) == i and table.get(key + "?", -1) == -1
    assert len(table._cache) <= 8


@pytest.mark.parametrize("spread", [1, 3, 1 << 32])
def test_every_key_is_found_by_probing(spread):
    from spacy_weak.lexicons.long_keys import make_slots

    rng = random.Random(spread)
    crc = numpy.array([rng.randrange(spread) % (1 << 32) for _ in range(200)], dtype=numpy.uint32)  # many alike
    keys = numpy.arange(200, dtype=numpy.int32)
    slots = make_slots(crc, keys)
    assert numpy.array_equal(slots, make_slots(crc, keys))  # the same layout every time
    assert numpy.count_nonzero(slots) == 200 and 200 * 2 <= len(slots)
    mask = len(slots) - 1
    for c, k in zip(crc.tolist(), keys.tolist()):
        i, found = c & mask, False
        while slots[i]:  # linear probing from the CRC's slot, up to the first empty slot
            if int(slots[i]) == (c << 32) | (k + 1):
                found = True
                break
            i = (i + 1) & mask
        assert found, k
