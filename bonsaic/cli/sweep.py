"""`bonsaic sweep`: train -> opt -> verify many configurations on Ray; keep the smallest proved bonsai.

This module maps flags to trials, a results directory and Ray options, and prints how the sweep
ended; the work is :mod:`bonsaic.sweep` (docs/sweep.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli.common import Force, user_errors

EXIT_INTERRUPTED = 130


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("sweep")(sweep_command)


@user_errors
def sweep_command(
    spec_path: Annotated[Path, typer.Argument(metavar="SPEC", help="The task spec (.bns).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The sweep's directory: trials.jsonl, best.ir, "
                                         "summary.md. Running again on it skips the finished trials.")],
    trials: Annotated[int | None, typer.Option(help="How many trials (default: the whole grid; 8 when only "
                                               "--sample varies).", min=1)] = None,
    set_: Annotated[list[str] | None, typer.Option("--set", metavar="KEY=V1,V2,...", help="Try each value "
                                                   "(the grid is the product of all --set). Keys: any model or "
                                                   "train setting, e.g. lr, state_noise, regularizer.intensity, "
                                                   "cell.states.")] = None,
    sample: Annotated[list[str] | None, typer.Option(metavar="KEY=LOW:HIGH[:log]", help="Draw a value per "
                                                     "trial, uniformly (or log-uniformly).")] = None,
    seeds: Annotated[int | None, typer.Option(help="Train every configuration with seeds S..S+K-1 (S: the "
                                              "spec's seed).", min=1)] = None,
    address: Annotated[str | None, typer.Option(help="An existing Ray cluster (e.g. 10.0.0.5:6379, or auto); "
                                                "default: a local instance started and stopped here.")] = None,
    cpus_per_trial: Annotated[float, typer.Option(help="CPUs reserved for each trial (and tinygrad's threads).",
                                                  min=0.01)] = 1.0,
    workers: Annotated[int | None, typer.Option(help="At most this many trials at once (default: as many as "
                                                "the CPUs allow).", min=1)] = None,
    time_budget: Annotated[float | None, typer.Option(help="Seconds after which no new trial starts (running "
                                                      "ones finish; run again to go on).", min=0)] = None,
    pipeline: Annotated[str | None, typer.Option("-p", "--pipeline", help="The passes each trial's opt runs "
                                                 "(default: opt's), e.g. a cheaper one for large networks: "
                                                 "clip,freeze,cse,dce")] = None,
    quiet: Annotated[bool, typer.Option("-q", "--quiet", help="A line per trial instead of a live table.")] = False,
    force: Force = False,
) -> None:
    """Grow many bonsai networks with different settings (train -> opt -> verify each) and keep the
    smallest proved one in DIR/best.ir.

    Example: bonsaic sweep examples/loop3.bns -o sweeps/loop3 --seeds 4 --set state_noise=0,0.05
    """
    from bonsaic.passes.pipeline import parse_pipeline
    from bonsaic.passes.registry import DEFAULT_PIPELINE
    from bonsaic.spec import load_spec
    from bonsaic.sweep.display import LineLog, LiveTable
    from bonsaic.sweep.grid import make_trials, spec_digest
    from bonsaic.sweep.runner import RayOptions, run
    from bonsaic.sweep.select import best, size
    from bonsaic.sweep.space import parse_sample, parse_set
    from bonsaic.sweep.store import BEST, SUMMARY, TRIALS, Store

    spec = load_spec(spec_path)
    if pipeline is not None:
        parse_pipeline(pipeline)  # a misspelt pass is refused here, not in every trial
        pipeline = None if pipeline == DEFAULT_PIPELINE else pipeline
    grid = [parse_set(text) for text in set_ or []]
    samples = [parse_sample(text) for text in sample or []]
    digest = spec_digest(spec.source)
    todo = make_trials(digest, grid, samples, seeds=seeds, base_seed=spec.train.seed, count=trials,
                       pipeline=pipeline)
    store = Store(output, digest, spec_path.name, force=force)
    skipped = sum(t.id in store.records for t in todo)
    print(f"sweep of {spec.name}: {len(todo)} trials, {skipped} already finished in {output}", file=sys.stderr)
    options = RayOptions(address, cpus_per_trial, workers, time_budget, pipeline)
    done = [store.records[t.id] for t in todo if t.id in store.records]
    live = sys.stderr.isatty() and not quiet
    display = LiveTable(len(todo), done) if live else LineLog(len(todo), done)

    def connected(outcome: object) -> None:
        print(f"running {len(todo) - skipped} trials on {outcome.where}, {outcome.slots} at a time",  # type: ignore[attr-defined]
              file=sys.stderr)

    with display:
        outcome = run(spec.source, spec_path.name, todo, store, options, display, on_connect=connected)
    store.write_outputs()
    mine = [store.records[t.id] for t in todo if t.id in store.records]
    chosen = best(store.records.values())
    counts = {v: sum(r["verdict"] == v for r in mine) for v in ("proved", "bounded", "failed")}
    print(f"{len(mine)}/{len(todo)} trials finished: {counts['proved']} proved, {counts['bounded']} bounded, "
          f"{counts['failed']} failed; table in {output / SUMMARY}, results in {output / TRIALS}", file=sys.stderr)
    if outcome.out_of_time:
        print(f"time budget spent: {outcome.not_started} trials not started (run the same command again to go on)",
              file=sys.stderr)
    if chosen is not None:
        print(f"best: {output / BEST}, trial {chosen['index']} ({chosen['id']}): {size(chosen)} neurons / states / "
              f"edges, proved, settings {' '.join(f'{k}={v}' for k, v in chosen['settings'].items())}")
    else:
        print("no trial was proved: no best.ir", file=sys.stderr)
    if outcome.interrupted:
        print(f"interrupted: {outcome.not_started} trials not finished; run the same command to go on",
              file=sys.stderr)
        raise typer.Exit(code=EXIT_INTERRUPTED)
    if chosen is None:
        raise typer.Exit(code=1)
