"""`bonsaic report`: one self-contained HTML page to step a network through a sequence."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from bonsaic.cli import verify_options as V
from bonsaic.cli.common import Force, progress_bar, user_errors
from bonsaic.fsutil import check_output, is_stdio
from bonsaic.verify import defaults as D


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("report")(report_command)


def default_output(model: Path) -> Path:
    """``task.ir`` -> ``task.report.html`` beside it."""
    return model.with_suffix(".report.html")


@user_errors
def report_command(
    model: Annotated[Path, typer.Argument(help="The model (.ir) to show; - reads standard input.")],
    output: Annotated[Path | None, typer.Option(
        "-o", "--output", help="Where to write the page (atomically; - is stdout). Default: MODEL.report.html.")] = None,
    opt_dir: Annotated[Path | None, typer.Option(
        help="A folder written by `bonsaic opt --dump-ir`: show the size after every pass.")] = None,
    loss_log: Annotated[Path | None, typer.Option(
        help="A training loss log (MODEL.loss.jsonl): show the loss and sparsity curves.")] = None,
    length: Annotated[int, typer.Option(min=1, max=100_000, help="Steps of the sample sequence the page opens "
                                        "with (a counterexample, when there is one, comes first).")] = 64,
    no_verify: Annotated[bool, typer.Option("--no-verify", help="Do not run the verifier (no verdict, no bool program).")] = False,
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
    force: Force = False,
) -> None:
    """Write an interactive HTML report: the graph coloured by its values step by step, the logic
    analyzer, the spec, the verdict (its counterexample preloaded) and the decompiled program.

    The page is one file that loads nothing from the network; open it in any browser.

    Example: bonsaic report delay2.ir -o delay2.html --loss-log delay2.loss.jsonl
    """
    from bonsaic.fsutil import atomic_write_text
    from bonsaic.report import render
    from bonsaic.report.build import make_report
    from bonsaic.verify.embedded import load_model

    if output is None:
        output = Path("-") if is_stdio(model) else default_output(model)
    check_output(output, inputs=(model, loss_log), force=force)
    graph = load_model(model)
    options = V.from_command(locals())
    V.require_memory(options, len(graph.inputs), len(graph.outputs), str(model))
    title = (graph.spec_name or "").removesuffix(".bns") or ("model" if is_stdio(model) else model.stem)
    with progress_bar(enabled=not quiet and sys.stderr.isatty()) as progress:
        data = make_report(graph, title=title, verify=not no_verify, budget=budget, seed=seed,
                           verify_options=options, progress=progress, opt_dir=opt_dir, loss_log=loss_log,
                           sample_length=length)
    page = render(data)
    if is_stdio(output):
        sys.stdout.write(page)
    else:
        atomic_write_text(output, page)
    for note in data.notes:
        print(f"note: {note}", file=sys.stderr)
    if not quiet and not is_stdio(output):
        verdict = data.payload["verdict"]
        said = verdict["summary"] if verdict else "not verified"
        print(f"wrote {output} ({len(page) / 1024:.0f} KiB); {said}", file=sys.stderr)
