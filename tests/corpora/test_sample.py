from pathlib import Path

from spacy_weak.corpora import sample_path

REPO_COPY = Path(__file__).parent.parent.parent / "corpora" / "bc5cdr_sample.PubTator.txt"


def test_sample_ships_in_package_and_matches_repo_copy():
    path = sample_path()
    assert path.is_file() and path.name == "bc5cdr_sample.PubTator.txt"
    assert path.read_bytes() == REPO_COPY.read_bytes()
    assert path.read_text(encoding="utf-8").count("|t|") == 40
