"""Which trial's network is the sweep's best: the smallest *proved* one.

Size is the number of nodes a reader has to understand, neurons plus states; ties go to fewer
edges, then to the larger margin (the network whose outputs stay further from the sign boundary,
the one least likely to be tipped over by rounding its weights later), then to the earlier trial,
so the choice never depends on the order in which results arrived. Bounded and failed trials are
never chosen: a sweep's ``best.ir`` is a network that is right for every input sequence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Record = dict[str, Any]


def rank(record: Record) -> tuple[float, ...]:
    """Smaller is better (only meaningful for proved records)."""
    margin = record.get("margin")
    return (record["neurons"] + record["states"], record["edges"], -(margin if margin is not None else 0.0),
            record.get("index", 0))


def best(records: Iterable[Record]) -> Record | None:
    """The best proved record with an IR, or None when no trial was proved."""
    proved = [r for r in records if r.get("verdict") == "proved" and r.get("ir")]
    return min(proved, key=rank) if proved else None


def size(record: Record) -> str:
    """``3 / 2 / 5``: neurons / states / edges, or ``-`` for a record without a network."""
    if record.get("neurons") is None:
        return "-"
    return f"{record['neurons']} / {record['states']} / {record['edges']}"
