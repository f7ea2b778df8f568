"""`bonsaic verify`: check that a model computes exactly what its spec says."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import user_errors


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("verify")(verify_command)


@user_errors
def verify_command(
    model: Annotated[Path, typer.Argument(help="The model to check (.ir).", exists=True,
                                                     dir_okay=False)],
    spec: Annotated[Path | None, typer.Option("--spec", exists=True, dir_okay=False,
                                              help="Check against this spec instead of the one "
                                              "embedded in the model.")] = None,
    budget: Annotated[int, typer.Option(min=0, help="Most product states to explore exhaustively.")] = 200_000,
    max_depth: Annotated[int, typer.Option(min=0, help="Most breadth-first levels to explore.")] = 1000,
    random_sequences: Annotated[int, typer.Option(min=0, help="Random sequences checked when exploration "
                                                  "does not close.")] = 1000,
    random_length: Annotated[int, typer.Option(min=0, help="Length of each random sequence.")] = 100,
    long_sequences: Annotated[int, typer.Option(min=0, help="Very long random sequences checked on top "
                                                "(slow drift shows only after hundreds of steps).")] = 64,
    long_length: Annotated[int, typer.Option(min=0, help="Length of each very long sequence.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the random sequences.")] = 0,
) -> None:
    """Prove (or bound) that MODEL matches its spec; print a counterexample and exit 1 if not."""
    from bonsaic.ir.text import load_ir
    from bonsaic.spec import Program, load_spec
    from bonsaic.verify import Verifier
    from bonsaic.verify.report import counterexample_table

    graph = load_ir(model)
    verifier = Verifier.for_graph(graph, Program(load_spec(spec)) if spec is not None else None)
    result = verifier.verify(graph, budget=budget, seed=seed, random_sequences=random_sequences,
                             random_length=random_length, max_depth=max_depth,
                             long_sequences=long_sequences, long_length=long_length)
    if result.counterexample is not None:
        names = [out.name for out in graph.outputs]
        print(counterexample_table(result.counterexample, graph.inputs, names,
                                   verifier.program.spec.describe_state))
        raise typer.Exit(code=1)
    print(result.summary())
