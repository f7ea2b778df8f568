"""Back end ``rnnviz``: the serialized graph that rnn-viz's visualizer loads and ``bonsaic import
rnnviz`` reads, so bonsaic's networks open in the seed post's own tool.

The format is layered where the IR is a free graph: an input layer; cells, each with states, one
recurrent neuron per state (its next value) and output neurons, all reading the previous layer's
outputs and the cell's own states; post layers reading the layer before; outputs passing one value
of the last layer through. A neuron of the IR therefore gets a *layer* (the earliest after all its
sources), and a value read more than one layer later is carried there by identity neurons
(``linear``, weight 1, bias 0: exact in float64, -0.0 aside). A state sits in the earliest cell its
next value can be computed in; that value is a copy of the ``next`` neuron in the cell's recurrent
tree (rnn-viz's recurrent neurons feed only their state, so a neuron that others read as well is
written twice, computing the same thing). Layers up to the last cell with states are cells, the
rest post layers, so a trained network comes out as rnn-viz drew it: one cell and a dense layer.

**What the format cannot express**: rnn-viz computes a state's next value by *one* neuron from the
cell's states and the layer before, so a loop through a state that passes two or more neurons in a
step (``s <- g``, ``g = A(h)``, ``h = A(s)``) has no encoding; that is an error naming the loop.
JSON has no infinities or NaN, so those are errors too. Every activation has a spelling: ``ameo``
is written ``{"type": "leakyAmeo", "leakyness": 0}`` because the visualizer knows no plain "ameo".

Names follow rnn-viz (``input_0``, ``layer_0_state_1``, ``layer_0_recurrent_1``,
``layer_0_output_2``, ``post_layer_output_0``, ``output_0``): the visualizer keys its graph by name
and lays inputs out as ``input_{i}``, so these must be unique and exactly these. Weights are written
in the IR's order with Python's float repr, so ``import`` gives back the same sums bit for bit. (The
visualizer itself adds the bias first and its Ameo ignores leakyness in the hard part, so its
drawing may differ from bonsaic's simulator in the last bits, or beyond |x| > 3 for leaky Ameo.)
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass, field
from typing import Any

from bonsaic import __version__
from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Neuron

WHERE = "--emit rnnviz"
HINT = "rnn-viz's format has no encoding for this; emit it as ir, py or dot instead"


@dataclass
class _Plan:
    """Where every node goes: a neuron's layer, a state's cell (1-based; 0 is the input layer)."""

    layer: dict[str, int]
    cell: dict[str, int]
    placed: list[Neuron]  # neurons written as layer outputs (others only feed a state)
    depth: int  # the last layer
    cells: int  # layers 1..cells are cells, the rest post layers
    need: list[list[str]] = field(default_factory=list)  # per layer, the values its outputs must carry


def emit(graph: Graph) -> str:
    """The rnn-viz serialized graph of ``graph`` as JSON text (BonsaicError if it has no encoding)."""
    _check_finite(graph)
    plan = _plan(graph)
    kinds = {name: graph.kind_of(name) for name in graph.node_names()}
    outputs_of: list[list[str]] = [list(graph.inputs)]  # per layer: the values of its outputs, by index
    cells: list[dict[str, Any]] = []
    posts: list[list[Any]] = []
    for ell in range(1, plan.depth + 1):
        states = [s for s in graph.states if plan.cell[s.name] == ell]
        state_index = {s.name: j for j, s in enumerate(states)}
        before = {v: i for i, v in enumerate(outputs_of[-1])}

        def index(value: str, state_index: dict[str, int] = state_index, before: dict[str, int] = before) -> int:
            if value in state_index:  # the cell's own state, after the previous layer's outputs
                return len(before) + state_index[value]
            return before[value]

        here = [n for n in plan.placed if plan.layer[n.name] == ell]
        values = [n.name for n in here] + [v for v in plan.need[ell] if v not in {n.name for n in here}]
        prefix = f"layer_{ell - 1}" if ell <= plan.cells else None
        names = [f"{prefix}_output_{k}" if prefix else _post_name(ell - plan.cells, plan.depth - plan.cells, k)
                 for k in range(len(values))]
        neurons = [_neuron(graph, n, names[k], index) for k, n in enumerate(here)]
        neurons += [_identity(names[k], index(v)) for k, v in enumerate(values) if k >= len(here)]
        if prefix is None:
            posts.append(neurons)
        else:
            recurrent: list[Any] = []
            for j, s in enumerate(states):
                name = f"{prefix}_recurrent_{j}"
                if s.next is None:
                    recurrent.append(None)
                elif kinds[s.next] == "neuron":
                    recurrent.append(_neuron(graph, graph.neuron(s.next), name, index))
                else:
                    recurrent.append(_identity(name, index(s.next)))
            cells.append({
                "outputDim": len(neurons), "outputNeurons": neurons, "recurrentNeurons": recurrent,
                "stateNeurons": [{"name": f"{prefix}_state_{j}", "bias": s.init, "activation": "linear",
                                  "weights": [] if s.next is None else [{"weight": 1, "index": j}]}
                                 for j, s in enumerate(states)],
            })
        outputs_of.append(values)
    last = {v: i for i, v in enumerate(outputs_of[-1])}
    doc = {
        "generator": f"Generated by bonsaic {__version__} (back end `rnnviz`)",
        "inputLayer": {"neurons": [{"name": f"input_{i}", "activation": "linear", "weights": [], "bias": 0}
                                   for i in range(len(graph.inputs))]},
        "cells": cells,
        "postLayers": [{"outputDim": len(neurons), "neurons": neurons} for neurons in posts],
        "outputs": {"neurons": [{"name": f"output_{k}", "activation": "linear",
                                 "weights": [{"weight": 1, "index": last[o.source]}], "bias": 0}
                                for k, o in enumerate(graph.outputs)]},
    }
    return _dump(doc) + "\n"


def _dump(value: Any, indent: str = "") -> str:
    """JSON with one neuron per line (as rnn-viz's own files read best), the layers indented."""
    inner = indent + "  "
    if isinstance(value, dict) and "name" not in value:
        items = [f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + f"\n{indent}}}" if items else "{}"
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value, separators=(", ", ": "), allow_nan=False)


def _post_name(p: int, count: int, k: int) -> str:
    return f"post_layer_output_{k}" if count == 1 else f"post_layer_{p - 1}_output_{k}"


def _neuron(graph: Graph, neuron: Neuron, name: str, index: Any) -> dict[str, Any]:
    return {"name": name, "bias": neuron.bias, "activation": activation_json(graph.acts[neuron.act]),
            "weights": [{"weight": w, "index": index(src)} for src, w in neuron.inputs]}


def _identity(name: str, index: int) -> dict[str, Any]:
    return {"name": name, "bias": 0.0, "activation": "linear", "weights": [{"weight": 1.0, "index": index}]}


def activation_json(act: Activation) -> Any:
    """rnn-viz's identifier of ``act``, one the visualizer evaluates (it rejects a bare "ameo")."""
    if act.kind in ("linear", "tanh"):
        return act.kind
    if act.kind in ("ameo", "leaky_ameo"):
        return {"type": "leakyAmeo", "leakyness": act.leakyness}
    if act.kind == "sign_ameo":
        raise BonsaicError("rnn-viz's format cannot express the two-valued activation sign_ameo "
                           "(a network trained with binary_states = true)", filename=WHERE,
                           hint="emit py, dot, bool or ir instead; the bool back end suits two-valued states")
    return {"type": "interpolatedAmeo", "factor": act.factor, "leakyness": act.leakyness}


# -- layering --------------------------------------------------------------------------------------
def _plan(graph: Graph) -> _Plan:
    """The earliest layer of every neuron and cell of every state (a least fixed point), then the
    values each layer's outputs must carry for the layers after it."""
    kinds = {name: graph.kind_of(name) for name in graph.node_names()}
    readers = graph.consumers()
    read_by_outputs = {o.source for o in graph.outputs}
    nexts = {s.next for s in graph.states}
    placed = [n for n in graph.neurons if readers[n.name] or n.name in read_by_outputs or n.name not in nexts]
    neurons = {n.name: n for n in graph.neurons}
    cell = {s.name: 1 for s in graph.states}
    layer: dict[str, int] = {}

    def earliest(sources: list[str]) -> int:
        """The first layer that can read all of ``sources`` (a state in the cell that holds it)."""
        at = 1
        for src in sources:
            if kinds[src] == "neuron":
                at = max(at, layer[src] + 1)
            elif kinds[src] == "state":
                at = max(at, cell[src])
        return at

    def next_sources(s_next: str | None) -> list[str]:
        if s_next is None or kinds[s_next] == "input":
            return []
        return [src for src, _w in neurons[s_next].inputs] if kinds[s_next] == "neuron" else [s_next]

    for _round in range(len(graph.states) + 2):
        for n in graph.neurons:
            layer[n.name] = earliest([src for src, _w in n.inputs])
        new = {s.name: earliest(next_sources(s.next)) for s in graph.states}
        if new == cell:
            break
        cell = new
    else:
        raise _loop_error(graph, kinds, neurons)

    cells = max(cell.values(), default=1)
    depth = max([cells, *(layer[n.name] for n in placed)])
    plan = _Plan(layer, cell, placed, depth, cells)
    need: list[list[str]] = [[] for _ in range(depth + 1)]
    need[depth] = list(dict.fromkeys(o.source for o in graph.outputs))
    order = {name: i for i, name in enumerate(graph.node_names())}
    for ell in range(depth, 0, -1):
        produced = {n.name for n in placed if layer[n.name] == ell} | {s for s, c in cell.items() if c == ell}
        reads = [src for n in placed if layer[n.name] == ell for src, _w in n.inputs]
        for s in graph.states:
            if cell[s.name] == ell and s.next is not None:
                reads += next_sources(s.next) if kinds[s.next] == "neuron" else [s.next]
        carried = {v for v in reads if not (kinds[v] == "state" and cell[v] == ell)}
        carried |= {v for v in need[ell] if v not in produced}
        need[ell - 1] = sorted(carried, key=order.__getitem__)
    plan.need = need
    return plan


def _loop_error(graph: Graph, kinds: dict[str, str], neurons: dict[str, Neuron]) -> BonsaicError:
    """Name a loop through states that passes two neurons in one step (the reason no cell fits)."""

    @functools.cache
    def path_to_state(name: str, target: str) -> tuple[str, ...] | None:
        """Neurons from neuron ``name`` back to a reader of state ``target``: (name, ..., reader)."""
        for src, _w in neurons[name].inputs:
            if src == target:
                return (name,)
            if kinds[src] == "neuron" and (rest := path_to_state(src, target)) is not None:
                return (name, *rest)
        return None

    def depends(a: str, b: str) -> bool:
        """Whether state ``a``'s value depends on state ``b`` (through next links, any depth)."""
        seen, todo = set(), [a]
        while todo:
            s = todo.pop()
            if s == b:
                return True
            if s in seen:
                continue
            seen.add(s)
            nxt = graph.state(s).next
            if nxt is None or kinds[nxt] == "input":
                continue
            stack = [nxt]
            while stack:
                v = stack.pop()
                if kinds[v] == "state":
                    todo.append(v)
                elif kinds[v] == "neuron":
                    stack.extend(src for src, _w in neurons[v].inputs)
        return False

    for s in graph.states:
        if s.next is None or kinds[s.next] != "neuron":
            continue
        for src, _w in neurons[s.next].inputs:
            if kinds[src] != "neuron":
                continue
            for t in graph.states:
                chain = path_to_state(src, t.name)
                if chain is not None and depends(t.name, s.name):
                    loop = " <- ".join([s.name, s.next, *chain, t.name])
                    again = "" if t.name == s.name else f", and {t.name!r} depends on {s.name!r}"
                    return BonsaicError(
                        f"rnn-viz's format cannot express this graph: state {s.name!r} takes its next value "
                        f"through more than one neuron from state {t.name!r} ({loop}){again}; an rnn-viz cell "
                        "computes each next state by one neuron from its states and the layer before",
                        filename=WHERE, hint=HINT)
    return BonsaicError("rnn-viz's format cannot express this graph: a loop through states passes more "
                        "than one neuron in a step", filename=WHERE, hint=HINT)


def _check_finite(graph: Graph) -> None:
    """JSON has no infinities or NaN: name the first such number."""
    numbers: list[tuple[str, float]] = [(f"the initial value of state {s.name!r}", s.init) for s in graph.states]
    for n in graph.neurons:
        numbers.append((f"the bias of neuron {n.name!r}", n.bias))
        numbers += [(f"the weight of {src!r} in neuron {n.name!r}", w) for src, w in n.inputs]
    for name, act in graph.acts.items():
        numbers += [(f"a parameter of activation {name!r}", act.factor), (f"a parameter of activation {name!r}",
                                                                          act.leakyness)]
    for what, value in numbers:
        if not math.isfinite(value):
            raise BonsaicError(f"rnn-viz's format cannot express {what}: {value!r} (JSON has no "
                               "infinities or NaN)", filename=WHERE, hint=HINT)
