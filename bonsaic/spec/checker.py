"""The static checker: names, types and "every output assigned on every path".

It turns a parsed :class:`~bonsaic.spec.nodes.Module` into a :class:`~bonsaic.spec.task.Spec` or
raises the first problem as a located :class:`SpecError`. What can only be known by running the
step (integers leaving their range, a constraint that admits no input in some reachable state) is
found by :func:`bonsaic.spec.explore.explore_all`, which ``bonsaic check`` runs.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import PurePath

from bonsaic.spec import nodes as n
from bonsaic.spec.config import build_model, build_train
from bonsaic.spec.errors import Source
from bonsaic.spec.task import InputDecl, Spec, StateVar

BOOL, INT = "bool", "int"
_LOGIC_OPS = {"and", "or", "xor"}
_ORDER_OPS = {"<", "<=", ">", ">="}
_ARITH_OPS = {"+", "-", "%", "*", "//", "<<", ">>", "&", "|", "^"}
# built-in functions: argument type, result type, fewest arguments, most arguments (None: any)
FUNCTIONS: dict[str, tuple[str, str, int, int | None]] = {
    "int": ("bool", "int", 1, 1), "count": ("bool", "int", 1, None),
    "min": ("int", "int", 1, None), "max": ("int", "int", 1, None),
}
INT_LIMIT = 2**31  # literals and bounds stay far from int64 overflow in the evaluator


@dataclass(frozen=True)
class Symbol:
    """A declared name: what it is (input/output/state/local), its type and where it was declared."""

    kind: str
    type: str
    pos: n.Pos


class _Scope:
    """Names visible at one point of the step; ``let`` adds to the innermost block only."""

    def __init__(self, names: dict[str, Symbol], parent: _Scope | None = None) -> None:
        self.names = names
        self.parent = parent

    def lookup(self, name: str) -> Symbol | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def all_names(self) -> list[str]:
        return list(self.names) + (self.parent.all_names() if self.parent else [])


def _type_name(t: str) -> str:
    return "a bool" if t == BOOL else "an int"


class Checker:
    """Walks the module once, keeping the set of outputs assigned so far on every path."""

    def __init__(self, module: n.Module, source: Source) -> None:
        self.module = module
        self.source = source

    def fail(self, message: str, pos: n.Pos | None, hint: str | None = None) -> Exception:
        return self.source.error(message, pos, hint)

    # ---- declarations
    def check(self) -> Spec:
        m = self.module
        globals_ = self._declare()
        self._check_counts()
        state_vars = [self._state_var(s) for s in m.states]
        constraint = m.constraints[0][0] if m.constraints else None
        if constraint is not None:
            constraint_scope = _Scope({k: s for k, s in globals_.items() if s.kind in ("input", "state")})
            self._expect(constraint, BOOL, constraint_scope, frozenset(), "the constraint")
        body, step_pos = m.steps[0]
        assigned = self._block(body, _Scope(dict(globals_)), frozenset())
        for name, _pos in m.outputs:
            if name not in assigned:
                raise self._unassigned(name, body, step_pos)
        return Spec(
            name=m.task_names[0][0] if m.task_names else PurePath(self.source.filename).stem,
            source=self.source.text,
            filename=self.source.filename,
            inputs=[InputDecl(i.name, 0.5 if i.p_true is None else i.p_true) for i in m.inputs],
            outputs=[name for name, _ in m.outputs],
            state_vars=state_vars,
            model=build_model(next((s for s in m.sections if s.kind == "model"), None), self.source),
            train=build_train(next((s for s in m.sections if s.kind == "train"), None), self.source),
            step=body,
            constraint=constraint,
            constraint_pos=m.constraints[0][1] if m.constraints else None,
            model_given=any(s.kind == "model" for s in m.sections),
        )

    def _check_counts(self) -> None:
        """Exactly one step block, at least one output, at most one of everything else."""
        m = self.module
        if len(m.task_names) > 1:
            raise self.fail("the task is named twice", m.task_names[1][1])
        if len(m.constraints) > 1:
            raise self.fail("only one constraint is allowed", m.constraints[1][1],
                            "combine the conditions with `and`")
        if not m.steps:
            raise self.fail("the spec has no `step { ... }` block", n.Pos(1, 1),
                            "add a step block that assigns every output")
        if len(m.steps) > 1:
            raise self.fail("only one step block is allowed", m.steps[1][1])
        if not m.outputs:
            raise self.fail("the spec declares no output", n.Pos(1, 1), "add `output y`")
        for kind in ("model", "train"):
            sections = [s for s in m.sections if s.kind == kind]
            if len(sections) > 1:
                raise self.fail(f"only one {kind} section is allowed", sections[1].pos)

    def _declare(self) -> dict[str, Symbol]:
        m = self.module
        table: dict[str, Symbol] = {}
        decls = [(i.name, "input", BOOL, i.pos) for i in m.inputs]
        decls += [(name, "output", BOOL, pos) for name, pos in m.outputs]
        decls += [(s.name, "state", BOOL if s.is_bool else INT, s.pos) for s in m.states]
        for name, kind, type_, pos in decls:
            if name in table:
                raise self.fail(f"`{name}` is already declared at line {table[name].pos.line}", pos)
            table[name] = Symbol(kind, type_, pos)
        for item in m.inputs:
            if item.option is not None and item.option != "p":
                raise self.fail(f"unknown input option `{item.option}`", item.pos,
                                "the only option is the probability of true, as in `x(p=0.3)`")
            if item.p_true is not None and not 0.0 <= item.p_true <= 1.0:
                raise self.fail(f"probability {item.p_true:g} of `{item.name}` is not in 0..1", item.pos)
        return table

    def _state_var(self, s: n.StateDecl) -> StateVar:
        init = s.init
        if isinstance(init, n.Unary) and init.op == "-" and isinstance(init.operand, n.Lit):
            init = n.Lit(-init.operand.value, init.pos)
        if not isinstance(init, n.Lit):
            raise self.fail(f"the initial value of `{s.name}` must be a literal", s.init.pos)
        want = BOOL if s.is_bool else INT
        got = BOOL if isinstance(init.value, bool) else INT
        if got != want:
            raise self.fail(f"`{s.name}` is {_type_name(want)} but its initial value is {_type_name(got)}",
                            init.pos)
        if max(abs(s.lo), abs(s.hi)) >= INT_LIMIT:
            raise self.fail(f"the range of `{s.name}` must stay within ±{INT_LIMIT - 1}", s.pos)
        if s.lo > s.hi:
            raise self.fail(f"the range {s.lo}..{s.hi} of `{s.name}` is empty", s.pos,
                            "write the smaller bound first")
        value = int(init.value)
        if not s.lo <= value <= s.hi:
            raise self.fail(f"initial value {value} of `{s.name}` is outside its range {s.lo}..{s.hi}",
                            init.pos)
        return StateVar(s.name, s.lo, s.hi, value, s.is_bool)

    # ---- statements
    def _block(self, body: tuple[n.Stmt, ...], scope: _Scope, assigned: frozenset[str]) -> frozenset[str]:
        for stmt in body:
            if isinstance(stmt, n.Assign):
                assigned = self._assign(stmt, scope, assigned)
            else:
                assigned = self._if(stmt, scope, assigned)
        return assigned

    def _assign(self, stmt: n.Assign, scope: _Scope, assigned: frozenset[str]) -> frozenset[str]:
        existing = scope.lookup(stmt.target)
        if stmt.declares:
            if existing is not None:
                raise self.fail(f"`{stmt.target}` is already declared at line {existing.pos.line}", stmt.pos,
                                "assign it without `let`, or pick another name")
            value_type = self._expr(stmt.value, scope, assigned)
            scope.names[stmt.target] = Symbol("local", value_type, stmt.pos)
            return assigned
        if existing is None:
            raise self._unknown(stmt.target, stmt.pos, scope,
                                f"declare a local with `let {stmt.target} = ...`")
        if existing.kind == "input":
            raise self.fail(f"cannot assign to input `{stmt.target}`", stmt.pos,
                            "inputs are read-only; store the value in a state variable or a `let` local")
        self._expect(stmt.value, existing.type, scope, assigned, f"`{stmt.target}`")
        return assigned | {stmt.target} if existing.kind == "output" else assigned

    def _if(self, stmt: n.If, scope: _Scope, assigned: frozenset[str]) -> frozenset[str]:
        results = []
        for branch in stmt.branches:
            if branch.test is not None:
                self._expect(branch.test, BOOL, scope, assigned, f"the {branch.kind} condition")
            results.append(self._block(branch.body, _Scope({}, scope), assigned))
        if not stmt.has_else:
            results.append(assigned)
        return frozenset.intersection(*results)

    # ---- expressions
    def _expect(self, expr: n.Expr, want: str, scope: _Scope, assigned: frozenset[str], what: str) -> None:
        got = self._expr(expr, scope, assigned)
        if got != want:
            hint = "compare it, e.g. `n != 0`" if want == BOOL else "convert with `int(b)`"
            if what in ("`&`", "`|`", "`^`"):
                hint = f"for bools write `and`, `or`, `xor`; to use a bool as 0/1 in {what}, {hint}"
            raise self.fail(f"{what} needs {_type_name(want)}, but this is {_type_name(got)}", expr.pos, hint)

    def _expr(self, e: n.Expr, scope: _Scope, assigned: frozenset[str]) -> str:
        if isinstance(e, n.Lit):
            if isinstance(e.value, bool):
                return BOOL
            if e.value >= INT_LIMIT:
                raise self.fail(f"integer literal {e.value} is too large (limit {INT_LIMIT - 1})", e.pos)
            return INT
        if isinstance(e, n.Var):
            sym = scope.lookup(e.name)
            if sym is None:
                raise self._unknown(e.name, e.pos, scope, None)
            if sym.kind == "output" and e.name not in assigned:
                raise self.fail(f"output `{e.name}` is read before it is assigned on every path", e.pos,
                                "assign the output first, or keep the value in a `let` local")
            return sym.type
        if isinstance(e, n.Unary):
            want = BOOL if e.op == "not" else INT
            self._expect(e.operand, want, scope, assigned, f"`{e.op}`")
            return want
        if isinstance(e, n.Call):
            return self._call(e, scope, assigned)
        if isinstance(e, n.Cond):
            self._expect(e.test, BOOL, scope, assigned, "the condition of `?`")
            then = self._expr(e.then, scope, assigned)
            self._expect(e.other, then, scope, assigned, "the `:` branch (like the `?` branch)")
            return then
        if e.op in ("==", "!="):
            left = self._expr(e.left, scope, assigned)
            self._expect(e.right, left, scope, assigned, f"`{e.op}` (like its left operand)")
            return BOOL
        operand = BOOL if e.op in _LOGIC_OPS else INT
        self._expect(e.left, operand, scope, assigned, f"`{e.op}`")
        self._expect(e.right, operand, scope, assigned, f"`{e.op}`")
        if e.op in ("%", "//") and isinstance(e.right, n.Lit) and e.right.value == 0:
            raise self.fail("modulo by zero" if e.op == "%" else "division by zero", e.right.pos)
        return INT if e.op in _ARITH_OPS else BOOL

    def _call(self, e: n.Call, scope: _Scope, assigned: frozenset[str]) -> str:
        if e.name not in FUNCTIONS:
            close = difflib.get_close_matches(e.name, FUNCTIONS, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"the functions are {', '.join(FUNCTIONS)}"
            raise self.fail(f"unknown function `{e.name}`", e.pos, hint)
        takes, gives, fewest, most = FUNCTIONS[e.name]
        if len(e.args) < fewest or (most is not None and len(e.args) > most):
            wanted = f"exactly {fewest}" if fewest == most else f"at least {fewest}"
            raise self.fail(f"`{e.name}` takes {wanted} argument{'s' if fewest != 1 else ''}, got {len(e.args)}",
                            e.pos)
        for arg in e.args:
            self._expect(arg, takes, scope, assigned, f"an argument of `{e.name}`")
        return gives

    def _unknown(self, name: str, pos: n.Pos, scope: _Scope, hint: str | None) -> Exception:
        close = difflib.get_close_matches(name, scope.all_names(), n=1)
        return self.fail(f"unknown name `{name}`", pos, f"did you mean `{close[0]}`?" if close else hint)

    # ---- "assigned on every path" witness
    def _unassigned(self, name: str, body: tuple[n.Stmt, ...], step_pos: n.Pos) -> Exception:
        path = _missing_path(body, name)
        if not path:
            return self.fail(f"output `{name}` is never assigned in the step block", step_pos,
                             f"every output needs a value at every step, e.g. `{name} = false`")
        where = ", inside ".join(text for text, _ in reversed(path))
        return self.fail(f"output `{name}` is not assigned on every path: it is missing in {where}", path[-1][1],
                         "assign it in that branch too, or once before the `if`")


def _assigns_anywhere(stmt: n.Stmt, name: str) -> bool:
    if isinstance(stmt, n.Assign):
        return stmt.target == name and not stmt.declares
    return any(_assigns_anywhere(s, name) for b in stmt.branches for s in b.body)


def _always_assigns(stmt: n.Stmt, name: str) -> bool:
    if isinstance(stmt, n.Assign):
        return stmt.target == name and not stmt.declares
    return stmt.has_else and all(any(_always_assigns(s, name) for s in b.body) for b in stmt.branches)


def _missing_path(body: tuple[n.Stmt, ...], name: str) -> list[tuple[str, n.Pos]]:
    """Outermost-first description of one path through ``body`` that never assigns ``name``.

    Empty when no statement assigns it at all. Called only when no statement always assigns it,
    so the first ``if`` that assigns it somewhere has a branch (maybe the missing ``else``) that
    does not.
    """
    for stmt in body:
        if not isinstance(stmt, n.If) or not _assigns_anywhere(stmt, name):
            continue
        for branch in stmt.branches:
            if not any(_always_assigns(s, name) for s in branch.body):
                kind = "then" if branch.kind == "if" else branch.kind
                label = f"the {kind} branch of the if at line {stmt.pos.line}"
                return [(label, branch.pos), *_missing_path(branch.body, name)]
        return [(f"the missing else of the if at line {stmt.pos.line}", stmt.pos)]
    return []


def check_module(module: n.Module, source: Source) -> Spec:
    """Check ``module`` and build its :class:`Spec`; raises the first problem found."""
    return Checker(module, source).check()
