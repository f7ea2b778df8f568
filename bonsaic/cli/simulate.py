"""`bonsaic simulate`: run a model on one input sequence and show what every step produced.

``--seq`` lists the steps separated by commas; within a step, the values of the model's inputs
(in declaration order) are separated by spaces. A value is ``1``/``t``/``true`` or
``-1``/``0``/``f``/``false``. So ``--seq "1,-1,1,1"`` is four steps of a one-input model and
``--seq "1 -1 1, -1 -1 1"`` two steps of a three-input one.

When the model embeds its spec (with the model's input and output names), each output also gets a
``.spec`` column with what the spec's reference interpreter says, marked ``!`` where they differ.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bonsaic.cli.common import user_errors
from bonsaic.diagnostics import BonsaicError

if TYPE_CHECKING:
    from bonsaic.ir import Graph, SimResult

TRUE = {"1", "+1", "t", "true"}
FALSE = {"-1", "0", "f", "false"}


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("simulate")(simulate)


@user_errors
def simulate(
    model: Annotated[Path, typer.Argument(help="The model (.ir) to run; - reads standard input.")],
    seq: Annotated[str, typer.Option("--seq", help='Input steps: "1,-1,1" (one input) or "1 -1, -1 1" '
                                                   "(values of several inputs per step).")],
    trace: Annotated[bool, typer.Option("--trace", help="Also print every node's value at every step.")] = False,
) -> None:
    """Run a model on one input sequence and print its outputs at every step.

    Example: bonsaic simulate delay2.ir --seq "1,-1,-1,1" --trace
    """
    import numpy as np

    from bonsaic.ir import simulate as run
    from bonsaic.verify.embedded import load_model

    graph = load_model(model)
    steps = parse_sequence(seq, len(graph.inputs))
    result = run(graph, np.array([steps], dtype=np.float64), trace=trace)
    print(output_table(graph, steps, result, spec_outputs(graph, steps)))
    if trace:
        print()
        print(trace_table(graph, result))


def parse_sequence(text: str, n_inputs: int) -> list[list[float]]:
    """``"1 -1, -1 1"`` -> ``[[1, -1], [-1, 1]]`` (BonsaicError pointing into the option text)."""
    steps: list[list[float]] = []
    offset = 0
    for chunk in text.split(","):
        words = chunk.split()
        if len(words) != n_inputs:
            column = offset + len(chunk) - len(chunk.lstrip()) + 1
            raise _seq_error(f"step {len(steps) + 1} has {len(words)} value(s), the model has "
                             f"{n_inputs} input(s)", text, column)
        step = []
        search_from = 0
        for word in words:
            at = chunk.index(word, search_from)
            search_from = at + len(word)
            if word.lower() in TRUE:
                step.append(1.0)
            elif word.lower() in FALSE:
                step.append(-1.0)
            else:
                raise _seq_error(f"'{word}' is not a bit", text, offset + at + 1)
        steps.append(step)
        offset += len(chunk) + 1
    return steps


def _seq_error(message: str, text: str, column: int) -> BonsaicError:
    return BonsaicError.at(message, text, "--seq", 1, column,
                           hint='steps are separated by commas, inputs within a step by spaces: "1 -1, -1 1"; '
                                "a bit is 1/t/true or -1/0/f/false")


def _bit(value: float) -> str:
    return "1" if value > 0 else "-1"


def spec_outputs(graph: Graph, steps: list[list[float]]) -> list[tuple[bool, ...]] | None:
    """What the embedded spec says each step should output; None without a spec whose inputs and
    outputs are the graph's (same names, same order)."""
    if graph.spec_source is None:
        return None
    from bonsaic.spec import compiled

    program = compiled(graph.spec_source, graph.spec_name or "<embedded spec>")  # checked by load_model
    spec = program.spec
    if [i.name for i in spec.inputs] != graph.inputs or spec.outputs != [o.name for o in graph.outputs]:
        return None
    state, expected = program.initial_state(), []
    for bits in steps:
        state, outputs = program.step(state, tuple(b > 0 for b in bits))
        expected.append(outputs)
    return expected


def output_table(graph: Graph, steps: list[list[float]], result: SimResult,
                 expected: list[tuple[bool, ...]] | None = None) -> str:
    """One row per step: the input bits, each output's bit and raw value, and what the spec
    expects (marked ``!`` where the network disagrees) when it is known."""
    header = ["step", *graph.inputs]
    for out in graph.outputs:
        header += [out.name, f"{out.name}.value"] + ([f"{out.name}.spec"] if expected else [])
    rows = [header]
    for t, bits in enumerate(steps):
        row = [str(t), *map(_bit, bits)]
        for o in range(len(graph.outputs)):
            got = _bit(result.outputs[0, t, o])
            row += [got, f"{result.values[0, t, o]:+.6f}"]
            if expected:
                want = "1" if expected[t][o] else "-1"
                row.append(want if want == got else f"{want}!")
        rows.append(row)
    return _columns(rows)


def trace_table(graph: Graph, result: SimResult) -> str:
    """One row per node (inputs, states, neurons), one column per step."""
    assert result.trace is not None
    steps = result.values.shape[1]
    rows = [["node", "kind", *(f"t={t}" for t in range(steps))]]
    for name in graph.node_names():
        rows.append([name, graph.kind_of(name), *(f"{v:+.6f}" for v in result.trace[name][0])])
    return _columns(rows)


def _columns(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    return "\n".join(line.rstrip() for line in lines)
