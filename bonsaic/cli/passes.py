"""`bonsaic passes`: list the optimisation passes, what they do and their options."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("passes")(passes_command)


def passes_command() -> None:
    """List the optimisation passes with their descriptions and options.

    Example: bonsaic passes
    """
    import inspect
    import textwrap
    from dataclasses import fields

    from bonsaic.passes.registry import DEFAULT_PIPELINE, PASSES

    for name, cls in PASSES.items():
        options = ", ".join(f"{f.name}={f.default!r}" for f in fields(cls))
        print(f"{name}" + (f"  {{{options}}}" if options else ""))
        doc = inspect.cleandoc(cls.__doc__ or "(undocumented)")
        print(textwrap.indent(textwrap.fill(" ".join(doc.split()), width=96), "    "))
        print()
    print(f"default pipeline: {DEFAULT_PIPELINE}")
