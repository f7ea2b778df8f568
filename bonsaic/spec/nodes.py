"""The syntax tree of a ``.bns`` file: plain frozen dataclasses, each with its 1-based line/column.

Positions travel with every node so the checker and the interpreter can point at the exact
expression or assignment that is wrong, long after parsing.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    """Where a node starts in the source (1-based)."""

    line: int
    col: int


# ---- expressions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lit:
    """An integer or boolean literal."""

    value: bool | int
    pos: Pos


@dataclass(frozen=True)
class Var:
    """A read of an input, output, state variable or local."""

    name: str
    pos: Pos


@dataclass(frozen=True)
class Unary:
    """``not e`` or ``-e``."""

    op: str
    operand: Expr
    pos: Pos


@dataclass(frozen=True)
class Binary:
    """``l op r`` for the logical, comparison and integer operators."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Cond:
    """The conditional expression ``test ? then : other``."""

    test: Expr
    then: Expr
    other: Expr
    pos: Pos


@dataclass(frozen=True)
class Call:
    """A built-in function: ``int(b)`` (0 or 1), ``count(b1, b2, ...)`` (how many are true),
    ``min(a, b, ...)``, ``max(a, b, ...)``."""

    name: str
    args: tuple[Expr, ...]
    pos: Pos


@dataclass(frozen=True)
class Arm:
    """One arm of a ``match``: ``a, b => value``; ``labels`` is empty for ``else => value``.

    Labels are expressions (enum members as :class:`Var`, integers as :class:`Lit`) so the checker
    types them and the evaluator computes them like any other operand.
    """

    labels: tuple[Var | Lit, ...]
    value: Expr
    pos: Pos

    @property
    def is_else(self) -> bool:
        return not self.labels


@dataclass(frozen=True)
class Match:
    """``match subject { a => x, b, c => y, else => z }``: a table from an enum's members (or
    integers) to values, checked to cover every member."""

    subject: Expr
    arms: tuple[Arm, ...]
    pos: Pos


Expr = Lit | Var | Unary | Binary | Cond | Call | Match

# ---- statements --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assign:
    """``target = value``; ``declares`` is true for ``let target = value`` (a new local)."""

    target: str
    value: Expr
    declares: bool
    pos: Pos


@dataclass(frozen=True)
class Branch:
    """One arm of an ``if``: its condition (None for ``else``) and body."""

    kind: str  # "if" | "elif" | "else"
    test: Expr | None
    body: tuple[Stmt, ...]
    pos: Pos


@dataclass(frozen=True)
class If:
    """``if ... elif ... else ...``; without an ``else`` the last branch has a test."""

    branches: tuple[Branch, ...]
    pos: Pos

    @property
    def has_else(self) -> bool:
        return self.branches[-1].test is None


Stmt = Assign | If

# ---- top level ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class InputItem:
    """``name`` or ``name(p=0.3)``; ``option`` is the name before ``=`` (checked to be ``p``)."""

    name: str
    option: str | None
    p_true: float | None
    pos: Pos


@dataclass(frozen=True)
class EnumDecl:
    """``enum Name { a, b, c }`` (``name`` None: an inline ``{a, b, c}`` state type)."""

    name: str | None
    members: tuple[tuple[str, Pos], ...]
    pos: Pos


@dataclass(frozen=True)
class StateDecl:
    """``state name: bool = init``, ``state name: lo..hi = init``, ``state name: Enum = member``
    (``type_name`` set) or ``state name: {a, b} = a`` (``inline`` set)."""

    name: str
    is_bool: bool
    lo: int
    hi: int
    init: Expr
    pos: Pos
    type_name: tuple[str, Pos] | None = None
    inline: EnumDecl | None = None


@dataclass(frozen=True)
class Value:
    """A setting's value in ``model``/``train``: a number, bool, bare name or call."""

    kind: str  # "number" | "bool" | "name" | "call"
    data: float | int | bool | str
    args: tuple[Arg, ...] = ()
    pos: Pos = field(default=Pos(0, 0))


@dataclass(frozen=True)
class Arg:
    """A call argument, positional (``key`` None) or by keyword."""

    key: str | None
    value: Value
    pos: Pos


@dataclass(frozen=True)
class Setting:
    """``key = value``, a bare call ``cell(...)`` (key None) or ``at 500: lr *= 0.5``."""

    kind: str  # "assign" | "call" | "schedule"
    key: str | None
    value: Value
    pos: Pos
    at_step: int = 0


@dataclass(frozen=True)
class Section:
    """A ``model { ... }`` or ``train { ... }`` block."""

    kind: str
    settings: tuple[Setting, ...]
    pos: Pos


@dataclass(frozen=True)
class Module:
    """Everything a file declares, in source order per kind."""

    task_names: tuple[tuple[str, Pos], ...]
    inputs: tuple[InputItem, ...]
    outputs: tuple[tuple[str, Pos], ...]
    states: tuple[StateDecl, ...]
    enums: tuple[EnumDecl, ...]
    constraints: tuple[tuple[Expr, Pos], ...]
    steps: tuple[tuple[tuple[Stmt, ...], Pos], ...]
    sections: tuple[Section, ...]
