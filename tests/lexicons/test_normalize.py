from spacy_weak.lexicons.normalize import Normalizer


def test_fold_hyphens_and_whitespace():
    n = Normalizer()
    assert n.key("Non-Small-Cell  Lung\tCancer") == n.key("non small cell lung cancer") == "non small cell lung cancer"
    assert n.key("non\u2010small\u2013cell") == "non small cell"
    assert Normalizer(fold_hyphens=False).key("Non-Small") == "non-small"


def test_case_and_cased_form():
    n = Normalizer()
    assert n.key("AIDS") == "aids" and n.cased("AIDS") == "AIDS"
    assert Normalizer(case_sensitive=True).key("AIDS") == "AIDS"


def test_nfkc():
    n = Normalizer()
    assert n.key("\ufb01brosis") == "fibrosis"  # ligature fi
    assert n.key("\uff21\uff29\uff24\uff33") == "aids"  # full-width letters
    assert Normalizer(normalize_unicode=False).key("\ufb01brosis") == "\ufb01brosis"


def test_text_fast_path_keeps_offsets():
    n = Normalizer()
    norm, posmap = n.text("Non-small cell, IL-6")
    assert posmap is None and norm == "non small cell, il 6"


def test_text_slow_path_maps_positions():
    n = Normalizer()
    text = "A \ufb01brosis \u0130x"
    norm, posmap = n.text(text)
    assert norm == "a fibrosis i\u0307x"
    assert len(posmap) == len(norm) + 1
    start = norm.index("fibrosis")
    assert posmap[start] == 2 and posmap[start + 1] == -1  # inside the ligature's expansion
    assert posmap[start + len("fibrosis")] == text.index(" \u0130")
    assert posmap[-1] == len(text)
