"""Breadth-first exploration of the product (spec state, graph state vector).

The graph is deterministic and its only memory is its state vector, so everything it can ever do
from a given (spec state, graph state) pair is fixed. Exploring every pair reachable from the
initial one under every allowed input, and checking the outputs on each transition, therefore
decides equivalence for *all* sequence lengths -- provided the set closes (graph states repeat
exactly, which they do once the activations saturate onto the same floats). A step on which any
node's value is not finite (NaN or an infinity) counts as a mismatch: no proof may rest on one.

A whole BFS frontier is expanded at once: its product states are grouped by spec state, paired
with that state's allowed inputs, and pushed through one vectorised :meth:`Stepper.step` call per
level. Graph states are deduplicated by the exact bytes of their float64 vector (after the
simulator's own rounding; -0.0 is folded into 0.0 because it behaves identically). Each new product
state remembers the step that first reached it, so the path to any step is a shortest one.

Array layout of an :class:`Exploration` (E explored steps, P product states, G graph states)::

    graph_states      [G, S] float64  distinct reachable graph state vectors; row 0 is the initial one
    spec_states       list, length Σ  spec states by index (index 0 is the initial one)
    product_spec      [P] int         spec-state index of each product state (product 0 is initial)
    product_graph     [P] int         graph-state index of each product state
    product_depth     [P] int         BFS depth: length of the shortest input sequence reaching it
    product_parent    [P] int         the step that first reached it (-1 for the initial product)
    step_product      [E] int         product state the step starts from
    step_spec         [E] int         its spec-state index
    step_graph_state  [E] int         its graph-state index (row of ``graph_states``)
    step_inputs       [E, I] float64  the input vector (+1/-1)
    step_values       [E, K] float64  every node's value, in ``graph.node_names()`` order
    step_outputs      [E, O] float64  the output nodes' raw values
    step_expected     [E, O] float64  what the spec wants (+1/-1)
    step_next_product [E] int         the product state the step leads to
    step_next_graph_state [E] int     the graph state it leads to (row of ``graph_states``)

Steps are ordered by BFS level, so ``step_product`` is non-decreasing in depth.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.ir.simulate import Stepper
from bonsaic.verify.spec_table import SpecTable


@dataclass
class Exploration:
    """The explored part of the product automaton (layout in the module docstring)."""

    node_names: list[str]
    closed: bool
    depth: int
    mismatch_step: int | None
    spec_states: list
    graph_states: np.ndarray
    product_spec: np.ndarray
    product_graph: np.ndarray
    product_depth: np.ndarray
    product_parent: np.ndarray
    step_product: np.ndarray
    step_inputs: np.ndarray
    step_values: np.ndarray
    step_outputs: np.ndarray
    step_expected: np.ndarray
    step_next_product: np.ndarray
    node_values: dict[str, np.ndarray] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.node_values = {name: self.step_values[:, k] for k, name in enumerate(self.node_names)}

    @property
    def product_states(self) -> int:
        return len(self.product_spec)

    @property
    def step_spec(self) -> np.ndarray:
        return self.product_spec[self.step_product]

    @property
    def step_graph_state(self) -> np.ndarray:
        return self.product_graph[self.step_product]

    @property
    def step_next_graph_state(self) -> np.ndarray:
        return self.product_graph[self.step_next_product]

    @property
    def margin(self) -> float:
        """Smallest |output value| over every explored step (inf if there are none)."""
        if self.step_outputs.size == 0:
            return float("inf")
        return float(np.min(np.abs(self.step_outputs)))

    def path_to(self, step: int) -> list[int]:
        """The steps of the shortest input sequence that ends with ``step``, first step first."""
        path = [step]
        parent = int(self.product_parent[self.step_product[step]])
        while parent >= 0:
            path.append(parent)
            parent = int(self.product_parent[self.step_product[parent]])
        return path[::-1]


_GRAPH_IDS = 1 << 40  # product key = spec index * _GRAPH_IDS + graph-state index


class _Growable:
    """An append-only 2-D array with amortised growth, so a level can gather rows by index without
    converting a Python list of everything seen so far (which made deep explorations quadratic)."""

    def __init__(self, first: np.ndarray) -> None:
        self._data = np.empty((16, first.shape[0]), dtype=first.dtype)
        self._data[0] = first
        self.size = 1

    def extend(self, rows: np.ndarray) -> None:
        need = self.size + len(rows)
        if need > len(self._data):
            grown = np.empty((max(need, 2 * len(self._data)), self._data.shape[1]), dtype=self._data.dtype)
            grown[: self.size] = self._data[: self.size]
            self._data = grown
        self._data[self.size : need] = rows
        self.size = need

    def array(self) -> np.ndarray:
        return self._data[: self.size]


class _SortedIndex:
    """Key -> id, as a sorted key array searched with numpy: registering a level's keys costs a
    few array operations, not a Python dictionary look-up per key (which was most of the time of an
    exploration that runs to its budget, e.g. the clip search on a network still far from binary)."""

    def __init__(self, keys: np.ndarray, ids: np.ndarray) -> None:
        self.keys, self.ids = keys, ids

    def lookup(self, unique: np.ndarray, next_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Ids of the sorted, distinct ``unique`` keys; keys not seen yet get ``next_id``, ``next_id
        + 1``, ... in key order and are registered. Returns (ids, positions of the new keys)."""
        pos = np.searchsorted(self.keys, unique)
        known = pos < len(self.keys)
        known[known] = self.keys[pos[known]] == unique[known]
        ids = np.empty(len(unique), dtype=np.int64)
        ids[known] = self.ids[pos[known]]
        fresh = np.flatnonzero(~known)
        ids[fresh] = next_id + np.arange(len(fresh), dtype=np.int64)
        if fresh.size:
            self.keys = np.insert(self.keys, pos[fresh], unique[fresh])
            self.ids = np.insert(self.ids, pos[fresh], ids[fresh])
        return ids, fresh


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One opaque, exactly comparable key per row: its raw bytes."""
    if rows.shape[1] == 0:
        return np.zeros(len(rows), dtype=np.int8)
    contiguous = np.ascontiguousarray(rows)
    return contiguous.view(np.dtype((np.void, rows.shape[1] * rows.itemsize))).ravel()


Progress = Callable[[str, int, int], None]
"""``progress(description, done, total)``: how a long verification reports how far it is."""


@dataclass
class _Level:
    product: np.ndarray
    inputs: np.ndarray
    next_spec: np.ndarray
    expected: np.ndarray


def _pair_with_inputs(frontier: np.ndarray, product_spec: np.ndarray, table: SpecTable) -> _Level:
    """Every (frontier product state, allowed input) pair, grouped by spec state."""
    fspec = product_spec[frontier]
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    table.prefetch(np.unique(fspec).tolist())
    for spec in np.unique(fspec):
        members = frontier[fspec == spec]
        moves = table.moves(int(spec))
        count = len(moves.next_states)
        parts.append((
            np.repeat(members, count),
            np.tile(moves.inputs, (len(members), 1)),
            np.tile(moves.next_states, len(members)),
            np.tile(moves.expected, (len(members), 1)),
        ))
    if not parts:
        empty = np.zeros(0, dtype=np.int64)
        return _Level(empty, np.zeros((0, table.n_inputs)), empty, np.zeros((0, table.n_outputs)))
    return _Level(*(np.concatenate(column) for column in zip(*parts, strict=True)))


class _Explorer:
    """One run of the BFS; holds the growing tables."""

    def __init__(self, graph: Graph, table: SpecTable) -> None:
        self.table = table
        self.stepper = Stepper(graph)
        self.node_names = graph.node_names()
        initial = np.asarray(self.stepper.initial_states(), dtype=np.float64) + 0.0
        self.graph_rows = _Growable(initial)
        self.graph_index = _SortedIndex(_row_keys(initial[None, :]).copy(), np.zeros(1, dtype=np.int64))
        self.product_index = _SortedIndex(np.array([table.initial * _GRAPH_IDS], dtype=np.int64),
                                          np.zeros(1, dtype=np.int64))
        self.products = _Growable(np.array([table.initial, 0], dtype=np.int64))  # (spec, graph)
        self.product_depth = [0]
        self.product_parent = [-1]
        self.steps: list[tuple[np.ndarray, ...]] = []
        self.step_count = 0

    def _graph_ids(self, next_states: np.ndarray) -> np.ndarray:
        """Global graph-state index of every row, registering new vectors (in key order)."""
        unique, first, inverse = np.unique(_row_keys(next_states), return_index=True, return_inverse=True)
        ids, fresh = self.graph_index.lookup(unique, self.graph_rows.size)
        if fresh.size:
            self.graph_rows.extend(next_states[first[fresh]])
        return ids[inverse.ravel()]

    def _product_ids(self, next_spec: np.ndarray, graph_ids: np.ndarray, depth: int) -> np.ndarray:
        """Global product index of every step's successor, registering new ones (parent = step)."""
        keys = next_spec * _GRAPH_IDS + graph_ids  # one int per (spec, graph) pair: a fast 1-D unique
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        ids, fresh = self.product_index.lookup(unique, self.products.size)
        if fresh.size:
            self.product_depth.extend([depth] * len(fresh))
            self.product_parent.extend((self.step_count + first[fresh]).tolist())
            self.products.extend(np.stack([unique[fresh] // _GRAPH_IDS, unique[fresh] % _GRAPH_IDS], axis=1))
        return ids[inverse.ravel()]

    def run(self, budget: int, max_depth: int, progress: Progress | None = None,
            seconds: float | None = None) -> Exploration:
        frontier = np.array([0], dtype=np.int64)
        deadline = None if not seconds else time.monotonic() + seconds
        depth, closed, mismatch = 0, False, None
        while True:
            if frontier.size == 0:
                closed = True
                break
            if self.products.size > budget or depth >= max_depth:
                break
            if deadline is not None and time.monotonic() > deadline:
                break
            if progress is not None:
                progress("exploring product states", min(self.products.size, budget), budget)
            products = self.products.array()
            level = _pair_with_inputs(frontier, products[:, 0], self.table)
            states = self.graph_rows.array()[products[level.product, 1]]
            next_states, values, outputs = self.stepper.step(states, level.inputs)
            next_states = np.asarray(next_states, dtype=np.float64) + 0.0
            # a NaN or infinite value anywhere is a failure, whatever sign it decodes to: NaN > 0 is
            # False, so a NaN output would otherwise pass as "false" (and NaN states repeat bit for bit)
            wrong = np.any((outputs > 0) != (level.expected > 0), axis=1) | ~np.all(np.isfinite(values), axis=1)
            bad = np.flatnonzero(wrong)
            before = self.products.size
            next_products = self._product_ids(level.next_spec, self._graph_ids(next_states), depth + 1)
            self.steps.append((level.product, level.inputs, values, outputs, level.expected, next_products))
            if bad.size:
                mismatch = self.step_count + int(bad[0])
                break
            self.step_count += len(level.product)
            depth += 1
            frontier = np.arange(before, self.products.size, dtype=np.int64)
        return self._result(closed, depth, mismatch)

    def _result(self, closed: bool, depth: int, mismatch: int | None) -> Exploration:
        n_nodes, n_out = len(self.node_names), self.table.n_outputs
        empty = (np.zeros(0, np.int64), np.zeros((0, self.table.n_inputs)), np.zeros((0, n_nodes)),
                 np.zeros((0, n_out)), np.zeros((0, n_out)), np.zeros(0, np.int64))
        columns = [np.concatenate(c) for c in zip(*self.steps, strict=True)] if self.steps else empty
        return Exploration(
            node_names=self.node_names,
            closed=closed,
            depth=depth,
            mismatch_step=mismatch,
            spec_states=list(self.table.states),
            graph_states=self.graph_rows.array().copy(),
            product_spec=self.products.array()[:, 0].copy(),
            product_graph=self.products.array()[:, 1].copy(),
            product_depth=np.asarray(self.product_depth, dtype=np.int64),
            product_parent=np.asarray(self.product_parent, dtype=np.int64),
            step_product=columns[0],
            step_inputs=columns[1],
            step_values=np.asarray(columns[2], dtype=np.float64),
            step_outputs=np.asarray(columns[3], dtype=np.float64),
            step_expected=columns[4],
            step_next_product=columns[5],
        )


def explore_with_table(graph: Graph, table: SpecTable, budget: int, max_depth: int,
                       progress: Progress | None = None, seconds: float | None = None) -> Exploration:
    """BFS over the product automaton until it closes, a step mismatches, more than ``budget``
    product states have been found, ``max_depth`` levels have been checked or ``seconds`` of wall
    time have passed (a limit the user may set; off by default, so that a verdict does not depend on
    the machine's speed). See the module docstring for what the result holds."""
    return _Explorer(graph, table).run(budget, max_depth, progress, seconds)
