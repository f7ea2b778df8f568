"""The graph IR's data model: plain data that every stage reads and every pass rewrites.

A :class:`Graph` is a recurrent dataflow graph evaluated once per timestep:

* ``inputs``: one bit per step, encoded +1 (true) / -1 (false).
* ``states``: a real value carried across steps. It starts at ``init``; when a step ends every state
  takes the value its ``next`` node had during that step, all at once. A state whose ``next`` is
  ``None`` (its recurrent neuron was pruned) holds ``init`` on step 0 and **0.0 from step 1 on** --
  exactly what rnn-viz does, so imported networks keep their behaviour.
* ``neurons``: ``act(sum_i w_i * src_i + bias)``; a source is an input, a state or another neuron.
  ``neurons`` is kept in topological order (sources before readers); cycles exist only through states.
* ``outputs``: a named view of one node; decoded as +1 if its value is > 0, else -1.
* ``acts``: named activation functions (``A = interpolated_ameo(...)``) that neurons refer to.
* ``spec_source``: the text of the task spec this graph must implement (embedded so ``opt`` and
  ``verify`` need no other file); ``spec_name`` is the file name it came from.

Graphs are mutable dataclasses so passes can rewrite them; passes work on a ``copy()``.
"""

from __future__ import annotations

import copy as _copy
from dataclasses import dataclass, field

from bonsaic.ir.activations import Activation


@dataclass
class State:
    """A recurrent state: ``init`` at step 0, then the value of node ``next`` (or 0.0 if None)."""

    name: str
    init: float
    next: str | None = None


@dataclass
class Neuron:
    """``acts[act](sum(w * value(src) for src, w in inputs) + bias)``."""

    name: str
    act: str
    inputs: list[tuple[str, float]] = field(default_factory=list)
    bias: float = 0.0


@dataclass
class Output:
    """Output ``name`` is the sign of node ``source``."""

    name: str
    source: str


@dataclass
class Graph:
    """A whole network. See the module docstring for the semantics."""

    acts: dict[str, Activation] = field(default_factory=dict)
    inputs: list[str] = field(default_factory=list)
    states: list[State] = field(default_factory=list)
    neurons: list[Neuron] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    spec_source: str | None = None
    spec_name: str | None = None
    # 1-based line of the spec's first `|` line in the file this graph was read from (0: not read from
    # a file); only so that errors in an embedded spec point into the IR file
    spec_line: int = field(default=0, compare=False, repr=False)

    # -- lookups -------------------------------------------------------------------------------
    def copy(self) -> Graph:
        """A deep copy (passes never mutate their input graph)."""
        return _copy.deepcopy(self)

    def neuron(self, name: str) -> Neuron:
        for n in self.neurons:
            if n.name == name:
                return n
        raise KeyError(name)

    def state(self, name: str) -> State:
        for s in self.states:
            if s.name == name:
                return s
        raise KeyError(name)

    def node_names(self) -> list[str]:
        """All value-carrying nodes in evaluation order: inputs, states, neurons."""
        return [*self.inputs, *(s.name for s in self.states), *(n.name for n in self.neurons)]

    def kind_of(self, name: str) -> str:
        """'input', 'state' or 'neuron' (KeyError if unknown)."""
        if name in self.inputs:
            return "input"
        if any(s.name == name for s in self.states):
            return "state"
        if any(n.name == name for n in self.neurons):
            return "neuron"
        raise KeyError(name)

    def consumers(self) -> dict[str, list[str]]:
        """For every node, the neurons that read it (state `next` links are not edges)."""
        out: dict[str, list[str]] = {name: [] for name in self.node_names()}
        for n in self.neurons:
            for src, _w in n.inputs:
                out.setdefault(src, []).append(n.name)
        return out

    # -- statistics ----------------------------------------------------------------------------
    def edge_count(self) -> int:
        """Weights into neurons (a state's link to its `next` node is not an edge)."""
        return sum(len(n.inputs) for n in self.neurons)

    def stats(self) -> dict[str, int]:
        """Counts used by ``bonsaic stats`` and by pass statistics."""
        return {
            "inputs": len(self.inputs),
            "outputs": len(self.outputs),
            "states": len(self.states),
            "neurons": len(self.neurons),
            "edges": self.edge_count(),
            "nonzero_biases": sum(1 for n in self.neurons if n.bias != 0.0),
        }
