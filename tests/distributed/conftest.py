"""One real LocalCluster (2 worker processes, 1 thread each) shared by the tests of this folder."""
import pytest

pytest.importorskip("distributed")


@pytest.fixture(scope="session")
def client():
    from spacy_weak.distributed.cluster import close, connect

    c = connect("local:2")
    try:
        yield c
    finally:
        close(c)
