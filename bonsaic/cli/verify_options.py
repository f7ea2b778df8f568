"""The verifier's options, declared once: ``bonsaic verify`` and ``bonsaic opt`` take the same flags
with the same defaults (``bonsaic.verify.defaults``) and the same meaning."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from bonsaic.verify import defaults as D

Budget = Annotated[int, typer.Option(min=0, help="Most product states to explore exhaustively.")]
MaxDepth = Annotated[int, typer.Option(min=0, help="Most breadth-first levels to explore.")]
ExploreSeconds = Annotated[float, typer.Option(min=0, help="Stop exploring after this many seconds of wall time "
                                               "(0: no limit; --budget bounds it anyway).")]
BatteryWords = Annotated[int, typer.Option(min=0, help="Falsification battery: every input word of up to this "
                                           "many steps, from every reachable spec state, is repeated (0: no "
                                           "battery).")]
BatteryLength = Annotated[int, typer.Option(min=0, help="Steps of each battery sequence.")]
BatterySequences = Annotated[int, typer.Option(min=0, help="Most battery sequences (longer words are left out "
                                               "first).")]
RandomSequences = Annotated[int, typer.Option(min=0, help="Random sequences checked when exploration does not "
                                              "close.")]
RandomLength = Annotated[int, typer.Option(min=0, help="Length of each random sequence.")]
LongSequences = Annotated[int, typer.Option(min=0, help="Very long random (and as many periodic) sequences "
                                            "checked on top (slow drift shows only after hundreds of steps).")]
LongLength = Annotated[int, typer.Option(min=0, help="Length of each very long sequence.")]
Seed = Annotated[int, typer.Option(help="Seed of the random sequences.")]

DEFAULTS = {"budget": D.BUDGET, "max_depth": D.MAX_DEPTH, "explore_seconds": 0.0,
            "battery_words": D.BATTERY_WORD_LENGTH, "battery_length": D.BATTERY_LENGTH,
            "battery_sequences": D.BATTERY_SEQUENCES, "random_sequences": D.RANDOM_SEQUENCES,
            "random_length": D.RANDOM_LENGTH, "long_sequences": D.LONG_SEQUENCES, "long_length": D.LONG_LENGTH,
            "seed": D.SEED}


def verify_kwargs(*, max_depth: int, explore_seconds: float, battery_words: int, battery_length: int,
                  battery_sequences: int, random_sequences: int, random_length: int, long_sequences: int,
                  long_length: int) -> dict[str, Any]:
    """The flags as keyword arguments of ``Verifier.verify`` (besides budget and seed)."""
    from bonsaic.verify.battery import BatterySettings

    return {"max_depth": max_depth, "explore_seconds": explore_seconds or None,
            "battery": BatterySettings(battery_words, battery_length, battery_sequences if battery_words else 0),
            "random_sequences": random_sequences, "random_length": random_length,
            "long_sequences": long_sequences, "long_length": long_length}


FLAGS = ("max_depth", "explore_seconds", "battery_words", "battery_length", "battery_sequences",
         "random_sequences", "random_length", "long_sequences", "long_length")


def from_command(values: dict[str, Any]) -> dict[str, Any]:
    """:func:`verify_kwargs` from a command's parameters (its ``locals()``): every command that
    checks a graph declares the same flags, and this reads them the same way."""
    return verify_kwargs(**{name: values[name] for name in FLAGS})


def require_memory(kwargs: dict[str, Any], n_inputs: int, n_outputs: int, filename: str) -> None:
    """Refuse sampled-sequence sizes this machine cannot hold (before allocating them)."""
    from bonsaic import memory

    width = n_inputs + n_outputs + 2
    for count, length, flags in ((kwargs["random_sequences"], kwargs["random_length"],
                                  "--random-sequences or --random-length"),
                                 (kwargs["long_sequences"], kwargs["long_length"], "--long-sequences or --long-length")):
        memory.require(3 * 8 * count * length * width, f"checking {count} sequences of {length} steps",
                       f"lower {flags}", filename)
