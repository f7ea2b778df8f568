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
    """Print random input/output sequences of a task spec as JSON lines."""
    from bonsaic.spec import Program, load_spec

    inputs, targets = Program(load_spec(spec)).generate(count, length, seed)
    for x, y in zip(inputs.astype(int).tolist(), targets.astype(int).tolist(), strict=True):
        typer.echo(json.dumps({"inputs": x, "outputs": y}, separators=(",", ":")))


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("sample")(sample)
