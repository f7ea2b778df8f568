"""The verifier against the real spec interpreter: hand-made graphs carrying the example specs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bonsaic.diagnostics import BonsaicError
from bonsaic.spec import Program, load_spec
from bonsaic.verify import verify
from tests.verify.handmade import GRAPHS, delay1

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
# (spec state, graph state) pairs; the graph state mirrors the spec state except in replace111,
# where hold = 2 is reached with either value of x[n-2] (two graph states, one spec state).
PRODUCT_STATES = {"delay1": 2, "delay2": 4, "loop3": 3, "replace111": 4}


@pytest.mark.parametrize("task", sorted(GRAPHS))
def test_hand_made_graph_proves_against_its_embedded_example_spec(task: str) -> None:
    spec = load_spec(EXAMPLES / f"{task}.bns")
    graph = GRAPHS[task]()
    graph.spec_source, graph.spec_name = spec.source, spec.name
    result = verify(graph)
    assert result.ok and result.mode == "proved"
    assert result.product_states == PRODUCT_STATES[task]


def test_an_explicit_program_overrides_the_embedded_spec() -> None:
    graph = delay1()
    graph.spec_source = load_spec(EXAMPLES / "delay1.bns").source
    result = verify(graph, Program(load_spec(EXAMPLES / "delay2.bns")))
    assert not result.ok and result.counterexample is not None
    # delay1 answers x[0] at step 1, delay2 still wants false: a true first input fails at length 2
    assert len(result.counterexample) == 2 and result.counterexample.inputs[0, 0] == 1.0


def test_interface_mismatch_is_a_user_error() -> None:
    graph = delay1()
    graph.inputs = ["a"]
    graph.neurons[0].inputs = [("a", 3.0)]
    with pytest.raises(BonsaicError, match="does not match the spec"):
        verify(graph, Program(load_spec(EXAMPLES / "delay1.bns")))
