"""`bonsaic simulate`: run a model on one input sequence and show what every step produced.

The sequence comes from exactly one of:

* ``--seq`` lists the steps separated by commas; within a step, the values of the model's inputs
  (in declaration order) are separated by spaces. A value is ``1``/``t``/``true`` or
  ``-1``/``0``/``f``/``false``. So ``--seq "1,-1,1,1"`` is four steps of a one-input model and
  ``--seq "1 -1 1, -1 -1 1"`` two steps of a three-input one.
* ``--seq-file PATH``: the same syntax in a file (``-``: standard input), where line ends separate
  steps too and blank lines are skipped, so a long run needs no typing.
* ``--random N [--seed S]``: N steps drawn as ``bonsaic sample`` draws them from the embedded spec
  (so only inputs the spec allows), or uniform random bits when the model carries no spec.

When the model embeds its spec (with the model's input and output names), each output also gets a
``.spec`` column with what the spec's reference interpreter says, marked ``!`` where they differ.

``--vcd FILE`` writes the whole run as a VCD waveform (:mod:`bonsaic.backends.waveform`) for
GTKWave or Surfer; the step tables are then printed only with ``--trace``, and a one-line summary
goes to standard error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from bonsaic.cli.common import Force, user_errors
from bonsaic.diagnostics import BonsaicError

if TYPE_CHECKING:
    import numpy as np

    from bonsaic.ir import Graph, SimResult
    from bonsaic.spec import Program

TRUE = {"1", "+1", "t", "true"}
FALSE = {"-1", "0", "f", "false"}
SEQ_HINT = ('steps are separated by commas, inputs within a step by spaces: "1 -1, -1 1"; '
            "a bit is 1/t/true or -1/0/f/false")


def register(app: typer.Typer) -> None:
    """Add this command to the app."""
    app.command("simulate")(simulate)


@user_errors
def simulate(
    model: Annotated[Path, typer.Argument(help="The model (.ir) to run; - reads standard input.")],
    seq: Annotated[str | None, typer.Option("--seq", help='Input steps: "1,-1,1" (one input) or "1 -1, -1 1" '
                                                          "(values of several inputs per step).")] = None,
    seq_file: Annotated[Path | None, typer.Option(
        "--seq-file", help="Read the steps from this file (--seq syntax; line ends also separate steps; "
        "- is standard input).")] = None,
    random: Annotated[int | None, typer.Option(
        "--random", min=1, help="Run N random steps: inputs the embedded spec allows (as `bonsaic sample` "
        "draws them), or uniform bits without a spec.")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed of --random (same seed, same steps).")] = 0,
    trace: Annotated[bool, typer.Option("--trace", help="Also print every node's value at every step.")] = False,
    vcd: Annotated[Path | None, typer.Option(
        "--vcd", help="Write the run as a VCD waveform for GTKWave/Surfer (every node's value, input/output "
        "bits, the spec's bits and a mismatch wire); - is stdout.")] = None,
    force: Force = False,
) -> None:
    """Run a model on one input sequence and print its outputs at every step.

    Example: bonsaic simulate delay2.ir --seq "1,-1,-1,1" --trace;
    bonsaic simulate delay2.ir --random 10000 --vcd run.vcd
    """
    import numpy as np

    from bonsaic.ir import simulate as run
    from bonsaic.verify.embedded import load_model

    given = [name for name, value in (("--seq", seq), ("--seq-file", seq_file), ("--random", random))
             if value is not None]
    if len(given) != 1:
        raise BonsaicError("give the input steps with exactly one of --seq, --seq-file or --random"
                           + (f" (got {' and '.join(given)})" if given else ""),
                           hint='e.g. --seq "1,-1,1", --seq-file steps.txt or --random 1000 --seed 1')
    if vcd is not None:
        from bonsaic.fsutil import check_output

        check_output(vcd, inputs=(model, seq_file), force=force, what="waveform")
    graph = load_model(model)
    program = _spec_program(graph)
    if random is not None:
        _require_memory(graph, random, vcd is not None, str(model))
        steps = random_steps(graph, program, random, seed)
    else:
        text, source = (seq, "--seq") if seq is not None else _read_steps(seq_file)
        rows = parse_sequence(text, len(graph.inputs), source)
        steps = np.array(rows, dtype=np.float64).reshape(len(rows), len(graph.inputs))
        _require_memory(graph, len(steps), vcd is not None, source)
    result = run(graph, steps[None], trace=trace or vcd is not None)
    expected = expected_outputs(program, steps)
    if vcd is None or trace:
        rows = steps.tolist()
        print(output_table(graph, rows, result, expected))
    if trace:
        print()
        print(trace_table(graph, result))
    if vcd is not None:
        _write_vcd(vcd, graph, steps, result, expected, model)


def _read_steps(path: Path | None) -> tuple[str, str]:
    """The text of ``--seq-file`` and the name its errors give."""
    from bonsaic.fsutil import display_name, read_input

    assert path is not None
    data = read_input(path)
    try:
        return data.decode("utf-8"), display_name(path)
    except UnicodeDecodeError as err:
        raise BonsaicError(f"not a text file: invalid UTF-8 at byte {err.start}", filename=display_name(path),
                           hint=SEQ_HINT) from None


def _require_memory(graph: Graph, length: int, waveform: bool, filename: str) -> None:
    """Refuse a run whose trace (and waveform text) would not fit in memory, naming the setting."""
    from bonsaic import memory

    values = length * (len(graph.node_names()) + 3 * len(graph.outputs) + 1)
    memory.require(values * (8 + (40 if waveform else 0)) + length * 200, f"a run of {length} steps",
                   "run fewer steps", filename)


def random_steps(graph: Graph, program: Program | None, length: int, seed: int) -> np.ndarray:
    """``[length, I]`` random input steps (±1): drawn by the spec's data generator (only allowed
    inputs, with the spec's input probabilities), or uniform bits when there is no usable spec."""
    import numpy as np

    if program is not None:
        inputs, _targets = program.generate(1, length, seed)
        return inputs[0].astype(np.float64)
    return np.random.default_rng(seed).choice([-1.0, 1.0], size=(length, len(graph.inputs)))


def _write_vcd(path: Path, graph: Graph, steps: np.ndarray, result: SimResult,
               expected: list[tuple[bool, ...]] | None, model: Path) -> None:
    from bonsaic.backends.waveform import write_vcd
    from bonsaic.fsutil import atomic_write_text, display_name

    atomic_write_text(path, write_vcd(graph, steps, result, expected, origin=display_name(model)))
    summary = f"wrote {display_name(path) if str(path) != '-' else 'the waveform'}: {len(steps)} steps"
    if expected is not None:
        wrong = sum(1 for t, want in enumerate(expected)
                    if any((result.values[0, t, o] > 0) != w for o, w in enumerate(want)))
        summary += f", {wrong} differ from the spec" if wrong else ", every output as the spec says"
    print(summary, file=sys.stderr)


def parse_sequence(text: str, n_inputs: int, source: str = "--seq") -> list[list[float]]:
    """``"1 -1, -1 1"`` -> ``[[1, -1], [-1, 1]]`` (BonsaicError pointing into the text, named
    ``source``). Line ends separate steps as commas do; blank lines are skipped."""
    steps: list[list[float]] = []
    for line_no, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip() and (line_no > 1 or "\n" in text):
            continue
        offset = 0
        for chunk in line.split(","):
            words = chunk.split()
            if len(words) != n_inputs:
                column = offset + len(chunk) - len(chunk.lstrip()) + 1
                raise _seq_error(f"step {len(steps) + 1} has {len(words)} value(s), the model has "
                                 f"{n_inputs} input(s)", text, source, line_no, column)
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
                    raise _seq_error(f"'{word}' is not a bit", text, source, line_no, offset + at + 1)
            steps.append(step)
            offset += len(chunk) + 1
    if not steps:
        raise BonsaicError("no input steps", filename=source, hint=SEQ_HINT)
    return steps


def _seq_error(message: str, text: str, source: str, line: int, column: int) -> BonsaicError:
    return BonsaicError.at(message, text, source, line, column, hint=SEQ_HINT)


def _bit(value: float) -> str:
    return "1" if value > 0 else "-1"


def _spec_program(graph: Graph) -> Program | None:
    """The embedded spec's program when its inputs and outputs are the graph's (same names, same
    order); None without one."""
    if graph.spec_source is None:
        return None
    from bonsaic.spec import compiled

    program = compiled(graph.spec_source, graph.spec_name or "<embedded spec>")  # checked by load_model
    spec = program.spec
    if [i.name for i in spec.inputs] != graph.inputs or spec.outputs != [o.name for o in graph.outputs]:
        return None
    return program


def expected_outputs(program: Program | None, steps: np.ndarray | list[list[float]]) -> list[tuple[bool, ...]] | None:
    """What ``program`` (the embedded spec) says each step should output; None without one."""
    if program is None:
        return None
    state, expected = program.initial_state(), []
    for bits in steps:
        state, outputs = program.step(state, tuple(bool(b > 0) for b in bits))
        expected.append(outputs)
    return expected


def spec_outputs(graph: Graph, steps: list[list[float]]) -> list[tuple[bool, ...]] | None:
    """What the embedded spec says each step should output; None without a spec whose inputs and
    outputs are the graph's (same names, same order)."""
    return expected_outputs(_spec_program(graph), steps)


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
