"""`bonsaic check SPEC`: parse, type-check and explore a task spec, then summarise it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import user_errors
from bonsaic.spec.limits import CHECK_STATES


@user_errors
def check(
    spec: Annotated[Path, typer.Argument(help="The .bns task spec to check; - reads standard input.")],
    limit: Annotated[int, typer.Option(help="Explore at most this many reachable spec states.",
                                       min=1)] = CHECK_STATES,
) -> None:
    """Check a .bns task spec and summarise it (settings after defaults, reachable states).

    Example: bonsaic check examples/delay2.bns
    """
    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.summary import summarize

    print(summarize(Program(load_spec(spec)), limit))


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("check")(check)
