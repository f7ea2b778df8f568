"""A deliberately naive reference: one sequence at a time, one node at a time, Python loops.

The verifier's tests compare against this instead of the vectorised simulator they exercise.
Sequences are lists of input vectors (tuples of bools).
"""

from __future__ import annotations

import itertools

import numpy as np

from bonsaic.ir.graph import Graph

Sequence = list[tuple[bool, ...]]


def one_step(graph: Graph, state: tuple[float, ...], bits: tuple[bool, ...]) -> tuple[tuple[float, ...], float]:
    """The next state vector and the first output's raw value."""
    value: dict[str, float] = {name: 1.0 if bit else -1.0 for name, bit in zip(graph.inputs, bits, strict=True)}
    value.update({s.name: v for s, v in zip(graph.states, state, strict=True)})
    for n in graph.neurons:
        pre = n.bias + sum(w * value[src] for src, w in n.inputs)
        value[n.name] = float(graph.acts[n.act].forward(np.float64(pre)))
    return tuple(value[s.next] if s.next else 0.0 for s in graph.states), value[graph.outputs[0].source]


def run_sequence(graph: Graph, sequence: Sequence) -> list[float]:
    """The raw value of the first output on every step."""
    state = tuple(s.init for s in graph.states)
    produced = []
    for bits in sequence:
        state, out = one_step(graph, state, bits)
        produced.append(out)
    return produced


class GraphAsProgram:
    """A spec program whose reference behaviour is another graph's (run by :func:`one_step`):
    checking a rewritten graph against it is exactly what the optimisation passes do."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def initial_state(self) -> tuple[float, ...]:
        return tuple(s.init for s in self.graph.states)

    def allowed_inputs(self, state: tuple[float, ...]) -> list[tuple[bool, ...]]:
        return list(itertools.product((False, True), repeat=len(self.graph.inputs)))

    def step(self, state: tuple[float, ...], bits: tuple[bool, ...]) -> tuple[tuple[float, ...], tuple[bool]]:
        nxt, out = one_step(self.graph, state, bits)
        return nxt, (out > 0,)

    def generate(self, batch: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
        bits = np.random.default_rng(seed).random((batch, length, len(self.graph.inputs))) < 0.5
        targets = np.array([[v > 0 for v in run_sequence(self.graph, as_sequence(seq * 2.0 - 1.0))]
                            for seq in bits])
        return (bits * 2.0 - 1.0).astype(np.float32), (targets[..., None] * 2.0 - 1.0).astype(np.float32)


def expected_outputs(program, sequence: Sequence) -> list[bool]:
    state, wanted = program.initial_state(), []
    for bits in sequence:
        state, out = program.step(state, bits)
        wanted.append(out[0])
    return wanted


def first_failure(graph: Graph, program, sequence: Sequence) -> int | None:
    """Index of the first step where the graph's sign disagrees with the program, or None."""
    pairs = zip(run_sequence(graph, sequence), expected_outputs(program, sequence), strict=True)
    for t, (got, want) in enumerate(pairs):
        if (got > 0) != want:
            return t
    return None


def shortest_failing_length(graph: Graph, program, max_length: int) -> int | None:
    """Brute force over every input sequence up to ``max_length`` (all input vectors allowed)."""
    vectors = list(itertools.product((False, True), repeat=len(graph.inputs)))
    for length in range(1, max_length + 1):
        for sequence in itertools.product(vectors, repeat=length):
            if first_failure(graph, program, list(sequence)) == length - 1:
                return length
    return None


def as_sequence(inputs: np.ndarray) -> Sequence:
    """A counterexample's ``[T, I]`` +1/-1 array as input vectors."""
    return [tuple(bool(v > 0) for v in row) for row in inputs]
