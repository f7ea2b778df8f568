"""The falsification battery: every short input word, held for a long time, from every spec state.

Networks that drift go wrong on the most ordinary inputs held for a while: a ``1*`` recogniser after
32 consecutive trues, a mod-3 counter after two trues and ~50 falses, the seed post's gate switcher
after ~45 steps of one constant input. I.i.d. random input almost never holds one input that long,
and a random lasso rarely draws a one-step word behind the one prefix that matters. So before any
random sampling, the verifier checks every such input systematically:

* the spec states reachable from the initial one, in breadth-first order, each reached by a
  *shortest* allowed input prefix (up to ``max_sequences`` of them);
* from each, every *primitive* word (not a power of a shorter word) of 1 to ``word_length`` input
  vectors that the spec allows along the way -- words are enumerated on the spec's transition
  graph, so only allowed inputs are used;
* the sequence ``prefix w w w ...`` up to ``length`` steps, or until the spec forbids the word's
  next input.

Words are taken level by level (every constant input from every start state first, then every word
of two inputs, ...). A level that would take the count past ``max_sequences`` is left out whole, so
wide input alphabets get shorter words; the first level is cut to the first start states instead.
:attr:`Battery.word_length` says which length was reached.

Planning walks the spec's own transition table, which costs an evaluation per spec state never seen
before. A spec whose states never repeat (a counter up to 2·10⁹) would have the planner evaluate
millions of them, so planning stops after :data:`~bonsaic.verify.defaults.BATTERY_SPEC_STATES` new
spec states: the sequence being planned ends there, no further one is planned, and the verdict says
that the battery was cut short.

A sequence is stored compactly as a *head* (the prefix and the repetitions before the spec's state
at the word boundaries starts to cycle) and a *loop* (one full cycle of the spec, repeated). When
the graph's state at the start of a loop equals its state at the start of the previous loop, every
later loop repeats that one exactly, so the simulation stops there (saturating networks do so within
a few periods). The simulation runs in numpy for the first :data:`NUMPY_STEPS` steps (all sequences
in lock step, so the first failure found is the earliest) and on the OpenCL kernel ``battery`` for
the rest when any sequence is still running. The counterexample is the failing sequence whose first
wrong step is earliest (ties: the earlier in the order above): the shortest among the words checked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from bonsaic.ir.graph import Graph
from bonsaic.verify import defaults
from bonsaic.verify.explore import Exploration
from bonsaic.verify.spec_table import SpecTable

DEFAULT_WORD_LENGTH = defaults.BATTERY_WORD_LENGTH
DEFAULT_LENGTH = defaults.BATTERY_LENGTH
DEFAULT_MAX_SEQUENCES = defaults.BATTERY_SEQUENCES
NUMPY_STEPS = 256  # lock-step numpy simulation (about 0.1-0.3 ms a step) before the OpenCL kernel


@dataclass(frozen=True)
class BatterySettings:
    """How much the battery checks: words up to ``word_length`` inputs, each sequence ``length``
    steps long, at most ``max_sequences`` sequences (see the module docstring)."""

    word_length: int = DEFAULT_WORD_LENGTH
    length: int = DEFAULT_LENGTH
    max_sequences: int = DEFAULT_MAX_SEQUENCES
    work: float = defaults.BATTERY_WORK

    def for_graph(self, graph: Graph) -> BatterySettings:
        """These settings with ``max_sequences`` lowered to what ``work`` allows for ``graph``'s size
        (the constant inputs are planned in full all the same, see :func:`plan_battery`)."""
        cost = self.length * (graph.edge_count() + len(graph.neurons) + 1)
        allowed = max(1, int(self.work // max(cost, 1)))
        return replace(self, max_sequences=min(self.max_sequences, allowed), work=float("inf"))


@dataclass
class Battery:
    """The planned sequences: sequence ``b`` is ``rows[b, :head[b]]`` once, then
    ``rows[b, head[b]:head[b] + loop[b]]`` repeated up to ``length`` steps (just the head when
    ``loop[b]`` is 0); ``want`` holds the spec's outputs (+1/-1) row for row. ``words[b]`` is the
    repeated word (input vectors) and ``prefixes[b]`` the length of the prefix before it."""

    rows: np.ndarray
    want: np.ndarray
    head: np.ndarray
    loop: np.ndarray
    length: int
    words: list[tuple[tuple[float, ...], ...]]
    prefixes: list[int]
    word_length: int
    starts: int
    truncated: bool = False  # planning stopped at the spec-state limit (see the module docstring)

    def __len__(self) -> int:
        return len(self.head)

    def ends(self) -> np.ndarray:
        """The number of steps of each sequence."""
        return np.where(self.loop > 0, self.length, np.minimum(self.head, self.length))

    def row_index(self, b: np.ndarray, t: int) -> np.ndarray:
        """The row that sequences ``b`` read at step ``t``."""
        head, loop = self.head[b], np.maximum(self.loop[b], 1)
        return np.where(t < head, t, head + (t - head) % loop)

    def sequence(self, b: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``steps`` input rows [steps, I] and wanted outputs [steps, O] of sequence ``b``."""
        rows = self.row_index(np.full(steps, b), np.arange(steps))  # type: ignore[arg-type]
        return self.rows[b, rows], self.want[b, rows]

    def describe(self, b: int) -> str:
        """``word +1,-1 repeated after a prefix of 3 steps``, for counterexample titles."""
        word = " ".join(",".join(f"{v:+.0f}" for v in vector) for vector in self.words[b])
        prefix = f"after a prefix of {self.prefixes[b]} steps" if self.prefixes[b] else "from the start"
        return f"battery: input word [{word}] repeated {prefix}"


class _Planner:
    """Walks the spec's transition table; builds the battery's rows."""

    def __init__(self, table: SpecTable, new_states: int = defaults.BATTERY_SPEC_STATES) -> None:
        self.table = table
        self._lookup: dict[int, dict[tuple[float, ...], int]] = {}
        self._stop_at = table.computed + new_states

    def exhausted(self) -> bool:
        """Whether planning has evaluated its share of new spec states."""
        return self.table.computed >= self._stop_at

    def move(self, state: int, vector: tuple[float, ...]) -> int | None:
        """The move of ``state`` that reads ``vector`` (None when the spec forbids it there)."""
        found = self._lookup.get(state)
        if found is None:
            moves = self.table.moves(state)
            found = self._lookup[state] = {tuple(row.tolist()): m for m, row in enumerate(moves.inputs)}
        return found.get(vector)

    def starts(self, limit: int) -> list[tuple[int, list[tuple[int, int]]]]:
        """Up to ``limit`` reachable spec states in BFS order, each with a shortest (state, move) path."""
        paths = {self.table.initial: []}
        order, queue = [self.table.initial], deque([self.table.initial])
        while queue and len(order) < limit:
            state = queue.popleft()
            for move, nxt in enumerate(self.table.moves(state).next_states.tolist()):
                if nxt not in paths and len(order) < limit:
                    paths[nxt] = [*paths[state], (state, move)]
                    order.append(nxt)
                    queue.append(nxt)
        return [(state, paths[state]) for state in order]

    def words(self, state: int, length: int) -> Iterator[tuple[tuple[float, ...], ...]]:
        """Every word of ``length`` input vectors the spec allows from ``state`` on (depth first)."""
        if length == 0:
            yield ()
            return
        moves = self.table.moves(state)
        for move, nxt in enumerate(moves.next_states.tolist()):
            vector = tuple(moves.inputs[move].tolist())
            for rest in self.words(nxt, length - 1):
                yield (vector, *rest)

    def apply(self, state: int, word: tuple[tuple[float, ...], ...]) -> tuple[int | None, list[tuple[int, int]]]:
        """Read ``word`` from ``state``: (state after it, or None if the spec forbids a step; the
        (state, move) pairs read, up to the forbidden step)."""
        path = []
        for vector in word:
            move = self.move(state, vector)
            if move is None:
                return None, path
            path.append((state, move))
            state = int(self.table.moves(state).next_states[move])
        return state, path

    def rows(self, path: list[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
        x = np.empty((len(path), self.table.n_inputs))
        y = np.empty((len(path), self.table.n_outputs))
        for k, (state, move) in enumerate(path):
            moves = self.table.moves(state)
            x[k], y[k] = moves.inputs[move], moves.expected[move]
        return x, y

    def sequence(self, start: int, prefix: list[tuple[int, int]], word: tuple[tuple[float, ...], ...],
                 length: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """(head, loop) as (state, move) paths: the word repeated from ``start`` after ``prefix``."""
        applications: list[list[tuple[int, int]]] = []
        seen: dict[int, int] = {}
        state: int | None = start
        steps = len(prefix)
        while state is not None and state not in seen and steps < length and not self.exhausted():
            seen[state] = len(applications)
            state, path = self.apply(state, word)
            applications.append(path)
            steps += len(path)
        head = list(prefix)
        if state is None or state not in seen:  # forbidden, or longer than needed: no loop
            for path in applications:
                head += path
            return head[:length], []
        cycle_from = seen[state]
        for path in applications[:cycle_from]:
            head += path
        loop = [pair for path in applications[cycle_from:] for pair in path]
        return head, loop


def _primitive(word: tuple) -> bool:
    """Whether ``word`` is not a power of a shorter word (those are checked as the shorter one)."""
    k = len(word)
    return not any(k % d == 0 and word == word[:d] * (k // d) for d in range(1, k))


Start = tuple[int, list[tuple[int, int]]]
"""A spec state and the (state, move) path that reaches it from the initial state."""


def plan_battery(table: SpecTable, settings: BatterySettings = BatterySettings(),
                 starts: list[Start] | None = None) -> Battery:
    """The battery's sequences for the spec behind ``table`` (see the module docstring). The
    constant inputs (words of one input) from every start state are planned up to
    :data:`DEFAULT_MAX_SEQUENCES` even where ``settings.max_sequences`` is lower (but not 0, which
    means no battery: every constant input held is the battery's core); longer words only within
    ``settings.max_sequences``. ``starts`` replaces the reachable spec states and their shortest
    prefixes (:func:`focus_starts`)."""
    planner = _Planner(table)
    constants_cap = max(settings.max_sequences, DEFAULT_MAX_SEQUENCES) if settings.max_sequences else 0
    starts = planner.starts(max(1, constants_cap)) if starts is None else starts
    chosen: list[tuple[int, list[tuple[int, int]], tuple]] = []
    reached = 0
    for k in range(1, settings.word_length + 1):
        level = []
        room = (constants_cap if k == 1 else settings.max_sequences) - len(chosen)
        for state, prefix in starts:
            for word in planner.words(state, k):
                if _primitive(word):
                    level.append((state, prefix, word))
                if len(level) > room:
                    break
            if len(level) > room or planner.exhausted():
                break
        if len(level) > room:
            if k == 1:
                chosen += level[:room]
            break
        chosen += level
        reached = k
    heads, loops, words, prefixes = [], [], [], []
    for state, prefix, word in chosen:
        if planner.exhausted():
            break
        head, loop = planner.sequence(state, prefix, word, settings.length)
        heads.append(planner.rows(head))
        loops.append(planner.rows(loop))
        words.append(word)
        prefixes.append(len(prefix))
    truncated = planner.exhausted()
    chosen = chosen[:len(heads)]
    width = max((len(h[0]) + len(lp[0]) for h, lp in zip(heads, loops, strict=True)), default=0)
    rows = np.zeros((len(chosen), max(width, 1), table.n_inputs))
    want = np.ones((len(chosen), max(width, 1), table.n_outputs))
    for b, ((hx, hy), (lx, ly)) in enumerate(zip(heads, loops, strict=True)):
        rows[b, : len(hx)], want[b, : len(hy)] = hx, hy
        rows[b, len(hx) : len(hx) + len(lx)], want[b, len(hy) : len(hy) + len(ly)] = lx, ly
    return Battery(rows, want, np.array([len(h[0]) for h in heads], dtype=np.int64),
                   np.array([len(lp[0]) for lp in loops], dtype=np.int64), settings.length, words, prefixes,
                   reached, len({state for state, _p, _w in chosen}), truncated)


@dataclass
class BatteryOutcome:
    """Per sequence: the first wrong step (-1: none) and the smallest |output|; the steps simulated
    in all (periodic sequences stop early)."""

    first_wrong: np.ndarray
    smallest: np.ndarray
    steps: int

    @property
    def margin(self) -> float:
        return float(self.smallest.min()) if self.smallest.size else float("inf")

    def earliest(self) -> int | None:
        """The failing sequence whose first wrong step is earliest (the lowest index on ties)."""
        failing = np.flatnonzero(self.first_wrong >= 0)
        if failing.size == 0:
            return None
        return int(failing[np.argmin(self.first_wrong[failing])])


def run_battery(graph: Graph, battery: Battery, numpy_steps: int = NUMPY_STEPS) -> BatteryOutcome:
    """Simulate every sequence of ``battery`` on ``graph`` (see the module docstring)."""
    outcome, unfinished = _run_numpy(graph, battery, numpy_steps)
    if not unfinished:
        return outcome
    from bonsaic.ir.opencl import OpenCLSimulator, opencl_available, opencl_precision

    if opencl_available() and opencl_precision() == "float64":
        first_wrong, smallest, steps = OpenCLSimulator(graph).battery(
            battery.rows, battery.want, battery.head, battery.loop, battery.length)
        return BatteryOutcome(first_wrong, smallest, int(steps.sum()))
    return _run_numpy(graph, battery, battery.length)[0]


def _run_numpy(graph: Graph, battery: Battery, max_steps: int) -> tuple[BatteryOutcome, bool]:
    """The battery in lock step for at most ``max_steps`` steps; stops at the first step on which
    any sequence fails. Returns the outcome and whether some sequence was left unfinished."""
    from bonsaic.ir.simulate import Stepper

    stepper = Stepper(graph)
    count = len(battery)
    states = np.tile(stepper.initial_states(), (count, 1))
    mark = np.full_like(states, np.nan)
    first_wrong = np.full(count, -1, dtype=np.int64)
    smallest = np.full(count, np.inf)
    running = battery.ends() > 0
    end = battery.ends()
    steps = 0
    t, limit = 0, min(max_steps, int(end.max(initial=0)))
    while t < limit:
        running &= t < end
        b = np.flatnonzero(running)
        r = battery.row_index(b, t)
        boundary = (battery.loop[b] > 0) & (r == battery.head[b])
        if boundary.any():
            at = b[boundary]
            repeated = np.all(states[at] == mark[at], axis=1)
            mark[at] = states[at]
            running[at[repeated]] = False
            keep = running[b]
            b, r = b[keep], r[keep]
        if b.size == 0:
            break
        nxt, _values, outputs = stepper.step(states[b], battery.rows[b, r])
        steps += b.size
        bad = np.any(((outputs > 0) != (battery.want[b, r] > 0)) | ~np.isfinite(outputs), axis=1)
        bad |= ~np.all(np.isfinite(nxt), axis=1)
        smallest[b] = np.fmin(smallest[b], np.abs(outputs).min(axis=1, initial=np.inf))
        states[b] = nxt
        if bad.any():
            first_wrong[b[bad]] = t
            return BatteryOutcome(first_wrong, smallest, steps), False
        t += 1
    running &= t < end
    return BatteryOutcome(first_wrong, smallest, steps), bool(running.any())


def focus_starts(table: SpecTable, ex: Exploration, count: int) -> list[Start]:
    """Where a failed proof search points: the ``count`` explored steps whose outputs came closest
    to zero (the thinnest margins), each as the product state it leads to with the exploration's
    shortest path there. Holding short words from *those* graph states looks for a counterexample
    where the network is nearest to one."""
    if ex.step_outputs.size == 0:
        return []
    closeness = np.abs(ex.step_outputs).min(axis=1)
    planner = _Planner(table)
    found: list[Start] = []
    for step in np.argsort(closeness, kind="stable")[:count].tolist():
        path = []
        for s in ex.path_to(step):
            state = int(ex.step_spec[s])
            move = planner.move(state, tuple(ex.step_inputs[s].tolist()))
            assert move is not None  # the exploration only takes allowed moves
            path.append((state, move))
        found.append((int(ex.product_spec[ex.step_next_product[step]]), path))
    return found
