"""Assemble the ``bonsaic`` typer app from one module per command."""

from __future__ import annotations

import sys

import typer

from bonsaic import __version__
from bonsaic.cli import check, import_, opt, passes, sample, simulate, stats, train, verify
from bonsaic.diagnostics import BonsaicError

app = typer.Typer(
    name="bonsaic",
    help="Grow bonsai networks: train sparse RNNs on logic programs, prune them with verified passes, "
    "emit readable code.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        print(f"bonsaic {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_version, is_eager=True),
) -> None:
    """Grow bonsai networks: train sparse RNNs on logic programs, prune them with verified passes, emit
    readable code."""


for _module in (check, sample, train, simulate, stats, verify, import_, opt, passes):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BonsaicError as err:  # backstop: commands already catch these
        print(err.render(), file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
