"""`bonsaic check` and `bonsaic sample` end to end through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize("name", ["delay1", "delay2", "loop3", "parens", "replace111", "gate_switcher",
                                  "mini_cpu"])
def test_check_accepts_every_example(name: str) -> None:
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / f"{name}.bns")])
    assert result.exit_code == 0, result.output
    assert f"ok, task {name}" in result.output


def test_check_summary_shows_settings_after_defaults_and_reachable_states() -> None:
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / "parens.bns")])
    out = result.output
    assert "state variables: depth: 0..8 = 0" in out
    assert "reachable spec states: 9 (16 allowed transitions)" in out
    assert "interpolated_ameo(factor=1.0, leakyness=0.1)" in out
    assert "batch 256, length 40" in out
    assert "reg x0.8 at step 500" in out  # the default schedule, not written in the file


def test_check_says_when_a_default_step_count_ends_early() -> None:
    """parens chooses its steps: all of them run. delay2 leaves them at the default: at most."""
    chosen = CliRunner().invoke(app, ["check", str(EXAMPLES / "parens.bns")]).output
    default = CliRunner().invoke(app, ["check", str(EXAMPLES / "delay2.bns")]).output
    assert "steps 12000\n" in chosen and "settled" not in chosen
    assert "steps 5000 (at most: training ends once settled" in default


def test_check_reports_when_exploration_is_cut_off() -> None:
    result = CliRunner().invoke(app, ["check", str(EXAMPLES / "parens.bns"), "--limit", "3"])
    assert result.exit_code == 0 and "more than 3" in result.output


def test_sample_prints_json_lines_of_plus_minus_one() -> None:
    args = ["sample", str(EXAMPLES / "delay1.bns"), "--count", "5", "--length", "9", "--seed", "4"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert len(rows) == 5
    for row in rows:
        xs = [step[0] for step in row["inputs"]]
        ys = [step[0] for step in row["outputs"]]
        assert len(xs) == len(ys) == 9 and set(xs + ys) <= {-1, 1}
        assert ys == [-1] + xs[:-1]  # delay1 by definition
    assert CliRunner().invoke(app, args).output == result.output


def test_sample_of_a_broken_spec_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.bns"
    path.write_text("output y\nstep { y = 1 }\n")
    result = CliRunner().invoke(app, ["sample", str(path)])
    assert result.exit_code == 2 and result.output.startswith(f"{path}:2:12: error:")
