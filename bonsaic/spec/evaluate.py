"""Run the step body on many (state, input) lanes at once with numpy.

One evaluator serves every use: the single-lane ``Program.step``, the breadth-first exploration of
reachable states (one lane per (state, input vector) pair of a frontier) and batch data
generation when the state space is too large for tables. ``if`` runs both branches under lane
masks; a lane "matters" for an expression only where its value is used, so ``x % y`` with y = 0
in an untaken branch or a short-circuited ``and`` is not an error.

Values are ``bool`` arrays for bools and ``int64`` arrays for integers; states travel as int64
matrices ``[lanes, state vars]`` (bools as 0/1), inputs as bool matrices ``[lanes, inputs]``.
"""

from __future__ import annotations

import numpy as np

from bonsaic.spec import nodes as n
from bonsaic.spec.task import Spec

_COMPARE = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
            ">": np.greater, ">=": np.greater_equal}
_ELEMENTWISE = {"xor": np.logical_xor, "+": np.add, "-": np.subtract, "&": np.bitwise_and, "|": np.bitwise_or,
                "^": np.bitwise_xor}
SAFE = 2**62  # an integer result beyond this (in magnitude) is an error, not a silent int64 wrap-around


class StepEvaluator:
    """Evaluates a checked spec's step body and constraint over lanes."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.ranges = {v.name: (v.lo, v.hi) for v in spec.state_vars if not v.is_bool}
        self.constants = spec.constants  # enum members, as the integers their states store

    def _env(self, states: np.ndarray, inputs: np.ndarray) -> dict[str, np.ndarray]:
        env = {member: np.full(len(states), k, dtype=np.int64) for member, k in self.constants.items()}
        env.update({decl.name: inputs[:, i].astype(bool) for i, decl in enumerate(self.spec.inputs)})
        for i, var in enumerate(self.spec.state_vars):
            column = states[:, i].astype(np.int64)
            env[var.name] = column.astype(bool) if var.is_bool else column
        return env

    def allowed(self, states: np.ndarray, inputs: np.ndarray) -> np.ndarray:
        """Which lanes' input vectors the constraint admits in their state (bool ``[lanes]``)."""
        lanes = len(states)
        if self.spec.constraint is None:
            return np.ones(lanes, dtype=bool)
        env = self._env(states, inputs)
        return _Lanes(self, states, inputs, env).expr(self.spec.constraint, np.ones(lanes, dtype=bool))

    def run(self, states: np.ndarray, inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step on every lane: ``(next states int64 [lanes, S], outputs bool [lanes, O])``.

        Raises :class:`SpecError` at the offending assignment when an integer leaves its range.
        """
        lanes = len(states)
        env = self._env(states, inputs)
        for name in self.spec.outputs:
            env[name] = np.zeros(lanes, dtype=bool)
        _Lanes(self, states, inputs, env).block(self.spec.step, np.ones(lanes, dtype=bool))
        next_states = np.empty((lanes, len(self.spec.state_vars)), dtype=np.int64)
        for i, var in enumerate(self.spec.state_vars):
            next_states[:, i] = env[var.name]
        outputs = np.stack([env[name] for name in self.spec.outputs], axis=1)
        return next_states, outputs


class _Lanes:
    """The environment of one evaluation; statements update it in place under a lane mask."""

    def __init__(self, ev: StepEvaluator, states: np.ndarray, inputs: np.ndarray,
                 env: dict[str, np.ndarray]) -> None:
        self.ev = ev
        self.states = states
        self.inputs = inputs
        self.env = env
        self.lanes = len(states)

    def fail(self, message: str, pos: n.Pos, lanes: np.ndarray) -> Exception:
        lane = int(np.flatnonzero(lanes)[0])
        spec = self.ev.spec
        state = spec.describe_state(self.states[lane].tolist())
        inputs = spec.describe_inputs(self.inputs[lane].tolist())
        return spec.located.error(message, pos, f"happens in the state {state} with inputs {inputs}")

    def block(self, body: tuple[n.Stmt, ...], active: np.ndarray) -> None:
        for stmt in body:
            if isinstance(stmt, n.Assign):
                self.assign(stmt, active)
                continue
            remaining = active.copy()
            for branch in stmt.branches:
                taken = remaining if branch.test is None else remaining & self.expr(branch.test, remaining)
                remaining = remaining & ~taken
                if taken.any():
                    self.block(branch.body, taken)

    def assign(self, stmt: n.Assign, active: np.ndarray) -> None:
        value = self.expr(stmt.value, active)
        if stmt.target in self.ev.ranges:
            lo, hi = self.ev.ranges[stmt.target]
            bad = active & ((value < lo) | (value > hi))
            if bad.any():
                shown = int(value[np.flatnonzero(bad)[0]])
                raise self.fail(f"value {shown} assigned to `{stmt.target}` is outside its range {lo}..{hi}",
                                stmt.pos, bad)
        if stmt.declares:
            self.env[stmt.target] = value
        else:
            self.env[stmt.target] = np.where(active, value, self.env[stmt.target])

    def expr(self, e: n.Expr, live: np.ndarray) -> np.ndarray:
        """Value of ``e`` on every lane; errors only count on ``live`` lanes."""
        if isinstance(e, n.Lit):
            return np.full(self.lanes, e.value, dtype=bool if isinstance(e.value, bool) else np.int64)
        if isinstance(e, n.Var):
            return self.env[e.name]
        if isinstance(e, n.Unary):
            operand = self.expr(e.operand, live)
            return ~operand if e.op == "not" else -operand
        if isinstance(e, n.Call):
            args = [self.expr(arg, live) for arg in e.args]
            if e.name == "int":
                return args[0].astype(np.int64)
            if e.name == "count":
                return np.sum(np.stack(args), axis=0, dtype=np.int64)
            return (np.minimum if e.name == "min" else np.maximum).reduce(np.stack(args), axis=0)
        if isinstance(e, n.Match):
            return self._match(e, live)
        if isinstance(e, n.Cond):
            test = self.expr(e.test, live)
            return np.where(test, self.expr(e.then, live & test), self.expr(e.other, live & ~test))
        left = self.expr(e.left, live)
        if e.op == "and":
            return left & self.expr(e.right, live & left)
        if e.op == "or":
            return left | self.expr(e.right, live & ~left)
        right = self.expr(e.right, live)
        if e.op in _COMPARE:
            return _COMPARE[e.op](left, right)
        if e.op in ("%", "//"):
            zero = right == 0
            if (zero & live).any():
                raise self.fail("modulo by zero" if e.op == "%" else "division by zero", e.pos, zero & live)
            return (np.mod if e.op == "%" else np.floor_divide)(left, np.where(zero, 1, right))
        if e.op in ("*", "<<", ">>"):
            return self._scaled(e, left, right, live)
        value = _ELEMENTWISE[e.op](left, right)
        if e.op in ("+", "-"):
            self._in_range(e, np.abs(left.astype(np.float64)) + np.abs(right.astype(np.float64)), live)
        return value

    def _match(self, e: n.Match, live: np.ndarray) -> np.ndarray:
        """Each lane takes the value of the first arm whose labels hold its subject (the checker made
        sure some arm does); an arm's value only matters on its own lanes."""
        subject = self.expr(e.subject, live)
        remaining = np.ones(self.lanes, dtype=bool)
        result: np.ndarray | None = None
        for arm in e.arms:
            hit = remaining.copy()
            if not arm.is_else:
                hit &= np.logical_or.reduce([subject == self.expr(label, live) for label in arm.labels])
            value = self.expr(arm.value, live & hit)
            result = value if result is None else np.where(hit, value, result)
            remaining &= ~hit
        assert result is not None
        return result

    def _scaled(self, e: n.Binary, left: np.ndarray, right: np.ndarray, live: np.ndarray) -> np.ndarray:
        """``*``, ``<<`` and ``>>``, refusing what int64 cannot hold (numpy would wrap silently)."""
        if e.op == "*":
            self._in_range(e, np.abs(left.astype(np.float64) * right.astype(np.float64)), live)
            return left * right
        negative = right < 0
        if (negative & live).any():
            raise self.fail("negative shift count", e.pos, negative & live)
        count = np.clip(right, 0, 63)
        if e.op == ">>":
            return left >> count  # floor division by 2**count, as in Python
        self._in_range(e, np.abs(left.astype(np.float64)) * np.exp2(count.astype(np.float64)), live)
        return left << count

    def _in_range(self, e: n.Binary, magnitude: np.ndarray, live: np.ndarray) -> None:
        big = (magnitude >= SAFE) & live
        if big.any():
            raise self.fail(f"integer overflow: `{e.op}` gives a value beyond ±2^62", e.pos, big)

