"""A model whose embedded spec uses an enum: the IR carries the spec text through a save and a load,
``bonsaic verify`` proves it, and a counterexample names the spec's state by its members."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.text import load_ir, save_ir
from bonsaic.spec import parse_spec
from tests.verify.handmade import delay1

# delay1 written with an enum: the previous input as a member instead of a bool
DELAY1_ENUM = """\
# delay1 with an enum: y is the previous input
task delay1_enum
enum Level { low, high }
input x
output y
state previous: Level = low
step {
    y = match previous { low => false, high => true }
    previous = x ? high : low
}
"""


def _model(tmp_path: Path, init: float = -1.0) -> Path:
    graph = delay1(init=init)
    spec = parse_spec(DELAY1_ENUM, "delay1_enum.bns")
    graph.spec_source, graph.spec_name = spec.source, spec.name
    path = tmp_path / "model.ir"
    save_ir(graph, path)
    return path


def test_the_enum_spec_survives_the_ir_round_trip(tmp_path: Path) -> None:
    assert load_ir(_model(tmp_path)).spec_source == DELAY1_ENUM


def test_a_model_with_an_enum_spec_is_proved(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(_model(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("proved"), result.output


def test_the_counterexample_shows_the_spec_state_by_member(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(_model(tmp_path, init=1.0))])
    assert result.exit_code == 1, result.output
    assert "previous=low" in result.output, result.output
