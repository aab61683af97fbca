"""The ``--cluster`` option of ``spacy-weak apply`` and ``spacy-weak fit``: connect, run, close."""
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


def apply_with_cluster(model: Path, input_path: Path, output_dir: Path, *, cluster: str, cluster_timeout: float = 10.0, n_process: int = 1, **kwargs: Any):
    """``apply_pipeline``'s arguments, run with :func:`.apply.apply_on_cluster` on ``cluster``."""
    from .apply import apply_on_cluster
    from .cluster import cli_client

    with cli_client(cluster, timeout=cluster_timeout, n_process=n_process) as client:
        return apply_on_cluster(client, model, input_path, output_dir, **kwargs)


def fit_with_cluster(cluster: str, cluster_timeout: float, load: Callable[[], Any], docbin_paths: Sequence[Path], *, source_path=None):
    """``(nlp, name, fitted component)``: connect, then load the pipeline (``load() -> (nlp, name)``,
    the name of the component to fit) and fit it on ``cluster``."""
    from .cluster import cli_client
    from .fit import fit_on_cluster

    with cli_client(cluster, timeout=cluster_timeout) as client:
        nlp, name = load()
        return nlp, name, fit_on_cluster(client, nlp, name, docbin_paths, source_path=source_path)
