"""`bonsaic snap`: round a drifting model's weights to a dyadic grid on which it is proved."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import Force, user_errors
from bonsaic.verify import defaults as D


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("snap")(snap_command)


@user_errors
def snap_command(
    model: Annotated[Path, typer.Argument(help="The model to snap (.ir, with its embedded spec; - reads standard input).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the snapped model "
                                         "(atomically; - writes standard output).")],
    budget: Annotated[int, typer.Option(min=1, help="Most product states one candidate's exploration "
                                        "may visit.")] = D.SNAP_BUDGET,
    force: Force = False,
) -> None:
    """Round every weight, bias and initial state of MODEL to multiples of 1/2^k (k = 0..10, coarsest
    first); if none is proved, the same grids with the leak removed from the neurons that feed a state
    (so a saturated state is exactly -1 or +1), then the leak removal alone. Write the first candidate
    the verifier proves for all sequence lengths; exit 1 if none is.

    What `bonsaic train` does to a solved network it cannot prove (docs/train.md): a counter with a
    self-loop of 0.9999 drifts, the same counter with exactly 1 does not. Unlike `bonsaic opt`, this
    changes behaviour, so only a proof (never random samples) admits the result.

    Example: bonsaic snap drifting.ir -o snapped.ir
    """
    from bonsaic.fsutil import check_output
    from bonsaic.ir.text import save_ir
    from bonsaic.passes.snap import snap
    from bonsaic.verify.embedded import load_model

    check_output(output, inputs=(model,), force=force)
    snapped = snap(load_model(model), budget=budget)
    if snapped is None:
        print(f"no grid from 1 to 1/1024, with or without the state neurons' leak, makes {model} provably "
              f"right (its exploration does not close within {budget} product states, or it is wrong)",
              file=sys.stderr)
        raise typer.Exit(code=1)
    save_ir(snapped.graph, output)
    print(f"wrote {output}: {snapped.change}, proved for all sequence lengths")
