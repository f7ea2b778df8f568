"""The network's behaviour as a minimal Mealy machine, read off a closed exploration.

A closed exploration (:mod:`bonsaic.verify.explore`) holds every reachable (spec state, graph
state) pair and every allowed step out of it, with the graph's outputs on that step. Those pairs
and steps are a finite Mealy machine: the network run under the spec's environment (the inputs
the spec's ``constraint`` allows). Its transitions and outputs are the graph's own; the spec only
decides which inputs are offered. Minimising it (:func:`bonsaic.spec.automaton.minimise`, the
code that minimises the spec) gives the smallest machine that behaves as the network does, which
for a proved graph must be the spec's minimal machine up to the names of its states.

Each minimal state is named ``s{g}`` after graph state ``g``, the row of ``graph_states`` of its
representative: graph states are numbered in the order the breadth-first search met them, so
``s0`` is the initial state and ``g`` is reached by a shortest input word. What a minimal state
stands for is the list of distinct graph state vectors among the pairs it merges.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph
from bonsaic.spec.automaton import Described, Mealy, minimise, state_names
from bonsaic.verify.explore import Exploration

# next[P, V] and outputs[P, V, O] are dense tables: refuse beyond this many cells rather than
# allocate gigabytes for a network whose machine no one could read anyway
MAX_TABLE_CELLS = 50_000_000


class MachineError(BonsaicError):
    """No finite machine: exploration did not close, or the graph contradicts its spec.

    Like the ``bool`` back end's error, a property of a well-formed graph, hence exit code 1.
    """

    exit_code = 1


def _check_closed(ex: Exploration) -> None:
    if ex.mismatch_step is not None:
        raise MachineError("the graph does not implement its spec, so its reachable set is not known",
                           filename="<graph>", hint="run `bonsaic verify` on it for a counterexample")
    if not ex.closed:
        raise MachineError(
            f"exhaustive exploration did not close ({ex.product_states} product states explored to depth "
            f"{ex.depth}): the network's states never repeat, so it has no finite Mealy machine to print",
            filename="<graph>",
            hint="a Mealy machine needs the whole reachable set: prune or quantize the graph further "
                 "(bonsaic opt, bonsaic snap), raise --budget/--max-depth, or emit `py` instead")


def product_machine(graph: Graph, ex: Exploration) -> Mealy:
    """The explored product states and steps as a Mealy machine (state ``p`` = product state ``p``)."""
    _check_closed(ex)
    width, n_out = len(graph.inputs), len(graph.outputs)
    vectors = 1 << width
    if ex.product_states * vectors * max(n_out, 1) > MAX_TABLE_CELLS:
        raise MachineError(f"{ex.product_states} product states under {vectors} input vectors are too many "
                           "to tabulate as a Mealy machine", filename="<graph>",
                           hint="prune or quantize the graph further, or emit `py` instead")
    weights = 1 << np.arange(width - 1, -1, -1, dtype=np.int64)  # first input = leading bit
    column = (ex.step_inputs > 0).astype(np.int64) @ weights if width else np.zeros(len(ex.step_product), np.int64)
    nxt = np.full((ex.product_states, vectors), -1, dtype=np.int64)
    nxt[ex.step_product, column] = ex.step_next_product
    outputs = np.zeros((ex.product_states, vectors, n_out), dtype=bool)
    outputs[ex.step_product, column] = ex.step_outputs > 0
    return Mealy(nxt, outputs)


def network_machine(graph: Graph, ex: Exploration) -> Described:
    """The minimal machine of ``graph``'s behaviour (:class:`MachineError` unless ``ex`` closed)."""
    quotient = minimise(product_machine(graph, ex))
    state_names_ = [s.name for s in graph.states]
    members: list[dict[int, None]] = [{} for _ in range(quotient.machine.size)]
    for cls, g in zip(quotient.classes.tolist(), ex.product_graph.tolist(), strict=True):
        if cls >= 0:  # products in BFS order: the representative's graph state comes first
            members[cls].setdefault(g)
    stands_for: list[list[dict[str, Any]]] = [
        [dict(zip(state_names_, map(float, ex.graph_states[g]), strict=True)) for g in group] for group in members]
    names = state_names([next(iter(group)) for group in members])
    task = (graph.spec_name or "network").removesuffix(".bns")
    return Described(quotient.machine, names, stands_for, list(graph.inputs), [o.name for o in graph.outputs],
                     "network", task)
