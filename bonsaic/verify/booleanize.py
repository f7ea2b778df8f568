"""``booleanize``: what every node computes as a finite function on the reachable set.

When exhaustive exploration closes, the graph visits finitely many (state, input) steps, so every
node takes finitely many values. Sorting a node's distinct values gives it *levels* (two levels:
a boolean, true = the larger value; more: a small enumerated variable). Because each node is a
deterministic function of its sources, each node's level is a function of its sources' levels:
its truth table, defined on the reachable rows only (every other row is a don't-care).

Besides the per-neuron tables over direct sources, the analysis flattens the graph into what a
person writes by hand: each state's next level and each output bit as a function of the current
inputs and states alone, over the smallest set of them that still determines it. A state's values
that no reachable step can tell apart share one level there (:func:`merge_equivalent_levels`), so
a distinct initial value does not turn a boolean into a three-valued variable. The ``bool`` back
end minimises and prints those tables.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace

import numpy as np

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph
from bonsaic.ir.simulate import Stepper
from bonsaic.verify.explore import Exploration
from bonsaic.verify.spec_table import ProgramLike
from bonsaic.verify.verifier import DEFAULT_BUDGET, explore

Row = tuple[int, ...]
COMPLETION_LIMIT = 4096  # unreachable rows evaluated per table, for tie-breaking only


class BooleanizeError(BonsaicError):
    """No finite description: exploration did not close, or the graph contradicts its spec.

    Not a malformed input but a property of the graph, hence exit code 1 rather than 2.
    """

    exit_code = 1


@dataclass(frozen=True)
class Levels:
    """What a node can be on the reachable set: level ``i`` is the group of values ``groups[i]``.

    Groups are ascending (the ``bool`` back end may swap a boolean's two). A node's levels are its
    single values; a state's values are also grouped when no reachable step can tell them apart (the seed network's initial state 1.0 behaves exactly
    like its steady 0.71875), so a state is as small a variable as its behaviour allows.
    """

    groups: tuple[tuple[float, ...], ...]

    @staticmethod
    def of(*values: float) -> Levels:
        """One single-value level per value (ascending)."""
        return Levels(tuple((v,) for v in sorted(values)))

    @property
    def values(self) -> tuple[float, ...]:
        """One representative value per level (the smallest of its group)."""
        return tuple(group[0] for group in self.groups)

    @property
    def count(self) -> int:
        return len(self.groups)

    @property
    def is_boolean(self) -> bool:
        return self.count == 2


@dataclass(frozen=True)
class Table:
    """A function on the reachable rows: ``rows[support levels] = target level``.

    ``completion`` holds what the network itself computes on (some) unreachable rows: those are
    don't-cares, but among equally small expressions the one that agrees with the network there
    reads closer to what the neurons do (the seed post's XNOR rather than an implication).
    """

    target: str
    support: tuple[str, ...]
    rows: dict[Row, int]
    completion: dict[Row, int] = field(default_factory=dict)

    def project(self, keep: tuple[str, ...]) -> Table | None:
        """The same function over the ``keep`` subset of the support, or None if it is not one."""
        index = [self.support.index(name) for name in keep]
        rows: dict[Row, int] = {}
        for row, level in self.rows.items():
            key = tuple(row[i] for i in index)
            if rows.setdefault(key, level) != level:
                return None
        completion = {tuple(row[i] for i in index): level for row, level in self.completion.items()}
        return Table(self.target, keep, rows, {k: v for k, v in completion.items() if k not in rows})


@dataclass
class BoolAnalysis:
    """The finite description of a graph on its reachable set (see the module docstring).

    ``levels``: every node's distinct values (the per-neuron tables are over these);
    ``state_levels``: each state's values grouped by behaviour (the flattened tables, ``initial``
    and the decompiled program are over these).
    """

    levels: dict[str, Levels]
    state_levels: dict[str, Levels]
    initial: dict[str, int]
    neuron_tables: dict[str, Table]
    next_tables: dict[str, Table]
    output_tables: dict[str, Table]
    steps: int

    @property
    def all_boolean(self) -> bool:
        """Every node is two-valued (or constant) on the reachable set."""
        return all(lv.count <= 2 for lv in self.levels.values())

    def variable_levels(self, name: str) -> Levels:
        """The levels of an input or a state as the flattened tables use them."""
        return self.state_levels.get(name) or self.levels[name]


def _levels(values: np.ndarray) -> tuple[Levels, np.ndarray]:
    distinct, index = np.unique(values + 0.0, return_inverse=True)  # + 0.0 folds -0.0 into 0.0
    return Levels.of(*(float(v) for v in distinct)), index.ravel()


def _table(target: str, support: list[str], level_of: dict[str, np.ndarray],
           target_levels: np.ndarray) -> Table:
    columns = np.stack([level_of[name] for name in support], axis=1) if support else None
    rows: dict[Row, int] = {}
    for e, level in enumerate(target_levels.tolist()):
        rows[tuple(columns[e].tolist()) if columns is not None else ()] = level
    return Table(target, tuple(support), rows)


def variables_behind(graph: Graph, node: str | None) -> list[str]:
    """The inputs and states ``node`` depends on within one step (through neurons), in graph order."""
    sources = {n.name: [src for src, _ in n.inputs] for n in graph.neurons}
    seen: set[str] = set()
    todo = [node] if node is not None else []
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(sources.get(name, []))
    return [name for name in [*graph.inputs, *(s.name for s in graph.states)] if name in seen]


def smallest_support(table: Table, levels: dict[str, Levels]) -> Table:
    """Drop constant variables, then every variable the function does not need (greedy, last first)."""
    reduced = table.project(tuple(v for v in table.support if levels[v].count > 1))
    assert reduced is not None, "constant variables cannot change a function"
    for name in reversed(table.support):
        if name in reduced.support:
            smaller = reduced.project(tuple(v for v in reduced.support if v != name))
            reduced = smaller if smaller is not None else reduced
    return reduced


def _complete(table: Table, graph: Graph, ex: Exploration, levels: dict[str, Levels]) -> Table:
    """Add the network's own value on the unreachable rows of ``table`` (see :class:`Table`).

    Variables outside the support keep their values from the first explored step, support
    variables take their level's representative value; the target's value maps to the level of
    the nearest value (outputs: its sign).
    """
    combos = [range(levels[v].count) for v in table.support]
    if not table.support or np.prod([len(c) for c in combos]) > COMPLETION_LIMIT:
        return table
    missing = [row for row in itertools.product(*combos) if row not in table.rows]
    if not missing:
        return table
    states = np.repeat(ex.graph_states[ex.step_graph_state[:1]], len(missing), axis=0)
    inputs = np.repeat(ex.step_inputs[:1], len(missing), axis=0)
    state_names = [s.name for s in graph.states]
    for j, var in enumerate(table.support):
        column = np.array([levels[var].values[row[j]] for row in missing])
        if var in graph.inputs:
            inputs[:, graph.inputs.index(var)] = column
        else:
            states[:, state_names.index(var)] = column
    next_states, _, outputs = Stepper(graph).step(states, inputs)
    if table.target in state_names:
        value = next_states[:, state_names.index(table.target)]
        known = [(v, level) for level, group in enumerate(levels[table.target].groups) for v in group]
        nearest = np.abs(value[:, None] - np.array([v for v, _ in known])[None, :]).argmin(axis=1)
        targets = [known[i][1] for i in nearest.tolist()]
    else:
        value = outputs[:, [o.name for o in graph.outputs].index(table.target)]
        targets = (value > 0).astype(int).tolist()
    return replace(table, completion=dict(zip(missing, targets, strict=True)))


@dataclass
class _Target:
    """One flattened function on the explored steps: an output bit, or a state's next level."""

    name: str
    support: list[str]
    state: str | None  # the state whose next level this is; None for an output
    values: np.ndarray  # [E] output bit, or the state's raw next level


def _conflicts(state: str, targets: list[_Target], column: dict[str, np.ndarray],
               block: dict[str, np.ndarray]) -> set[tuple[int, int]]:
    """Pairs of ``state``'s raw levels, currently in one block, that some step tells apart: in
    two steps where every other variable is in the same block, they lead to different results."""
    found: set[tuple[int, int]] = set()

    def in_blocks(var: str) -> np.ndarray:
        return block[var][column[var]] if var in block else column[var]

    for t in targets:
        if state not in t.support:
            continue
        result = block[t.state][t.values] if t.state is not None else t.values
        keys = np.stack([in_blocks(v) for v in t.support if v != state]
                        + [block[state][column[state]], column[state], result], axis=1)
        groups: dict[tuple[int, ...], dict[int, set[int]]] = {}
        for *context, raw, res in np.unique(keys, axis=0).tolist():
            groups.setdefault(tuple(context), {}).setdefault(res, set()).add(raw)
        for by_result in groups.values():
            for (r1, a), (r2, b) in itertools.combinations(by_result.items(), 2):
                found |= {(min(x, y), max(x, y)) for x in a for y in b if r1 != r2}
    return found


def _regroup(block: np.ndarray, conflicts: set[tuple[int, int]]) -> np.ndarray:
    """Split each block greedily so that no two conflicting levels share one (ascending order)."""
    members: list[tuple[int, list[int]]] = []  # (old block, levels) of each new block
    for level, old in enumerate(block.tolist()):
        for old_block, group in members:
            if old_block == old and not any((min(g, level), max(g, level)) in conflicts for g in group):
                group.append(level)
                break
        else:
            members.append((old, [level]))
    new = np.empty_like(block)
    for index, (_, group) in enumerate(members):
        new[group] = index
    return new


def merge_equivalent_levels(targets: list[_Target], column: dict[str, np.ndarray],
                            state_levels: dict[str, int]) -> dict[str, np.ndarray]:
    """For each state, a block number per raw level: levels in one block are interchangeable.

    Moore-style refinement, from "all levels alike" until no explored step tells two levels of a
    block apart (the unexplored combinations are don't-cares, so the split is greedy). At the
    fixpoint the blocks of the variables a target reads determine the target's block, so a program
    that keeps only blocks computes the same outputs on every reachable sequence.
    """
    block = {s: np.zeros(n, dtype=np.int64) for s, n in state_levels.items()}
    changed = True
    while changed:
        changed = False
        for state in block:
            regrouped = _regroup(block[state], _conflicts(state, targets, column, block))
            if regrouped.max(initial=0) != block[state].max(initial=0):
                block[state], changed = regrouped, True
    return block


def _check_closed(ex: Exploration) -> None:
    if ex.mismatch_step is not None:
        raise BooleanizeError(
            "the graph does not implement its spec, so its reachable set is not known",
            filename="<graph>", hint="run `bonsaic verify` on it for a counterexample")
    if not ex.closed:
        raise BooleanizeError(
            f"exhaustive exploration did not close ({ex.product_states} product states explored)",
            filename="<graph>",
            hint="the bool back end needs the whole reachable set: prune or quantize the graph "
                 "further (bonsaic opt), raise the budget, or emit `py` instead",
        )


def analyse(graph: Graph, ex: Exploration) -> BoolAnalysis:
    """Levels and tables of ``graph`` from a closed exploration of it."""
    _check_closed(ex)
    names = graph.node_names()
    values = {name: ex.step_values[:, k] for k, name in enumerate(names)}
    levels: dict[str, Levels] = {}
    level_of: dict[str, np.ndarray] = {}
    for name in names:
        levels[name], level_of[name] = _levels(values[name])
    steps = len(ex.step_values)
    next_raw, initial_raw = {}, {}
    for s in graph.states:  # a state's levels also cover its next values and its initial value
        nxt = values[s.next] if s.next is not None else np.zeros(steps)
        levels[s.name], joint = _levels(np.concatenate([values[s.name], nxt, [s.init]]))
        level_of[s.name], next_raw[s.name], initial_raw[s.name] = (
            joint[:steps], joint[steps:-1], int(joint[-1]))
    neuron_tables = {
        n.name: _table(n.name, list(dict.fromkeys(src for src, _ in n.inputs)), level_of,
                       level_of[n.name])
        for n in graph.neurons
    }
    targets = [_Target(s.name, variables_behind(graph, s.next), s.name, next_raw[s.name])
               for s in graph.states]
    targets += [_Target(o.name, variables_behind(graph, o.source), None,
                        (values[o.source] > 0).astype(np.int64)) for o in graph.outputs]
    block = merge_equivalent_levels(targets, level_of, {s.name: levels[s.name].count
                                                        for s in graph.states})
    variables = dict(levels)  # inputs as they are, states grouped
    flat_of = dict(level_of)
    for s in graph.states:
        b = block[s.name]
        groups = [tuple(v for v, k in zip(levels[s.name].values, b, strict=True) if k == i)
                  for i in range(int(b.max(initial=0)) + 1)]
        variables[s.name] = Levels(tuple(groups))
        flat_of[s.name] = b[level_of[s.name]]
    flat = {t.name: smallest_support(
        _table(t.name, t.support, flat_of,
               block[t.state][t.values] if t.state is not None else t.values), variables)
        for t in targets}
    return BoolAnalysis(
        levels=levels,
        state_levels={s.name: variables[s.name] for s in graph.states},
        initial={s.name: int(block[s.name][initial_raw[s.name]]) for s in graph.states},
        neuron_tables=neuron_tables,
        next_tables={s.name: _complete(flat[s.name], graph, ex, variables) for s in graph.states},
        output_tables={o.name: _complete(flat[o.name], graph, ex, variables) for o in graph.outputs},
        steps=steps,
    )


def booleanize(graph: Graph, program: ProgramLike | None = None,
               budget: int = DEFAULT_BUDGET) -> BoolAnalysis:
    """Explore ``graph`` against ``program`` (default: its embedded spec) and analyse it.

    Raises :class:`BooleanizeError` (exit code 1) when the reachable set does not close.
    """
    return analyse(graph, explore(graph, program, budget))
