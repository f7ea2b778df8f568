"""The counterexample table: one row per step, the wrong step (and only it) marked."""

from __future__ import annotations

import numpy as np

from bonsaic.verify import Counterexample
from bonsaic.verify.report import counterexample_table


def _cex(spec_states: list | None) -> Counterexample:
    return Counterexample(inputs=np.array([[1.0, -1.0], [-1.0, -1.0]]), expected=np.array([[-1.0], [1.0]]),
                          actual=np.array([[-1.0], [-1.0]]), values=np.array([[-0.5], [-0.25]]),
                          spec_states=spec_states)


def test_rows_show_inputs_outputs_and_the_mismatch() -> None:
    lines = counterexample_table(_cex(None), ["a", "b"], ["y"]).splitlines()
    assert lines[0] == "shortest counterexample, 2 steps:"
    assert lines[1].split() == ["step", "a", "b", "y", "expected", "y", "actual", "y", "value"]
    assert lines[2].split() == ["0", "+1", "-1", "-1", "-1", "-0.5"]
    assert lines[3].split() == ["1", "-1", "-1", "+1", "-1", "-0.25", "<-", "mismatch"]


def test_spec_states_are_described_by_the_given_function() -> None:
    table = counterexample_table(_cex([(0,), (2,)]), ["a", "b"], ["y"], lambda s: f"hold={s[0]}")
    lines = table.splitlines()
    assert lines[1].endswith("spec state")
    assert lines[2].endswith("hold=0") and lines[3].split()[-3:] == ["hold=2", "<-", "mismatch"]


def test_a_long_counterexample_shows_its_ends() -> None:
    import numpy as np

    from bonsaic.verify.report import SHOWN_HEAD, SHOWN_TAIL, counterexample_table
    from bonsaic.verify.verifier import Counterexample

    n = 5000
    expected = -np.ones((n, 1))
    actual = expected.copy()
    actual[-1] = 1.0
    cex = Counterexample(np.ones((n, 1)), expected, actual, actual * 0.5, shortest=False, source="battery: x")
    lines = counterexample_table(cex, ["x"], ["y"]).splitlines()
    assert lines[0] == "counterexample (battery: x), 5000 steps:"
    assert len(lines) == 2 + SHOWN_HEAD + 1 + SHOWN_TAIL
    assert f"... {n - SHOWN_HEAD - SHOWN_TAIL} steps not shown ..." in lines
    assert lines[-1].startswith("4999") and lines[-1].endswith("<- mismatch")
