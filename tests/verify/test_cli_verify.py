"""`bonsaic verify`: exit 0 with a verdict line, 1 with a counterexample table, 2 on bad input."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.graph import Graph
from bonsaic.ir.text import save_ir
from bonsaic.spec import load_spec
from tests.verify.handmade import counting_delay1, delay1, delay2

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _model(tmp_path: Path, graph: Graph, task: str) -> Path:
    spec = load_spec(EXAMPLES / f"{task}.bns")
    graph.spec_source, graph.spec_name = spec.source, spec.name
    path = tmp_path / "model.ir"
    save_ir(graph, path)
    return path


def test_correct_model_is_proved(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(_model(tmp_path, delay2(), "delay2"))])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("proved") and "4 product states" in result.output


def test_small_budget_gives_a_bounded_verdict(tmp_path: Path) -> None:
    model = _model(tmp_path, counting_delay1(-1000.0, 0.0), "delay1")
    result = CliRunner().invoke(app, ["verify", str(model), "--budget", "10", "--random-sequences", "5",
                                      "--random-length", "8"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("bounded, not proved: exhaustive to depth 5, ")
    assert "44 input words of up to 4 inputs from 2 spec states" in result.output
    assert "5 random sequences of length 8" in result.output


def test_long_sample_options_catch_a_late_failure(tmp_path: Path) -> None:
    model = _model(tmp_path, counting_delay1(-300.0, 6.0), "delay1")  # wrong from step 298 on
    args = ["verify", str(model), "--budget", "10", "--random-sequences", "5", "--random-length", "8",
            "--battery-words", "0"]
    short = CliRunner().invoke(app, [*args, "--long-sequences", "0"])
    assert short.exit_code == 0 and "bounded" in short.output, short.output
    long = CliRunner().invoke(app, [*args, "--long-sequences", "4", "--long-length", "400"])
    assert long.exit_code == 1 and "<- mismatch" in long.output
    battery = CliRunner().invoke(app, [*args[:-2], "--long-sequences", "0"])  # the default battery
    assert battery.exit_code == 1 and "counterexample (battery: input word [-1] repeated from the start), " \
        "299 steps" in battery.output, battery.output


def test_wrong_model_prints_the_counterexample_and_exits_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["verify", str(_model(tmp_path, delay1(init=1.0), "delay1"))])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0] == "shortest counterexample, 1 steps:"
    assert lines[2].split()[:4] == ["0", "-1", "-1", "+1"] and lines[2].endswith("<- mismatch")
    assert "previous=false" in lines[2]  # the spec's state, described in its own terms


def test_spec_option_replaces_the_embedded_spec(tmp_path: Path) -> None:
    model = _model(tmp_path, delay1(), "delay1")
    result = CliRunner().invoke(app, ["verify", str(model), "--spec", str(EXAMPLES / "delay2.bns")])
    assert result.exit_code == 1 and "2 steps" in result.output


def test_malformed_model_exits_2_with_a_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ir"
    bad.write_text("bonsai-ir 1\ninput x\nneuron o = nope(3*x)\n")
    result = CliRunner().invoke(app, ["verify", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:" in result.output and "error:" in result.output
