"""`bonsaic verify`: check that a model computes exactly what its spec says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli import verify_options as V
from bonsaic.cli.common import progress_bar, user_errors
from bonsaic.verify import defaults as D


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("verify")(verify_command)


@user_errors
def verify_command(
    model: Annotated[Path, typer.Argument(help="The model to check (.ir); - reads standard input.")],
    spec: Annotated[Path | None, typer.Option("--spec",
                                              help="Check against this spec instead of the one "
                                              "embedded in the model.")] = None,
    budget: V.Budget = D.BUDGET,
    max_depth: V.MaxDepth = D.MAX_DEPTH,
    explore_seconds: V.ExploreSeconds = 0,
    battery_words: V.BatteryWords = D.BATTERY_WORD_LENGTH,
    battery_length: V.BatteryLength = D.BATTERY_LENGTH,
    battery_sequences: V.BatterySequences = D.BATTERY_SEQUENCES,
    random_sequences: V.RandomSequences = D.RANDOM_SEQUENCES,
    random_length: V.RandomLength = D.RANDOM_LENGTH,
    long_sequences: V.LongSequences = D.LONG_SEQUENCES,
    long_length: V.LongLength = D.LONG_LENGTH,
    seed: V.Seed = D.SEED,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress display.")] = False,
) -> None:
    """Prove (or bound) that MODEL matches its spec; print a counterexample and exit 1 if not.

    Verdicts: "proved" (for every sequence length), "bounded, not proved" (every check passed, but
    nothing proves it for all lengths), or a counterexample (exit 1).

    Example: bonsaic verify delay2.ir
    """
    from bonsaic.verify import Verifier
    from bonsaic.verify.embedded import load_model
    from bonsaic.verify.report import counterexample_table

    graph = load_model(model, spec)
    options = V.from_command(locals())
    V.require_memory(options, len(graph.inputs), len(graph.outputs), str(model))
    verifier = Verifier.for_graph(graph)
    with progress_bar(enabled=not quiet and sys.stderr.isatty()) as progress:
        result = verifier.verify(graph, budget=budget, seed=seed, progress=progress, **options)
    if result.counterexample is not None:
        names = [out.name for out in graph.outputs]
        print(counterexample_table(result.counterexample, graph.inputs, names,
                                   verifier.program.spec.describe_state))
        raise typer.Exit(code=1)
    print(result.summary())
