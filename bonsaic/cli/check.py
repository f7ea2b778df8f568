"""`bonsaic check SPEC`: parse, type-check and explore a task spec, then summarise it (or, with
``--emit mealy|mealy-json``, print the spec's own minimal Mealy machine)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import Force, user_errors
from bonsaic.spec.limits import CHECK_STATES


class MachineFormat(StrEnum):
    """Forms ``check --emit`` writes the spec's minimal machine in (the ``opt`` back ends' names)."""

    mealy = "mealy"
    mealy_json = "mealy-json"


@user_errors
def check(
    spec: Annotated[Path, typer.Argument(help="The .bns task spec to check; - reads standard input.")],
    limit: Annotated[int, typer.Option(help="Explore at most this many reachable spec states.",
                                       min=1)] = CHECK_STATES,
    emit: Annotated[MachineFormat | None, typer.Option(
        help="Write the spec's minimal Mealy machine (AALpy DOT or JSON) instead of the summary; "
        "with -o the summary is still printed.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="With --emit: write the machine here (atomically); - is stdout.")] = None,
    force: Force = False,
) -> None:
    """Check a .bns task spec and summarise it (settings after defaults, reachable states).

    Example: bonsaic check examples/delay2.bns --emit mealy -o delay2.dot
    """
    from bonsaic.diagnostics import BonsaicError
    from bonsaic.fsutil import atomic_write_text, check_output, is_stdio
    from bonsaic.spec import Program, load_spec
    from bonsaic.spec.summary import summarize

    if output is not None and emit is None:
        raise BonsaicError("-o/--output needs --emit: the summary is printed, only a machine is written")
    if output is not None:
        check_output(output, inputs=(spec,), force=force)
    program = Program(load_spec(spec))
    summary = summarize(program, limit)
    if emit is None:
        print(summary)
        return
    from bonsaic.backends.mealy import dot_text, json_text
    from bonsaic.spec.automaton import spec_machine

    machine = spec_machine(program, limit)
    text = dot_text(machine) if emit is MachineFormat.mealy else json_text(machine)
    if output is None or is_stdio(output):
        typer.echo(text, nl=False)
    else:
        atomic_write_text(output, text)
        print(summary)


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("check")(check)
