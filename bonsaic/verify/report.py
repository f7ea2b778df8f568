"""Human-readable rendering of a counterexample: one row per step, the wrong step marked."""

from __future__ import annotations

from collections.abc import Callable

from bonsaic.verify.verifier import Counterexample

SHOWN_HEAD = 10  # a long counterexample's table shows its first steps ...
SHOWN_TAIL = 20  # ... and its last ones, where it goes wrong


def counterexample_table(cex: Counterexample, input_names: list[str], output_names: list[str],
                         describe_state: Callable[[tuple], str] = str) -> str:
    """A fixed-width table: step, inputs, for each output expected / actual (raw value), and the
    spec's state at the start of the step when known (``describe_state`` renders it, e.g.
    :meth:`bonsaic.spec.Spec.describe_state`)."""
    header = ["step", *input_names]
    for name in output_names:
        header += [f"{name} expected", f"{name} actual", f"{name} value"]
    numeric = len(header)  # these columns are right-aligned, the spec state left-aligned
    if cex.spec_states is not None:
        header.append("spec state")
    rows, marks = [header], [""]
    for t in range(len(cex)):
        row = [str(t), *(f"{v:+.0f}" for v in cex.inputs[t])]
        for k in range(len(output_names)):
            row += [f"{cex.expected[t, k]:+.0f}", f"{cex.actual[t, k]:+.0f}", f"{cex.values[t, k]:.6g}"]
        if cex.spec_states is not None:
            row.append(describe_state(cex.spec_states[t]))
        rows.append(row)
        last = t == len(cex) - 1
        marks.append("  <- mismatch" if (cex.expected[t] != cex.actual[t]).any() or (last and cex.reason) else "")
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(cell.rjust(w) if c < numeric else cell.ljust(w)
                         for c, (cell, w) in enumerate(zip(cells, widths, strict=True)))

    kind = "shortest counterexample" if cex.shortest else f"counterexample ({cex.source})"
    body = [(line(r) + m).rstrip() for r, m in zip(rows, marks, strict=True)]
    if len(cex) > SHOWN_HEAD + SHOWN_TAIL + 1:  # a drift found after thousands of steps: its ends
        hidden = len(cex) - SHOWN_HEAD - SHOWN_TAIL
        body = [*body[: 1 + SHOWN_HEAD], f"... {hidden} steps not shown ...", *body[-SHOWN_TAIL:]]
    lines = [f"{kind}, {len(cex)} steps:", *body]
    if cex.reason:
        lines.append(f"step {len(cex) - 1}: {cex.reason}")
    return "\n".join(lines)
