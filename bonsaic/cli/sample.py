"""`bonsaic sample SPEC`: print generated sequences as JSON lines (values ±1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import user_errors


@user_errors
def sample(
    spec: Annotated[Path, typer.Argument(help="The .bns task spec to sample from.")],
    count: Annotated[int, typer.Option("--count", "-n", help="Number of sequences.", min=1)] = 4,
    length: Annotated[int, typer.Option("--length", "-l", help="Steps per sequence.", min=1)] = 20,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Random seed (same seed, same data).", min=0)] = 0,
) -> None:
    """Print random input/output sequences of a task spec as JSON lines.

    Example: bonsaic sample examples/delay2.bns --count 3 --length 10
    """
    from bonsaic import memory
    from bonsaic.spec import Program, load_spec

    task = load_spec(spec)
    values = count * length * (len(task.inputs) + len(task.outputs))
    memory.require(values * 64, f"sampling {count} sequences of {length} steps",  # JSON-ready Python lists
                   "lower --count or --length (or run the command several times with different --seed)",
                   str(spec))
    inputs, targets = Program(task).generate(count, length, seed)
    for x, y in zip(inputs.astype(int).tolist(), targets.astype(int).tolist(), strict=True):
        typer.echo(json.dumps({"inputs": x, "outputs": y}, separators=(",", ":")))


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("sample")(sample)
