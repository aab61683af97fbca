"""The token-window matcher finds exactly the spans of the character-level window search and of the
Aho-Corasick automaton, on texts that exercise every rule of the normalised match."""
import random

import pytest
import spacy

import spacy_weak.lexicons.token_windows as token_windows
import spacy_weak.lexicons.window_hashes as window_hashes
from spacy_weak.lexicons.token_windows import TokenWindowMatcher, _TypeTable

RECORDS = [
    ("IL-2", "Gene", "G1"), ("il 2 receptor", "Gene", "G2"), ("5-FU", "Chemical", "C1"),
    ("non-small-cell lung cancer", "Disease", "D1"), ("lung cancer", "Disease", "D2"),
    ("NO", "Chemical", "C2"), ("PD", "Disease", "D3"), ("pd", "Chemical", "C3"),
    ("Parkinson's disease", "Disease", "D4"), ("ﬁbrosis", "Disease", "D5"), ("café au lait spots", "Disease", "D6"),
    ("tumour necrosis factor alpha", "Gene", "G3"), ("tumour necrosis", "Disease", "D7"),
    ("alpha", "Gene", "G4"), ("x" * 40, "Chemical", "C4"), ("a b c d e f g h i j k l m n", "Chemical", "C5"),
    ("10mg", "Chemical", "C6"), ("mg", "Chemical", "C7"), ("Na+", "Chemical", "C8"), ("(R)-warfarin", "Chemical", "C9"),
    ("warfarin", "Chemical", "C10"), ("warfarin", "Chemical", "C11"),
]

TEXTS = [
    "IL-2 and IL 2 receptor (IL-2 receptor) with 5-FU-induced non-small-cell lung cancer.",
    "NO was high; no PD, but pd and Pd. Parkinson's disease and parkinson’s disease.",
    "The ﬁbrosis and fibrosis, café au lait spots and cafe\u0301 au lait spots.",
    "tumour  necrosis factor alpha vs tumour necrosis factor-alpha, TUMOUR NECROSIS.",
    "x" * 40 + " " + "x" * 41 + " a b c d e f g h i j k l m n o",
    "",
    "10mg of (R)-warfarin, warfarin and Na+ in 10 mg.\n\nlung\ncancer",
    "   leading spaces then lung cancer   ",
]


@pytest.fixture(scope="module")
def nlp():
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="g", config={"min_term_length": 2})
    gaz.initialize(lambda: [], nlp=nlp, lexicon=RECORDS)
    return nlp


def spans_of(nlp, texts, matcher, batch_size=1000, bulk_min_hits=0):
    """The spans of ``texts``; with the token matcher, made in bulk unless a batch has fewer than
    ``bulk_min_hits`` hits (0 here: the tests' small batches go through the bulk path too)."""
    import spacy_weak.annotators.gazetteer as gazetteer

    gaz = nlp.get_pipe("g")
    gaz.matcher = matcher
    default, gazetteer.BULK_MIN_HITS = gazetteer.BULK_MIN_HITS, bulk_min_hits
    try:
        docs = list(gaz.pipe((nlp.make_doc(t) for t in texts), batch_size=batch_size))
    finally:
        gaz.matcher = "tokens"
        gazetteer.BULK_MIN_HITS = default
    return [[(s.start, s.end, s.label_, s.kb_id_) for s in doc.spans["g"]] for doc in docs]


def automaton_spans(nlp, texts):
    """The automaton over each document's normalised text (the path for length-changing tokens)."""
    from spacy_weak.spans import set_source_spans

    gaz = nlp.get_pipe("g")
    out = []
    for text in texts:
        doc = nlp.make_doc(text)
        arr = doc.to_array(["ORTH"])
        spans = gaz._spans(doc, arr, gaz._find_slow(doc, None)) if len(doc) else []
        set_source_spans(doc, "g", spans)
        out.append([(s.start, s.end, s.label_, s.kb_id_) for s in doc.spans["g"]])
    return out


def test_same_spans_as_character_windows_and_automaton(nlp):
    tokens = spans_of(nlp, TEXTS, "tokens")
    assert tokens == spans_of(nlp, TEXTS, "chars")
    assert tokens == automaton_spans(nlp, TEXTS)
    found = {label for doc in tokens for _, _, label, _ in doc}
    assert found == {"Gene", "Chemical", "Disease"}
    doc0 = nlp.make_doc(TEXTS[0])
    first = [(doc0[s:e].text, lab, kb) for s, e, lab, kb in tokens[0]]
    assert ("IL-2", "Gene", "G1") in first and ("IL 2 receptor", "Gene", "G2") in first
    assert ("non-small-cell lung cancer", "Disease", "D1") in first  # a key across tokens without spaces
    # short terms (<= 3 characters) are case-sensitive: NO matches "NO" only, PD/pd by case
    second = [(nlp.make_doc(TEXTS[1])[s:e].text, lab) for s, e, lab, _ in tokens[1]]
    assert ("NO", "Chemical") in second and ("no", "Chemical") not in second
    assert ("PD", "Disease") in second and ("pd", "Chemical") in second and ("Pd", "Disease") not in second


def test_batches_and_documents_without_tokens(nlp):
    texts = TEXTS * 3
    expected = spans_of(nlp, texts, "chars")
    for batch_size in (1, 2, 5, 1000):
        assert spans_of(nlp, texts, "tokens", batch_size=batch_size) == expected
        # spans made one by one (batches with few hits, e.g. nlp(text)) or in bulk: the same
        assert spans_of(nlp, texts, "tokens", batch_size=batch_size, bulk_min_hits=10**9) == expected


def test_random_texts_match_the_character_search(nlp):
    rng = random.Random(0)
    words = ["IL", "-", "2", "receptor", "lung", "cancer", "non", "small", "cell", "NO", "no", "PD", "alpha",
             "tumour", "necrosis", "factor", "10", "mg", "Na+", "(", "R", ")", "warfarin", "x" * 40, ",", "ﬁbrosis"]
    texts = []
    for _ in range(300):
        n = rng.randint(1, 25)
        texts.append("".join(rng.choice(words) + rng.choice(["", " ", " ", "  ", "\n"]) for _ in range(n)))
    assert spans_of(nlp, texts, "tokens") == spans_of(nlp, texts, "chars")


def test_type_cache_cleared_when_full(nlp, monkeypatch):
    monkeypatch.setattr(token_windows, "TYPE_CACHE_SIZE", 8)
    gaz = nlp.get_pipe("g")
    gaz._token_matcher = None
    try:
        assert spans_of(nlp, TEXTS, "tokens") == spans_of(nlp, TEXTS, "chars")
    finally:
        gaz._token_matcher = None


def test_type_table_grows_and_probes():
    table = _TypeTable(log_size=4)
    rng = random.Random(1)
    orths = rng.sample(range(1, 1 << 63), 500) + [0]
    spaces = [rng.randint(0, 1) for _ in orths]
    table.insert(orths, spaces, list(range(len(orths))))
    import numpy

    o = numpy.asarray(orths, dtype=numpy.uint64)
    sp = numpy.asarray(spaces, dtype=numpy.intp)
    assert table.lookup(o, sp).tolist() == list(range(len(orths)))
    assert (table.lookup(o, 1 - sp) == -1).all()  # the other spacing is not cached
    assert table.lookup(numpy.asarray([12345], dtype=numpy.uint64), numpy.zeros(1, dtype=numpy.intp)).tolist() == [-1]


def test_empty_lexicon_matches_nothing():
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="g")
    gaz.set_lexicon([], warn_empty=False)
    doc = gaz(nlp.make_doc("lung cancer"))
    assert len(doc.spans["g"]) == 0
    assert isinstance(TokenWindowMatcher(gaz.lexicon).match([], nlp.vocab.strings)[0], list)


def test_initialize_builds_the_key_tables():
    """The bitmaps are built when the lexicon is set (initialize, from_disk), not on the first doc."""
    nlp = spacy.blank("en")
    gaz = nlp.add_pipe("weak_gazetteer", name="g", config={"min_term_length": 2})
    gaz.initialize(lambda: [], nlp=nlp, lexicon=RECORDS)
    assert gaz._token_matcher is not None and gaz._token_matcher._built
    loaded = spacy.blank("en").add_pipe("weak_gazetteer", name="g", config={"min_term_length": 2})
    loaded.from_bytes(gaz.to_bytes())
    assert loaded._token_matcher._built
    doc = nlp.make_doc(TEXTS[0])
    assert [(s.start, s.end) for s in loaded(doc).spans["g"]] == [(s.start, s.end) for s in gaz(doc).spans["g"]]


def _fresh(nlp):
    """The gazetteer's matcher made again on next use, from the keys (not from stored tables)."""
    gaz = nlp.get_pipe("g")
    gaz._token_matcher = None
    gaz._rows = None
    gaz.lexicon.token_bitmaps = None
    return gaz


def test_fingerprint_collisions_are_checked_against_the_text(nlp, monkeypatch):
    """Keys sharing a fingerprint (here: all of them) are marked, and a window with that
    fingerprint is looked up by its text: the spans do not change."""
    import numpy

    monkeypatch.setattr(token_windows._KeyTable, "fingerprint", staticmethod(lambda h, lens: numpy.zeros(len(h), dtype=numpy.uint64)))
    _fresh(nlp)
    try:
        tw = TokenWindowMatcher(nlp.get_pipe("g").lexicon).build()
        assert tw._exact.key.tolist() == [-2]
        assert spans_of(nlp, TEXTS, "tokens") == spans_of(nlp, TEXTS, "chars")
    finally:
        _fresh(nlp)


def test_long_windows_are_checked_against_the_text(nlp, monkeypatch):
    monkeypatch.setattr(window_hashes, "EXACT_MAX_LEN", 3)
    _fresh(nlp)
    seen = []
    lex = nlp.get_pipe("g").lexicon
    original = lex.key_index
    monkeypatch.setattr(lex, "key_index", lambda key: seen.append(key) or original(key))
    try:
        assert spans_of(nlp, TEXTS, "tokens") == spans_of(nlp, TEXTS, "chars")
        assert "lung cancer" in seen  # a two-token window longer than 3 characters
    finally:
        _fresh(nlp)


def test_key_table_marks_shared_fingerprints():
    import numpy

    table = token_windows._KeyTable()
    fp = [numpy.asarray([5, 9, 5, 7], dtype=numpy.uint64)]
    table.set(fp, [numpy.asarray([0, 1, 2, 3])])
    assert table.fp.tolist() == [5, 7, 9] and table.key.tolist() == [-2, 3, 1]


def test_type_table_bulk_insert_shares_cells_and_spacings():
    """Both spacings of one ORTH in one call, ORTHs inserted over several calls, ORTH 0, and a
    table forced to probe (tiny, nearly full before it grows)."""
    import numpy

    table = _TypeTable(log_size=2)
    table.insert([7, 7, 0, 9], [0, 1, 1, 0], [10, 11, 12, 13])
    table.insert([9, 5, 3, 1 << 63], [1, 0, 0, 1], [14, 15, 16, 17])
    o = numpy.asarray([7, 7, 0, 9, 9, 5, 3, 1 << 63, 0, 5], dtype=numpy.uint64)
    sp = numpy.asarray([0, 1, 1, 0, 1, 0, 0, 1, 0, 1], dtype=numpy.intp)
    assert table.lookup(o, sp).tolist() == [10, 11, 12, 13, 14, 15, 16, 17, -1, -1]
    assert table.n == 5  # distinct non-zero ORTHs


def test_key_tables_stored_with_the_model_and_checked_on_load(nlp, tmp_path, monkeypatch):
    """nlp.to_disk stores the matcher's key tables with the compiled lexicon (bitmaps and
    fingerprint table); spacy.load uses them (no key hashed again) with the same spans, and
    rebuilds them when they belong to other keys or are broken."""
    import numpy
    import srsly

    nlp.get_pipe("g").set_lexicon(RECORDS)  # a matcher built now: its tables go with the lexicon
    nlp.to_disk(tmp_path / "m")
    stored = tmp_path / "m" / "g" / "lexicon" / "token_bitmaps.npz"
    with numpy.load(stored, allow_pickle=False) as z:
        assert sorted(z.files) == ["exact_fp", "exact_key", "keys", "prefixes"]
    hashed = []
    original = token_windows._add_keys
    monkeypatch.setattr(token_windows, "_add_keys", lambda *a: hashed.append(1) or original(*a))
    expected = spans_of(nlp, TEXTS, "chars")
    loaded = spacy.load(tmp_path / "m")
    assert hashed == [] and loaded.get_pipe("g")._token_matcher._built
    assert spans_of(loaded, TEXTS, "tokens") == expected
    # the tables of the first lexicon beside another lexicon's keys (a folder put together by
    # hand): the keys' checksum tells them apart, rebuilt, that lexicon's spans
    other = spacy.blank("en")
    other.add_pipe("weak_gazetteer", name="g", config={"min_term_length": 2}).initialize(
        lambda: [], nlp=other, lexicon=RECORDS[:5])
    lexicon_dir = tmp_path / "m" / "g" / "lexicon"
    first_tables = stored.read_bytes()
    other.get_pipe("g").lexicon.to_disk(lexicon_dir)
    meta = srsly.read_json(lexicon_dir / "meta.json")
    meta["token_bitmaps"]["keys_crc"] += 1  # as if written for other keys
    srsly.write_json(lexicon_dir / "meta.json", meta)
    stored.write_bytes(first_tables)
    hashed.clear()
    assert spans_of(spacy.load(tmp_path / "m"), TEXTS, "tokens") == spans_of(other, TEXTS, "chars")
    assert hashed
    # a broken table file: rebuilt, same spans
    nlp.to_disk(tmp_path / "m2")
    (tmp_path / "m2" / "g" / "lexicon" / "token_bitmaps.npz").write_bytes(b"not numpy")
    hashed.clear()
    assert spans_of(spacy.load(tmp_path / "m2"), TEXTS, "tokens") == expected
    assert hashed
