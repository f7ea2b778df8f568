"""The checked task spec: what :func:`~bonsaic.spec.load_spec` returns and every stage reads."""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.spec import nodes as n
from bonsaic.spec.config import ModelConfig, TrainConfig
from bonsaic.spec.errors import Source


@dataclass(frozen=True)
class InputDecl:
    """An input bit and the probability that generated data sets it to true."""

    name: str
    p_true: float = 0.5


@dataclass(frozen=True)
class EnumType:
    """An enumeration; a state of this type stores member ``k`` as the integer ``k`` (declaration
    order), so exploration, tables and data generation see a plain range ``0..len(members)-1``."""

    name: str | None  # None: written inline as one state's type, `state s: {a, b} = a`
    members: tuple[str, ...]

    @property
    def label(self) -> str:
        """``Mode`` for a declared enum, ``{a, b}`` for an inline one: how messages name the type."""
        return self.name or "{" + ", ".join(self.members) + "}"

    def describe(self) -> str:
        """``Mode {a, b}`` or ``{a, b}``: the type with its members."""
        listed = "{" + ", ".join(self.members) + "}"
        return f"{self.name} {listed}" if self.name else listed


@dataclass(frozen=True)
class StateVar:
    """A state variable with inclusive bounds; a bool is the range 0..1 with ``is_bool`` set, an
    enum the range 0..n-1 with ``enum`` set."""

    name: str
    lo: int
    hi: int
    init: int
    is_bool: bool
    enum: EnumType | None = None

    def describe(self) -> str:
        """``bool``, ``lo..hi`` or the enum type, as written in the source."""
        if self.enum is not None:
            return self.enum.describe()
        return "bool" if self.is_bool else f"{self.lo}..{self.hi}"

    def show(self, value: int) -> str:
        """``true``/``false`` for a bool, the member's name for an enum, the number otherwise."""
        if self.enum is not None and 0 <= value < len(self.enum.members):
            return self.enum.members[int(value)]
        return _show(self.is_bool, value)


@dataclass(frozen=True)
class Spec:
    """A type-checked task: declarations, the step body and the settings after defaults.

    ``step`` and ``constraint`` are syntax trees that passed the checker, so the interpreter can
    run them without re-checking names or types; only integer ranges remain to check at run time.
    """

    name: str
    source: str
    filename: str
    inputs: list[InputDecl]
    outputs: list[str]
    state_vars: list[StateVar]
    model: ModelConfig
    train: TrainConfig
    step: tuple[n.Stmt, ...]
    constraint: n.Expr | None
    constraint_pos: n.Pos | None
    model_given: bool = True  # False: no cell(...) in a `model` section, so the cells are sized from the task (spec/sizing.py)
    steps_given: bool = True  # False: the `train` section (if any) leaves `steps` at its default
    enums: tuple[EnumType, ...] = ()  # every enum, declared or inline, in source order

    def describe_state(self, values: tuple[int, ...] | list[int]) -> str:
        """``depth=3, open=true, mode=nor`` for a state tuple, for messages."""
        parts = [f"{v.name}={v.show(x)}" for v, x in zip(self.state_vars, values, strict=True)]
        return ", ".join(parts) or "(no state)"

    @staticmethod
    def describe_state_var(var: StateVar, value: int) -> str:
        """``true``/``false`` for a bool variable, the member for an enum, the number otherwise."""
        return var.show(value)

    @property
    def constants(self) -> dict[str, int]:
        """Every enum member with the integer that stands for it (its index in its enum)."""
        return {member: k for enum in self.enums for k, member in enumerate(enum.members)}

    def describe_inputs(self, values: tuple[bool, ...] | list[bool]) -> str:
        """``a=true, b=false`` for an input vector, for messages."""
        parts = [f"{d.name}={_show(True, x)}" for d, x in zip(self.inputs, values, strict=True)]
        return ", ".join(parts) or "(no inputs)"

    @property
    def located(self) -> Source:
        """The source text with its file name, for located runtime errors."""
        return Source(self.source, self.filename)


def _show(is_bool: bool, value: int | bool) -> str:
    return ("true" if value else "false") if is_bool else str(int(value))
