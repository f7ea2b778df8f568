"""The settings a sweep may vary, as one table, and how a trial's values change a spec.

Every ``model`` / ``train`` setting of the DSL has a flat key here (``lr``, ``regularizer.intensity``,
``cell.states``, ...); its values are checked against the same limits the spec's own section uses
(:data:`bonsaic.spec.config.TRAIN_NUMBERS`), so a typo on the command line is the same clean error a
typo in the spec is, naming the key and the valid keys. Values are kept as plain JSON values (an
activation as its source text), so a trial's settings can be hashed, written to ``trials.jsonl`` and
sent to a worker on another machine.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.activations import TRAINABLE_KINDS, Activation
from bonsaic.spec.config import (
    DATA_MIXES,
    INITIALIZERS,
    MAX_CELL_WIDTH,
    OPTIMIZERS,
    TRAIN_NUMBERS,
    PruneConfig,
    binary_states_problem,
)

Value = int | float | str | bool


@dataclass(frozen=True)
class Key:
    """One setting a trial may override: its type and limits, and where it lives in the spec."""

    name: str
    kind: str  # "int", "float", "choice", "bool" or "activation"
    help: str
    limits: tuple[tuple[str, Any], ...] = ()  # positive / at_least / at_most, as in spec.config
    choices: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")


def _train_key(name: str, help: str) -> Key:
    limits = dict(TRAIN_NUMBERS[name])
    kind = "int" if limits.pop("integer", False) else "float"
    return Key(name, kind, help, tuple(limits.items()))


KEYS: dict[str, Key] = {k.name: k for k in (
    _train_key("steps", "training steps"),
    _train_key("seed", "random seed (initial weights and data)"),
    _train_key("restarts", "networks trained side by side in one trial"),
    _train_key("batch", "sequences per step and restart"),
    _train_key("length", "steps per training sequence"),
    _train_key("lr", "learning rate"),
    _train_key("patience", "steps without a better solved network before stopping (0: never)"),
    _train_key("state_noise", "std. of the noise added to every state while training"),
    _train_key("reseed", "steps between fresh starts of restarts that have not solved the task (0: never)"),
    _train_key("carry", "training steps a sequence continues for before it starts afresh (0: never)"),
    Key("optimizer", "choice", "optimizer", choices=OPTIMIZERS),
    Key("data", "choice", "data mix", choices=DATA_MIXES),
    Key("regularizer.intensity", "float", "weight of the sparsity term", (("at_least", 0),)),
    Key("regularizer.threshold", "float", "weights below this count as removable", (("at_least", 0),)),
    Key("regularizer.steepness", "float", "steepness of the tanh cut-off", (("at_least", 0),)),
    Key("regularizer.l1", "float", "L1 weight", (("at_least", 0),)),
    Key("regularizer.biases", "bool", "regularize the biases too"),
    Key("prune.every", "int", "steps between prunes while training", (("positive", True),)),
    Key("prune.rate", "float", "share of weights one prune removes (0: no pruning while training)",
        (("at_least", 0), ("below", 1))),
    Key("cell.outputs", "int", "outputs of every cell", (("positive", True), ("at_most", MAX_CELL_WIDTH))),
    Key("cell.states", "int", "states of every cell", (("positive", True), ("at_most", MAX_CELL_WIDTH))),
    Key("cell.activation", "activation", "activation of every cell, e.g. interpolated_ameo(0.5,0.1)"),
    Key("cell.initializer", "choice", "weight initializer of every cell", choices=INITIALIZERS),
    Key("dense_activation", "activation", "activation of the dense output layer"),
    Key("binary_states", "bool", "states are the sign of the cell's Ameo, exactly +-1"),
)}


def _fail(message: str, flag: str, hint: str | None = None) -> BonsaicError:
    return BonsaicError(message, filename=flag, hint=hint)


def lookup(name: str, flag: str) -> Key:
    """The key called ``name``; an error naming the valid keys (and the closest one) otherwise."""
    if name in KEYS:
        return KEYS[name]
    close = difflib.get_close_matches(name, list(KEYS), n=1)
    guess = f"did you mean `{close[0]}`? " if close else ""
    raise _fail(f"unknown setting `{name}`", flag, f"{guess}valid keys: {', '.join(KEYS)}")


def parse_value(key: Key, text: str, flag: str) -> Value:
    """``text`` as a value of ``key``, within its limits (BonsaicError naming the key otherwise)."""
    text = text.strip()
    if key.kind in ("int", "float"):
        try:
            number: float = int(text) if key.kind == "int" else float(text)
        except ValueError:
            kind = "an integer" if key.kind == "int" else "a number"
            raise _fail(f"`{key.name}` must be {kind}, got {text!r}", flag) from None
        return _within(key, number, flag)
    if key.kind == "choice":
        if text not in key.choices:
            raise _fail(f"`{key.name}` must be one of {', '.join(key.choices)}, got {text!r}", flag)
        return text
    if key.kind == "bool":
        if text.lower() not in ("true", "false"):
            raise _fail(f"`{key.name}` must be true or false, got {text!r}", flag)
        return text.lower() == "true"
    return parse_activation(key, text, flag).text()


def _within(key: Key, number: float, flag: str) -> int | float:
    if not math.isfinite(number):
        raise _fail(f"`{key.name}` must be finite", flag)
    for limit, bound in key.limits:
        bad = {"positive": number <= 0, "at_least": number < bound, "at_most": number > bound,
               "below": number >= bound}[limit]
        if bad:
            words = {"positive": "positive", "at_least": f"at least {bound:g}", "at_most": f"at most {bound:g}",
                     "below": f"below {bound:g}"}[limit]
            raise _fail(f"`{key.name}` must be {words}, got {number:g}", flag, key.help)
    return int(number) if key.kind == "int" else float(number)


_CALL = re.compile(r"\s*([A-Za-z_]\w*)\s*(?:\((.*)\))?\s*\Z")


def parse_activation(key: Key, text: str, flag: str) -> Activation:
    """``ameo``, ``interpolated_ameo(0.5, 0.1)`` or ``leaky_ameo(leakyness=0.2)`` as an activation."""
    match = _CALL.match(text)
    if match is None or match.group(1) not in TRAINABLE_KINDS:
        raise _fail(f"`{key.name}` must be an activation, got {text!r}", flag, f"one of {', '.join(TRAINABLE_KINDS)}")
    params = {"interpolated_ameo": ("factor", "leakyness"), "leaky_ameo": ("leakyness",)}.get(match.group(1), ())
    args: dict[str, float] = {}
    for index, part in enumerate(p for p in (match.group(2) or "").split(",") if p.strip()):
        name, _, raw = part.rpartition("=")
        name = name.strip() or (params[index] if index < len(params) else "")
        try:
            if name not in params:
                raise ValueError
            args[name] = float(raw)
        except ValueError:
            raise _fail(f"`{key.name}`: bad argument {part.strip()!r} of {match.group(1)}", flag,
                        f"arguments: {', '.join(params) or '(none)'}") from None
    return Activation.make(match.group(1), **args)


def split_values(text: str) -> list[str]:
    """``a,b(1,2),c`` -> ``["a", "b(1,2)", "c"]``: commas inside parentheses belong to the value."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current]


def parse_set(text: str) -> tuple[str, list[Value]]:
    """``--set KEY=V1,V2,...``: the key and its values (at least one, no repeats)."""
    name, eq, raw = text.partition("=")
    if not eq or not raw.strip():
        raise _fail(f"expected KEY=V1,V2,..., got {text!r}", "--set", f"valid keys: {', '.join(KEYS)}")
    key = lookup(name.strip(), "--set")
    values = [parse_value(key, part, "--set") for part in split_values(raw)]
    if len(set(map(repr, values))) != len(values):
        raise _fail(f"`{key.name}` lists a value twice", "--set")
    return key.name, values


@dataclass(frozen=True)
class Sample:
    """``--sample KEY=LOW:HIGH[:log]``: a value drawn uniformly (or log-uniformly) for each trial."""

    key: str
    low: float
    high: float
    log: bool = False


def parse_sample(text: str) -> Sample:
    """``--sample KEY=LOW:HIGH`` or ``KEY=LOW:HIGH:log`` for a numeric key."""
    name, eq, raw = text.partition("=")
    parts = raw.split(":")
    key = lookup(name.strip(), "--sample")
    if not eq or len(parts) not in (2, 3) or (len(parts) == 3 and parts[2].strip() != "log"):
        raise _fail(f"expected KEY=LOW:HIGH or KEY=LOW:HIGH:log, got {text!r}", "--sample")
    if not key.numeric:
        numeric = ", ".join(k for k, v in KEYS.items() if v.numeric)
        raise _fail(f"`{key.name}` is not a number and cannot be sampled", "--sample",
                    f"use --set {key.name}=... instead; numeric keys: {numeric}")
    low, high = (float(parse_value(key, part, "--sample")) for part in parts[:2])
    if low >= high:
        raise _fail(f"`{key.name}`: LOW must be below HIGH, got {low:g}:{high:g}", "--sample")
    if len(parts) == 3 and low <= 0:
        raise _fail(f"`{key.name}`: a log-uniform range must be positive, got {low:g}:{high:g}", "--sample")
    return Sample(key.name, low, high, len(parts) == 3)


# -- applying a trial's values to a spec -----------------------------------------------------------
def _train(field: str) -> Callable[[Any, Value], Any]:
    return lambda spec, v: replace(spec, train=replace(spec.train, **{field: v}))


def _regularizer(field: str) -> Callable[[Any, Value], Any]:
    return lambda spec, v: replace(spec, train=replace(
        spec.train, regularizer=replace(spec.train.regularizer, **{field: v})))


def _prune(field: str) -> Callable[[Any, Value], Any]:
    def apply(spec: Any, v: Value) -> Any:
        if field == "rate" and v == 0:
            return replace(spec, train=replace(spec.train, prune=None))
        return replace(spec, train=replace(spec.train, prune=replace(spec.train.prune or PruneConfig(), **{field: v})))
    return apply


def _cells(field: str) -> Callable[[Any, Value], Any]:
    def apply(spec: Any, v: Value) -> Any:
        value = parse_activation(KEYS[f"cell.{field}"], str(v), "settings") if field == "activation" else v
        cells = [replace(c, **{field: value}) for c in spec.model.cells]
        return replace(spec, model=replace(spec.model, cells=cells))
    return apply


def _dense(spec: Any, v: Value) -> Any:
    act = parse_activation(KEYS["dense_activation"], str(v), "settings")
    return replace(spec, model=replace(spec.model, dense_activation=act))


def _binary(spec: Any, v: Value) -> Any:
    model = replace(spec.model, binary_states=bool(v), binary_given=True)
    if model.binary_states and (bad := binary_states_problem(model)):
        raise _fail(bad, "settings", "binary states are the sign of the Ameo; set cell.activation to an Ameo")
    return replace(spec, model=model)


_APPLY: dict[str, Callable[[Any, Value], Any]] = {
    **{name: _train(name) for name in (*TRAIN_NUMBERS, "optimizer", "data")},
    **{f"regularizer.{f}": _regularizer(f) for f in ("intensity", "threshold", "steepness", "l1", "biases")},
    **{f"prune.{f}": _prune(f) for f in ("every", "rate")},
    **{f"cell.{f}": _cells(f) for f in ("outputs", "states", "activation", "initializer")},
    "dense_activation": _dense,
    "binary_states": _binary,
}
assert set(_APPLY) == set(KEYS), "every key needs a way to apply it"


def apply(spec: Any, settings: dict[str, Value]) -> Any:
    """``spec`` (a :class:`bonsaic.spec.Spec`, model already sized) with ``settings`` applied, in
    key order so that, e.g., ``prune.rate = 0`` after ``prune.every`` still turns pruning off."""
    for name in sorted(settings, key=list(KEYS).index):
        spec = _APPLY[name](spec, settings[name])
    return spec
