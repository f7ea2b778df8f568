"""Training-data generation speed: sequences per second for every bundled example.

``Program.generate`` is measured at batch 1024 and lengths 20 and 40, with the transition tables
it uses by default and with the lane-wise evaluator it falls back to for huge state spaces
(forced here by a zero table budget). The first call of a fresh ``Program`` also pays for
exploring the reachable states once; that cost is listed separately.

Run alone: ``.venv/bin/python benchmarks/bench_datagen.py [--quick]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BATCH = 1024
LENGTHS = (20, 40)


def _best_rate(program, length: int, repeats: int) -> float:
    """Sequences per second, best of ``repeats`` calls (each a fresh seed)."""
    best = float("inf")
    for seed in range(repeats):
        start = time.perf_counter()
        program.generate(BATCH, length, seed)
        best = min(best, time.perf_counter() - start)
    return BATCH / best


def main(quick: bool = False) -> str:
    from bonsaic.spec import Program, datagen, load_spec

    repeats = 2 if quick else 10
    rows = [
        "| example | reachable states | first call (ms) | tables L=20 (seq/s) | tables L=40 (seq/s) "
        "| lanes L=20 (seq/s) | lanes L=40 (seq/s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for path in sorted((ROOT / "examples").glob("*.bns")):
        spec = load_spec(path)
        fresh = Program(spec)
        start = time.perf_counter()
        fresh.generate(BATCH, LENGTHS[0], 0)
        first_ms = (time.perf_counter() - start) * 1000
        tables = [_best_rate(fresh, length, repeats) for length in LENGTHS]
        saved = datagen.TABLE_STATES
        datagen.TABLE_STATES = 0
        try:
            lanes_program = Program(spec)
            lanes = [_best_rate(lanes_program, length, max(1, repeats // 2)) for length in LENGTHS]
        finally:
            datagen.TABLE_STATES = saved
        states = len(fresh.reachable_states() or [])
        rates = " | ".join(f"{r:,.0f}" for r in (*tables, *lanes))
        rows.append(f"| {spec.name} | {states} | {first_ms:.1f} | {rates} |")
    return "\n".join([
        "## datagen: Program.generate",
        "",
        f"Batch {BATCH}, best of {repeats} call(s) per cell (lanes: best of {max(1, repeats // 2)}); "
        "sequences per second, higher is better. \"first call\" includes exploring the reachable "
        "states and building the tables.",
        "",
        *rows,
    ])


if __name__ == "__main__":
    print(main(quick="--quick" in sys.argv))
