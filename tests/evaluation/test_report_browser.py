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
    assert dom.count('class="spans"') + dom.count('class="entities"') >= 5
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


FITS = """<script>
window.addEventListener('load', function () {
  var bad = [], n = 0;
  function outside(r, box) {
    return r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1;
  }
  document.querySelectorAll('figure.chart').forEach(function (fig) {
    var svg = fig.querySelector('svg'), box = svg.getBoundingClientRect();
    if (outside(box, fig.getBoundingClientRect())) bad.push(fig.dataset.chart + ': svg outside its box');
    svg.querySelectorAll('text').forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (!r.width) return;
      n += 1;
      if (outside(r, box)) bad.push(fig.dataset.chart + ': ' + t.textContent.trim());
      if (t.textContent.indexOf('\u2026') >= 0) bad.push(fig.dataset.chart + ': cut ' + t.textContent.trim());
    });
  });
  // the entity marks of one rendering never overlap: adjacent entities sit side by side
  document.querySelectorAll('.render').forEach(function (div) {
    var rects = [];  // one box per line a mark runs over
    div.querySelectorAll('mark').forEach(function (m, k) {
      Array.prototype.forEach.call(m.getClientRects(), function (r) { rects.push([k, r, m.textContent]); });
    });
    for (var i = 0; i < rects.length; i++) {
      for (var j = i + 1; j < rects.length; j++) {
        var a = rects[i][1], b = rects[j][1];
        if (rects[i][0] !== rects[j][0] && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 &&
            b.top < a.bottom - 1) bad.push('overlapping marks: ' + rects[i][2].trim() + ' / ' + rects[j][2].trim());
      }
    }
  });
  var out = document.createElement('div');
  out.id = 'fits';
  out.setAttribute('data-n', n);
  out.setAttribute('data-marks', document.querySelectorAll('.render mark').length);
  out.setAttribute('data-bad', bad.join(' | '));
  document.body.appendChild(out);
});
</script>"""


def long_named_docs(nlp):
    """Sources with long names (tick labels that used to be cut or clipped) and adjacent entities."""
    from spacy.tokens import Span

    from spacy_weak.spans import set_aggregate, set_source_spans

    docs = []
    for k in range(4):
        doc = nlp(f"In case {k} the K Na Li salts caused a severe headache and nausea in the patient .")
        # tokens: 0 In 1 case 2 k 3 the 4 K 5 Na 6 Li 7 salts 8 caused 9 a 10 severe 11 headache 12 and 13 nausea
        set_source_spans(doc, "gaz_chemical_symbols_of_the_periodic_table",
                         [Span(doc, 4, 5, "Chemical"), Span(doc, 5, 6, "Chemical"), Span(doc, 6, 7, "Chemical")])
        set_source_spans(doc, "numbers_are_not_entities", [Span(doc, 2, 3, "O")])
        set_source_spans(doc, "disease_words", [Span(doc, 11, 12, "Disease"), Span(doc, 13, 14, "Disease")])
        set_source_spans(doc, "disease_head_phrases_with_modifiers", [Span(doc, 10, 12, "Disease")] if k % 2 else [])
        set_aggregate(doc, "silver", [Span(doc, 4, 5, "Chemical"), Span(doc, 5, 6, "Chemical"),
                                      Span(doc, 6, 7, "Chemical"), Span(doc, 10, 12, "Disease")],
                      [0.9, 0.8, 0.7, 0.6], [["gaz_chemical_symbols_of_the_periodic_table"]] * 3 + [["disease_words"]],
                      aggregator="hmm")
        doc.spans["gold"] = [Span(doc, 4, 5, "Chemical"), Span(doc, 5, 6, "Chemical"), Span(doc, 6, 7, "Chemical"),
                             Span(doc, 10, 12, "Disease"), Span(doc, 13, 14, "Disease")]
        docs.append(doc)
    return docs


@pytest.mark.slow
def test_report_text_fits_its_box_in_chromium(nlp, tmp_path):
    """Issue 27: chart labels clipped ("numbers_are_not_ent…", a colour-bar label cut at the edge) and
    adjacent entities drawn as overlapping chips. Measured in the browser: every chart text lies
    inside its SVG, every SVG inside its box, no label is cut with "…", no two entity marks overlap."""
    pytest.importorskip("matplotlib")
    chromium = require_chromium()
    result = analyze(long_named_docs(nlp), gold_key="gold", n_samples=4)
    path = tmp_path / "report.html"
    path.write_text(report.to_html(result).replace("</body>", FITS + "</body>"), encoding="utf8")
    for width in (1280, 800):  # two columns of charts, and one
        proc = run_chromium(chromium, tmp_path, f"--window-size={width},900", "--dump-dom", path.resolve().as_uri())
        assert proc.returncode == 0, proc.stderr[-2000:]
        found = re.search(r'<div id="fits" data-n="(\d+)" data-marks="(\d+)" data-bad="([^"]*)"', proc.stdout)
        assert found, proc.stdout[-2000:]
        n_texts, n_marks, bad = int(found.group(1)), int(found.group(2)), found.group(3)
        assert n_texts > 20 and n_marks >= 8, (n_texts, n_marks)
        assert bad == "", (width, bad)
