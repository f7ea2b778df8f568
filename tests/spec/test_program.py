"""The interpreter's API for tools: initial state, allowed inputs, step, reachable states."""

from __future__ import annotations

from pathlib import Path

from bonsaic.spec import Program, load_spec, parse_spec

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_parens_state_space_by_hand() -> None:
    """Depths 0..8 are reachable; depth 0 only opens, depth 8 only closes, the rest do both."""
    program = Program(load_spec(EXAMPLES / "parens.bns"))
    assert program.initial_state() == (0,)
    assert sorted(program.reachable_states()) == [(d,) for d in range(9)]
    assert program.allowed_inputs((0,)) == [(False,)]
    assert program.allowed_inputs((8,)) == [(True,)]
    assert program.allowed_inputs((4,)) == [(False,), (True,)]
    assert program.step((1,), (True,)) == ((0,), (True,))
    assert program.step((1,), (False,)) == ((2,), (False,))
    table = program.transitions()
    assert table is not None and int(table.allowed.sum()) == 16


def test_allowed_inputs_follow_declaration_order() -> None:
    program = Program(load_spec(EXAMPLES / "gate_switcher.bns"))
    vectors = program.allowed_inputs(program.initial_state())
    assert len(vectors) == 8 and vectors[0] == (False, False, False) and vectors[1] == (False, False, True)


def test_mini_cpu_reaches_all_four_register_states() -> None:
    program = Program(load_spec(EXAMPLES / "mini_cpu.bns"))
    assert sorted(program.reachable_states()) == [(0, 0), (0, 1), (1, 0), (1, 1)]
    # mov r1 -> r0 (op, rx=r1, arg=r0) copies r1's true into r0 and outputs it
    assert program.step((0, 1), (True, True, False)) == ((1, 1), (True,))


def test_reachable_states_respects_the_limit() -> None:
    program = Program(parse_spec("input up\noutput y\nstate n: 0..999 = 0\n"
                                 "step {\n  n = up and n < 999 ? n + 1 : n\n  y = n == 999\n}\n"))
    assert program.reachable_states(limit=50) is None
    assert len(program.reachable_states(limit=1000)) == 1000


def test_unassigned_state_keeps_its_value_and_outputs_are_sequential() -> None:
    program = Program(parse_spec("input a\noutput y, z\nstate s: bool = true\nstate k: -2..2 = -2\n"
                                 "step {\n  y = a\n  z = y and s\n  if a { s = false }\n}\n"))
    assert program.step((1, -2), (True,)) == ((0, -2), (True, True))
    assert program.step((1, -2), (False,)) == ((1, -2), (False, False))


def test_step_accepts_lists_and_returns_plain_tuples() -> None:
    program = Program(load_spec(EXAMPLES / "delay2.bns"))
    next_state, outputs = program.step([1, 0], [True])
    assert next_state == (1, 1) and outputs == (False,)
    assert all(type(v) is int for v in next_state) and all(type(v) is bool for v in outputs)


def test_a_spec_without_state_generates_and_steps() -> None:
    """Regression: a stateless task (y = x) has one empty spec state; generation must not crash."""
    from bonsaic.spec import Program, parse_spec

    spec = parse_spec("task copy\ninput x\noutput y\nstep {\n    y = x\n}\n", "copy.bns")
    inputs, targets = Program(spec).generate(8, 5, seed=3)
    assert inputs.shape == (8, 5, 1) and targets.shape == (8, 5, 1)
    assert (inputs == targets).all()
    assert Program(spec).step((), (True,)) == ((), (True,))


def test_the_dsl_docs_sequence_detector_matches_a_python_reference() -> None:
    """docs/dsl.md's `101` detector, written with shifts, `|`, `&` and `int(b)`, against plain Python."""
    import random

    from bonsaic.spec import parse_spec

    program = Program(parse_spec("input x\noutput seen\nstate s: 0..7 = 0\nstep {\n    s = ((s << 1) | int(x)) & 7\n"
                                 "    seen = s == 5\n}\n"))
    rng = random.Random(0)
    for _ in range(50):
        bits = [rng.random() < 0.5 for _ in range(30)]
        state, got = program.initial_state(), []
        for bit in bits:
            state, (seen,) = program.step(state, (bit,))
            got.append(seen)
        history = [False, False] + bits
        assert got == [history[t:t + 3] == [True, False, True] for t in range(len(bits))]
