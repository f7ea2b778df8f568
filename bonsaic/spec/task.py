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
class StateVar:
    """A state variable with inclusive bounds; a bool is the range 0..1 with ``is_bool`` set."""

    name: str
    lo: int
    hi: int
    init: int
    is_bool: bool

    def describe(self) -> str:
        """``bool`` or ``lo..hi``, as written in the source."""
        return "bool" if self.is_bool else f"{self.lo}..{self.hi}"


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
    model_given: bool = True  # False: no `model` section, so the model is sized from the task (spec/sizing.py)

    def describe_state(self, values: tuple[int, ...] | list[int]) -> str:
        """``depth=3, open=true`` for a state tuple, for messages."""
        parts = [f"{v.name}={_show(v.is_bool, x)}" for v, x in zip(self.state_vars, values, strict=True)]
        return ", ".join(parts) or "(no state)"

    @staticmethod
    def describe_state_var(var: StateVar, value: int) -> str:
        """``true``/``false`` for a bool variable, the number otherwise."""
        return _show(var.is_bool, value)

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
