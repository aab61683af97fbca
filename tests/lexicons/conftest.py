from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
UMLS_META = SHARED / "umls_rrf_fixtures_scispacy" / "umls_META"
REPO = Path(__file__).resolve().parents[2]


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
