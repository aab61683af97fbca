"""The HTML report in a real browser: headless Chromium renders it, we check the DOM and a screenshot.

Skipped (with the reason) only where no ``chromium`` binary exists; with
``SPACY_WEAK_REQUIRE_BROWSER=1`` (set by ``.ci/run``) a missing browser fails.
"""
import os
import re
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


MEASURE = """<script>
window.addEventListener('load', function () {
  var th = document.querySelector('table.report th');
  th.click(); th.click();  // sort the first table twice: descending
  var out = document.createElement('div');
  out.id = 'measured';
  out.setAttribute('data-height', document.documentElement.scrollHeight);
  out.setAttribute('data-width', document.documentElement.scrollWidth);
  out.setAttribute('data-sort', th.getAttribute('aria-sort'));
  out.setAttribute('data-first', document.querySelector('table.report tbody tr td').textContent);
  out.setAttribute('data-svgs', document.querySelectorAll('figure.chart svg').length);
  document.body.appendChild(out);
});
</script>"""


def six_docs(nlp):
    """Six documents, ten sources of which most have no span in a given document."""
    from spacy.tokens import Span

    from spacy_weak.spans import set_aggregate, set_source_spans

    docs = []
    for k in range(6):
        doc = nlp(f"patient {k} took aspirin and ibuprofen for a severe headache and then developed nausea , "
                  "said the doctor of the clinic in the report about the case .")
        set_source_spans(doc, "gaz", [Span(doc, 3, 4, "Chemical"), Span(doc, 9, 10, "Disease")])
        set_source_spans(doc, "suffix", [Span(doc, 5, 6, "Chemical")] if k % 2 else [])
        set_source_spans(doc, "neg", [Span(doc, 1, 2, "O")])
        for j in range(7):
            set_source_spans(doc, f"rare_{j}", [Span(doc, 13, 14, "Disease")] if j == k else [])
        set_aggregate(doc, "silver", [Span(doc, 3, 4, "Chemical"), Span(doc, 9, 10, "Disease")], [0.9, 0.7],
                      [["gaz"], ["gaz"]], aggregator="hmm")
        doc.spans["gold"] = [Span(doc, 3, 4, "Chemical"), Span(doc, 5, 6, "Chemical"), Span(doc, 9, 10, "Disease"),
                             Span(doc, 13, 14, "Disease")]
        docs.append(doc)
    return docs


@pytest.mark.slow
def test_report_of_six_documents_is_short_has_charts_and_sorts(nlp, tmp_path):
    pytest.importorskip("matplotlib")
    chromium = require_chromium()
    result = analyze(six_docs(nlp), gold_key="gold", n_samples=6)
    page = report.to_html(result)
    path = tmp_path / "report.html"
    path.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf8")
    url = path.resolve().as_uri()
    proc = run_chromium(chromium, tmp_path, "--window-size=1280,900", "--dump-dom", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = proc.stdout
    measured = re.search(r'<div id="measured" data-height="(\d+)" data-width="(\d+)" data-sort="(\w+)" '
                         r'data-first="([^"]*)" data-svgs="(\d+)"', dom)
    assert measured, dom[-2000:]
    height, width, sort, first, svgs = measured.groups()
    assert dom.count('<section class="doc"') == 6
    assert int(svgs) == 4  # coverage/precision, agreement, calibration, proxy gap
    assert int(width) <= 1280  # nothing runs off the right edge (the token tables scroll inside their box)
    assert int(height) < 9_000, height  # per-source renderings only with spans, folded: 6,196 px measured
    assert sort == "descending" and first == "suffix"  # the Sources table sorted by name, descending
    shot = tmp_path / "report.png"
    proc = run_chromium(chromium, tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", url)
    assert proc.returncode == 0, proc.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
