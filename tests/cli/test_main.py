"""The top-level CLI: every command is listed with a description, and --version works."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from bonsaic import __version__
from bonsaic.cli.main import app

COMMANDS = ["check", "sample", "train", "simulate", "stats", "verify", "import", "opt", "passes"]


def test_help_lists_every_command_with_a_description() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    for cmd in COMMANDS:
        rows = [ln for ln in lines if ln.strip().startswith(cmd + " ")]
        assert rows, f"{cmd} missing from --help:\n{result.output}"
        assert len(rows[0].split()) > 1, f"{cmd} has no description"


def test_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_is_fast_and_does_not_import_tinygrad() -> None:
    code = "import sys; from bonsaic.cli import main; print('tinygrad' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
