"""`bonsaic opt` and `bonsaic passes` through typer's CliRunner: every flag, every exit code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.text import parse_ir, save_ir
from bonsaic.passes.base import Pass
from bonsaic.passes.registry import DEFAULT_PIPELINE, PASSES
from bonsaic.verify import verify
from tests.passes import graphs

DELAY = "task delay1\ninput x\noutput y\nstate previous: bool = false\nstep {\n    y = previous\n    previous = x\n}\n"


@pytest.fixture
def model(tmp_path: Path) -> Path:
    g = graphs.noisy_delay()
    g.spec_source, g.spec_name = DELAY, "delay1.bns"
    path = tmp_path / "noisy.ir"
    save_ir(g, path)
    return path


def opt(*args: str):
    return CliRunner().invoke(app, ["opt", *args])


def test_default_pipeline_prints_verified_ir_on_stdout(model):
    result = opt(str(model))
    assert result.exit_code == 0, result.stderr
    graph = parse_ir(result.stdout)
    assert verify(graph).mode == "proved"
    assert graph.edge_count() < 5


def test_pipeline_and_output_file(model, tmp_path):
    out = tmp_path / "out.ir"
    result = opt(str(model), "-p", "clip{max=0.1},dce", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    graph = parse_ir(out.read_text())
    assert [n.name for n in graph.neurons] == ["r", "o"]
    assert graph.neuron("r").inputs == [("x", 3.0)]  # 0.01 went; the cap kept d's 0.5, dce removed d


def _run_program(code: str, sequences: list[list[list[int]]]) -> list[list[list[int]]]:
    """Run an emitted `py`/`bool` module with the JSON-lines protocol."""
    lines = "".join(json.dumps({"inputs": seq}) + "\n" for seq in sequences)
    done = subprocess.run([sys.executable, "-c", code], input=lines, capture_output=True, text=True, check=True)
    return [json.loads(line)["outputs"] for line in done.stdout.splitlines()]


@pytest.mark.parametrize("emit", ["py", "bool"])
def test_emitted_programs_implement_the_spec(model, emit):
    result = opt(str(model), "--emit", emit)
    assert result.exit_code == 0, result.stderr
    sequences = [[[1], [-1], [1], [1]], [[-1], [1], [-1], [-1]], [[1], [1], [1], [1]]]
    # y[n] = x[n-1], false first
    expected = [[[-1]] + seq[:-1] for seq in sequences]
    assert _run_program(result.stdout, sequences) == expected


def test_emit_dot(model):
    result = opt(str(model), "--emit", "dot")
    assert result.exit_code == 0 and result.stdout.startswith("digraph")


@pytest.mark.parametrize(("fmt", "magic"), [("svg", b"<?xml"), ("png", b"\x89PNG")])
def test_render_writes_a_picture(model, tmp_path, fmt, magic):
    out = tmp_path / f"graph.{fmt}"
    result = opt(str(model), "--render", fmt, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert out.read_bytes().startswith(magic)


def test_render_needs_an_output_file(model):
    result = opt(str(model), "--render", "svg")
    assert result.exit_code == 2 and "--render needs -o" in result.stderr


def test_dump_ir_writes_one_verifiable_file_per_pass(model, tmp_path):
    dump = tmp_path / "dump"
    result = opt(str(model), "-p", "clip,quantize,dce", "--dump-ir", str(dump))
    assert result.exit_code == 0
    names = sorted(p.name for p in dump.iterdir())
    assert names == ["00-input.ir", "01-clip.ir", "02-quantize.ir", "03-dce.ir"]
    assert all(verify(parse_ir((dump / name).read_text())).ok for name in names)


def test_print_after_all_and_stats_go_to_stderr(model):
    result = opt(str(model), "-p", "clip,dce", "--print-after-all", "--stats", "--budget", "1000", "--seed", "3",
                 "--quiet")
    assert result.exit_code == 0
    assert result.stderr.count("# ----- IR after") == 3
    assert "verifier calls" in result.stderr and "5→2" in result.stderr  # clip's edges
    assert parse_ir(result.stdout)  # stdout stays pure IR


def test_bad_pipeline_is_a_located_user_error(model):
    result = opt(str(model), "-p", "clip,frobnicate")
    assert result.exit_code == 2
    assert "<pipeline>:1:6: error: unknown pass 'frobnicate'" in result.stderr
    assert "Traceback" not in result.output


def test_missing_model_is_a_user_error(tmp_path):
    result = opt(str(tmp_path / "nope.ir"))
    assert result.exit_code == 2 and "no such model file" in result.stderr


def test_model_that_fails_its_spec_exits_1_and_writes_nothing(tmp_path):
    g = graphs.clean_delay(init=1.0)  # y[0] true, the spec wants false
    g.spec_source = DELAY
    path, out = tmp_path / "bad.ir", tmp_path / "out.ir"
    save_ir(g, path)
    result = opt(str(path), "-o", str(out))
    assert result.exit_code == 1
    assert "input graph does not implement its spec" in result.stderr and "mismatch" in result.stderr
    assert not out.exists()


class Vandal(Pass):
    """Drops every edge (a deliberately wrong pass)."""

    name = "vandal"

    def run(self, graph, ctx):
        out = graph.copy()
        for neuron in out.neurons:
            neuron.inputs = []
        return out


def test_a_pass_failing_verification_exits_1_keeping_the_last_good_ir(model, tmp_path, monkeypatch):
    monkeypatch.setitem(PASSES, "vandal", Vandal)
    out = tmp_path / "out.ir"
    result = opt(str(model), "-p", "clip,vandal,dce", "-o", str(out))
    assert result.exit_code == 1
    assert "pass 2 (vandal)" in result.stderr and "last graph that verified" in result.stderr
    assert parse_ir(out.read_text()).edge_count() == 2  # clip's result


def test_passes_lists_every_pass_with_its_options():
    result = CliRunner().invoke(app, ["passes"])
    assert result.exit_code == 0
    for name in PASSES:
        assert any(line.startswith(name) for line in result.stdout.splitlines())
    assert "clip  {max=inf, inits=False}" in result.stdout
    assert f"default pipeline: {DEFAULT_PIPELINE}" in result.stdout


def test_help_names_the_current_default_pipeline():
    result = CliRunner().invoke(app, ["opt", "--help"])
    assert f"(default:{DEFAULT_PIPELINE};" in "".join(result.stdout.split())


def test_a_model_without_spec_needs_one_given(tmp_path):
    g = graphs.noisy_delay()  # no embedded spec
    path, spec = tmp_path / "bare.ir", tmp_path / "delay1.bns"
    save_ir(g, path)
    spec.write_text(DELAY)
    missing = opt(str(path))
    assert missing.exit_code == 2 and "hint: give one with --spec" in missing.stderr
    given = opt(str(path), "--spec", str(spec), "-p", "clip")
    assert given.exit_code == 0
    assert parse_ir(given.stdout).spec_source == DELAY  # embedded in the result
