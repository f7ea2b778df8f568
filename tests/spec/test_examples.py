"""Every bundled example against an independent hand-written Python reference.

The references below are written from the issue's wording of each task, not from the ``.bns``
files, so a bug in an example, the parser or the interpreter shows up as a disagreement on
generated sequences.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bonsaic.spec import Program, load_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
Bits = list[tuple[bool, ...]]


def delay1(xs: Bits) -> list[bool]:
    seq = [x for (x,) in xs]
    return [False] + seq[:-1]


def delay2(xs: Bits) -> list[bool]:
    seq = [x for (x,) in xs]
    return ([False, False] + seq)[: len(seq)]


def loop3(xs: Bits) -> list[bool]:
    return [n % 3 == 2 for n in range(len(xs))]


def parens(xs: Bits) -> list[bool]:
    depth, out = 0, []
    for (close,) in xs:
        depth += -1 if close else 1
        out.append(depth == 0)
    return out


def replace111(xs: Bits) -> list[bool]:
    seq = [x for (x,) in xs]
    return [any(seq[max(0, n - 2): n + 1]) for n in range(len(seq))]


def gate_switcher(xs: Bits) -> list[bool]:
    gates = [lambda a, b: a != b, lambda a, b: a and b, lambda a, b: not (a or b), lambda a, b: not (a and b)]
    mode, out = 0, []
    for change, a, b in xs:
        mode = (mode + change) % 4
        out.append(gates[mode](a, b))
    return out


def mini_cpu(xs: Bits) -> list[bool]:
    regs, out = [False, False], []
    for op, rx, arg in xs:
        if not op:
            regs[rx] = arg
            out.append(arg)
        else:
            value = regs[rx]
            regs[arg] = value
            out.append(value)
    return out


REFERENCES: dict[str, Callable[[Bits], list[bool]]] = {
    f.__name__: f for f in (delay1, delay2, loop3, parens, replace111, gate_switcher, mini_cpu)
}


def _bits(signs: np.ndarray) -> Bits:
    return [tuple(bool(v > 0) for v in row) for row in signs]


@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_generated_targets_match_the_reference(name: str) -> None:
    spec = load_spec(EXAMPLES / f"{name}.bns")
    inputs, targets = Program(spec).generate(300, 30, seed=7)
    assert inputs.dtype == np.float32 and targets.dtype == np.float32
    assert set(np.unique(targets)) <= {-1.0, 1.0}
    for x, y in zip(inputs, targets, strict=True):
        expected = REFERENCES[name](_bits(x))
        assert [bool(v > 0) for v in y[:, 0]] == expected


def test_replace111_matches_the_issue_example() -> None:
    program = Program(load_spec(EXAMPLES / "replace111.bns"))
    state, outputs = program.initial_state(), []
    for x in (-1, 1, -1, -1, -1, 1, -1):
        state, (y,) = program.step(state, (x > 0,))
        outputs.append(1 if y else -1)
    assert outputs == [-1, 1, 1, 1, -1, 1, 1]


def test_every_example_has_a_one_sentence_header() -> None:
    for path in EXAMPLES.glob("*.bns"):
        first = path.read_text().splitlines()[0]
        assert first.startswith(f"# {path.stem}: ") and first.endswith("."), path


def test_example_model_sections_follow_the_issue() -> None:
    gate = load_spec(EXAMPLES / "gate_switcher.bns")
    assert [(c.outputs, c.states) for c in gate.model.cells] == [(16, 10), (16, 10)]
    # the seed post's cells with the hard Ameo, state noise and pruning: the settings that train a
    # verified network here (benchmarks/EXAMPLES_gate_switcher.md)
    assert gate.model.cells[0].activation.factor == 1.0 and gate.model.cells[0].activation.leakyness == 0.1
    assert (gate.train.batch, gate.train.length, gate.train.lr, gate.train.state_noise) == (256, 20, 0.004, 0.05)
    assert (gate.train.prune.every, gate.train.prune.rate, gate.train.steps) == (500, 0.1, 20000)
    mini = load_spec(EXAMPLES / "mini_cpu.bns")  # two binary cells, no fresh starts (benchmarks/EXAMPLES_mini_cpu.md)
    assert [(c.outputs, c.states) for c in mini.model.cells] == [(16, 8), (16, 8)] and mini.model.binary_states
    assert (mini.train.steps, mini.train.restarts, mini.train.reseed) == (12000, 4, 0)
    assert (gate.train.regularizer.intensity, gate.train.regularizer.steepness) == (0.1, 25.0)
    assert gate.inputs[0].p_true == 0.3
    parens_spec = load_spec(EXAMPLES / "parens.bns")
    assert parens_spec.model.cells[0].activation.factor == 1.0
    assert (parens_spec.train.prune.every, parens_spec.train.prune.rate, parens_spec.train.seed) == (500, 0.1, 5)
