"""The VCD waveform of a simulation: read back with pyvcd's own tokenizer, every value is exactly the
simulator's (float64 round trip), and the bit wires say what the output table says."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from vcd.reader import TokenKind, tokenize

from bonsaic.backends.waveform import TIMESCALE, write_vcd
from bonsaic.fsutil import written_by_bonsaic
from bonsaic.ir import Graph, load_ir, parse_ir, simulate
from tests.cli.test_simulate_stats import NEGATE_WITH_COPY_SPEC  # a model wrong on every step
from tests.ir.strategies import graphs

SEED_DELAY = Path(__file__).parents[1] / "ir" / "data" / "seed_delay.ir"



def read_vcd(text: str) -> tuple[dict[str, list[float]], int, str]:
    """``{"scope.path.name": value at every step}``, the final time and the timescale, parsed with
    pyvcd's reader (the values a viewer shows: the last change at or before each step)."""
    names: dict[str, str] = {}
    scope: list[str] = []
    changes: dict[str, dict[int, float]] = {}
    now, timescale = 0, ""
    for token in tokenize(io.BytesIO(text.encode())):
        if token.kind is TokenKind.SCOPE:
            scope.append(token.scope.ident)
        elif token.kind is TokenKind.UPSCOPE:
            scope.pop()
        elif token.kind is TokenKind.TIMESCALE:
            timescale = f"{int(token.timescale.magnitude)} {token.timescale.unit.value}"
        elif token.kind is TokenKind.VAR:
            names[token.var.id_code] = ".".join([*scope, token.var.reference])
        elif token.kind is TokenKind.CHANGE_TIME:
            now = token.time_change
        elif token.kind is TokenKind.CHANGE_REAL:
            changes.setdefault(token.real_change.id_code, {})[now] = token.real_change.value
        elif token.kind is TokenKind.CHANGE_SCALAR:
            changes.setdefault(token.scalar_change.id_code, {})[now] = float(token.scalar_change.value)
    series = {}
    for ident, name in names.items():
        value, values = float("nan"), []
        for t in range(now):
            value = changes.get(ident, {}).get(t, value)
            values.append(value)
        series[name] = values
    return series, now, timescale


def _expected_series(graph: Graph, steps: np.ndarray) -> dict[str, list[float]]:
    """What the file must hold, straight from ``simulate(..., trace=True)``."""
    result = simulate(graph, steps[None], trace=True)
    assert result.trace is not None
    want: dict[str, list[float]] = {}
    for i, name in enumerate(graph.inputs):
        want[f"model.bits.inputs.{name}"] = [float(b > 0) for b in steps[:, i]]
        want[f"model.values.inputs.{name}"] = result.trace[name][0].tolist()
    for kind, nodes in (("states", [s.name for s in graph.states]), ("neurons", [n.name for n in graph.neurons])):
        for name in nodes:
            prefix, _, rest = name.partition(".")
            grouped = rest and (prefix == "dense" or prefix[:1] in "cd" and prefix[1:].isdigit())
            key = f"model.values.{kind}.{prefix}.{rest}" if grouped else f"model.values.{kind}.{name}"
            want[key] = result.trace[name][0].tolist()
    for o, out in enumerate(graph.outputs):
        want[f"model.values.outputs.{out.name}"] = result.values[0, :, o].tolist()
        want[f"model.bits.outputs.{out.name}"] = [float(v > 0) for v in result.values[0, :, o]]
    return want


def _check_round_trip(graph: Graph, steps: np.ndarray) -> None:
    result = simulate(graph, steps[None], trace=True)
    got, end, timescale = read_vcd(write_vcd(graph, steps, result))
    want = _expected_series(graph, steps)
    assert end == len(steps) and timescale == TIMESCALE
    assert set(got) == set(want)
    for name, values in want.items():
        assert np.array_equal(got[name], values, equal_nan=True), name  # bit for bit (-0.0 == 0.0)


def test_the_seed_network_reads_back_exactly() -> None:
    graph = load_ir(SEED_DELAY)
    steps = np.random.default_rng(1).choice([-1.0, 1.0], size=(200, 1))
    _check_round_trip(graph, steps)


@settings(max_examples=40, deadline=None)
@given(graphs(), st.integers(1, 30), st.integers(0, 2**32 - 1))
def test_random_graphs_read_back_exactly(graph: Graph, length: int, seed: int) -> None:
    steps = np.random.default_rng(seed).choice([-1.0, 1.0], size=(length, len(graph.inputs)))
    _check_round_trip(graph, steps)


def test_reals_keep_every_bit_where_pyvcd_alone_would_not() -> None:
    # %.16g (pyvcd's own format) writes 0.1 + 0.2 as 0.3: one double off
    tricky = 0.1 + 0.2
    assert float(f"{tricky:.16g}") != tricky
    graph = parse_ir(f"bonsai-ir 1\nact L = linear\ninput x\nneuron n = L({tricky!r}*x)\noutput y = n\nend\n")
    steps = np.array([[1.0], [-1.0]])
    got, _end, _ts = read_vcd(write_vcd(graph, steps, simulate(graph, steps[None], trace=True)))
    assert got["model.values.neurons.n"] == [tricky, -tricky]


def test_spec_bits_and_the_mismatch_wire() -> None:
    graph = parse_ir(NEGATE_WITH_COPY_SPEC)  # always the opposite of what the spec says
    steps = np.array([[1.0], [-1.0], [1.0]])
    expected = [(True,), (False,), (True,)]
    got, _end, _ts = read_vcd(write_vcd(graph, steps, simulate(graph, steps[None], trace=True), expected))
    assert got["model.bits.spec.y"] == [1.0, 0.0, 1.0]
    assert got["model.bits.outputs.y"] == [0.0, 1.0, 0.0]
    assert got["model.mismatch"] == [1.0, 1.0, 1.0]


def test_the_file_is_signed_as_bonsaic_output(tmp_path: Path) -> None:
    graph = load_ir(SEED_DELAY)
    steps = np.array([[1.0]])
    path = tmp_path / "run.vcd"
    path.write_text(write_vcd(graph, steps, simulate(graph, steps[None], trace=True), origin="seed.ir"))
    assert "Generated by bonsaic" in path.read_text().splitlines()[0]
    assert written_by_bonsaic(path)
