"""The spec's transitions as numpy tables, computed once per spec state and cached.

The verifier asks the same question ("from spec state s, which inputs are allowed, where do they
lead, what must the outputs be?") for every frontier of every exploration, and the optimisation
passes run hundreds of explorations against one spec. Keeping the answer as arrays is what makes
that cheap.

There is one transition table per spec: when the spec's reachable states fit
:data:`~bonsaic.spec.limits.CHECK_STATES` (every bundled and suite task), the table *is* the
``Program``'s own (``Program.transitions``, explored in batches once, when the spec was checked),
and spec-state indices are its rows. Only a spec too large for that is stepped lazily here, one
batch of new states per exploration frontier.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bonsaic.diagnostics import BonsaicError


class ProgramLike(Protocol):
    """The part of :class:`bonsaic.spec.Program` the verifier uses."""

    def initial_state(self) -> Hashable: ...

    def allowed_inputs(self, state: Hashable) -> list[tuple[bool, ...]]: ...

    def step(self, state: Hashable, inputs: tuple[bool, ...]) -> tuple[Hashable, tuple[bool, ...]]: ...

    def generate(self, batch: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]: ...


@dataclass(frozen=True)
class Moves:
    """Every allowed transition out of one spec state, one row per allowed input vector.

    ``inputs``: [A, I] float64 of +1/-1; ``next_states``: [A] spec-state indices;
    ``expected``: [A, O] float64 of +1/-1, the outputs the spec produces on that step.
    """

    inputs: np.ndarray
    next_states: np.ndarray
    expected: np.ndarray


def _signs(bits: list[tuple[bool, ...]], width: int) -> np.ndarray:
    return np.array(bits, dtype=bool).reshape(len(bits), width) * 2.0 - 1.0


class SpecTable:
    """Numbers spec states in order of discovery and caches their :class:`Moves`."""

    def __init__(self, program: ProgramLike, n_inputs: int, n_outputs: int) -> None:
        self.program = program
        self.n_inputs = n_inputs
        self.n_outputs = n_outputs
        self.states: list[Hashable] = []
        self._index: dict[Hashable, int] = {}
        self._moves: dict[int, Moves] = {}
        self._table = _program_table(program)
        if self._table is not None:  # the program's own table: its rows are our indices
            self.states = list(self._table.states)
            self._index = {state: k for k, state in enumerate(self.states)}
            self._vectors = _signs([tuple(v) for v in program.input_vectors.tolist()], n_inputs)  # type: ignore[attr-defined]
            self._output_signs = self._table.outputs * 2.0 - 1.0
        self.initial = self.index(program.initial_state())

    def index(self, state: Hashable) -> int:
        """The number of ``state``, assigning the next free one on first sight."""
        found = self._index.get(state)
        if found is None:
            found = self._index[state] = len(self.states)
            self.states.append(state)
        return found

    @property
    def computed(self) -> int:
        """How many spec states have had their moves evaluated (a measure of spec work done)."""
        return len(self._moves)

    def moves(self, index: int) -> Moves:
        """The transitions out of spec state ``index`` (computed on first use)."""
        cached = self._moves.get(index)
        if cached is not None:
            return cached
        self.prefetch([index])
        return self._moves[index]

    def prefetch(self, indices: list[int]) -> None:
        """Compute the moves of every state in ``indices`` not yet known, in one batch where the
        program can (``bonsaic.spec.Program.successors``): the exploration asks for a whole frontier."""
        todo = [k for k in dict.fromkeys(indices) if k not in self._moves]
        if not todo:
            return
        if self._table is not None:
            for k in todo:
                allowed = self._table.next[k] >= 0
                self._moves[k] = Moves(self._vectors[allowed], self._table.next[k][allowed].astype(np.int64),
                                       self._output_signs[k][allowed])
            return
        states = [self.states[k] for k in todo]
        successors = getattr(self.program, "successors", None)
        if successors is not None:
            found = successors(states)
        else:  # a stand-in program (tests): one step per input vector
            found = []
            for state in states:
                allowed = list(self.program.allowed_inputs(state))
                steps = [self.program.step(state, tuple(bits)) for bits in allowed]
                found.append((allowed, [nxt for nxt, _ in steps], [tuple(out) for _, out in steps]))
        for index, state, (allowed, next_states, outs) in zip(todo, states, found, strict=True):
            if not allowed:
                self._dead_end(state)
            self._moves[index] = Moves(
                inputs=_signs(allowed, self.n_inputs),
                next_states=np.array([self.index(nxt) for nxt in next_states], dtype=np.int64),
                expected=_signs(outs, self.n_outputs),
            )

    def _dead_end(self, state: Hashable) -> None:
        """A reachable state with no allowed input: no sequence goes on from here, so an exploration
        would "close" on it and call any graph proved. That is a broken spec, not a proof."""
        spec = getattr(self.program, "spec", None)
        shown = spec.describe_state(state) if spec is not None else repr(state)
        raise BonsaicError(f"the spec's constraint admits no input in the reachable state {shown}",
                           filename=getattr(spec, "name", None) or "<spec>",
                           hint="every reachable state needs at least one allowed input; check the "
                           "constraint (`bonsaic check` shows the path to it)")


def _program_table(program: ProgramLike) -> Any:
    """The program's whole transition table when it has one within the check's limit, else None."""
    from bonsaic.spec.limits import CHECK_STATES, MAX_ENUMERATED_INPUTS

    transitions = getattr(program, "transitions", None)
    spec = getattr(program, "spec", None)
    if transitions is None or spec is None or len(spec.inputs) > MAX_ENUMERATED_INPUTS:
        return None
    return transitions(CHECK_STATES)
