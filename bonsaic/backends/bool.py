"""The ``bool`` back end: decompile a graph into boolean logic and small case tables.

It runs the ``booleanize`` analysis (which needs exhaustive exploration to close; otherwise it
raises :class:`~bonsaic.verify.booleanize.BooleanizeError`, exit code 1) and prints, for each
live state and each output, the function of the current inputs and states it computes:

* a two-valued state is a boolean (true = its larger value, unless the other reading removes
  negations: :func:`choose_polarities`) and an output is its sign bit; their functions of boolean
  variables are minimum sums of products (``minimize``; unreachable rows are don't-cares), or
  XOR/XNOR (``a != b`` / ``a == b``) when that needs fewer literals;
* a state with more values (a counter) is an integer level (``cases``): booleans that read one
  use comparisons (``close and depth == 1``), a counter that steps by amounts depending on
  booleans prints as ``depth - 1 if close else depth + 1``, anything else is a dictionary from
  the levels read to the level taken, listing only the rows that differ from the most common one.

Neurons disappear: each output and next state is expressed directly over the inputs and states,
which is how the seed post writes its hand-derived logic (``S0' = XNOR(S0, S1)``). The program
has the ``py`` back end's interface (``INITIAL_STATE``, ``step``, ``run``, ``__main__``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from bonsaic.backends.cases import counter_expression, mixed_expression
from bonsaic.backends.minimize import Cube, minimize, parity_form
from bonsaic.backends.naming import Namer
from bonsaic.backends.runtime_template import RUNTIME, header, tuple_text
from bonsaic.ir.graph import Graph
from bonsaic.verify.booleanize import BoolAnalysis, Levels, Row, Table, analyse, booleanize
from bonsaic.verify.explore import Exploration

# Beyond this many variables the unreachable rows are treated as false rather than as don't-cares:
# still correct on the reachable set, and it keeps Quine–McCluskey away from 2^n minterms.
DONT_CARE_VARIABLES = 12


def _live_states(graph: Graph, analysis: BoolAnalysis) -> list[str]:
    """States some output depends on, directly or through other states, in graph order."""
    live: set[str] = set()
    todo = [v for t in analysis.output_tables.values() for v in t.support]
    while todo:
        name = todo.pop()
        if name in analysis.next_tables and name not in live:
            live.add(name)
            todo.extend(analysis.next_tables[name].support)
    return [s.name for s in graph.states if s.name in live]


def _cube_text(cube: Cube, names: list[str], parenthesise: bool) -> str:
    literals = [name if positive else f"not {name}"
                for name, positive in ((names[i], p) for i, p in cube.literal_list(len(names)))]
    if not literals:
        return "True"
    text = " and ".join(literals)
    return f"({text})" if parenthesise and len(literals) > 1 else text


def _agreement(table: Table, predicate: Callable[[Row], bool]) -> int:
    """On how many unreachable rows an expression agrees with what the network computes there."""
    return sum(predicate(row) == bool(level) for row, level in table.completion.items())


def boolean_expression(table: Table, names: list[str]) -> str:
    """The smallest expression found for a boolean function of boolean variables ``names``.

    Candidates are the minimum sum of products and, if the function is a parity on the reachable
    rows, XOR/XNOR. Fewer literals wins; a tie goes to the one that agrees with the network on
    more unreachable rows (``Table.completion``).
    """
    n = len(names)
    care = [sum(bit << i for i, bit in enumerate(row)) for row in table.rows]
    on = [m for m, level in zip(care, table.rows.values(), strict=True) if level == 1]
    dont_care = set(range(1 << n)) - set(care) if n <= DONT_CARE_VARIABLES else set()
    cover = minimize(n, on, dont_care)
    sop = " or ".join(_cube_text(c, names, len(cover) > 1) for c in cover) or "False"
    candidates = [(sum(c.literals for c in cover),
                   -_agreement(table, lambda row: any(
                       c.covers(sum(b << i for i, b in enumerate(row))) for c in cover)), sop)]
    xnor = parity_form(n, on, care) if n >= 2 else None
    if xnor is not None:
        if n == 2:
            parity = f"{names[0]} {'==' if xnor else '!='} {names[1]}"
        else:
            parity = f"not ({' ^ '.join(names)})" if xnor else " ^ ".join(names)
        candidates.append((n, -_agreement(table, lambda row: (sum(row) % 2 == 1) != xnor),
                           parity))
    return min(candidates)[2]


def _level_text(level: int, levels: Levels) -> str:
    return repr(bool(level)) if levels.count <= 2 else str(level)


class _Program:
    """The module's tables, the identifiers and the lines of ``step``, filled by :func:`_build`."""

    def __init__(self, graph: Graph, analysis: BoolAnalysis) -> None:
        self.graph, self.analysis = graph, analysis
        self.var = Namer()
        self.tables: list[str] = []
        self.lines: list[str] = []
        self.inputs: list[str] = []
        self.state_vars: list[str] = []
        self.outputs: list[str] = []
        self.next_vars: list[str] = []

    def levels(self, name: str) -> Levels:
        return self.analysis.variable_levels(name)

    def expression(self, table: Table, target_levels: Levels, label: str) -> str:
        """The right-hand side for ``table``'s target (an output, or the state ``table.target``)."""
        names = [self.var(v) for v in table.support]
        if len(set(table.rows.values())) == 1:
            return _level_text(next(iter(table.rows.values())), target_levels)
        boolean = [self.levels(v).count <= 2 for v in table.support]
        if target_levels.count <= 2:
            return boolean_expression(table, names) if all(boolean) else mixed_expression(
                table.rows, names, boolean)
        if table.target in table.support:
            counter = table.support.index(table.target)
            if all(b for i, b in enumerate(boolean) if i != counter):
                def condition(rows: dict[Row, int], positions: list[int]) -> str:
                    sub = Table("condition", tuple(table.support[i] for i in positions), rows)
                    return boolean_expression(sub, [names[i] for i in positions])

                text = counter_expression(table.rows, names, counter, condition)
                if text is not None:
                    return text
        return self._case_table(table, names, target_levels, label)

    def _case_table(self, table: Table, names: list[str], target_levels: Levels, label: str) -> str:
        """A module-level dict for the rows that differ from the most common result."""
        const = self.var.fresh(label.upper())
        default = Counter(table.rows.values()).most_common(1)[0][0]
        single = len(names) == 1
        entries = []
        for row, level in sorted(table.rows.items()):
            if level != default:
                key = ", ".join(_level_text(lv, self.levels(v)) for lv, v in zip(row, table.support,
                                                                                   strict=True))
                entries.append(f"    {key if single else '(' + key + ')'}: "
                               f"{_level_text(level, target_levels)},")
        self.tables.append(f"{const} = {{  # ({', '.join(names)}) -> {label}; every other row: "
                           f"{_level_text(default, target_levels)}\n"
                           + "\n".join(entries) + "\n}\n")
        key = names[0] if single else ", ".join(names)
        return f"{const}.get({key if single else '(' + key + ')'}, {_level_text(default, target_levels)})"


def _describe(name: str, ident: str, levels: Levels) -> str:
    def text(group: tuple[float, ...]) -> str:
        return repr(group[0]) if len(group) == 1 else "one of " + ", ".join(map(repr, group))

    if levels.count == 2:
        return (f"# {ident}: state {name}, true when it is {text(levels.groups[1])} "
                f"(false: {text(levels.groups[0])})")
    meaning = "; ".join(f"{i} = {text(g)}" for i, g in enumerate(levels.groups))
    return f"# {ident}: state {name}, enumerated: {meaning}"


def flip(analysis: BoolAnalysis, state: str) -> BoolAnalysis:
    """The same analysis with boolean ``state``'s meaning of true and false swapped."""

    def flipped(table: Table, is_target: bool) -> Table:
        i = table.support.index(state) if state in table.support else None

        def row(r: Row) -> Row:
            return r if i is None else (*r[:i], 1 - r[i], *r[i + 1:])

        def level(v: int) -> int:
            return 1 - v if is_target else v

        return replace(table, rows={row(r): level(v) for r, v in table.rows.items()},
                       completion={row(r): level(v) for r, v in table.completion.items()})

    groups = analysis.state_levels[state].groups
    return replace(
        analysis,
        state_levels={**analysis.state_levels, state: Levels(groups[::-1])},
        initial={**analysis.initial, state: 1 - analysis.initial[state]},
        next_tables={k: flipped(t, k == state) for k, t in analysis.next_tables.items()},
        output_tables={k: flipped(t, False) for k, t in analysis.output_tables.items()},
    )


def _build(graph: Graph, analysis: BoolAnalysis, states: list[str]) -> _Program:
    """Every output's and live state's expression, in ``step`` order."""
    prog = _Program(graph, analysis)
    prog.inputs = [prog.var(name) for name in graph.inputs]
    prog.state_vars = [prog.var(name) for name in states]
    prog.outputs = [prog.var.fresh(o.name) for o in graph.outputs]
    for o, ident in zip(graph.outputs, prog.outputs, strict=True):
        expr = prog.expression(analysis.output_tables[o.name], Levels.of(-1.0, 1.0), o.name)
        prog.lines.append(f"    {ident} = {expr}")
    for name in states:
        ident = prog.var.fresh(f"{prog.var(name)}_next")
        expr = prog.expression(analysis.next_tables[name], prog.levels(name), f"{name} next")
        prog.lines.append(f"    {ident} = {expr}")
        prog.next_vars.append(ident)
    return prog


def _negations(prog: _Program) -> int:
    return sum(line.count("not ") + line.count("!=") for line in prog.lines)


def choose_polarities(graph: Graph, analysis: BoolAnalysis, states: list[str]) -> BoolAnalysis:
    """Swap true and false of boolean states where that removes negations (greedy, in order).

    The network may store a bit inverted (the seed delay network keeps ``not x``); reading it with
    the other polarity gives ``y = s; s' = x`` instead of ``y = not s; s' = not x``.
    """
    for state in states:
        if analysis.state_levels[state].is_boolean:
            candidate = flip(analysis, state)
            if _negations(_build(graph, candidate, states)) < _negations(_build(graph, analysis, states)):
                analysis = candidate
    return analysis


def emit(graph: Graph, exploration: Exploration | None = None) -> str:
    """The decompiled program (``BooleanizeError`` if exploration does not close). ``exploration`` is
    the caller's exploration of ``graph`` (``opt`` hands over its own, made with its ``--budget``);
    without one the graph is explored against its embedded spec with the verifier's default budget."""
    analysis = booleanize(graph) if exploration is None else analyse(graph, exploration)
    states = _live_states(graph, analysis)
    analysis = choose_polarities(graph, analysis, states)
    prog = _build(graph, analysis, states)
    initial = [_level_text(analysis.initial[s], prog.levels(s)) for s in states]
    summary = (f"Decompiled from {analysis.steps} reachable steps; live states: {len(states)}, "
               f"outputs: {len(graph.outputs)}.")
    described = [_describe(s, v, prog.levels(s)) for s, v in zip(states, prog.state_vars, strict=True)]
    text = "\n".join([
        header("bool", graph.spec_name, summary).rstrip("\n"),
        *described,
        "",
        "import json",
        "import sys",
        "",
        f"INPUTS = {tuple(graph.inputs)!r}",
        f"OUTPUTS = {tuple(o.name for o in graph.outputs)!r}",
        f"STATES = {tuple(states)!r}",
        f"INITIAL_STATE = {tuple_text(initial)}",
        "",
    ])
    text += "".join("\n" + table for table in prog.tables)
    text += (
        "\n\ndef step(state, inputs):\n"
        '    """One timestep: (next_state, outputs); inputs and outputs are +1 (true) / -1 (false)."""\n'
        + (f"    {tuple_text(prog.state_vars)} = state\n" if prog.state_vars else "")
        + (f"    {tuple_text(prog.inputs)} = (value > 0 for value in inputs)\n" if prog.inputs else "")
        + "".join(line + "\n" for line in prog.lines)
        + f"    return {tuple_text(prog.next_vars)}, "
        f"{tuple_text([f'1 if {ident} else -1' for ident in prog.outputs])}\n"
    )
    return text + RUNTIME
