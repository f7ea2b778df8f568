"""`-` as a file argument: standard input for models and specs, standard output for -o."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from bonsaic.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
MODEL = (ROOT / "tests/fuzz/seeds/delay1.ir").read_text()


def test_stats_and_check_read_standard_input() -> None:
    result = CliRunner().invoke(app, ["stats", "-", "--json"], input=MODEL)
    assert result.exit_code == 0 and '"edges": 14' in result.stdout
    result = CliRunner().invoke(app, ["check", "-"], input=(ROOT / "examples/delay1.bns").read_text())
    assert result.exit_code == 0 and result.stdout.startswith("<stdin>: ok, task delay1")


def test_errors_in_standard_input_are_located_in_stdin() -> None:
    result = CliRunner().invoke(app, ["stats", "-"], input="bonsai-ir 1\nneuron = \nend\n")
    assert result.exit_code == 2 and result.stderr.startswith("<stdin>:2:")


def test_a_pipeline_of_commands_through_pipes() -> None:
    bonsaic = [sys.executable, "-m", "bonsaic.cli.main"]
    optimized = subprocess.run([*bonsaic, "opt", "-", "-o", "-", "-q"], input=MODEL, capture_output=True, text=True,
                               timeout=600)
    assert optimized.returncode == 0 and optimized.stdout.startswith("bonsai-ir 1"), optimized.stderr
    verified = subprocess.run([*bonsaic, "verify", "-", "-q"], input=optimized.stdout, capture_output=True,
                              text=True, timeout=600)
    assert verified.returncode == 0 and verified.stdout.startswith("proved"), verified.stderr


def test_a_missing_file_gets_the_same_message_from_every_command(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.ir")
    for argv in (["stats", missing], ["verify", missing], ["opt", missing], ["simulate", missing, "--seq", "1"],
                 ["snap", missing, "-o", str(tmp_path / "o.ir")]):
        result = CliRunner().invoke(app, argv)
        assert result.exit_code == 2 and f"{missing}: error: No such file or directory" in result.stderr, argv
