from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# scispaCy's real-format RRF fixtures, vendored (see tests/fixtures/umls_META/PROVENANCE.md)
UMLS_META = REPO / "tests" / "fixtures" / "umls_META"


@pytest.fixture
def umls_meta() -> Path:
    if not UMLS_META.exists():
        pytest.skip("shared RRF fixtures not available")
    return UMLS_META


@pytest.fixture
def sample_lexicon() -> Path:
    return REPO / "corpora" / "lexicon"


@pytest.fixture
def sample_semantic_map() -> Path:
    return REPO / "configs" / "sample_semantic_map.json"
