"""Periodic ("lasso") samples: allowed, periodic, right expected outputs, and they catch drift that
i.i.d. random sequences do not."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron, State
from bonsaic.spec import Program, load_spec
from bonsaic.verify import Verifier, verify
from bonsaic.verify.lasso import lasso_sequences
from bonsaic.verify.spec_table import SpecTable
from tests.verify.handmade import PROGRAMS, delay1
from tests.verify.test_cli_verify import EXAMPLES


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["parens", "gate_switcher", "replace111", "loop3"]), st.integers(0, 1000))
def test_lasso_sequences_are_allowed_and_expected_outputs_are_the_specs(task: str, seed: int) -> None:
    program = Program(load_spec(EXAMPLES / f"{task}.bns"))
    spec = program.spec
    table = SpecTable(program, len(spec.inputs), len(spec.outputs))
    inputs, expected = lasso_sequences(table, 6, 300, seed)
    assert inputs.shape[:2] == (6, 300) and expected.shape[:2] == (6, 300)
    for x, y in zip(inputs, expected, strict=True):
        state = program.initial_state()
        for row, want in zip(x, y, strict=True):
            bits = tuple(bool(v > 0) for v in row)
            assert bits in [tuple(a) for a in program.allowed_inputs(state)]
            state, out = program.step(state, bits)
            assert [1.0 if o else -1.0 for o in out] == want.tolist()
        # after the prefix (< 30 steps) the input is periodic with a period under 80
        tail = x[100:]
        assert any(np.array_equal(tail[p:], tail[:-p]) for p in range(1, 80))


def leaky_integrator_delay1() -> Graph:
    """delay1, plus c <- 0.999c + 0.03x that sticks the output at +1 once c > 5. Under i.i.d. input
    c stays within about ±0.7 (c > 5 is 7 standard deviations out); a periodic word with more ones
    than zeros drives c towards 30 times its mean, past 5 within a few hundred steps."""
    graph = delay1()
    graph.acts["L"] = Activation.linear()
    graph.states.append(State("c", 0.0, "acc"))
    graph.neurons[1:1] = [Neuron("acc", "L", [("c", 0.999), ("x", 0.03)]),
                          Neuron("h", "H", [("c", 1.0)], -8.0)]
    graph.neurons[-1] = Neuron("o", "H", [("s", 3.0), ("h", 6.0)], 6.0)
    return graph


def test_drift_that_iid_sequences_miss_is_caught_by_lasso_sequences() -> None:
    graph = leaky_integrator_delay1()
    verifier = Verifier(PROGRAMS["delay1"], 1, 1)
    _margin, iid = verifier._random_check(graph, 1, 16, 3000)
    assert iid is None
    _margin, cex = verifier._lasso_check(graph, 2, 16, 3000)
    assert cex is not None and not cex.shortest and len(cex) > 100
    result = verify(graph, PROGRAMS["delay1"], budget=20, long_sequences=16, long_length=3000)
    assert not result.ok and result.counterexample is not None
