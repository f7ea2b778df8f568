"""A stand-in for the verifier: equivalence to a reference graph on a fixed set of input sequences.

Pass tests must not depend on the spec language, and random graphs have no spec at all. So here
the "spec" is the reference graph itself and the "reachable set" is every step of a fixed batch of
input sequences (all sequences up to a small length, plus random longer ones). Relative to this
oracle a pass's soundness is exactly checkable: the pass may only return graphs whose decoded
outputs match the reference's on every sequence of the batch.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.ir.simulate import simulate
from bonsaic.passes.base import PassContext
from bonsaic.verify import Counterexample, VerifyResult


@dataclass
class TraceExploration:
    """The two fields of :class:`bonsaic.verify.Exploration` the passes read."""

    closed: bool
    node_values: dict[str, np.ndarray]


def input_batch(n_inputs: int, exhaustive_length: int = 4, random_count: int = 16,
                random_length: int = 12, seed: int = 0) -> np.ndarray:
    """[B, T, I] of ±1: every sequence of ``exhaustive_length`` steps, then random longer ones padded."""
    length = max(exhaustive_length, random_length)
    rng = np.random.default_rng(seed)
    every = list(itertools.product((-1.0, 1.0), repeat=exhaustive_length * n_inputs))
    short = np.array(every).reshape(len(every), exhaustive_length, n_inputs)
    pad = rng.choice((-1.0, 1.0), size=(len(every), length - exhaustive_length, n_inputs))
    long = rng.choice((-1.0, 1.0), size=(random_count, length, n_inputs))
    return np.concatenate([np.concatenate([short, pad], axis=1), long])


class SequenceOracle:
    """Judges candidate graphs against ``reference`` on the sequences of ``inputs``."""

    def __init__(self, reference: Graph, inputs: np.ndarray) -> None:
        self.inputs = inputs
        self.expected = simulate(reference, inputs).outputs
        self.calls = 0

    def verify(self, graph: Graph) -> VerifyResult:
        self.calls += 1
        result = simulate(graph, self.inputs)
        wrong = np.any(result.outputs != self.expected, axis=2)
        if not wrong.any():
            return VerifyResult(True, "proved", 0, float(np.min(np.abs(result.values))), 0, 0, 0)
        seq = int(np.argmax(wrong.any(axis=1)))
        end = int(np.argmax(wrong[seq])) + 1
        cex = Counterexample(self.inputs[seq, :end], self.expected[seq, :end], result.outputs[seq, :end],
                             result.values[seq, :end])
        return VerifyResult(False, "failed", 0, 0.0, 0, 0, 0, cex)

    def explore(self, graph: Graph) -> TraceExploration:
        self.calls += 1
        trace = simulate(graph, self.inputs, trace=True).trace
        assert trace is not None
        return TraceExploration(True, {name: values.reshape(-1) for name, values in trace.items()})

    def traces(self, graph: Graph) -> dict[str, np.ndarray]:
        """Node values on 16 random sequences of 200 steps (long enough for loops to settle)."""
        self.calls += 1
        inputs = np.random.default_rng(1).choice((-1.0, 1.0), size=(16, 200, self.inputs.shape[2]))
        trace = simulate(graph, inputs, trace=True).trace
        assert trace is not None
        return trace

    def context(self) -> PassContext:
        """A pass context whose verifier, explorer and tracer are this oracle."""
        return PassContext(verifier=self.verify, explorer=self.explore, tracer=self.traces)

    def equivalent(self, graph: Graph) -> bool:
        return self.verify(graph).ok


def oracle_for(reference: Graph, **batch: int) -> SequenceOracle:
    """The oracle for ``reference`` on :func:`input_batch` sequences."""
    return SequenceOracle(reference, input_batch(len(reference.inputs), **batch))
