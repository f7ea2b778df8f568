"""Size the model from the task when the spec has no ``model`` section.

A bonsai's state neurons each settle into a few attractors, so a task needs at least as many state
neurons as bits to tell its states apart: ``ceil(log2(M))`` for a minimal machine of ``M`` states
(:mod:`bonsaic.spec.automaton`). Training finds such a network far more easily with room to spare,
and the regularizer prunes what is not used, so the default doubles it; the output layer of the cell
gets twice the states (and at least the task's outputs), the post's 4/2 shape for a one-bit task.

==================  =======================================================================
minimal machine M   cell
==================  =======================================================================
2 (one bit)         4 outputs, 2 states (delay1, ``1*``, parity)
3-4                 8 outputs, 4 states (mod 3, delay2)
5-8                 12 outputs, 6 states
9-16                16 outputs, 8 states
more / unknown      the fixed default cell
==================  =======================================================================
"""

from __future__ import annotations

import math
from dataclasses import replace

from bonsaic.spec.automaton import minimal_size
from bonsaic.spec.config import CellConfig, ModelConfig
from bonsaic.spec.limits import CHECK_STATES, MAX_ENUMERATED_INPUTS
from bonsaic.spec.program import Program
from bonsaic.spec.task import Spec

MAX_SIZED_BITS = 4  # beyond 16 minimal states the fixed default stands (and says so)
# A sized model's states are binary unless the spec says otherwise: on the task suite's tasks that
# ended unproved, binary states gave proved restarts where continuous ones gave none
# (benchmarks/TASKS.md, "Binary states"); escalation tries continuous states when they prove nothing.
SIZED_BINARY_STATES = True


def sized_model(program: Program) -> tuple[ModelConfig, str]:
    """The model for ``program``'s spec and one line saying where it came from.

    A model that is not given also gets binary states (:data:`SIZED_BINARY_STATES`) unless the spec
    says ``binary_states`` itself."""
    spec = program.spec
    if spec.model_given:
        return spec.model, "from the spec's model section"
    model, reason = _sized_cells(program)
    if SIZED_BINARY_STATES and not model.binary_given:
        model = replace(model, binary_states=True)
        reason += "; binary states (each state exactly +1 or -1, so the verifier proves or refutes the network)"
    return model, reason


def _sized_cells(program: Program) -> tuple[ModelConfig, str]:
    spec = program.spec
    table = program.transitions(CHECK_STATES) if len(spec.inputs) <= MAX_ENUMERATED_INPUTS else None
    if table is None:
        return spec.model, f"the default (the spec has more than {CHECK_STATES} reachable states)"
    machine = minimal_size(table)
    bits = max(1, math.ceil(math.log2(max(machine, 2))))
    if bits > MAX_SIZED_BITS:
        return spec.model, f"the default (the minimal machine has {machine} states, more than sizing covers)"
    states = 2 * bits
    outputs = max(2 * states, len(spec.outputs))
    model = replace(spec.model, cells=[CellConfig(outputs=outputs, states=states)])
    return model, (f"sized from the task: its minimal machine has {machine} state{'s' if machine != 1 else ''} "
                   f"({bits} bit{'s' if bits != 1 else ''}), so {states} state neurons (twice the bits) and "
                   f"{outputs} outputs")


def with_sized_model(program: Program) -> tuple[Spec, str]:
    """``program.spec`` with its model sized (unchanged when the spec gives one), and the reason."""
    model, reason = sized_model(program)
    return replace(program.spec, model=model), reason
