"""The spec's minimal machine: known sizes, and equivalence means equal behaviour."""

from __future__ import annotations

import itertools

from bonsaic.spec import Program, parse_spec
from bonsaic.spec.automaton import minimal_classes, minimal_size


def _size(text: str) -> int:
    table = Program(parse_spec(text)).transitions(10_000)
    assert table is not None
    return minimal_size(table)


def test_redundant_state_is_merged() -> None:
    # a counter mod 6 whose output only asks for parity needs 2 states, not 6
    assert _size("input x\noutput odd\nstate n: 0..5 = 0\nstep {\n    n = x ? (n + 1) % 6 : n\n"
                 "    odd = n % 2 == 1\n}\n") == 2
    # mod 3 needs all 3
    assert _size("input x\noutput z\nstate n: 0..2 = 0\nstep {\n    n = x ? (n + 1) % 3 : n\n    z = n == 0\n}\n") == 3


def test_delay2_needs_four_states() -> None:
    assert _size("input x\noutput y\nstate a: bool = false\nstate b: bool = false\nstep {\n    y = b\n"
                 "    b = a\n    a = x\n}\n") == 4


def test_equivalent_states_agree_on_every_short_sequence() -> None:
    program = Program(parse_spec("input x\noutput y\nstate n: 0..7 = 0\nstep {\n    n = x ? (n + 3) % 8 : n\n"
                                 "    y = n >= 4 and n % 2 == 0\n}\n"))
    table = program.transitions(100)
    classes = minimal_classes(table)

    def run(state: tuple, word: tuple) -> tuple:
        out = []
        for bit in word:
            state, o = program.step(state, (bit,))
            out.append(o)
        return tuple(out)

    words = [w for k in range(1, 6) for w in itertools.product((False, True), repeat=k)]
    for a, b in itertools.combinations(range(len(table.states)), 2):
        same = all(run(table.states[a], w) == run(table.states[b], w) for w in words)
        assert same == (classes[a] == classes[b]), (table.states[a], table.states[b])
