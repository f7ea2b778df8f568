"""`bonsaic opt`: run verified optimisation passes on a model and emit the result."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bonsaic.cli import verify_options as V
from bonsaic.cli.common import Force, progress_bar, user_errors
from bonsaic.diagnostics import BonsaicError
from bonsaic.fsutil import check_output
from bonsaic.verify import defaults as D

if TYPE_CHECKING:
    from bonsaic.ir.graph import Graph
    from bonsaic.passes.base import PassStats
    from bonsaic.verify.explore import Exploration


class Emit(StrEnum):
    """Back ends ``--emit`` can select."""

    ir = "ir"
    dot = "dot"
    py = "py"
    bool = "bool"
    mealy = "mealy"
    mealy_json = "mealy-json"
    rnnviz = "rnnviz"


class RenderFormat(StrEnum):
    """Picture formats ``--render`` can draw."""

    svg = "svg"
    png = "png"


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("opt")(opt_command)


@user_errors
def opt_command(
    model: Annotated[Path, typer.Argument(help="The model to optimise (.ir, with its embedded spec; - reads standard input).")],
    pipeline: Annotated[str | None, typer.Option(
        "-p", "--pipeline", help="Passes to run, e.g. 'clip{max=0.5},quantize,dce' "
        "(default: clip,freeze,inline,cse,bypass,refit,prune,quantize,reinit,fold,merge,refit,dce; see `bonsaic passes`).")] = None,
    emit: Annotated[Emit, typer.Option(help="Back end for the result.")] = Emit.ir,
    output: Annotated[Path | None, typer.Option("-o", "--output",
                                                help="Write here (atomically) instead of stdout (- is stdout).")] = None,
    render: Annotated[RenderFormat | None, typer.Option(
        help="Draw the result with Graphviz and write the picture to -o (required) instead of code "
        "(the graph; with --emit mealy or mealy-json, the machine).")] = None,
    dump_ir: Annotated[Path | None, typer.Option(
        help="Write the IR before and after every pass: DIR/00-input.ir, DIR/01-clip.ir, ...")] = None,
    print_after_all: Annotated[bool, typer.Option(help="Print the IR after every pass to stderr.")] = False,
    stats: Annotated[bool, typer.Option(help="Print per-pass statistics and timing to stderr.")] = False,
    spec: Annotated[Path | None, typer.Option(
        help="Verify against this spec (.bns) instead of the model's own; it is embedded in the result.")] = None,
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
    """Optimise MODEL with verified passes; emit IR, Graphviz, Python, boolean code, a Mealy machine or rnn-viz JSON.

    The input is checked, and the result finally checked, exactly as `bonsaic verify` with the same
    flags would check it; the passes' own searches use smaller checks, audited by those.

    Example: bonsaic opt delay2.ir --emit py -o delay2.py
    """
    from bonsaic.passes.base import PassContext
    from bonsaic.passes.pipeline import optimize, parse_pipeline
    from bonsaic.passes.registry import DEFAULT_PIPELINE
    from bonsaic.verify.embedded import load_model

    if render is not None and output is None:
        raise BonsaicError("--render needs -o/--output: where to write the picture")
    passes = parse_pipeline(pipeline if pipeline is not None else DEFAULT_PIPELINE)
    if output is not None:
        check_output(output, inputs=(model, spec), force=force)
    graph = load_model(model, spec)
    if not graph.spec_source:
        raise BonsaicError("the model carries no embedded spec to verify the passes against",
                           filename=str(model), hint="give one with --spec TASK.bns")
    options = V.from_command(locals())
    V.require_memory(options, len(graph.inputs), len(graph.outputs), str(model))
    with progress_bar(enabled=not quiet and sys.stderr.isatty()) as progress:
        ctx = PassContext(budget=budget, seed=seed, progress=progress, verify_options=options)
        result = optimize(graph, passes, ctx, dump_dir=dump_ir,
                          print_to=sys.stderr if print_after_all else None)
    if stats:
        _print_stats(result.stats, result.verifier_calls)
    if result.graph is not None:
        from bonsaic.backends import EXPLORING

        # bool and mealy analyse the reachable set: hand them the exploration this run's checks made
        explores = emit.value in EXPLORING and (render is None or emit is not Emit.bool)
        exploration = ctx.explore(result.graph) if explores else None
        try:
            if emit in (Emit.mealy, Emit.mealy_json):
                _write_machine(result.graph, emit, render, output, exploration)
            else:
                _write_result(result.graph, emit, render, output, exploration)
        except BonsaicError as err:
            if err.filename == "<graph>":  # the back end saw only a graph: say which one
                err.filename = f"{'<stdin>' if str(model) == '-' else model} (optimised)"
            raise
    if result.failure is not None:
        print(f"error: {result.failure.describe()}", file=sys.stderr)
        if result.graph is not None:
            print("note: the output is the last graph that verified", file=sys.stderr)
        else:
            print("note: nothing was written", file=sys.stderr)
        raise typer.Exit(code=1)


def _write_result(graph: Graph, emit: Emit, render: RenderFormat | None, output: Path | None,
                  exploration: Exploration | None = None) -> None:
    """Emit ``graph`` with the chosen back end (or draw it) to ``output`` or stdout."""
    from bonsaic.backends import emit as emit_code

    if render is not None:
        from bonsaic.backends.dot import render as render_dot

        assert output is not None
        render_dot(emit_code("dot", graph), render.value, output)
        return
    _write_text(emit_code(emit.value, graph, exploration), output)


def _write_text(text: str, output: Path | None) -> None:
    from bonsaic.fsutil import atomic_write_text

    if output is None:
        sys.stdout.write(text)
    else:
        atomic_write_text(output, text)


def _write_machine(graph: Graph, emit: Emit, render: RenderFormat | None, output: Path | None,
                   exploration: Exploration | None) -> None:
    """Write the network's minimal Mealy machine (``--render`` draws it), then say on stderr whether
    it is isomorphic to the spec's own minimal machine (it must be, for a proved graph)."""
    from bonsaic.backends.mealy import dot_text, json_text, network
    from bonsaic.spec import compiled
    from bonsaic.spec.automaton import spec_machine
    from bonsaic.spec.limits import CHECK_STATES

    machine = network(graph, exploration)
    if render is not None:
        from bonsaic.backends.dot import render as render_dot

        assert output is not None
        render_dot(dot_text(machine), render.value, output)
    else:
        _write_text(dot_text(machine) if emit is Emit.mealy else json_text(machine), output)
    assert graph.spec_source is not None
    try:
        spec = spec_machine(compiled(graph.spec_source, graph.spec_name or "<embedded spec>"), CHECK_STATES)
    except BonsaicError as err:
        print(f"mealy: not compared with the spec's minimal machine: {err.message}", file=sys.stderr)
        return
    print(f"mealy: {machine.compare(spec)}", file=sys.stderr)


def _print_stats(rows: list[PassStats], verifier_calls: int) -> None:
    """The ``--stats`` table on stderr: sizes before→after (biases: nonzero ones), time, the pass's own
    verifier calls and the verdict of the check after it; then the passes' notes, one per line."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"bonsaic opt: {verifier_calls} verifier calls in total")
    for column in ("#", "pass", "neurons", "states", "edges", "biases", "time", "calls", "check"):
        table.add_column(column, no_wrap=True)
    for row in rows:
        sizes = [f"{row.before[key]}→{row.after[key]}" for key in ("neurons", "states", "edges", "nonzero_biases")]
        table.add_row(f"{row.index:02d}", row.spelling, *sizes, f"{row.seconds:.3f}s", str(row.verifier_calls),
                      row.verify_mode)
    console = Console(stderr=True, highlight=False)
    if not console.is_terminal:  # a log file: rich would assume 80 columns and cut the cells short
        console.width = 120
    console.print(table)
    for row in rows:
        for note in row.notes:
            console.print(f"{row.index:02d} {row.spelling}: {note}", soft_wrap=True)
