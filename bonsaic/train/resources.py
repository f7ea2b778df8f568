"""Will this training run fit the machine? An estimate made before anything is allocated or compiled.

The spec's sanity limits (:mod:`bonsaic.spec.config`) stop typos; this stops a configuration that is
legal but too big for *this* machine from ending, minutes later, in numpy's ArrayMemoryError or a
killed process, and warns before a compile that will take minutes.

Memory: the training step keeps every timestep's pre-activations and activations for backprop
through time, for every restart, plus the gradients and Adam's two moments of every weight; the
validation pass holds sequences ``val_length_factor`` times longer, in float64. The estimate counts
those arrays and multiplies by :data:`OVERHEAD` for tinygrad's temporaries; it is meant to be right
within a small factor, which is all a refusal needs.

Compile time: tinygrad compiles the step unrolled over the sequence, so its cost grows with cells ×
length. Measured on a 2-core machine: 30-55 s for 1-2 cells at length 20 (TINYGRAD_NOTES.md), i.e.
roughly one second per unrolled cell step.
"""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic import memory
from bonsaic.train.model import NetShape
from bonsaic.train.settings import TrainSettings

OVERHEAD = 4  # tinygrad's temporaries and the JIT's buffers, on top of the arrays counted
SLOW_COMPILE_STEPS = 200  # unrolled cell steps (cells x length) above which the compile takes minutes
SECONDS_PER_UNROLLED_STEP = 1.0


@dataclass(frozen=True)
class Estimate:
    """Bytes of memory and seconds of compile time a configuration is expected to need."""

    memory: int
    compile_seconds: float
    biggest: str  # the setting furthest above its typical value, named in the hint


def estimate(shape: NetShape, settings: TrainSettings) -> Estimate:
    """What training ``shape`` with ``settings`` needs (see the module docstring for the model)."""
    widths = [cell.outputs + cell.states for cell in shape.cells]
    weights = sum((cell.inputs + cell.states + 1) * (cell.outputs + cell.states) for cell in shape.cells)
    weights += (shape.cells[-1].outputs + 1) * shape.n_outputs
    lanes = settings.restarts * settings.batch
    per_step = sum(2 * w for w in widths) + shape.n_outputs
    train = lanes * settings.length * per_step * 4  # float32 activations and pre-activations
    val_length = settings.length * settings.val_length_factor
    validation = settings.restarts * settings.val_sequences * val_length * per_step * 8  # float64 numpy
    params = settings.restarts * weights * 4 * 4  # value, gradient, two Adam moments
    memory = OVERHEAD * (train + params) + validation
    unrolled = len(shape.cells) * settings.length
    # which setting is furthest above what bonsai runs use: that is the one to lower
    above_typical = {"batch": settings.batch / 1024, "length": settings.length / 100,
                     "restarts": settings.restarts / 16, "the cell width": max(widths) / 64}
    return Estimate(int(memory), unrolled * SECONDS_PER_UNROLLED_STEP,
                    max(above_typical, key=above_typical.__getitem__))


def check_resources(shape: NetShape, settings: TrainSettings, filename: str,
                    available: int | None = None) -> list[str]:
    """Refuse a run that cannot fit in memory (BonsaicError naming the setting to lower); return
    warnings to print first (a compile that will take minutes)."""
    need = estimate(shape, settings)
    memory.require(need.memory, "this training run",
                   f"lower {need.biggest} (batch {settings.batch}, length {settings.length}, restarts "
                   f"{settings.restarts}, cells {[c.outputs for c in shape.cells]} outputs wide)",
                   filename, available)
    warnings = []
    if len(shape.cells) * settings.length > SLOW_COMPILE_STEPS:
        warnings.append(f"warning: the training step is compiled unrolled over {len(shape.cells)} cell(s) x "
                        f"{settings.length} steps; expect about {need.compile_seconds / 60:.0f} minutes of "
                        "compiling before the first step (once per configuration: later runs load it "
                        "from the cache)")
    return warnings
