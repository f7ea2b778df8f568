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
from bonsaic.spec.task import EnumType, InputDecl, Spec, StateVar
from bonsaic.spec.types import BOOL, INT, enum_type, is_enum, members_text, mismatch_hint, type_name

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
    """A declared name: what it is (input/output/state/local/member), its type and where it was declared."""

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


_KIND_NAMES = {"input": "an input", "output": "an output", "state": "a state variable", "local": "a local"}


def _type_name(t: str) -> str:
    return type_name(t)


class Checker:
    """Walks the module once, keeping the set of outputs assigned so far on every path."""

    def __init__(self, module: n.Module, source: Source) -> None:
        self.module = module
        self.source = source
        self.enums: dict[str, EnumType] = {}  # checker type -> enum, declared and inline
        self.named_enums: dict[str, tuple[EnumType, n.Pos]] = {}
        self.state_types: dict[str, str] = {}  # state variable -> its checker type
        self.registered: dict[n.EnumDecl, str] = {}

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
            constraint_scope = _Scope({k: s for k, s in globals_.items() if s.kind in ("input", "state", "member")})
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
            # a model section without cell(...) (only binary_states, say) still has its cells sized
            model_given=any(s.kind == "model" and any(x.kind == "call" for x in s.settings) for s in m.sections),
            steps_given=any(s.kind == "train" and any(x.kind == "assign" and x.key == "steps" for x in s.settings)
                            for s in m.sections),
            enums=tuple(self.enums.values()),
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
        enum_decls = self._enum_decls()  # first, so states can name enums declared after them
        decls = [(i.name, "input", BOOL, i.pos) for i in m.inputs]
        decls += [(name, "output", BOOL, pos) for name, pos in m.outputs]
        decls += [(s.name, "state", self._state_type(s), s.pos) for s in m.states]
        for enum_decl, type_ in enum_decls:
            decls += [(member, "member", type_, pos) for member, pos in enum_decl.members]
        if any(kind == "member" for _, kind, _, _ in decls):  # report the later of two clashing names
            decls.sort(key=lambda d: (d[3].line, d[3].col))
        for name, kind, type_, pos in decls:
            if name in table:
                first = table[name]
                if "member" in (kind, first.kind):
                    hint = ("enum members share one namespace with inputs, outputs, states and locals; "
                            "rename one of them")
                    if kind == first.kind:
                        hint = ("a member belongs to one enum; for states with the same members, declare "
                                "`enum Name { ... }` once and give every such state the type `Name`")
                    raise self.fail(f"`{name}` is already declared at line {first.pos.line} as "
                                    f"{self._describe(first)}", pos, hint)
                raise self.fail(f"`{name}` is already declared at line {table[name].pos.line}", pos)
            table[name] = Symbol(kind, type_, pos)
        for item in m.inputs:
            if item.option is not None and item.option != "p":
                raise self.fail(f"unknown input option `{item.option}`", item.pos,
                                "the only option is the probability of true, as in `x(p=0.3)`")
            if item.p_true is not None and not 0.0 <= item.p_true <= 1.0:
                raise self.fail(f"probability {item.p_true:g} of `{item.name}` is not in 0..1", item.pos)
        return table

    def _describe(self, sym: Symbol) -> str:
        """``an input``, ``a member of `Mode```, ... for messages about a clash of names."""
        if sym.kind == "member":
            return f"a member of `{self.enums[sym.type].label}`"
        return _KIND_NAMES[sym.kind]

    def _enum_decls(self) -> list[tuple[n.EnumDecl, str]]:
        """Every enum, declared and inline, in source order, with its checker type."""
        decls = [*self.module.enums, *(s.inline for s in self.module.states if s.inline is not None)]
        decls.sort(key=lambda d: (d.pos.line, d.pos.col))
        return [(d, self._enum(d)) for d in decls]

    def _enum(self, decl: n.EnumDecl) -> str:
        """Register ``decl`` (once) and return its checker type; duplicate members are an error."""
        if decl in self.registered:
            return self.registered[decl]
        enum = EnumType(decl.name, tuple(member for member, _ in decl.members))
        type_ = enum_type(enum)
        seen: dict[str, n.Pos] = {}
        for member, pos in decl.members:
            if member in seen:
                raise self.fail(f"`{member}` is listed twice in `{enum.label}`", pos, "remove one of them")
            seen[member] = pos
        if decl.name is not None:
            if decl.name in self.named_enums:
                line = self.named_enums[decl.name][1].line
                raise self.fail(f"enum `{decl.name}` is already declared at line {line}", decl.pos,
                                "give the second one another name")
            self.named_enums[decl.name] = (enum, decl.pos)
        self.enums[type_] = enum
        self.registered[decl] = type_
        return type_

    def _state_type(self, s: n.StateDecl) -> str:
        if s.inline is not None:
            type_ = self._enum(s.inline)
        elif s.type_name is not None:
            name, pos = s.type_name
            if name not in self.named_enums:
                close = difflib.get_close_matches(name, self.named_enums, n=1)
                hint = (f"did you mean `{close[0]}`?" if close else
                        f"declare it with `enum {name} {{ a, b }}`, or write `bool`, a range `0..7` or "
                        "members `{a, b}`")
                if name == "int":
                    hint = "an integer state needs its bounds, as in `state n: 0..7 = 0`"
                raise self.fail(f"unknown type `{name}`", pos, hint)
            type_ = enum_type(self.named_enums[name][0])
        else:
            type_ = BOOL if s.is_bool else INT
        self.state_types[s.name] = type_
        return type_

    def _enum_init(self, s: n.StateDecl, enum: EnumType) -> int:
        """The index of the member that ``s`` starts at; its initial value must name one."""
        init = s.init
        if not isinstance(init, n.Var):
            got = "not a member name"
            if isinstance(init, n.Lit):
                got = _type_name(BOOL if isinstance(init.value, bool) else INT)
            raise self.fail(f"`{s.name}` is {_type_name(enum_type(enum))} but its initial value is {got}",
                            init.pos, f"start it at one of its members: {members_text(enum)}")
        if init.name in enum.members:
            return enum.members.index(init.name)
        raise self._not_member(init.name, init.pos, enum)

    def _not_member(self, name: str, pos: n.Pos, enum: EnumType) -> Exception:
        other = next((e for e in self.enums.values() if name in e.members), None)
        if other is not None:
            return self.fail(f"`{name}` is a member of `{other.label}`, not of `{enum.label}`", pos,
                             members_text(enum))
        close = difflib.get_close_matches(name, enum.members, n=1)
        return self.fail(f"`{name}` is not a member of `{enum.label}`", pos,
                         f"did you mean `{close[0]}`?" if close else members_text(enum))

    def _state_var(self, s: n.StateDecl) -> StateVar:
        type_ = self.state_types[s.name]
        if is_enum(type_):
            enum = self.enums[type_]
            return StateVar(s.name, 0, len(enum.members) - 1, self._enum_init(s, enum), False, enum)
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
            if existing is not None and existing.kind == "member":
                raise self.fail(f"`{stmt.target}` is already declared at line {existing.pos.line} as "
                                f"{self._describe(existing)}", stmt.pos, "pick another name for the local")
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
        if existing.kind == "member":
            holder = next((name for name, t in self.state_types.items() if t == existing.type), "s")
            raise self.fail(f"cannot assign to `{stmt.target}`, a member of `{self.enums[existing.type].label}`",
                            stmt.pos, f"members are constants; to change a state write `{holder} = {stmt.target}`")
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
        if is_enum(want) and isinstance(expr, n.Var) and scope.lookup(expr.name) is None:
            raise self._not_member(expr.name, expr.pos, self.enums[want])  # `mode == nro`: say which enum
        got = self._expr(expr, scope, assigned)
        if got != want:
            raise self.fail(f"{what} needs {_type_name(want)}, but this is {_type_name(got)}", expr.pos,
                            mismatch_hint(want, got, what, self.enums))

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
        if isinstance(e, n.Match):
            return self._match(e, scope, assigned)
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

    def _match(self, e: n.Match, scope: _Scope, assigned: frozenset[str]) -> str:
        """A ``match``: labels of the subject's type, each once, every case covered (or an ``else``)
        unless ``else`` would be dead; all arms of one type, which is the result's."""
        subject = self._expr(e.subject, scope, assigned)
        if subject == BOOL:
            raise self.fail("`match` needs an enum value or an int, but this is a bool", e.subject.pos,
                            "for a bool write `c ? a : b`")
        domain, domain_text = self._match_domain(e.subject, subject)
        seen: dict[int, n.Pos] = {}
        result: str | None = None
        for k, arm in enumerate(e.arms):
            if arm.is_else and k != len(e.arms) - 1:
                raise self.fail("the `else` arm must come last", arm.pos, "move it after the other arms")
            for label in arm.labels:
                value = self._label(label, subject, scope, domain, domain_text)
                if value in seen:
                    raise self.fail(f"`{_label_text(label)}` is already handled at line {seen[value].line}",
                                    label.pos, "each case may appear in only one arm")
                seen[value] = label.pos
            if result is None:
                result = self._expr(arm.value, scope, assigned)
            else:
                self._expect(arm.value, result, scope, assigned, "this arm (like the first arm)")
        assert result is not None  # the grammar asks for at least one arm
        missing = [v for v in domain if v not in seen] if domain is not None else None
        if e.arms[-1].is_else:
            if missing == []:
                raise self.fail(f"every case of {domain_text} is already handled, so the `else` arm never runs",
                                e.arms[-1].pos, "remove the `else` arm")
        elif missing is None:
            raise self.fail("a `match` on this int needs an `else => ...` arm", e.pos,
                            "only a match on an enum value or on a bounded state variable can list every case")
        elif missing:
            shown = ", ".join(f"`{self._case_text(subject, v)}`" for v in missing[:8])
            raise self.fail(f"`match` does not handle {shown}{', ...' if len(missing) > 8 else ''}", e.pos,
                            "add arms for them, or an `else => ...` arm")
        return result

    def _match_domain(self, subject_expr: n.Expr, subject: str) -> tuple[list[int] | None, str]:
        """Every value the subject can take (None: any int) and how to name that set."""
        if is_enum(subject):
            enum = self.enums[subject]
            return list(range(len(enum.members))), f"`{enum.label}`"
        state = next((s for s in self.module.states if isinstance(subject_expr, n.Var)
                      and s.name == subject_expr.name and self.state_types.get(s.name) == INT), None)
        if state is None:
            return None, "an int"
        return list(range(state.lo, state.hi + 1)), f"`{state.name}` ({state.lo}..{state.hi})"

    def _label(self, label: n.Var | n.Lit, subject: str, scope: _Scope, domain: list[int] | None,
               domain_text: str) -> int:
        """The value a ``match`` label stands for; it must be a member (enum) or an integer (int)."""
        if is_enum(subject):
            enum = self.enums[subject]
            if isinstance(label, n.Lit):
                raise self.fail(f"a `match` on {_type_name(subject)} takes its members as labels, not numbers",
                                label.pos, members_text(enum))
            if label.name in enum.members:
                return enum.members.index(label.name)
            raise self._not_member(label.name, label.pos, enum)
        if isinstance(label, n.Var):
            raise self.fail(f"a `match` on an int takes integers as labels, but `{label.name}` is a name",
                            label.pos, "an enum member matches only a value of its enum")
        self._expr(label, scope, frozenset())  # the literal's size
        value = int(label.value)
        if domain is not None and value not in domain:
            raise self.fail(f"`{value}` is outside the range of {domain_text}", label.pos, "this arm could never run")
        return value

    def _case_text(self, subject: str, value: int) -> str:
        return self.enums[subject].members[value] if is_enum(subject) else str(value)

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


def _label_text(label: n.Var | n.Lit) -> str:
    return label.name if isinstance(label, n.Var) else str(label.value)


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
