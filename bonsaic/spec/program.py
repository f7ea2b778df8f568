"""``Program``: the reference interpreter's public face (step function, exploration, data).

The state space of a spec is finite (bools and bounded integers), so the interpreter can explore
it breadth-first, one numpy batch per frontier, and keep the result as transition tables:
``next[state, input vector]`` and ``outputs[state, input vector]``. Those tables make
``Program.step`` a dictionary lookup for the verifier and data generation a few array gathers per
timestep. Construction is free; the exploration runs at most once, on first need.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bonsaic.spec.datagen import generate
from bonsaic.spec.errors import SpecError
from bonsaic.spec.evaluate import StepEvaluator
from bonsaic.spec.limits import MAX_ENUMERATED_INPUTS
from bonsaic.spec.task import Spec

State = tuple[int, ...]
Inputs = tuple[bool, ...]
_PATH_SHOWN = 12  # most steps of a path to an error spelled out in its hint


@dataclass(frozen=True)
class Transitions:
    """Every reachable state with its successors under every input vector.

    ``states[k]`` is a state tuple; ``next[k, v]`` the index of its successor under input vector
    ``v`` (-1 where the constraint forbids ``v``); ``outputs[k, v]`` the output bits.
    """

    states: list[State]
    next: np.ndarray  # int64 [K, V]
    outputs: np.ndarray  # bool [K, V, O]

    @property
    def allowed(self) -> np.ndarray:
        """bool ``[K, V]``: which input vectors the constraint admits in each state."""
        return self.next >= 0


class Program:
    """A checked spec as an executable state machine over bit vectors."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.evaluator = StepEvaluator(spec)
        self._memo: dict[tuple[State, Inputs], tuple[State, Inputs]] = {}
        self._allowed: dict[State, list[Inputs]] = {}
        self._transitions: Transitions | None = None
        self._explored_limit = 0

    def initial_state(self) -> State:
        """The state before the first step: every state variable at its declared initial value."""
        return tuple(v.init for v in self.spec.state_vars)

    @cached_property
    def input_vectors(self) -> np.ndarray:
        """Every input vector, bool ``[2**I, I]``, in ``itertools.product((False, True), ...)`` order."""
        count = len(self.spec.inputs)
        if count > MAX_ENUMERATED_INPUTS:
            raise self.spec.located.error(f"{count} inputs are too many to enumerate input vectors", None)
        vectors = list(itertools.product((False, True), repeat=count))
        return np.array(vectors, dtype=bool).reshape(len(vectors), count)

    @cached_property
    def input_probabilities(self) -> np.ndarray:
        """Probability of each input vector when every bit is drawn independently (float64 ``[V]``)."""
        p = np.array([d.p_true for d in self.spec.inputs], dtype=np.float64)
        return np.prod(np.where(self.input_vectors, p, 1.0 - p), axis=1)

    def allowed_inputs(self, state: State) -> list[Inputs]:
        """The input vectors the constraint admits in ``state``, in :attr:`input_vectors` order."""
        if state not in self._allowed:
            vectors = self.input_vectors
            states = np.tile(np.array(state, dtype=np.int64), (len(vectors), 1))
            mask = self.evaluator.allowed(states, vectors)
            self._allowed[state] = [tuple(bool(b) for b in row) for row in vectors[mask]]
        return self._allowed[state]

    def step(self, state: State, inputs: Inputs) -> tuple[State, Inputs]:
        """``(next_state, outputs)`` after one step; SpecError if an integer leaves its range."""
        key = (tuple(state), tuple(bool(b) for b in inputs))
        if key not in self._memo:
            states = np.array([key[0]], dtype=np.int64).reshape(1, -1)
            vector = np.array([key[1]], dtype=bool).reshape(1, -1)
            next_states, outputs = self.evaluator.run(states, vector)
            self._memo[key] = (tuple(int(x) for x in next_states[0]), tuple(bool(x) for x in outputs[0]))
        return self._memo[key]

    def successors(self, states: list[State]) -> list[tuple[list[Inputs], list[State], list[Inputs]]]:
        """Every allowed step out of each of ``states`` at once: per state (input vectors, next
        states, outputs), in :attr:`input_vectors` order. One evaluator call for all of them, where
        ``allowed_inputs`` and ``step`` per vector would make 1 + 2**inputs per state; the verifier
        asks this once per frontier of new spec states."""
        width = len(self.spec.state_vars)
        allowed, successors, outputs = self._expand(np.array(states, dtype=np.int64).reshape(len(states), width))
        vectors = [tuple(bool(b) for b in row) for row in self.input_vectors.tolist()]
        next_rows = iter([tuple(int(x) for x in row) for row in successors.tolist()])
        result = []
        for k in range(len(states)):
            chosen = np.flatnonzero(allowed[k]).tolist()
            result.append(([vectors[v] for v in chosen], [next(next_rows) for _ in chosen],
                           [tuple(bool(b) for b in outputs[k, v]) for v in chosen]))
        return result

    def reachable_states(self, limit: int = 100_000) -> list[State] | None:
        """Every state reachable from the initial one under allowed inputs, or None if > ``limit``."""
        table = self.transitions(limit)
        return None if table is None else list(table.states)

    def transitions(self, limit: int = 100_000) -> Transitions | None:
        """The reachable transition tables (cached), or None if more than ``limit`` states.

        Raises SpecError when a reachable step leaves an integer range or a reachable state admits
        no input at all.
        """
        if self._transitions is not None:
            return self._transitions if len(self._transitions.states) <= limit else None
        if limit <= self._explored_limit:
            return None
        self._transitions = self._explore(limit)
        self._explored_limit = limit
        return self._transitions

    def _explore(self, limit: int) -> Transitions | None:
        """Breadth-first over the reachable states, one evaluator batch per frontier."""
        index: dict[State, int] = {self.initial_state(): 0}
        states: list[State] = [self.initial_state()]
        parents: list[tuple[int, int]] = [(-1, -1)]  # (state index, input vector index) first reached from
        next_rows: list[np.ndarray] = []
        output_rows: list[np.ndarray] = []
        done = 0
        while done < len(states):
            first = done
            frontier = np.array(states[done:], dtype=np.int64).reshape(len(states) - done, len(self.spec.state_vars))
            done = len(states)
            try:
                allowed, successors, outputs = self._expand(frontier)
            except SpecError as err:
                raise self._with_path(err, frontier, first, parents) from None
            sources = [(first + k, v) for k, v in zip(*np.nonzero(allowed), strict=True)]
            targets = []
            for row, source in zip(map(tuple, successors.tolist()), sources, strict=True):
                if row not in index:
                    if len(states) >= limit:
                        return None
                    index[row] = len(states)
                    states.append(row)
                    parents.append((int(source[0]), int(source[1])))
                targets.append(index[row])
            rows = np.full(allowed.shape, -1, dtype=np.int64)
            rows[allowed] = targets
            next_rows.append(rows)
            output_rows.append(outputs)
        return Transitions(states, np.concatenate(next_rows), np.concatenate(output_rows))

    def _expand(self, frontier: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every allowed step out of ``frontier`` [F, S]: (allowed bool [F, V], successor states of
        the allowed (state, vector) pairs in row-major order [A, S], outputs bool [F, V, O])."""
        vectors = self.input_vectors
        lanes = np.repeat(frontier, len(vectors), axis=0)
        lane_inputs = np.tile(vectors, (len(frontier), 1))
        allowed = self.evaluator.allowed(lanes, lane_inputs).reshape(len(frontier), len(vectors))
        self.check_some_input_allowed(frontier, allowed)
        flat = allowed.ravel()
        successors, outputs = self.evaluator.run(lanes[flat], lane_inputs[flat])
        all_outputs = np.zeros((*allowed.shape, len(self.spec.outputs)), dtype=bool)
        all_outputs[allowed] = outputs
        return allowed, successors, all_outputs

    def _with_path(self, err: SpecError, frontier: np.ndarray, first: int,
                   parents: list[tuple[int, int]]) -> SpecError:
        """``err`` with the shortest input sequence that reaches the failing state added to its hint.

        Only runs on the error path: re-expands the frontier's states one by one to find it.
        """
        culprit = next((k for k in range(len(frontier)) if not self._expands(frontier[k:k + 1])), None)
        if culprit is None:
            return err
        path, node = [], first + culprit
        while parents[node][0] >= 0:
            node, vector = parents[node]
            path.append(self.spec.describe_inputs(self.input_vectors[vector].tolist()))
        steps = f"{len(path)} step{'s' if len(path) != 1 else ''}"
        shown = "; ".join(reversed(path[-_PATH_SHOWN:])) + (" ..." if len(path) > _PATH_SHOWN else "")
        reached = f"reached after {steps}" + (f" with inputs: {shown}" if path and self.spec.inputs else "")
        err.hint = f"{err.hint}; {reached}" if err.hint else reached
        return err

    def _expands(self, states: np.ndarray) -> bool:
        try:
            self._expand(states)
        except SpecError:
            return False
        return True

    def check_some_input_allowed(self, batch: np.ndarray, allowed: np.ndarray) -> None:
        """Raise at the constraint if a row of ``allowed`` (states x input vectors) is all false."""
        empty = np.flatnonzero(~allowed.any(axis=1))
        if len(empty) == 0:
            return
        state = self.spec.describe_state(batch[empty[0]].tolist())
        raise self.spec.located.error("the constraint admits no input vector in a reachable state",
                                      self.spec.constraint_pos,
                                      f"in the state {state} every input vector is forbidden")

    def generate(self, batch: int, length: int, seed: int = 0, mix: str = "iid") -> tuple[np.ndarray, np.ndarray]:
        """``batch`` random sequences of ``length`` steps: (inputs ``[B,T,I]``, targets ``[B,T,O]``)
        as float32 ±1, reproducible for ``seed``; ``mix="covering"`` holds inputs and repeats short
        words to reach the states i.i.d. data rarely visits (:mod:`bonsaic.spec.datagen`)."""
        inputs, targets, _end = generate(self, batch, length, seed, mix)
        return inputs, targets

    def continue_sequences(self, batch: int, length: int, seed: int, mix: str = "iid",
                           start: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`generate` from where earlier sequences ended (``start``: the third value this
        returned for them; None: the initial state), plus where these end. Training with ``carry``
        continues its sequences across steps this way (:mod:`bonsaic.train.loop`)."""
        return generate(self, batch, length, seed, mix, start)

