"""`bonsaic verify`: check that a model computes exactly what its spec says."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

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
    budget: Annotated[int, typer.Option(min=0, help="Most product states to explore exhaustively.")] = D.BUDGET,
    max_depth: Annotated[int, typer.Option(min=0, help="Most breadth-first levels to explore.")] = D.MAX_DEPTH,
    explore_seconds: Annotated[float, typer.Option(min=0, help="Stop exploring after this many seconds of wall "
                                                   "time (0: no limit; --budget bounds it anyway).")] = 0,
    battery_words: Annotated[int, typer.Option(min=0, help="Falsification battery: every input word of up to "
                                               "this many steps, from every reachable spec state, is "
                                               "repeated (0: no battery).")] = D.BATTERY_WORD_LENGTH,
    battery_length: Annotated[int, typer.Option(min=0, help="Steps of each battery sequence.")] = D.BATTERY_LENGTH,
    battery_sequences: Annotated[int, typer.Option(min=0, help="Most battery sequences (longer words are left "
                                                   "out first).")] = D.BATTERY_SEQUENCES,
    random_sequences: Annotated[int, typer.Option(min=0, help="Random sequences checked when exploration "
                                                  "does not close.")] = D.RANDOM_SEQUENCES,
    random_length: Annotated[int, typer.Option(min=0, help="Length of each random sequence.")] = D.RANDOM_LENGTH,
    long_sequences: Annotated[int, typer.Option(min=0, help="Very long random (and as many periodic) sequences "
                                                "checked on top (slow drift shows only after hundreds of "
                                                "steps).")] = D.LONG_SEQUENCES,
    long_length: Annotated[int, typer.Option(min=0, help="Length of each very long sequence.")] = D.LONG_LENGTH,
    seed: Annotated[int, typer.Option(help="Seed of the random sequences.")] = D.SEED,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="No progress display.")] = False,
) -> None:
    """Prove (or bound) that MODEL matches its spec; print a counterexample and exit 1 if not.

    Verdicts: "proved" (for every sequence length), "bounded, not proved" (every check passed, but
    nothing proves it for all lengths), or a counterexample (exit 1).

    Example: bonsaic verify delay2.ir
    """
    from bonsaic import memory
    from bonsaic.verify import Verifier
    from bonsaic.verify.battery import BatterySettings
    from bonsaic.verify.embedded import load_model
    from bonsaic.verify.report import counterexample_table

    graph = load_model(model, spec)
    width = len(graph.inputs) + len(graph.outputs) + 2
    for count, length, flags in ((random_sequences, random_length, "--random-sequences or --random-length"),
                                 (long_sequences, long_length, "--long-sequences or --long-length")):
        memory.require(3 * 8 * count * length * width, f"checking {count} sequences of {length} steps",
                       f"lower {flags}", str(model))
    verifier = Verifier.for_graph(graph)
    battery = BatterySettings(battery_words, battery_length, battery_sequences if battery_words else 0)
    with progress_bar(enabled=not quiet and sys.stderr.isatty()) as progress:
        result = verifier.verify(graph, budget=budget, seed=seed, random_sequences=random_sequences,
                                 random_length=random_length, max_depth=max_depth,
                                 long_sequences=long_sequences, long_length=long_length, battery=battery,
                                 progress=progress, explore_seconds=explore_seconds or None)
    if result.counterexample is not None:
        names = [out.name for out in graph.outputs]
        print(counterexample_table(result.counterexample, graph.inputs, names,
                                   verifier.program.spec.describe_state))
        raise typer.Exit(code=1)
    print(result.summary())
