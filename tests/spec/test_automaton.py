"""Mealy machines: the spec's minimal machine has known sizes, equivalence means equal behaviour, the
quotient is equivalent and minimal, isomorphism and distinguishing words agree with behaviour."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.diagnostics import BonsaicError
from bonsaic.spec import Program, load_spec, parse_spec
from bonsaic.spec.automaton import (
    Mealy,
    bits_label,
    distinguishing_word,
    input_label,
    isomorphism,
    minimal_classes,
    minimal_size,
    minimise,
    reachable,
    spec_machine,
    state_names,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


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


# -- minimisation to a quotient, isomorphism, the spec's described machine ---------------------------


@st.composite
def machines(draw: st.DrawFn) -> Mealy:
    """A random deterministic Mealy machine: up to 7 states, 1, 2 or 4 input vectors, 1 or 2 output
    bits, some inputs forbidden (a constraint), every state keeping at least one allowed input."""
    size = draw(st.integers(1, 7))
    vectors = draw(st.sampled_from([1, 2, 4]))
    width = draw(st.integers(1, 2))
    nxt = np.array(draw(st.lists(st.lists(st.integers(-1, size - 1), min_size=vectors, max_size=vectors),
                                 min_size=size, max_size=size)), dtype=np.int64)
    nxt[:, 0] = np.where(nxt[:, 0] < 0, 0, nxt[:, 0])  # no dead ends
    outputs = np.array(draw(st.lists(st.booleans(), min_size=size * vectors * width,
                                     max_size=size * vectors * width))).reshape(size, vectors, width)
    return Mealy(nxt, outputs & (nxt >= 0)[..., None])


def _run(machine: Mealy, word: list[int]) -> list[tuple[bool, ...]] | None:
    """The outputs along ``word``, or None once it takes an input the machine does not allow."""
    state, out = machine.initial, []
    for v in word:
        if machine.next[state, v] < 0:
            return None
        out.append(tuple(machine.outputs[state, v].tolist()))
        state = int(machine.next[state, v])
    return out


def _from(machine: Mealy, state: int) -> Mealy:
    return Mealy(machine.next, machine.outputs, state)


@settings(max_examples=150, deadline=None)
@given(machines(), st.lists(st.lists(st.integers(0, 3), max_size=12), min_size=1, max_size=20))
def test_the_quotient_behaves_as_the_machine_on_random_words(machine: Mealy, words: list[list[int]]) -> None:
    quotient = minimise(machine).machine
    for word in words:
        word = [v % machine.next.shape[1] for v in word]
        assert _run(quotient, word) == _run(machine, word)
    assert distinguishing_word(machine, quotient) is None


@settings(max_examples=150, deadline=None)
@given(machines())
def test_the_quotient_is_minimal_and_reachable(machine: Mealy) -> None:
    found = minimise(machine)
    quotient = found.machine
    assert quotient.initial == 0 and reachable(quotient).all()
    for a, b in itertools.combinations(range(quotient.size), 2):
        assert distinguishing_word(_from(quotient, a), _from(quotient, b)) is not None
    # every reachable original state is equivalent to the minimal state it was mapped to
    for k in np.flatnonzero(reachable(machine)).tolist():
        assert distinguishing_word(_from(machine, k), _from(quotient, int(found.classes[k]))) is None
    assert found.classes[found.representatives].tolist() == list(range(quotient.size))


@settings(max_examples=100, deadline=None)
@given(machines(), st.randoms(use_true_random=False))
def test_a_renamed_machine_is_isomorphic_and_a_changed_one_is_not(machine: Mealy, rng) -> None:  # noqa: ANN001
    quotient = minimise(machine).machine
    perm = list(range(quotient.size))
    rng.shuffle(perm)
    inverse = np.argsort(perm)
    renamed = Mealy(np.where(quotient.next >= 0, np.array(perm)[np.maximum(quotient.next, 0)], -1)[inverse],
                    quotient.outputs[inverse], perm[quotient.initial])
    assert isomorphism(quotient, renamed) == perm
    assert distinguishing_word(quotient, renamed) is None
    changed = quotient.outputs.copy()
    k, v = divmod(int(np.flatnonzero(quotient.next >= 0)[-1]), quotient.next.shape[1])
    changed[k, v, 0] = not changed[k, v, 0]
    other = Mealy(quotient.next, changed)
    assert isomorphism(quotient, other) is None
    word = distinguishing_word(quotient, other)
    assert word is not None and _run(quotient, word) != _run(other, word)


def test_an_unminimised_machine_is_equivalent_but_not_isomorphic() -> None:
    # a one-state machine and the same behaviour spread over two states
    one = Mealy(np.array([[0]]), np.array([[[True]]]))
    two = Mealy(np.array([[1], [0]]), np.array([[[True]], [[True]]]))
    assert isomorphism(one, two) is None and distinguishing_word(one, two) is None
    assert minimise(two).machine.size == 1


def test_machines_over_different_inputs_cannot_be_compared() -> None:
    with pytest.raises(ValueError, match="different input"):
        isomorphism(Mealy(np.array([[0]]), np.zeros((1, 1, 1), bool)),
                    Mealy(np.array([[0, 0]]), np.zeros((1, 2, 1), bool)))


def test_input_labels_are_one_bit_per_input_in_declaration_order() -> None:
    program = Program(parse_spec("input a\ninput b\noutput y\nstep {\n    y = a and not b\n}\n"))
    labels = [input_label(v, 2) for v in range(4)]
    assert labels == ["00", "01", "10", "11"]
    # vector v is Program.input_vectors[v]: a is the leading character
    assert [("1" if a else "0") + ("1" if b else "0") for a, b in program.input_vectors.tolist()] == labels
    assert input_label(0, 0) == "" and bits_label(np.array([True, False])) == "10"


@pytest.mark.parametrize(("name", "size"), [("delay1", 2), ("delay2", 4), ("loop3", 3), ("replace111", 3),
                                            ("parens", 9), ("gate_switcher", 4)])
def test_spec_machine_of_the_examples(name: str, size: int) -> None:
    program = Program(load_spec(EXAMPLES / f"{name}.bns"))
    described = spec_machine(program, 10_000)
    table = program.transitions(10_000)
    assert described.machine.size == size == minimal_size(table)
    assert described.names[described.machine.initial] == "s0" and described.source == "spec"
    assert described.stands_for[0][0] == {  # an enum (gate_switcher's mode) by its member's name
        v.name: bool(v.init) if v.is_bool else v.show(v.init) if v.enum else v.init for v in program.spec.state_vars}
    assert described.inputs == [d.name for d in program.spec.inputs]
    assert described.compare(described) == f"the spec's minimal machine is isomorphic to the spec's ({size} states)"


def test_spec_machine_names_states_after_their_first_spec_state_and_lists_the_merged_ones() -> None:
    program = Program(parse_spec("input x\noutput odd\nstate n: 0..5 = 0\nstep {\n    n = x ? (n + 1) % 6 : n\n"
                                 "    odd = n % 2 == 1\n}\n"))
    described = spec_machine(program, 100)
    assert described.names == ["s0", "s1"]
    assert [[g["n"] for g in group] for group in described.stands_for] == [[0, 2, 4], [1, 3, 5]]


def test_spec_machine_refuses_a_spec_beyond_the_limit() -> None:
    with pytest.raises(BonsaicError, match="more than 3 reachable states"):
        spec_machine(Program(load_spec(EXAMPLES / "parens.bns")), 3)


def test_compare_says_how_the_machines_differ() -> None:
    program = Program(load_spec(EXAMPLES / "delay2.bns"))
    delay2 = spec_machine(program, 100)
    delay1 = spec_machine(Program(load_spec(EXAMPLES / "delay1.bns")), 100)
    text = delay1.compare(delay2)
    assert text.startswith("the spec's minimal machine is NOT isomorphic to the spec's: 2 states against 4")
    assert text.endswith("they differ on the input word 1 0")  # delay1 answers 1 at step 2, delay2 0


def test_state_names_are_unique() -> None:
    assert state_names([0, 3, 3, 5, 3]) == ["s0", "s3", "s3_2", "s5", "s3_3"]
