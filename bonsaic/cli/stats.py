"""`bonsaic stats`: how big a model is, in the counts the seed post uses to compare networks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import user_errors

KEYS = ("inputs", "outputs", "states", "neurons", "edges")


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("stats")(stats)


@user_errors
def stats(
    model: Annotated[Path, typer.Argument(help="The model (.ir) to measure; - reads standard input.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of a table.")] = False,
) -> None:
    """Count a model's inputs, outputs, states, neurons and edges.

    Example: bonsaic stats delay2.ir --json
    """
    from bonsaic.verify.embedded import load_model

    counts = load_model(model).stats()
    chosen = {key: counts[key] for key in KEYS}
    if as_json:
        print(json.dumps(chosen))
        return
    width = max(map(len, KEYS))
    for key, value in chosen.items():
        print(f"{key:<{width}}  {value}")
