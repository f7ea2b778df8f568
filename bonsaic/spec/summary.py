"""The human-readable summary ``bonsaic check`` prints: declarations, settings after defaults and
the size of the reachable state space."""

from __future__ import annotations

from bonsaic.spec.limits import MAX_ENUMERATED_INPUTS
from bonsaic.spec.program import Program
from bonsaic.spec.task import Spec


def _model_lines(spec: Spec, origin: str) -> list[str]:
    lines = [f"  ({origin})", *[f"  cell {i}: {c.outputs} outputs, {c.states} states, {c.activation.text()}, "
             f"initializer {c.initializer}" for i, c in enumerate(spec.model.cells)]]
    lines.append(f"  dense activation: {spec.model.dense_activation.text()}")
    if spec.model.binary_states:
        lines.append("  binary states: every state is the sign of its cell's Ameo (+-1)")
    return lines


def _train_lines(spec: Spec) -> list[str]:
    train, reg = spec.train, spec.train.regularizer
    schedule = ", ".join(f"{e.target} x{e.factor:g} at step {e.step}" for e in train.schedule) or "none"
    return [
        f"  optimizer {train.optimizer}, lr {train.lr:g}, batch {train.batch}, length {train.length}, "
        f"steps {train.steps}" + ("" if spec.steps_given else
                                  " (at most: training ends once settled, at half of them or at twice the step "
                                  "a restart was first solved if later)"),
        f"  regularizer: intensity {reg.intensity:g}, threshold {reg.threshold:g}, steepness "
        f"{reg.steepness:g}, l1 {reg.l1:g}, biases {'true' if reg.biases else 'false'}",
        f"  schedule: {schedule}",
        f"  data {train.data}, seed {train.seed}, restarts {train.restarts}, patience {train.patience}"
        + (f", state noise {train.state_noise:g}" if train.state_noise else ""),
        (f"  fresh starts: every {train.reseed} steps (until 60% of the steps), restarts not yet solved get new "
         f"weights" if train.reseed else "  fresh starts: off"),
        *([f"  carry: sequences continue for {train.carry} steps ({train.carry * train.length} timesteps deep)"]
          if train.carry > 1 else []),
        *([f"  prune: rate {train.prune.rate:g} every {train.prune.every} steps once solved"] if train.prune else []),
    ]


def summarize(program: Program, limit: int) -> str:
    """Explore ``program`` (raising any runtime error found) and describe it."""
    from bonsaic.spec.sizing import with_sized_model

    spec, origin = with_sized_model(program)
    table = program.transitions(limit) if len(spec.inputs) <= MAX_ENUMERATED_INPUTS else None
    if len(spec.inputs) > MAX_ENUMERATED_INPUTS:
        reachable = f"not explored ({len(spec.inputs)} inputs are too many to enumerate)"
    elif table is None:
        reachable = f"more than {limit} (not explored further; runtime errors beyond may go unseen)"
    else:
        reachable = f"{len(table.states)} ({int(table.allowed.sum())} allowed transitions)"
    inputs = ", ".join(f"{d.name} (p={d.p_true:g})" for d in spec.inputs) or "none"
    states = ", ".join(f"{v.name}: {v.describe()} = {spec.describe_state_var(v, v.init)}"
                       for v in spec.state_vars) or "none"
    constraint = "yes" if spec.constraint is not None else "none (every input vector allowed)"
    return "\n".join([
        f"{spec.filename}: ok, task {spec.name}",
        f"inputs: {inputs}",
        f"outputs: {', '.join(spec.outputs)}",
        f"state variables: {states}",
        f"constraint: {constraint}",
        f"reachable spec states: {reachable}",
        "model:", *_model_lines(spec, origin),
        "train:", *_train_lines(spec),
    ])
