"""The ``model`` and ``train`` sections: typed settings with the seed post's defaults.

Both sections are optional and every setting has a default, so a spec that only describes the
task is complete. The grammar accepts any ``name = value`` / ``name(...)``; this module decides
what is meaningful and says so (with a "did you mean" hint) when it is not.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field, replace

from bonsaic.ir.activations import TRAINABLE_KINDS, Activation
from bonsaic.spec import nodes as n
from bonsaic.spec.errors import Source

INITIALIZERS = ("glorot_uniform", "glorot_normal", "kaiming_uniform", "kaiming_normal", "normal", "uniform", "zeros")
OPTIMIZERS = ("adam", "adamw", "sgd")
DATA_MIXES = ("covering", "iid")  # see bonsaic.spec.datagen
SCHEDULE_TARGETS = ("lr", "reg")


@dataclass(frozen=True)
class CellConfig:
    """One recurrent cell: its output width, its state size, activation and weight initializer."""

    outputs: int = 8
    states: int = 4
    activation: Activation = field(default_factory=Activation.interpolated_ameo)
    initializer: str = "glorot_normal"


@dataclass(frozen=True)
class ModelConfig:
    """The stacked cells and the activation of the dense output layer."""

    cells: list[CellConfig] = field(default_factory=lambda: [CellConfig()])
    dense_activation: Activation = field(default_factory=Activation.interpolated_ameo)
    # every state is the sign of its cell's Ameo (exactly +-1): a finite machine the verifier's
    # exploration always closes on (docs/train.md, "Binary states")
    binary_states: bool = False
    binary_given: bool = False  # the spec says binary_states itself (sizing and escalation then keep it)


@dataclass(frozen=True)
class RegularizerConfig:
    """The post's sparse regularizer: ``intensity * tanh-cutoff(threshold, steepness) + l1 * |w|``."""

    intensity: float = 0.05
    threshold: float = 0.025
    steepness: float = 10.0
    l1: float = 0.001
    biases: bool = True


@dataclass(frozen=True)
class PruneConfig:
    """Pruning while training: once a restart is solved, every ``every`` steps its ``rate`` share of
    remaining weights with the smallest magnitude is fixed at zero (``bonsaic/train/prune.py``)."""

    every: int = 500
    rate: float = 0.1


@dataclass(frozen=True)
class ScheduleEvent:
    """At training step ``step``, multiply the learning rate (``lr``) or regularizer (``reg``)."""

    step: int
    target: str
    factor: float


def _default_schedule() -> list[ScheduleEvent]:
    return [ScheduleEvent(500, "reg", 0.8), ScheduleEvent(1000, "reg", 0.6), ScheduleEvent(2500, "lr", 0.5)]


@dataclass(frozen=True)
class TrainConfig:
    """How to train: optimizer, data shape, length of the run, schedule, seed and restarts.

    ``patience`` is the number of steps without a new best loss after which a run gives up and
    the next restart begins; 0 means never give up early. ``state_noise`` is the standard deviation
    of Gaussian noise added to every state a cell reads during training (0: none). ``prune`` is
    None unless the section asks for pruning while training. ``data`` is the mix of training and
    validation sequences (:mod:`bonsaic.spec.datagen`): ``covering`` (default) holds inputs and
    repeats short words so that rarely visited states appear; ``iid`` draws every step independently.
    ``reseed``: every this many steps (until 60% of the run), each restart never solved so far starts
    afresh with new weights (:mod:`bonsaic.train.reseed`); 0 turns it off. ``carry``: training
    sequences continue from where the previous step's ended (data and network state both) for this
    many steps in a row before starting afresh, so a network sees states up to ``carry x length``
    steps deep at the cost of ``length``; 0 or 1 turns it off.
    """

    regularizer: RegularizerConfig = field(default_factory=RegularizerConfig)
    optimizer: str = "adam"
    lr: float = 0.01
    batch: int = 256  # per restart: 4 x 256 sequences per step, as many as 1 x 1024 (measured: docs/train.md)
    length: int = 20
    steps: int = 5000
    schedule: list[ScheduleEvent] = field(default_factory=_default_schedule)
    seed: int = 0
    restarts: int = 4
    patience: int = 0
    state_noise: float = 0.0
    prune: PruneConfig | None = None
    data: str = "covering"
    reseed: int = 1000
    carry: int = 0


class _Reader:
    """Turns setting values into Python values of an expected type, raising located errors."""

    def __init__(self, source: Source) -> None:
        self.source = source

    def fail(self, message: str, pos: n.Pos, hint: str | None = None) -> Exception:
        return self.source.error(message, pos, hint)

    def once(self, seen: set[str], key: str, pos: n.Pos) -> None:
        """Reject a setting given twice in one section (the second would silently win)."""
        if key in seen:
            raise self.fail(f"`{key}` is set twice", pos)
        seen.add(key)

    def unknown(self, what: str, key: str, known: tuple[str, ...], pos: n.Pos) -> Exception:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"known {what}s: {', '.join(known)}"
        return self.fail(f"unknown {what} `{key}`", pos, hint)

    def number(self, value: n.Value, key: str, *, integer: bool = False, positive: bool = False,
               at_least: float | None = None, at_most: float | None = None) -> float | int:
        if value.kind != "number" or (integer and not isinstance(value.data, int)):
            kind = "an integer" if integer else "a number"
            raise self.fail(f"`{key}` must be {kind}", value.pos)
        if not math.isfinite(value.data):
            raise self.fail(f"`{key}` must be finite", value.pos)
        if positive and value.data <= 0:
            raise self.fail(f"`{key}` must be positive, got {value.data}", value.pos)
        if at_least is not None and value.data < at_least:
            raise self.fail(f"`{key}` must be at least {at_least:g}, got {value.data}", value.pos)
        if at_most is not None and value.data > at_most:
            raise self.fail(f"`{key}` must be at most {_number(at_most)}, got {_number(value.data)}", value.pos,
                            LIMIT_HINTS.get(key, "a value this large cannot train on any machine"))
        return int(value.data) if integer else float(value.data)

    def boolean(self, value: n.Value, key: str) -> bool:
        if value.kind != "bool":
            raise self.fail(f"`{key}` must be `true` or `false`", value.pos)
        return bool(value.data)

    def choice(self, value: n.Value, key: str, choices: tuple[str, ...]) -> str:
        if value.kind != "name":
            raise self.fail(f"`{key}` must be one of {', '.join(choices)}", value.pos)
        if value.data not in choices:
            raise self.unknown(key, str(value.data), choices, value.pos)
        return str(value.data)

    def activation(self, value: n.Value, key: str) -> Activation:
        if value.kind not in ("name", "call"):
            raise self.fail(f"`{key}` must be an activation such as interpolated_ameo(0.5, 0.1)", value.pos)
        kind = str(value.data)
        if kind not in TRAINABLE_KINDS:
            raise self.unknown("activation", kind, TRAINABLE_KINDS, value.pos)
        params = {"interpolated_ameo": ("factor", "leakyness"), "leaky_ameo": ("leakyness",)}.get(kind, ())
        got = self.arguments(value, params)
        numbers = {k: float(self.number(v, k)) for k, v in got.items()}
        return Activation.make(kind, **numbers)

    def arguments(self, call: n.Value, params: tuple[str, ...]) -> dict[str, n.Value]:
        """Match positional and keyword arguments of ``call`` against ``params``."""
        got: dict[str, n.Value] = {}
        for index, arg in enumerate(call.args):
            key = arg.key
            if key is None:
                if index >= len(params):
                    raise self.fail(f"`{call.data}` takes at most {len(params)} argument(s)", arg.pos)
                key = params[index]
            elif key not in params:
                raise self.unknown(f"argument of {call.data}", key, params or ("(none)",), arg.pos)
            if key in got:
                raise self.fail(f"argument `{key}` given twice", arg.pos)
            got[key] = arg.value
        return got


def _number(value: float) -> str:
    """``1048576`` for a whole number (up to 1e15), ``1e+300`` otherwise."""
    return f"{int(value)}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"


def build_model(section: n.Section | None, source: Source) -> ModelConfig:
    """The ``model`` section after defaults (one default cell when no ``cell(...)`` is given)."""
    if section is None:
        return ModelConfig()
    read = _Reader(source)
    cells: list[CellConfig] = []
    config = ModelConfig()
    seen: set[str] = set()
    binary_at = section.pos
    for s in section.settings:
        if s.kind == "call" and s.value.data == "cell":
            if len(cells) == MAX_CELLS:
                raise read.fail(f"more than {MAX_CELLS} cells", s.pos, LIMIT_HINTS["cells"])
            cells.append(_cell(s.value, read))
        elif s.kind == "assign" and s.key == "dense_activation":
            read.once(seen, s.key, s.pos)
            config = replace(config, dense_activation=read.activation(s.value, "dense_activation"))
        elif s.kind == "assign" and s.key == "binary_states":
            read.once(seen, s.key, s.pos)
            config = replace(config, binary_states=read.boolean(s.value, "binary_states"), binary_given=True)
            binary_at = s.value.pos
        else:
            key = str(s.value.data) if s.kind == "call" else str(s.key)
            raise read.unknown("model setting", key, ("cell", "dense_activation", "binary_states"), s.pos)
    config = replace(config, cells=cells) if cells else config
    if config.binary_states and (bad := binary_states_problem(config)):
        raise read.fail(bad, binary_at, "binary states are the sign of the Ameo: use ameo, leaky_ameo or "
                        "interpolated_ameo in every cell, or drop binary_states")
    return config


def binary_states_problem(model: ModelConfig) -> str | None:
    """Why ``model`` cannot have binary states (None when it can): their sign is the Ameo's, and
    training passes the gradient through the cell's own Ameo, so every cell must use one."""
    for i, cell in enumerate(model.cells):
        if cell.activation.kind not in ("ameo", "leaky_ameo", "interpolated_ameo"):
            return f"binary_states needs an Ameo activation in every cell; cell {i} uses {cell.activation.text()}"
    return None


def _cell(call: n.Value, read: _Reader) -> CellConfig:
    got = read.arguments(call, ("outputs", "states", "activation", "initializer"))
    cell = CellConfig()
    for key in ("outputs", "states"):
        if key in got:
            value = read.number(got[key], key, integer=True, positive=True, at_most=MAX_CELL_WIDTH)
            cell = replace(cell, **{key: int(value)})
    if "activation" in got:
        cell = replace(cell, activation=read.activation(got["activation"], "activation"))
    if "initializer" in got:
        cell = replace(cell, initializer=read.choice(got["initializer"], "initializer", INITIALIZERS))
    return cell


# Sanity limits: far beyond anything that trains a bonsai, and small enough that a typo (an extra
# zero or five) is a located error here rather than an allocation failure or an hour-long compile
# later. Whether a configuration inside them fits this machine is estimated when training starts.
MAX_CELLS = 16
MAX_CELL_WIDTH = 4096
LIMIT_HINTS = {
    "cells": "each cell is compiled unrolled over the sequence length; bonsai networks use one or two",
    "outputs": "a cell this wide is no bonsai; the seed post's networks have 4 to 16 outputs per cell",
    "states": "a cell this wide is no bonsai; the seed post's networks have 2 to 10 states per cell",
    "batch": "sequences per step; 64 to 1024 is typical",
    "length": "steps per training sequence; the training step is compiled unrolled over it (20 is typical)",
    "restarts": "networks trained side by side in one model; 1 to 16 is typical",
    "steps": "training steps; a few thousand to a few hundred thousand is typical",
    "state_noise": "the standard deviation of noise added to the states, which live in [-1, 1]",
    "lr": "Adam's learning rate; 0.001 to 0.05 is typical",
    "seed": "any integer from 0 to 2**63 - 1",
    "reseed": "steps between fresh starts of restarts that have not solved the task (0: never)",
    "carry": "training steps a sequence continues for before it starts afresh (0 or 1: never continues)",
}
TRAIN_NUMBERS: dict[str, dict] = {
    "lr": {"positive": True, "at_most": 10.0},
    "batch": {"integer": True, "positive": True, "at_most": 2**20},
    "length": {"integer": True, "positive": True, "at_most": 10_000},
    "steps": {"integer": True, "at_least": 0, "at_most": 10**9},
    "seed": {"integer": True, "at_least": 0, "at_most": 2**63 - 1},
    "restarts": {"integer": True, "positive": True, "at_most": 1024},
    "patience": {"integer": True, "at_least": 0, "at_most": 10**9},
    "state_noise": {"at_least": 0, "at_most": 10.0},
    "reseed": {"integer": True, "at_least": 0, "at_most": 10**9},
    "carry": {"integer": True, "at_least": 0, "at_most": 1000},
}
_REGULARIZER_NUMBERS = ("intensity", "threshold", "steepness", "l1")
_TRAIN_KEYS = (*TRAIN_NUMBERS, "optimizer", "data", "regularizer", "prune")


def build_train(section: n.Section | None, source: Source) -> TrainConfig:
    """The ``train`` section after defaults; any ``at`` line replaces the default schedule."""
    if section is None:
        return TrainConfig()
    read = _Reader(source)
    config = TrainConfig()
    schedule: list[ScheduleEvent] = []
    seen: set[str] = set()
    for s in section.settings:
        if s.kind != "schedule":
            read.once(seen, str(s.value.data) if s.kind == "call" else str(s.key), s.pos)
        if s.kind == "schedule":
            if s.key not in SCHEDULE_TARGETS:
                raise read.unknown("schedule target", str(s.key), SCHEDULE_TARGETS, s.pos)
            factor = float(read.number(s.value, f"{s.key} factor", positive=True))
            schedule.append(ScheduleEvent(s.at_step, str(s.key), factor))
        elif s.kind == "call" and s.value.data == "regularizer":
            config = replace(config, regularizer=_regularizer(s.value, read))
        elif s.kind == "call" and s.value.data == "prune":
            config = replace(config, prune=_prune(s.value, read))
        elif s.kind == "assign" and s.key in TRAIN_NUMBERS:
            config = replace(config, **{s.key: read.number(s.value, s.key, **TRAIN_NUMBERS[s.key])})
        elif s.kind == "assign" and s.key == "optimizer":
            config = replace(config, optimizer=read.choice(s.value, "optimizer", OPTIMIZERS))
        elif s.kind == "assign" and s.key == "data":
            config = replace(config, data=read.choice(s.value, "data", DATA_MIXES))
        else:
            key = str(s.value.data) if s.kind == "call" else str(s.key)
            raise read.unknown("train setting", key, _TRAIN_KEYS, s.pos)
    if schedule:
        config = replace(config, schedule=sorted(schedule, key=lambda e: e.step))
    return config


def _regularizer(call: n.Value, read: _Reader) -> RegularizerConfig:
    got = read.arguments(call, (*_REGULARIZER_NUMBERS, "biases"))
    values: dict[str, float | bool] = {
        k: float(read.number(v, k, at_least=0)) for k, v in got.items() if k != "biases"
    }
    if "biases" in got:
        values["biases"] = read.boolean(got["biases"], "biases")
    return RegularizerConfig(**values)


def _prune(call: n.Value, read: _Reader) -> PruneConfig:
    got = read.arguments(call, ("every", "rate"))
    config = PruneConfig()
    if "every" in got:
        config = replace(config, every=int(read.number(got["every"], "every", integer=True, positive=True)))
    if "rate" in got:
        rate = float(read.number(got["rate"], "rate", positive=True))
        if rate >= 1:
            raise read.fail(f"`rate` must be below 1, got {rate:g}", got["rate"].pos,
                            "it is the share of the remaining weights one prune removes, e.g. 0.1")
        config = replace(config, rate=rate)
    return config
