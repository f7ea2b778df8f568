"""The seed post's y[n] = x[n-1] network, optimised with the default pipeline, decompiles to the
post's own reading: ``out = s; s' = x`` with s starting false."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bonsaic.backends import emit
from bonsaic.ir.graph import Graph
from bonsaic.ir.text import load_ir
from bonsaic.passes.pipeline import optimize, parse_pipeline
from bonsaic.passes.registry import DEFAULT_PIPELINE
from tests.backends.programs import run_script, spec_data
from tests.backends.test_bool import step_lines

ROOT = Path(__file__).resolve().parents[2]
SEED_IR = ROOT / "tests" / "ir" / "data" / "seed_delay.ir"  # the post's printed weights, unpruned
DELAY1 = ROOT / "examples" / "delay1.bns"


@pytest.fixture(scope="module")
def optimised() -> Graph:
    graph = load_ir(SEED_IR)
    graph.spec_source, graph.spec_name = DELAY1.read_text(), DELAY1.name
    result = optimize(graph, parse_pipeline(DEFAULT_PIPELINE))
    assert result.failure is None and result.graph is not None
    return result.graph


def test_graph_is_no_larger_than_the_posts_pruned_one(optimised: Graph) -> None:
    """The post's pruned graph: one state feeding the output through at most two neurons."""
    assert len(optimised.states) == 1
    assert len(optimised.neurons) <= 3  # the state's recurrent neuron + at most two to the output


def test_bool_program_is_out_equals_s_and_s_next_equals_x(optimised: Graph) -> None:
    source = emit("bool", optimised)
    assert step_lines(source) == {"y": "c0_s0", "c0_s0_next": "x"}
    assert "INITIAL_STATE = (False,)" in source


@pytest.mark.parametrize("backend", ["py", "bool"])
def test_emitted_programs_match_the_spec(optimised: Graph, backend: str, tmp_path: Path) -> None:
    inputs, targets = spec_data(optimised.spec_source, batch=16, length=20, seed=11)
    np.testing.assert_array_equal(run_script(emit(backend, optimised), inputs, tmp_path), targets)
