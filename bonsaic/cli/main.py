"""Assemble the ``bonsaic`` typer app from one module per command."""

from __future__ import annotations

import sys
import traceback

import typer

from bonsaic import __version__, fsutil
from bonsaic.cli import (
    check,
    import_,
    opt,
    passes,
    report,
    sample,
    simulate,
    snap,
    stats,
    sweep,
    train,
    verify,
)
from bonsaic.diagnostics import BonsaicError

app = typer.Typer(
    name="bonsaic",
    help="Grow bonsai networks: train sparse RNNs on logic programs, prune them with verified passes, "
    "emit readable code.",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"bonsaic {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                 callback=_version, is_eager=True),
    max_input_mb: float = typer.Option(fsutil.DEFAULT_MAX_INPUT_MB, "--max-input-mb", min=0.001,
                                       help="Refuse to read an input file (spec, model, JSON) larger "
                                       "than this many MiB."),
) -> None:
    """Grow bonsai networks: train sparse RNNs on logic programs, prune them with verified passes, emit
    readable code."""
    fsutil.max_input_bytes = int(max_input_mb * fsutil.MiB)


for _module in (check, sample, train, sweep, simulate, stats, verify, snap, import_, opt, passes, report):
    _module.register(app)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except BonsaicError as err:  # backstop: commands already catch these
        print(err.render(), file=sys.stderr)
        sys.exit(2)
    except Exception as err:  # a bug in bonsaic, not in the user's input: say so, keep the traceback short
        traceback.print_exc(file=sys.stderr)
        print(f"bonsaic {__version__}: internal error ({type(err).__name__}). This is a bug in bonsaic, "
              "not in your input; please report it with the command line and the input files.",
              file=sys.stderr)
        sys.exit(70)  # EX_SOFTWARE


if __name__ == "__main__":
    main()
