import pytest

from spacy_weak.cli._report_paths import check_report_paths
from spacy_weak.errors import SpacyWeakError


def test_a_users_file_is_never_replaced_by_a_report(tmp_path):
    data = tmp_path / "reviewed.jsonl"
    data.write_text('{"text": "a"}\n{"text": "b"}\n', encoding="utf8")
    for kind in ("html", "markdown", "json"):
        with pytest.raises(SpacyWeakError, match="E603"):
            check_report_paths([(data, kind)])
    check_report_paths([(data, "html")], overwrite=True)  # the user said so
    assert data.read_text(encoding="utf8").startswith('{"text"')


def test_earlier_reports_and_empty_files_are_replaced(tmp_path):
    html = tmp_path / "r.html"
    html.write_text('<!DOCTYPE html>\n<html><head><style>table.report th { }</style>', encoding="utf8")
    md = tmp_path / "r.md"
    md.write_text("# Weak supervision analysis\n", encoding="utf8")
    js = tmp_path / "r.json"
    js.write_text('{"corpus": {}}', encoding="utf8")
    empty = tmp_path / "e.html"
    empty.write_text("", encoding="utf8")
    check_report_paths([(html, "html"), (md, "markdown"), (js, "json"), (empty, "html"), (None, "json")])
    with pytest.raises(SpacyWeakError, match="E603"):  # an HTML page that is not a report
        (tmp_path / "page.html").write_text("<!DOCTYPE html><title>mine</title>", encoding="utf8")
        check_report_paths([(tmp_path / "page.html", "html")])


def test_analyze_cli_keeps_a_users_file(tmp_path):
    from typer.testing import CliRunner

    from spacy_weak.cli import _load_commands, app

    _load_commands()
    data = tmp_path / "notes.jsonl"
    data.write_text('{"text": "keep me"}\n', encoding="utf8")
    result = CliRunner().invoke(app, ["analyze", str(tmp_path / "missing.spacy"), "--html", str(data)])
    assert result.exit_code == 1 and "[E603]" in result.output
    assert data.read_text(encoding="utf8") == '{"text": "keep me"}\n'
