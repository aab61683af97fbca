"""The HTML report in a real browser: headless Chromium renders it, we check the DOM and a screenshot.

Skipped (with the reason) only where no ``chromium`` binary exists; with
``SPACY_WEAK_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser fails.
"""
import os
import shutil
import subprocess

import pytest

from spacy_weak.evaluation import report
from spacy_weak.evaluation.analysis import analyze

CHROMIUM_NAMES = ("chromium", "chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def find_chromium():
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def require_chromium():
    """The browser, or a skip with the reason; a failure (not a skip) when CI requires it."""
    path = find_chromium()
    if path is None:
        reason = "no chromium binary on PATH (Debian: apt-get install chromium)"
        if os.environ.get("SPACY_WEAK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SPACY_WEAK_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    return path


def run_chromium(chromium, tmp_path, *args):
    profile = tmp_path / "profile"
    cmd = [chromium, *FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.slow
def test_report_renders_in_chromium(span_docs, tmp_path):
    chromium = require_chromium()
    result = analyze(span_docs, gold_key="gold", hmm_report={"a": {"Chemical": {"precision": 0.9, "recall": 0.8}}})
    path = tmp_path / "report.html"
    report.write_html(result, path)
    url = path.resolve().as_uri()

    proc = run_chromium(chromium, tmp_path, "--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    # the tables, parsed and laid out by the browser
    assert '<table class="report" data-title="Sources (token level unless marked span)">' in dom
    assert "Emp. Acc." in dom and "Proxy gap (silver vs gold)" in dom
    # at least one rendered document, with displaCy span markup for several rows
    assert '<section class="doc" data-doc="0">' in dom
    assert dom.count('class="spans"') >= 5
    assert "aspirin" in dom and "CONFLICT" in dom

    shot = tmp_path / "report.png"
    proc = run_chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert shot.exists()
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a blank page compresses to a few KB
