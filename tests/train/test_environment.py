"""A user's environment variable that tinygrad would misread is set aside, with a message."""

from __future__ import annotations

import os
import subprocess
import sys

from bonsaic.train.environment import numeric_variables, shield


def test_the_scan_finds_the_numbers_tinygrad_reads() -> None:
    names = numeric_variables()
    assert {"SPEC", "DEBUG", "BEAM", "JIT"} <= names
    assert "DEFAULT_FLOAT" not in names  # read as text: any value is fine


def test_only_non_numeric_values_of_those_names_are_removed(capsys) -> None:  # noqa: ANN001
    environ = {"SPEC": "tasks/parity.bns", "DEBUG": "2", "BEAM": "0x2", "PATH": "/usr/bin", "HOME": "/root"}
    assert shield(environ) == ["SPEC"]
    assert environ == {"DEBUG": "2", "BEAM": "0x2", "PATH": "/usr/bin", "HOME": "/root"}
    assert "ignoring the environment variable SPEC='tasks/parity.bns'" in capsys.readouterr().err


def test_a_text_spec_variable_no_longer_breaks_the_tinygrad_import() -> None:
    code = "import bonsaic.train.loop, tinygrad; print('imported')"
    env = {**os.environ, "SPEC": "examples/delay1.bns", "DEBUG": "verbose"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0 and "imported" in result.stdout, result.stderr
    assert "SPEC" in result.stderr and "DEBUG" in result.stderr
