"""Sizing the model from the task when the spec has no `model` section, on specs of every shape."""

from __future__ import annotations

from dataclasses import replace

from bonsaic.spec import Program, parse_spec
from bonsaic.spec.config import ModelConfig
from bonsaic.spec.sizing import sized_model, with_sized_model


def _sized(text: str) -> tuple[ModelConfig, str]:
    return sized_model(Program(parse_spec(text)))


def _cell(text: str) -> tuple[int, int]:
    model, _ = _sized(text)
    assert len(model.cells) == 1
    return model.cells[0].outputs, model.cells[0].states


PARITY = "input x\noutput odd\nstate p: bool = false\nstep {\n    p = p xor x\n    odd = p\n}\n"
MOD3 = "input x\noutput z\nstate n: 0..2 = 0\nstep {\n    n = (n + int(x)) % 3\n    z = n == 0\n}\n"


def test_a_model_section_wins() -> None:
    text = PARITY + "model {\n    cell(outputs = 16, states = 10)\n}\n"
    model, why = _sized(text)
    assert (model.cells[0].outputs, model.cells[0].states) == (16, 10) and why == "from the spec's model section"


def test_one_bit_tasks_get_the_posts_four_two_cell() -> None:
    assert _cell(PARITY) == (4, 2)


def test_three_states_need_two_bits() -> None:
    assert _cell(MOD3) == (8, 4)
    assert "minimal machine has 3 states (2 bits)" in _sized(MOD3)[1]


def test_redundant_spec_states_do_not_inflate_the_model() -> None:
    # a counter to 63 whose output only depends on parity is a one-bit task
    text = "input x\noutput odd\nstate n: 0..63 = 0\nstep {\n    n = x ? (n + 1) % 64 : n\n    odd = n % 2 == 1\n}\n"
    assert _cell(text) == (4, 2)


def test_no_inputs_and_several_outputs() -> None:
    text = ("output a, b, c, d, e\nstate t: 0..1 = 0\nstep {\n    t = 1 - t\n    a = t == 0\n    b = t == 1\n"
            "    c = true\n    d = false\n    e = t == 0\n}\n")
    outputs, states = _cell(text)
    assert states == 2 and outputs == 5  # at least one cell output per task output


def test_constraints_count_only_allowed_behaviour() -> None:
    # set and reset together forbidden: still a one-bit latch
    text = ("input s, r\noutput q\nstate m: bool = false\nconstraint not (s and r)\nstep {\n"
            "    m = s or (m and not r)\n    q = m\n}\n")
    assert _cell(text) == (4, 2)


def test_large_machines_keep_the_default_and_say_why() -> None:
    text = "input x\noutput y\nstate n: 0..99 = 0\nstep {\n    n = x ? (n + 1) % 100 : n\n    y = n == 0\n}\n"
    model, why = _sized(text)
    assert model == replace(ModelConfig(), binary_states=True) and "100 states" in why
    huge = "input x\noutput y\nstate n: 0..1000000 = 0\nstep {\n    n = x ? (n + 1) % 1000001 : n\n    y = n == 0\n}\n"
    model, why = _sized(huge)
    assert model == replace(ModelConfig(), binary_states=True) and "more than" in why and "binary states" in why


def test_the_sized_spec_keeps_everything_else() -> None:
    program = Program(parse_spec(MOD3))
    spec, _ = with_sized_model(program)
    assert spec.source == program.spec.source and spec.train == program.spec.train and spec.model.cells[0].states == 4


def test_a_sized_model_has_binary_states_unless_the_spec_says_otherwise() -> None:
    """Sizing also picks binary states (the spec's own `binary_states`, either way, wins); a model
    given cell by cell keeps its continuous states, as the seed post's cell has them."""
    model, why = _sized(MOD3)
    assert model.binary_states and not model.binary_given and "binary states" in why
    model, why = _sized(MOD3 + "model {\n    binary_states = false\n}\n")
    assert not model.binary_states and model.cells[0].states == 4 and "binary" not in why
    model, _ = _sized(MOD3 + "model {\n    binary_states = true\n}\n")
    assert model.binary_states and model.binary_given
    model, _ = _sized(MOD3 + "model {\n    cell(outputs = 8, states = 4)\n}\n")
    assert not model.binary_states
