"""The benchmark's synthetic lexicon is deterministic (bench/synthetic_lexicon.py)."""
import pytest

from . import load_bench


@pytest.fixture(scope="module")
def synthetic_lexicon():
    return load_bench("synthetic_lexicon")


def test_same_seed_same_records(synthetic_lexicon):
    assert synthetic_lexicon.synthetic_terms(3000, seed=7) == synthetic_lexicon.synthetic_terms(3000, seed=7)


def test_prefix_stable(synthetic_lexicon):
    small = synthetic_lexicon.synthetic_terms(500)
    large = synthetic_lexicon.synthetic_terms(2000)
    assert large[:500] == small


def test_seed_changes_records(synthetic_lexicon):
    assert synthetic_lexicon.synthetic_terms(200, seed=0) != synthetic_lexicon.synthetic_terms(200, seed=1)


def test_known_first_records(synthetic_lexicon):
    # Pinned so that a change to the generator (which would silently change every
    # benchmark figure) is a visible, deliberate edit of this test.
    first = synthetic_lexicon.synthetic_terms(3)
    assert first == PINNED_FIRST


def test_records_unique_and_shaped(synthetic_lexicon):
    records = synthetic_lexicon.synthetic_terms(5000)
    terms = [t.lower() for t, _, _ in records]
    assert len(set(terms)) == len(terms)
    assert {label for _, label, _ in records} == set(synthetic_lexicon.LABELS)
    assert len({cid for _, _, cid in records}) == len(records)
    assert all(t == t.strip() and "\t" not in t and "\n" not in t for t in terms)
    multi = sum(1 for t in terms if " " in t)
    assert 0.4 < multi / len(terms) < 0.9


def test_writers_round_trip(synthetic_lexicon, tmp_path):
    import srsly

    records = synthetic_lexicon.synthetic_terms(50)
    synthetic_lexicon.write_tsv(records, tmp_path / "lex.tsv")
    rows = [tuple(line.split("\t")) for line in (tmp_path / "lex.tsv").read_text("utf8").splitlines()]
    assert rows == records
    synthetic_lexicon.write_jsonl(records, tmp_path / "lex.jsonl")
    assert [(r["term"], r["label"], r["id"]) for r in srsly.read_jsonl(tmp_path / "lex.jsonl")] == records


def test_negative_n_rejected(synthetic_lexicon):
    with pytest.raises(ValueError):
        synthetic_lexicon.synthetic_terms(-1)


PINNED_FIRST = [
    ("BITS-30 channel", "Gene", "SYN:0000001"),
    ("TEK25B", "Gene", "SYN:0000002"),
    ("KDC16 transporter", "Gene", "SYN:0000003"),
]
