"""`bonsaic import`: bring networks made by other tools into the IR."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import Force, user_errors

import_app = typer.Typer(name="import", help="Import a network made by another tool.", no_args_is_help=True,
                         add_completion=False, rich_markup_mode=None)


def register(app: typer.Typer) -> None:
    """Add this command group to the app."""
    app.add_typer(import_app, name="import")


@import_app.command("rnnviz")
@user_errors
def rnnviz_command(
    file: Annotated[Path, typer.Argument(help="rnn-viz JSON: a weight dump or a serialized graph.")],
    spec: Annotated[Path, typer.Option("--spec", help="The task the network implements (.bns); "
                                       "gives the input/output names and is embedded in the model.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Where to write the model (.ir; - writes standard output).")],
    force: Force = False,
) -> None:
    """Import an rnn-viz network (either JSON format) as MODEL.ir.

    Example: bonsaic import rnnviz net.json --spec examples/delay1.bns -o net.ir
    """
    from bonsaic.fsutil import check_output
    from bonsaic.importers import load_rnnviz
    from bonsaic.ir.text import save_ir
    from bonsaic.spec import load_spec

    check_output(output, inputs=(file, spec), force=force)
    graph = load_rnnviz(file, load_spec(spec))
    save_ir(graph, output)
    counts = graph.stats()
    print(f"wrote {output}: {counts['states']} states, {counts['neurons']} neurons, "
          f"{counts['edges']} edges")
