"""The token-window matcher's key and prefix bitmaps (``TokenWindowMatcher._build``, hashed from
the lexicon's key blob in flat chunks) hold exactly the bits of each key's hashes computed one
key and one prefix at a time."""
import numpy
import pytest

import spacy_weak.lexicons.token_windows as token_windows
from spacy_weak.lexicons.compiled import CompiledLexicon
from spacy_weak.lexicons.token_windows import TokenWindowMatcher, _Bitmap

from .test_long_keys import records_with_repeats

M64 = (1 << 64) - 1


def reference_bits(keys, n_keys_bits, n_prefix_bits):
    """The two bitmaps, one Python-int hash per key and per proper prefix."""
    base = int(token_windows._B)
    keys_map = _Bitmap(len(keys), token_windows.MAX_KEY_BITS)
    prefixes = _Bitmap(sum(map(len, keys)) - len(keys), token_windows.MAX_PREFIX_BITS)
    assert len(keys_map.bits) == n_keys_bits and len(prefixes.bits) == n_prefix_bits
    for key in keys:
        h, p = 0, base
        for j, ch in enumerate(key):
            h = (h + ord(ch) * p) & M64
            p = (p * base) & M64
            target = keys_map if j == len(key) - 1 else prefixes
            idx = int(target._index(numpy.array([h], dtype=numpy.uint64), numpy.array([j + 1]))[0])
            target.bits[idx >> 3] |= 1 << (idx & 7)
    return keys_map.bits, prefixes.bits


@pytest.mark.parametrize("chunk_chars", [7, 64, 262_144])
def test_bitmaps_match_key_by_key_hashes(monkeypatch, chunk_chars):
    monkeypatch.setattr(token_windows, "_CHUNK_CHARS", chunk_chars)  # chunk boundaries everywhere
    lex = CompiledLexicon.build(records_with_repeats(150) + [("x" * 40, "Chemical", "C"), ("café au lait spots", "Disease", "D")])
    tw = TokenWindowMatcher(lex).build()
    keys = lex.keys_in_order()
    assert tw.max_len == max(map(len, keys))
    ref_keys, ref_prefixes = reference_bits(keys, len(tw._keys.bits), len(tw._prefixes.bits))
    assert numpy.array_equal(tw._keys.bits, ref_keys)
    assert numpy.array_equal(tw._prefixes.bits, ref_prefixes)


def test_bitmap_add_sets_repeated_bytes():
    bm = _Bitmap(10, 20)
    h = numpy.arange(5000, dtype=numpy.uint64) * numpy.uint64(0x9E3779B97F4A7C15)
    lens = numpy.full(5000, 3)
    bm.add(h, lens)  # many items share a byte: every one of their bits is set
    assert bm(h, lens).all()
    idx = bm._index(h, lens)
    expected = numpy.zeros_like(bm.bits)
    numpy.bitwise_or.at(expected, idx >> numpy.uint64(3), (1 << (idx & numpy.uint64(7))).astype(numpy.uint8))
    assert numpy.array_equal(bm.bits, expected)


def test_bitmaps_saved_with_the_lexicon_are_reused(tmp_path, monkeypatch):
    lex = CompiledLexicon.build(records_with_repeats(100))
    built = TokenWindowMatcher(lex).build()
    lex.to_disk(tmp_path / "lex")
    assert (tmp_path / "lex" / "token_bitmaps.npz").exists()
    back = CompiledLexicon.from_disk(tmp_path / "lex")
    assert back.token_bitmaps is not None
    monkeypatch.setattr(token_windows, "_add_keys", None)  # any hashing would fail: the saved bits are used
    again = TokenWindowMatcher(back).build()
    assert again.max_len == built.max_len
    assert numpy.array_equal(again._keys.bits, built._keys.bits) and again._keys.shift == built._keys.shift
    assert numpy.array_equal(again._prefixes.bits, built._prefixes.bits)


def test_bitmaps_of_other_keys_are_not_used(tmp_path):
    import srsly

    lex = CompiledLexicon.build(records_with_repeats(100))
    TokenWindowMatcher(lex).build()
    lex.to_disk(tmp_path / "lex")
    other = CompiledLexicon.build(records_with_repeats(100, seed=5))
    other.to_disk(tmp_path / "other")  # no matcher built: no bitmaps saved
    assert not (tmp_path / "other" / "token_bitmaps.npz").exists()
    (tmp_path / "other" / "token_bitmaps.npz").write_bytes((tmp_path / "lex" / "token_bitmaps.npz").read_bytes())
    assert CompiledLexicon.from_disk(tmp_path / "other").token_bitmaps is None  # its meta names none
    meta = srsly.read_json(tmp_path / "other" / "meta.json")
    meta["token_bitmaps"] = srsly.read_json(tmp_path / "lex" / "meta.json")["token_bitmaps"]  # another lexicon's keys
    srsly.write_json(tmp_path / "other" / "meta.json", meta)
    back = CompiledLexicon.from_disk(tmp_path / "other")
    assert back.token_bitmaps is None
    fresh = TokenWindowMatcher(other).build()
    assert numpy.array_equal(TokenWindowMatcher(back).build()._prefixes.bits, fresh._prefixes.bits)
