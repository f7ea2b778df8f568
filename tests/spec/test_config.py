"""``model``/``train`` sections: defaults from the seed post, overrides, and located errors."""

from __future__ import annotations

import pytest

from bonsaic.ir.activations import Activation
from bonsaic.spec import ScheduleEvent, SpecError, parse_spec
from bonsaic.spec.config import PruneConfig

TASK = "input x\noutput y\nstep { y = x }\n"


def test_defaults_follow_the_seed_post() -> None:
    spec = parse_spec(TASK)
    (cell,) = spec.model.cells
    assert cell.activation == Activation.interpolated_ameo(0.5, 0.1)
    reg = spec.train.regularizer
    assert (reg.intensity, reg.threshold, reg.steepness, reg.l1) == (0.05, 0.025, 10.0, 0.001)
    assert (spec.train.optimizer, spec.train.lr, spec.train.length) == ("adam", 0.01, 20)
    # the post's 1024 sequences per step, as 4 restarts of 256 trained side by side
    assert (spec.train.restarts, spec.train.batch) == (4, 256)
    assert spec.train.schedule == [ScheduleEvent(500, "reg", 0.8), ScheduleEvent(1000, "reg", 0.6),
                                   ScheduleEvent(2500, "lr", 0.5)]


def test_overrides_and_schedule_replacement() -> None:
    spec = parse_spec(TASK + """
model {
    cell(4, 2, tanh)
    cell(outputs = 3, states = 1, activation = leaky_ameo(0.2), initializer = kaiming_normal)
    dense_activation = linear
}
train {
    optimizer = sgd
    lr = 0.5
    steps = 10
    state_noise = 0.1
    carry = 5
    prune(rate = 0.2)
    regularizer(intensity = 0, biases = false)
    at 7: lr *= 0.1
    at 3: reg *= 2
}
""")
    first, second = spec.model.cells
    assert (first.outputs, first.states, first.activation.kind) == (4, 2, "tanh")
    assert second.activation == Activation.leaky_ameo(0.2) and second.initializer == "kaiming_normal"
    assert spec.model.dense_activation.kind == "linear"
    assert (spec.train.optimizer, spec.train.lr, spec.train.steps) == ("sgd", 0.5, 10)
    assert spec.train.state_noise == 0.1 and parse_spec(TASK).train.state_noise == 0.0
    assert spec.train.carry == 5 and parse_spec(TASK).train.carry == 0
    assert spec.train.prune == PruneConfig(every=500, rate=0.2) and parse_spec(TASK).train.prune is None
    assert spec.train.regularizer.intensity == 0.0 and spec.train.regularizer.biases is False
    assert spec.train.regularizer.threshold == 0.025
    assert spec.train.schedule == [ScheduleEvent(3, "reg", 2.0), ScheduleEvent(7, "lr", 0.1)]


@pytest.mark.parametrize(("section", "message"), [
    ("train { batch = 0.5 }", "`batch` must be an integer"),
    ("train { batch = 0 }", "`batch` must be positive"),
    ("train { optimizer = adma }", "did you mean `adam`?"),
    ("train { at 5: momentum *= 2 }", "unknown schedule target `momentum`"),
    ("train { lr = 0.1 lr = 0.2 }", "`lr` is set twice"),
    ("train { state_noise = -0.1 }", "`state_noise` must be at least 0"),
    ("train { carry = 2.5 }", "`carry` must be an integer"),
    ("train { prune(rate = 1) }", "`rate` must be below 1"),
    ("train { prune(every = 0) }", "`every` must be positive"),
    ("train { prune(evry = 10) }", "did you mean `every`?"),
    ("model { cell(activation = relu) }", "unknown activation `relu`"),
    ("model { cell(1, 2, tanh, normal, 5) }", "takes at most 4 argument(s)"),
    ("model { cell(outputs = 2, outputs = 3) }", "argument `outputs` given twice"),
    ("model { layers = 3 }", "unknown model setting `layers`"),
    ("model { } model { }", "only one model section"),
    ("model { binary_states = 1 }", "`binary_states` must be `true` or `false`"),
    ("model { binary_states = true binary_states = false }", "`binary_states` is set twice"),
    ("model { cell(activation = sign_ameo) }", "unknown activation `sign_ameo`"),
    ("model { cell(4, 2, tanh) binary_states = true }", "binary_states needs an Ameo activation in every cell"),
])
def test_bad_settings_are_located_errors(section: str, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(TASK + section + "\n", "s.bns")
    assert message in info.value.message or message in (info.value.hint or "")
    assert info.value.line == 4


def test_binary_states_keep_the_sized_cells() -> None:
    """``model { binary_states = true }`` alone changes how states work, not how large the cell is:
    the cells are still sized from the task; with cells given, they are the spec's."""
    from bonsaic.spec import Program
    from bonsaic.spec.sizing import with_sized_model

    spec = parse_spec(TASK + "model { binary_states = true }\n")
    assert spec.model.binary_states and not spec.model_given and not parse_spec(TASK).model.binary_states
    sized, reason = with_sized_model(Program(spec))
    assert sized.model.binary_states and "sized from the task" in reason
    given = parse_spec(TASK + "model { cell(6, 3) binary_states = true }\n")
    assert given.model_given and (given.model.cells[0].outputs, given.model.cells[0].states) == (6, 3)
