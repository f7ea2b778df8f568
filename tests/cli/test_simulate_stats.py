"""`bonsaic simulate` and `bonsaic stats` through the real CLI, on good and on broken models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from tests.ir.test_text import MALFORMED

SEED_DELAY = Path(__file__).parents[1] / "ir" / "data" / "seed_delay.ir"

THREE_INPUTS = """\
bonsai-ir 1
act L = linear
input a
input b
input c
neuron n = L(1.0*a + 1.0*b + 1.0*c)
neuron m = L(-1.0*a)
output maj = n
output nota = m
end
"""


NEGATE_WITH_COPY_SPEC = """\
bonsai-ir 1
act linear = linear
input x
neuron n = linear(-1.0*x)
output y = n
spec "copy.bns"
| task copy
| input x
| output y
| step {
|     y = x
| }
end
"""


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, list(args))


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "model.ir"
    path.write_text(text)
    return path


def test_stats_counts_the_seed_network() -> None:
    # 1 input, 1 output, 1 state; 4 output neurons + 1 recurrent + the dense one; 5 neurons read
    # (x, s) = 10 edges, the dense neuron reads the 4 outputs: 14 (the state's next link is no edge)
    result = invoke("stats", str(SEED_DELAY), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"inputs": 1, "outputs": 1, "states": 1, "neurons": 6, "edges": 14}


def test_stats_table() -> None:
    result = invoke("stats", str(SEED_DELAY))
    assert result.exit_code == 0
    table = dict(line.split() for line in result.stdout.splitlines())
    assert table == {"inputs": "1", "outputs": "1", "states": "1", "neurons": "6", "edges": "14"}


def test_simulate_prints_the_delayed_sequence() -> None:
    result = invoke("simulate", str(SEED_DELAY), "--seq", "1,-1,1,1,0")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["step", "x", "y", "y.value"]
    assert [row[1] for row in rows[1:]] == ["1", "-1", "1", "1", "-1"]
    assert [row[2] for row in rows[1:]] == ["-1", "1", "-1", "1", "1"]  # y[n] = x[n-1], y[0] = -1


def test_simulate_compares_with_the_embedded_spec(tmp_path: Path) -> None:
    """The spec says copy x, the network negates it: every step's expectation is marked."""
    result = invoke("simulate", str(_write(tmp_path, NEGATE_WITH_COPY_SPEC)), "--seq", "1,-1")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows == [["step", "x", "y", "y.value", "y.spec"],
                    ["0", "1", "-1", "-1.000000", "1!"],
                    ["1", "-1", "1", "+1.000000", "-1!"]]


def test_simulate_trace_has_a_row_per_node_and_a_column_per_step() -> None:
    result = invoke("simulate", str(SEED_DELAY), "--seq", "t, f, t", "--trace")
    assert result.exit_code == 0, result.output
    trace = result.stdout.split("\n\n")[1].splitlines()
    assert trace[0].split() == ["node", "kind", "t=0", "t=1", "t=2"]
    by_node = {row.split()[0]: row.split()[1:] for row in trace[1:]}
    assert list(by_node) == ["x", "c0.s0", "c0.r0", "c0.o0", "c0.o1", "c0.o2", "c0.o3", "dense.0"]
    assert by_node["x"] == ["input", "+1.000000", "-1.000000", "+1.000000"]
    assert by_node["c0.s0"][:2] == ["state", "+0.549373"]  # its initial value
    assert by_node["c0.s0"][2] == by_node["c0.r0"][1]  # then the recurrent neuron's previous value


def test_simulate_several_inputs_per_step(tmp_path: Path) -> None:
    result = invoke("simulate", str(_write(tmp_path, THREE_INPUTS)), "--seq", "1 -1 1, -1 -1 1")
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["step", "a", "b", "c", "maj", "maj.value", "nota", "nota.value"]
    assert rows[1] == ["0", "1", "-1", "1", "1", "+1.000000", "-1", "-1.000000"]
    assert rows[2] == ["1", "-1", "-1", "1", "-1", "-1.000000", "1", "+1.000000"]


@pytest.mark.parametrize(("seq", "message", "column"), [
    ("1 1, 1", "step 1 has 2 value(s)", 1),
    ("1,  -1,  maybe", "'maybe' is not a bit", 10),
    ("1,", "step 2 has 0 value(s)", 3),
])
def test_simulate_bad_sequence_points_into_it(seq: str, message: str, column: int) -> None:
    result = invoke("simulate", str(SEED_DELAY), "--seq", seq)
    assert result.exit_code == 2
    assert f"--seq:1:{column}: error: {message}" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(MALFORMED))
@pytest.mark.parametrize("command", ["stats", "simulate"])
def test_broken_models_exit_2_with_a_location(tmp_path: Path, case: str, command: str) -> None:
    text, message, line = MALFORMED[case]
    path = _write(tmp_path, text)
    extra = ["--seq", "1"] if command == "simulate" else []
    result = invoke(command, str(path), *extra)
    assert result.exit_code == 2, result.output
    where = f"{path}:{line}:" if line else f"{path}: error:"
    assert result.stderr.startswith(where), result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.output
