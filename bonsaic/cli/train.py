"""`bonsaic train`: grow a bonsai network for a spec and write it as unpruned IR.

This module maps flags to a spec, settings and paths, and prints the verdict; the session itself
(training, checkpoints, judging, escalation) is :func:`bonsaic.train.session.grow`."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bonsaic.cli.common import Force, user_errors
from bonsaic.diagnostics import BonsaicError
from bonsaic.spec.config import DATA_MIXES, TRAIN_NUMBERS

DEFAULT_TIME_BUDGET = 300.0  # bonsaic.train.escalation's (not imported here: it would import tinygrad)

if TYPE_CHECKING:  # the trainer imports tinygrad: only when the command runs
    from bonsaic.train.settings import TrainSettings

EXIT_INTERRUPTED = 130


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("train")(train_command)


def with_prune_rate(settings: TrainSettings, rate: float) -> TrainSettings:
    """``--prune-rate``: 0 turns pruning off; otherwise the spec's ``prune(every)`` (or its default)
    with this rate."""
    from bonsaic.spec.config import PruneConfig

    if rate == 0:
        return replace(settings, prune=None)
    return replace(settings, prune=PruneConfig(every=(settings.prune or PruneConfig()).every, rate=rate))


def derived_paths(output: Path) -> tuple[Path, Path]:
    """The checkpoint and the loss log that go with the network written to ``output``:
    ``task.ir`` -> ``task.safetensors``, ``task.loss.jsonl`` (not ``task.jsonl``, the name a user
    gives ``bonsaic sample task.bns > task.jsonl``)."""
    return output.with_suffix(".safetensors"), output.with_suffix(".loss.jsonl")


# the spec's sanity limits apply to the flags that override it
_MAX = {key: limits["at_most"] for key, limits in TRAIN_NUMBERS.items()}


def settles(steps: int | None, steps_given: bool, resume: Path | None) -> bool:
    """Whether training ends once settled (``TrainSettings.settle``): only when the step count is a
    default nobody chose (no ``--steps``, no ``steps`` in the spec) and the run is not a ``--resume``,
    which continues for as many steps as it asks."""
    return steps is None and not steps_given and resume is None


@user_errors
def train_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="The task spec (.bns).")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Where to write the IR "
                                                "(default: SPEC with the suffix .ir).")] = None,
    steps: Annotated[int | None, typer.Option(help="Training steps (overrides the spec); all of them run. Without it, and without `steps` in the "
                                              "spec, training ends once settled: at half the default count, or "
                                              "at twice the step a restart was first solved if later.", min=0,
                                              max=_MAX["steps"])] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed (overrides the spec).", min=0,
                                             max=_MAX["seed"])] = None,
    restarts: Annotated[int | None, typer.Option(help="Independent networks trained together; the "
                                                 "smallest solved one is kept.", min=1,
                                                 max=_MAX["restarts"])] = None,
    batch: Annotated[int | None, typer.Option(help="Sequences per step (overrides the spec).", min=1,
                                              max=_MAX["batch"])] = None,
    length: Annotated[int | None, typer.Option(help="Steps per training sequence (overrides the spec).",
                                               min=1, max=_MAX["length"])] = None,
    lr: Annotated[float | None, typer.Option(help="Learning rate (overrides the spec; with --resume it "
                                             "replaces the checkpoint's current rate).", min=0.0,
                                             max=_MAX["lr"])] = None,
    state_noise: Annotated[float | None, typer.Option(help="Std. of the noise added to every state during "
                                                      "training (overrides the spec).", min=0.0,
                                                      max=_MAX["state_noise"])] = None,
    prune_rate: Annotated[float | None, typer.Option(help="Share of a solved network's remaining weights "
                                                     "fixed at zero per prune while training; 0 turns "
                                                     "pruning off (overrides the spec's prune(rate)).",
                                                     min=0.0, max=0.99)] = None,
    data: Annotated[str | None, typer.Option(help="Data mix: covering (holds inputs and repeats short words so "
                                             "rare states appear) or iid (overrides the spec's `data`).")] = None,
    device: Annotated[str | None, typer.Option(help="tinygrad device, e.g. CPU, CL, CUDA "
                                               "(default: CPU, or tinygrad's choice when DEV is set).")] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue from this checkpoint.")] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="Log lines instead of a live display.")] = False,
    time_budget: Annotated[float, typer.Option(help="Seconds in all: when the first configuration gives no "
                                               "proved network, stronger ones are tried while time is left "
                                               "and stop when it runs out, as does the first one unless the "
                                               "spec or --steps sets its steps (0: no escalation and no "
                                               "limit; never with --resume).", min=0)]
    = DEFAULT_TIME_BUDGET,
    force: Force = False,
) -> None:
    """Train sparse RNNs on SPEC; write the best proved one (else the best bounded one) as unpruned IR.

    A solved network the verifier cannot prove is also tried with its weights rounded to multiples
    of 1/2^k; a rounding that is proved replaces it (the restart table says on which grid).

    Example: bonsaic train examples/delay2.bns -o delay2.ir
    """
    from bonsaic.fsutil import check_output
    from bonsaic.ir.text import save_ir
    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.sizing import with_sized_model
    from bonsaic.train.model import NetShape
    from bonsaic.train.resources import check_resources
    from bonsaic.train.session import SessionPaths, grow
    from bonsaic.train.settings import TrainSettings

    if data is not None and data not in DATA_MIXES:
        raise BonsaicError(f"unknown data mix {data!r}", filename="--data", hint=f"one of {', '.join(DATA_MIXES)}")
    spec, model_origin = with_sized_model(Program(load_spec(spec_path)))
    settings = TrainSettings.from_spec(spec, steps=steps, seed=seed, restarts=restarts, batch=batch,
                                       length=length, lr=lr, device=device, state_noise=state_noise,
                                       data=data)
    if prune_rate is not None:
        settings = with_prune_rate(settings, prune_rate)
    settings = replace(settings, settle=settles(steps, spec.steps_given, resume))
    for warning in check_resources(NetShape.from_spec(spec), settings, str(spec_path)):
        print(warning, file=sys.stderr)
    output = output or spec_path.with_suffix(".ir")
    checkpoint, log_path = derived_paths(output)
    check_output(output, inputs=(spec_path, resume), force=force)
    check_output(checkpoint, inputs=(spec_path,), force=force, what="checkpoint")
    check_output(log_path, inputs=(spec_path, resume), force=force, what="loss log")
    if resume is None:
        log_path.unlink(missing_ok=True)
    print(f"training {spec.name}: the network goes to {output}, checkpoints to {checkpoint}, the loss log to "
          f"{log_path}", file=sys.stderr)
    cells = ", ".join(f"{c.outputs} outputs / {c.states} states" for c in spec.model.cells)
    print(f"model: {cells}, {model_origin}", file=sys.stderr)
    if settings.settle:
        print(f"steps: at most {settings.steps}; the run ends once settled, at step {settings.steps // 2} or at twice "
              "the step a restart is first solved if later (--steps N runs all N)", file=sys.stderr)
    paths = SessionPaths(spec_path, output, checkpoint, log_path)
    outcome, runs = grow(spec, settings, paths, quiet=quiet, resume=resume, lr=lr, force=force,
                         time_budget=None if resume is not None or not time_budget else time_budget,
                         bound_first=steps is None and not spec.steps_given)
    best = outcome.best
    if best is not None and best.graph is not None:
        save_ir(best.graph, output)
        snapped = f", {best.snapped}" if best.snapped else ""
        where = f" of configuration '{outcome.label}'" if runs > 1 else ""
        if best.proved:
            print(f"wrote {output} (restart {best.index}{where}, network of step {best.best_step}{snapped}): "
                  "proved for all sequence lengths")
        else:
            print(f"wrote {output} (restart {best.index}{where}, network of step {best.best_step}): bounded, NOT "
                  "proved -- it passed every check the verifier ran, but no restart gave a network that "
                  f"is proved for all lengths; continue with --resume {outcome.checkpoint or checkpoint} --steps N, "
                  "or give more --time-budget", file=sys.stderr)
    else:
        print(f"no restart of {runs} configuration{'s' if runs > 1 else ''} solved the task (no network passed "
              f"the verifier); continue with --resume {checkpoint} --steps N, or give more --time-budget",
              file=sys.stderr)
    if outcome.interrupted:
        raise typer.Exit(code=EXIT_INTERRUPTED)
    if best is None or best.graph is None:
        raise typer.Exit(code=1)
