import numpy
import pytest

from spacy_weak.errors import SpacyWeakError
from spacy_weak.lexicons.compiled import CompiledLexicon, read_meta
from spacy_weak.lexicons.records import LexiconSummary

RECORDS = [
    ("aspirin", "Chemical", "D001241"),
    ("Aspirin", "Chemical", "D001241"),  # same key, same id: merged
    ("cold", "Disease", "D003139"),
    ("cold", "Temperature", "C0009264"),  # ambiguous term
    ("common cold", "Disease", "D003139"),
    ("common cold", "Disease", "D999999"),  # one term, two concepts of one label: ids joined
    ("AIDS", "Disease", "D000163"),
    ("HIV", "Disease", "D015658"),  # short: case-sensitive
    ("a", "Chemical", "X"),  # too short
    ("the", "Chemical", "Y"),  # stop term
]


def build(**options):
    summary = LexiconSummary("test")
    return CompiledLexicon.build(RECORDS, summary=summary, stop_terms=["THE"], **options)


def test_build_counts():
    lex = build()
    s = lex.summary
    assert s.read == 10
    assert s.dropped == {"too_short": 1, "stop_term": 1, "duplicate": 1}
    assert s.kept == {"Chemical": 2, "Disease": 5, "Temperature": 1}
    assert lex.n_terms == 5 and s.terms == 5
    assert s.entries == 6 and s.ambiguous == 1


def test_lookup_and_ids():
    lex = build()
    assert lex.lookup("ASPIRIN") == [("Chemical", "D001241")]
    assert lex.lookup("cold") == [("Disease", "D003139"), ("Temperature", "C0009264")]
    assert lex.lookup("Common-Cold") == [("Disease", "D003139|D999999")]
    assert lex.lookup("HIV") == [("Disease", "D015658")]
    assert lex.lookup("hiv") == []  # short terms keep their case
    assert lex.lookup("aids") == [("Disease", "D000163")]  # 4 chars > short_term_max_len=3
    assert "the" not in lex


def test_case_sensitive_option():
    lex = build(case_sensitive=True)
    assert lex.lookup("aspirin") and lex.lookup("Aspirin") and not lex.lookup("ASPIRIN")


def test_find_token_aligned():
    lex = build()
    text = "Aspirin, coldness and common cold."
    starts = [0, 7, 9, 18, 22, 29, 33]
    ends = [7, 8, 17, 21, 28, 33, 34]
    ntext, posmap = lex.normalizer.text(text)
    assert posmap is None
    found = sorted((ts, te, text[cs:ce]) for ts, te, _, cs, ce in lex.find(ntext, starts, ends))
    # 'cold' inside 'coldness' is not token-aligned; the 'cold' ending 'common cold' is
    assert found == [(0, 1, "Aspirin"), (4, 6, "common cold"), (5, 6, "cold")]


@pytest.mark.parametrize("via", ["disk", "bytes"])
def test_round_trip(tmp_path, via):
    lex = build()
    if via == "disk":
        lex.to_disk(tmp_path / "lex")
        assert read_meta(tmp_path / "lex")["n_terms"] == 5
        back = CompiledLexicon.from_disk(tmp_path / "lex")
    else:
        back = CompiledLexicon.from_bytes(lex.to_bytes())
    for term in ("aspirin", "cold", "common cold", "HIV", "hiv", "AIDS"):
        assert back.lookup(term) == lex.lookup(term)
    assert back.options == lex.options and back.summary.to_dict() == lex.summary.to_dict()
    assert numpy.array_equal(back.entry_ptr, lex.entry_ptr)


def test_rebuild_from_keys_when_dump_unusable(tmp_path):
    import srsly

    lex = build()
    lex.to_disk(tmp_path / "lex")
    meta = srsly.read_json(tmp_path / "lex" / "meta.json")
    meta["pyahocorasick"] = "0.0.0"  # e.g. compiled with another pyahocorasick
    srsly.write_json(tmp_path / "lex" / "meta.json", meta)
    back = CompiledLexicon.from_disk(tmp_path / "lex")
    assert back.lookup("common cold") == lex.lookup("common cold")


def test_damaged_or_missing(tmp_path):
    with pytest.raises(SpacyWeakError, match=r"\[E001\]"):
        CompiledLexicon.from_disk(tmp_path / "nothing")
    lex = build()
    lex.to_disk(tmp_path / "lex")
    (tmp_path / "lex" / "tables.npz").unlink()
    with pytest.raises(SpacyWeakError, match=r"\[E009\].*tables\.npz"):
        CompiledLexicon.from_disk(tmp_path / "lex")


def test_empty_lexicon_round_trip(tmp_path):
    lex = CompiledLexicon.build([])
    assert lex.n_terms == 0 and lex.find("some text", [0, 5], [4, 9]) == []

    lex.to_disk(tmp_path / "empty")
    assert CompiledLexicon.from_disk(tmp_path / "empty").n_terms == 0


def test_short_keys_are_not_in_the_automaton():
    lex = build()
    assert set(lex.short_keys) == {"hiv"} and len(lex.automaton) == lex.n_terms - 1
    text = "hivhiv HIV"
    found = [(ts, te, text[s:e]) for ts, te, _, s, e in lex.find(text.lower(), [0, 7], [6, 10])]
    assert found == [(1, 2, "HIV")]


def test_unknown_option():
    with pytest.raises(SpacyWeakError, match=r"\[E007\]"):
        CompiledLexicon.build([], fold_dashes=True)


def test_punctuation_only_terms_are_dropped_and_counted():
    lex = CompiledLexicon.build([("...", "X"), ("!!", "X"), ("--", "X"), ("a.b", "X")])
    assert lex.summary.dropped == {"punctuation_only": 2, "empty_term": 1}
    assert lex.n_terms == 1


@pytest.mark.parametrize("record,problem", [(("aspirin",), "2 or 3 fields"), ({"term": "aspirin"}, "missing"),
                                            ((None, "Chemical"), "strings"), (("aspirin", 7), "strings")])
def test_malformed_records_are_coded(record, problem):
    with pytest.raises(SpacyWeakError, match=r"\[E012\] The lexicon's record 1 .*" + problem):
        CompiledLexicon.build([("ok", "X"), record])


def test_truncated_tables(tmp_path):
    build().to_disk(tmp_path / "lex")
    tables = tmp_path / "lex" / "tables.npz"
    tables.write_bytes(tables.read_bytes()[:40])
    with pytest.raises(SpacyWeakError, match=r"\[E009\].*tables\.npz"):
        CompiledLexicon.from_disk(tmp_path / "lex")


def test_long_keys_share_anchors():
    # 'chronic myeloid' is the 12-character anchor of three keys; 'chronic myel' (12) is a medium key
    records = [("chronic myeloid leukemia", "Disease", "D1"), ("chronic myeloid leukaemia", "Disease", "D2"),
               ("chronic myeloid", "Disease", "D3"), ("chronic myel", "Disease", "D4")]
    lex = CompiledLexicon.build(records)
    assert set(lex.long_keys) == {"chronic myeloid leukemia", "chronic myeloid leukaemia", "chronic myeloid"}
    assert len(lex.automaton) == 1  # one anchor for all four keys
    text = "chronic myeloid leukaemia, chronic myel"
    starts, ends = [0, 8, 16, 25, 27, 35], [7, 15, 25, 26, 34, 39]
    found = sorted((ts, te, text[s:e]) for ts, te, _, s, e in lex.find(text, starts, ends))
    assert found == [(0, 2, "chronic myeloid"), (0, 3, "chronic myeloid leukaemia"), (4, 6, "chronic myel")]
    back = CompiledLexicon.from_bytes(lex.to_bytes())
    assert back.lookup("Chronic Myeloid Leukemia") == [("Disease", "D1")] and back.lookup("chronic myel") == [("Disease", "D4")]


# ------------------------------------------------------------ find_windows (the vectorised matcher)

_WINDOW_RECORDS = [
    ("IL 6", "Gene", "G1"),
    ("il", "Gene", "G2"),
    ("interleukin 6 receptor alpha", "Gene", "G3"),  # long key: found through its 12-character anchor
    ("interleukin 6 receptor", "Gene", "G4"),
    ("interleukin", "Gene", "G5"),
    ("a b", "X", "X1"),
    ("receptor alpha chain", "Gene", "G6"),
]
_WINDOW_WORDS = ["IL", "il", "6", "interleukin", "receptor", "alpha", "chain", "a", "b", "ab", "x"]


def _tokens(text):
    """Whitespace tokens of an ASCII text: (normalised text, starts, ends)."""
    import re

    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    return text.lower(), numpy.array([s for s, _ in spans], dtype=numpy.int64), numpy.array([e for _, e in spans], dtype=numpy.int64)


def test_find_windows_equals_the_automaton_scan():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    lex = CompiledLexicon.build(_WINDOW_RECORDS)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.lists(st.sampled_from(_WINDOW_WORDS), max_size=12), min_size=1, max_size=4))
    def check(batch):
        texts = [" ".join(words) for words in batch]
        pad = "\0" * 12
        parts, starts, ends, limits = [], [], [], []
        offset = n = 0
        expected = set()
        for text in texts:
            ntext, s, e = _tokens(text)
            expected |= {(ts + n, te + n, k) for ts, te, k, _, _ in lex.find(ntext, s, e)}
            parts += [ntext, pad]
            starts.append(s + offset)
            ends.append(e + offset)
            limits.append(numpy.full(len(s), offset + len(ntext), dtype=numpy.int64))
            offset += len(ntext) + len(pad)
            n += len(s)
        got = lex.find_windows("".join(parts), numpy.concatenate(starts), numpy.concatenate(ends), numpy.concatenate(limits))
        assert len(got) == len(set(got))
        assert set(got) == expected

    check()


def test_find_windows_long_key_at_document_end_only():
    lex = CompiledLexicon.build(_WINDOW_RECORDS)
    text = "interleukin 6 receptor alpha"
    ntext, s, e = _tokens(text)
    hits = lex.find_windows(ntext + "\0" * 12, s, e, numpy.full(len(s), len(ntext), dtype=numpy.int64))
    keys = {lex.keys_in_order()[k] for _, _, k in hits}
    assert keys == {"interleukin 6 receptor alpha", "interleukin 6 receptor", "interleukin"}
