"""The cell cover: a grid of small boxes whose union is inductive.

Soundness: whenever it returns an invariant, long simulations stay inside its cells (tagged with
the spec's state) and every output is right; it never proves a graph that simulation shows wrong,
including graphs whose bounds overflow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.simulate import Stepper
from bonsaic.verify import Verifier
from bonsaic.verify.affine import find_affine_invariant
from bonsaic.verify.boxes import BoxInvariant, find_box_invariant
from bonsaic.verify.cells import _touched, find_cell_invariant
from bonsaic.verify.embedded import load_model
from tests.verify.drifting import ALL_ONES, all_ones_drifting, delay1_drifting_on_edges
from tests.verify.handmade import PROGRAMS, delay1, delay2, perturbed, replace111

TRAINED_D_LATCH = Path(__file__).parent / "data" / "trained_d_latch.ir"


def _inside(found: BoxInvariant, spec_state: int, state: np.ndarray) -> bool:
    boxes = found.spec == spec_state
    return bool(np.all((found.lo[boxes] <= state) & (state <= found.hi[boxes]), axis=1).any())


def test_touched_cells_cover_the_image_and_respect_the_spread_cap() -> None:
    owner, cells = _touched(np.array([[0.1, -0.3]]), np.array([[0.3, -0.05]]), 0.125)
    assert owner.tolist() == [0] * 9  # x cells 0..2, y cells -3..-1
    assert sorted(map(tuple, cells.tolist())) == [(x, y) for x in (0, 1, 2) for y in (-3, -2, -1)]
    assert _touched(np.array([[0.0, 0.0]]), np.array([[2.0, 2.0]]), 0.125) is None  # 17 x 17 cells


def test_a_trained_d_latch_the_box_searches_cannot_prove_is_covered_by_cells() -> None:
    """A D latch grown by `bonsaic train` (interpolated Ameo, 2 states, 28 edges): its states never
    repeat exactly, the hull boxes straddle an output's zero at every grid, and the cell cover
    closes on a fine grid."""
    graph = load_model(TRAINED_D_LATCH)
    verifier = Verifier.for_graph(graph)
    ex = verifier.explore(graph)
    assert not ex.closed and ex.mismatch_step is None
    assert find_box_invariant(graph, verifier.table, ex) is None
    assert find_affine_invariant(graph, verifier.table, ex) is None
    why: list[str] = []
    found = find_cell_invariant(graph, verifier.table, ex, why)
    assert found is not None and found.cell_size is not None and found.margin > 0.1, why
    result = verifier.verify(graph)
    assert result.mode == "proved" and "grid cells of side 1/" in result.summary()
    # every state of long random runs lies in a cell of its spec state
    program = verifier.program
    inputs, _targets = program.generate(32, 2_000, 7)
    stepper = Stepper(graph)
    states = np.tile(stepper.initial_states(), (32, 1))
    raw = [program.initial_state()] * 32
    for t in range(2_000):
        for b in range(0, 32, 4):
            assert _inside(found, verifier.table.index(raw[b]), states[b]), f"step {t}"
        states, _values, _out = stepper.step(states, inputs[:, t, :])
        for b in range(0, 32, 4):
            raw[b], _y = program.step(raw[b], tuple(bool(v > 0) for v in inputs[b, t]))


def test_late_drift_and_overflowing_bounds_are_never_covered() -> None:
    for overflow in (False, True):
        for graph, program in ((all_ones_drifting(500, overflow), ALL_ONES),
                               (delay1_drifting_on_edges(300, overflow), PROGRAMS["delay1"])):
            verifier = Verifier.for_graph(graph, program)
            with np.errstate(all="ignore"):
                ex = verifier.explore(graph, 5_000)
                assert find_cell_invariant(graph, verifier.table, ex) is None


BASES = {"delay1": delay1, "delay2": delay2, "replace111": replace111}


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(sorted(BASES)), st.integers(0, 2**32 - 1), st.floats(0.0, 1.0), st.floats(0.0, 0.3),
       st.floats(0.0, 1.2))
def test_every_cell_proof_agrees_with_long_simulation(name: str, seed: int, factor: float, leak: float,
                                                       noise: float) -> None:
    """Hand-made networks with the interpolated Ameo and random extra weights (some still right,
    some wrong): when the cover closes, simulations agree with the spec and stay inside its cells."""
    graph = perturbed(name, seed, Activation.interpolated_ameo(factor, leak), noise)
    program = PROGRAMS[name]
    verifier = Verifier.for_graph(graph, program)
    ex = verifier.explore(graph, 300)
    if ex.mismatch_step is not None or ex.closed:
        return
    found = find_cell_invariant(graph, verifier.table, ex)
    if found is None:
        return
    inputs, targets = program.generate(64, 400, seed % 1000)
    stepper = Stepper(graph)
    states = np.tile(stepper.initial_states(), (64, 1))
    raw = [program.initial_state()] * 64
    for t in range(400):
        for b in range(64):
            assert _inside(found, verifier.table.index(raw[b]), states[b]), f"state at step {t} outside every cell"
        states, _values, outputs = stepper.step(states, inputs[:, t, :])
        assert np.all((outputs > 0) == (targets[:, t, :] > 0)), f"proved, but wrong at step {t}"
        for b in range(64):
            raw[b], _out = program.step(raw[b], tuple(bool(v > 0) for v in inputs[b, t]))
    assert verifier.battery_check(graph)[1] is None
