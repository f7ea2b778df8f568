"""`bonsaic report` end to end through typer's CliRunner (the page itself: tests/report)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bonsaic.cli.main import app
from tests.report import models


def _model(tmp_path: Path) -> Path:
    return models.write(models.replace111(), tmp_path / "r111.ir")


def test_the_page_goes_beside_the_model_by_default_and_names_the_verdict(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(_model(tmp_path))])
    assert result.exit_code == 0, result.output
    page = tmp_path / "r111.report.html"
    assert page.read_text().startswith("<!DOCTYPE html>")
    assert "proved for all sequence lengths" in result.output
    again = CliRunner().invoke(app, ["report", str(tmp_path / "r111.ir")])  # its own earlier page: replaced
    assert again.exit_code == 0, again.output


def test_a_users_file_is_not_replaced_without_force(tmp_path: Path) -> None:
    model = _model(tmp_path)
    mine = tmp_path / "mine.html"
    mine.write_text("<p>my notes</p>")
    result = CliRunner().invoke(app, ["report", str(model), "-o", str(mine)])
    assert result.exit_code == 2 and "was not written by bonsaic" in result.output
    assert mine.read_text() == "<p>my notes</p>"
    assert CliRunner().invoke(app, ["report", str(model), "-o", str(mine), "--force"]).exit_code == 0


def test_dash_writes_the_page_to_stdout(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["report", str(_model(tmp_path)), "-o", "-", "-q", "--no-verify"])
    assert result.exit_code == 0
    assert result.stdout.startswith("<!DOCTYPE html>") and result.stdout.rstrip().endswith("</html>")


def test_a_malformed_model_is_a_located_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ir"
    bad.write_text("bonsaic-ir 1\ninput x\nneuron n = A(2*x\n")
    result = CliRunner().invoke(app, ["report", str(bad)])
    assert result.exit_code == 2
    assert "bad.ir:" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "bad.report.html").exists()


def test_a_bad_loss_log_or_dump_folder_is_a_clean_error(tmp_path: Path) -> None:
    model = _model(tmp_path)
    log = tmp_path / "x.loss.jsonl"
    log.write_text("not json\n")
    result = CliRunner().invoke(app, ["report", str(model), "--loss-log", str(log), "--no-verify"])
    assert result.exit_code == 2 and "x.loss.jsonl:1:" in result.output
    result = CliRunner().invoke(app, ["report", str(model), "--opt-dir", str(tmp_path / "nope"), "--no-verify"])
    assert result.exit_code == 2 and "not a folder" in result.output
    assert not (tmp_path / "r111.report.html").exists()
