"""Mealy machines over bit vectors: minimisation and comparison, shared by the spec and the network.

The spec's transition table (:class:`~bonsaic.spec.program.Transitions`) and the network's explored
product automaton (:mod:`bonsaic.verify.machine`) are both deterministic Mealy machines whose
inputs are input *vectors*: ``next[k, v]`` is the successor of state ``k`` under input vector
``v`` (-1 where a ``constraint`` forbids ``v``, so machines may be partial) and ``outputs[k, v]``
the output bits. Input vectors are numbered in ``itertools.product((False, True), ...)`` order,
so vector ``v`` is the binary number ``v`` with the first declared input as its leading bit.

Two states are equivalent when every input sequence allowed from one is allowed from the other and
yields the same outputs. Moore's partition refinement finds the classes: start from the states'
one-step behaviour (which input vectors are allowed, and the outputs under each), then split any
class whose members move, under some input vector, into different classes, until nothing splits.
The number of classes is the size of the smallest automaton that implements the spec, the
yardstick a bonsai's state count is measured against; the quotient is the machine ``--emit mealy``
prints. Both live here, below ``verify`` and the back ends, so the spec and the network are
minimised by the same code and compared with the same definition of equal.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from bonsaic.diagnostics import BonsaicError
from bonsaic.spec.program import Program


class MachineTable(Protocol):
    """What minimisation reads: ``next`` int64 ``[K, V]`` (-1: not allowed), ``outputs`` bool ``[K, V, O]``."""

    @property
    def next(self) -> np.ndarray: ...

    @property
    def outputs(self) -> np.ndarray: ...


@dataclass(frozen=True)
class Mealy:
    """A deterministic, possibly partial Mealy machine over input vectors (layout in the module docstring)."""

    next: np.ndarray  # int64 [K, V]
    outputs: np.ndarray  # bool [K, V, O]
    initial: int = 0

    @property
    def size(self) -> int:
        return len(self.next)

    @property
    def allowed(self) -> np.ndarray:
        return self.next >= 0


@dataclass(frozen=True)
class Quotient:
    """A minimised machine and how the original states map onto it.

    ``classes[k]`` is the minimal state original state ``k`` belongs to (-1 if unreachable);
    ``representatives[m]`` the lowest-numbered original state of minimal state ``m``. Minimal
    states are numbered in the order of their representatives, so when the original states are
    numbered breadth-first (as the spec's table and the explored product are), the representative
    is reached by a shortest input word and the initial state is minimal state 0.
    """

    machine: Mealy
    classes: np.ndarray
    representatives: np.ndarray


def minimal_classes(table: MachineTable) -> np.ndarray:
    """The equivalence class of every state (int64 ``[K]``, classes numbered from 0)."""
    allowed = table.next >= 0
    signature = np.concatenate([allowed.reshape(len(allowed), -1),
                                np.where(allowed[..., None], table.outputs, False).reshape(len(allowed), -1)],
                               axis=1)
    classes = _renumber(signature)
    while True:
        moved = np.where(allowed, classes[np.maximum(table.next, 0)], -1)
        refined = _renumber(np.concatenate([classes[:, None], moved], axis=1))
        if refined.max() == classes.max():
            return refined
        classes = refined


def minimal_size(table: MachineTable) -> int:
    """The number of states of the minimal Mealy machine of ``table`` (all of whose states are reachable)."""
    return int(minimal_classes(table).max()) + 1 if len(table.next) else 0


def reachable(table: MachineTable, initial: int = 0) -> np.ndarray:
    """bool ``[K]``: the states some allowed input word leads to from ``initial``."""
    seen = np.zeros(len(table.next), dtype=bool)
    seen[initial] = True
    frontier = np.array([initial])
    while frontier.size:
        successors = np.unique(table.next[frontier])
        successors = successors[successors >= 0]
        frontier = successors[~seen[successors]]
        seen[frontier] = True
    return seen


def minimise(table: MachineTable, initial: int = 0) -> Quotient:
    """The minimal machine of ``table``'s states reachable from ``initial`` (see :class:`Quotient`)."""
    live = np.flatnonzero(reachable(table, initial))
    old_to_live = np.full(len(table.next), -1, dtype=np.int64)
    old_to_live[live] = np.arange(len(live))
    sub_next = table.next[live]
    sub_next = np.where(sub_next >= 0, old_to_live[np.maximum(sub_next, 0)], -1)
    raw = minimal_classes(Mealy(sub_next, table.outputs[live]))
    count = int(raw.max()) + 1
    first = np.full(count, len(live), dtype=np.int64)
    np.minimum.at(first, raw, np.arange(len(live)))
    order = np.argsort(first, kind="stable")
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    live_classes = rank[raw]
    reps = first[order]
    nxt = sub_next[reps]
    allowed = nxt >= 0
    machine = Mealy(np.where(allowed, live_classes[np.maximum(nxt, 0)], -1),
                    table.outputs[live][reps] & allowed[..., None], int(live_classes[old_to_live[initial]]))
    classes = np.full(len(table.next), -1, dtype=np.int64)
    classes[live] = live_classes
    return Quotient(machine, classes, live[reps])


def _same_alphabet(a: Mealy, b: Mealy) -> None:
    if a.next.shape[1] != b.next.shape[1] or a.outputs.shape[2] != b.outputs.shape[2]:
        raise ValueError("machines over different input or output vectors cannot be compared")


def _step_differs(a: Mealy, p: int, b: Mealy, q: int, v: int) -> bool:
    if (a.next[p, v] >= 0) != (b.next[q, v] >= 0):
        return True
    return bool(a.next[p, v] >= 0 and np.any(a.outputs[p, v] != b.outputs[q, v]))


def distinguishing_word(a: Mealy, b: Mealy) -> list[int] | None:
    """A shortest input word (vector indices) on which ``a`` and ``b`` differ -- one allows its last
    vector and the other does not, or their outputs differ there -- or None if they are equivalent."""
    _same_alphabet(a, b)
    start = (a.initial, b.initial)
    parent: dict[tuple[int, int], tuple[tuple[int, int], int] | None] = {start: None}
    queue = deque([start])
    while queue:
        p, q = pair = queue.popleft()
        for v in range(a.next.shape[1]):
            if _step_differs(a, p, b, q, v):
                word, node = [v], pair
                while parent[node] is not None:
                    node, letter = parent[node]  # type: ignore[misc]
                    word.append(letter)
                return word[::-1]
            following = (int(a.next[p, v]), int(b.next[q, v]))
            if following[0] >= 0 and following not in parent:
                parent[following] = (pair, v)
                queue.append(following)
    return None


def isomorphism(a: Mealy, b: Mealy) -> list[int] | None:
    """``mapping[k]``: the state of ``b`` that state ``k`` of ``a`` is, when the machines are the same
    up to the names of their states (every state reachable, same transitions and outputs); else None.
    Two minimal machines are isomorphic exactly when they are equivalent."""
    _same_alphabet(a, b)
    if a.size != b.size:
        return None
    forward, backward = {a.initial: b.initial}, {b.initial: a.initial}
    queue = deque([a.initial])
    while queue:
        p = queue.popleft()
        q = forward[p]
        for v in range(a.next.shape[1]):
            if _step_differs(a, p, b, q, v):
                return None
            p2, q2 = int(a.next[p, v]), int(b.next[q, v])
            if p2 < 0:
                continue
            if forward.get(p2, q2) != q2 or backward.get(q2, p2) != p2:
                return None
            if p2 not in forward:
                forward[p2], backward[q2] = q2, p2
                queue.append(p2)
    if len(forward) != a.size:
        return None
    return [forward[k] for k in range(a.size)]


def input_label(vector: int, width: int) -> str:
    """An input vector as one character per input, in declaration order: ``"1"`` true, ``"0"`` false
    (the empty string for a task without inputs)."""
    return format(vector, f"0{width}b") if width else ""


def bits_label(bits: np.ndarray) -> str:
    """Output bits as one character each, ``"1"`` true, ``"0"`` false."""
    return "".join("1" if bit else "0" for bit in bits)


@dataclass(frozen=True)
class Described:
    """A minimal machine ready to print: a name for every state and what each one stands for.

    ``stands_for[m]`` lists the original states minimal state ``m`` merges, each as a mapping from
    variable name to value (spec state variables, an enum's as its member's name, or the graph's
    state vector); the first is the representative the name is taken from. ``source`` says whose machine it is (``"network"`` or
    ``"spec"``), ``task`` the spec it belongs to.
    """

    machine: Mealy
    names: list[str]
    stands_for: list[list[dict[str, Any]]]
    inputs: list[str]
    outputs: list[str]
    source: str
    task: str

    def compare(self, other: Described) -> str:
        """One sentence: are the two machines isomorphic, and if not, how they differ."""
        this, that = f"the {self.source}'s minimal machine", f"the {other.source}'s"
        if isomorphism(self.machine, other.machine) is not None:
            return f"{this} is isomorphic to {that} ({self.machine.size} states)"
        sizes = f"{self.machine.size} states against {other.machine.size}"
        word = distinguishing_word(self.machine, other.machine)
        if word is None:
            return f"{this} is equivalent to {that} but not isomorphic ({sizes})"
        shown = " ".join(input_label(v, len(self.inputs)) or "()" for v in word)
        return f"{this} is NOT isomorphic to {that}: {sizes}; they differ on the input word {shown}"


def state_names(indices: list[int], prefix: str = "s") -> list[str]:
    """``s{index}`` for each minimal state's representative index; a repeated index gets ``_2``, ``_3``..."""
    seen: dict[int, int] = {}
    names = []
    for index in indices:
        seen[index] = seen.get(index, 0) + 1
        names.append(f"{prefix}{index}" + (f"_{seen[index]}" if seen[index] > 1 else ""))
    return names


def spec_machine(program: Program, limit: int) -> Described:
    """The spec's own minimal machine, each state named ``s{k}`` after its first reachable spec state
    ``k`` (breadth-first order, so ``s0`` is the initial state) and listing the spec states it merges."""
    table = program.transitions(limit)
    if table is None:
        raise BonsaicError(f"the spec has more than {limit} reachable states: no minimal machine printed",
                           filename=program.spec.filename, hint="raise --limit")
    quotient = minimise(table)
    members: list[list[dict[str, Any]]] = [[] for _ in range(quotient.machine.size)]
    variables = program.spec.state_vars
    for state, cls in zip(table.states, quotient.classes.tolist(), strict=True):
        members[cls].append({v.name: bool(x) if v.is_bool else v.show(x) if v.enum else int(x)
                             for v, x in zip(variables, state, strict=True)})
    return Described(quotient.machine, state_names(quotient.representatives.tolist()), members,
                     [d.name for d in program.spec.inputs], list(program.spec.outputs), "spec", program.spec.name)


def _renumber(rows: np.ndarray) -> np.ndarray:
    """Class ids 0..n-1 for the distinct rows of ``rows``."""
    _, ids = np.unique(rows, axis=0, return_inverse=True)
    return ids.ravel().astype(np.int64)
