"""The trials of a sweep: the ``--set`` grid times ``--seeds``, with ``--sample`` values drawn per trial.

A trial's identity is a hash of the spec and its settings (the seed always among them), so running
the same command again on the same directory finds the trials that already finished, whatever order
they finished in, and ``--trials 2`` then ``--trials 3`` adds exactly one. For that the list must be
a pure function of the command: trial ``i`` is grid point ``i mod G`` (seeds outermost, so a sweep cut
short has covered the grid's configurations before their second seeds), and a sampled value depends
only on ``i`` and the sampled range, never on how many trials were asked for.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import random
from dataclasses import dataclass

from bonsaic.diagnostics import BonsaicError
from bonsaic.sweep.space import KEYS, Sample, Value

DEFAULT_SAMPLED_TRIALS = 8  # --trials when only --sample says what varies


@dataclass(frozen=True)
class Trial:
    """One trial: its index in the sweep, its settings (only the overridden ones) and its id."""

    index: int
    settings: dict[str, Value]
    id: str

    def label(self) -> str:
        """``seed=1 lr=0.01``: the settings in key order, for tables."""
        return " ".join(f"{k}={_show(v)}" for k, v in self.settings.items())


def _show(value: Value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value).lower() if isinstance(value, bool) else str(value)


def spec_digest(source: str) -> str:
    """A short digest of a spec's text: trials of different specs never share an id."""
    return hashlib.sha256(source.encode()).hexdigest()[:16]


def trial_id(digest: str, settings: dict[str, Value], pipeline: str | None = None) -> str:
    """The stable identity of a trial: the spec's digest, its settings (order-independent) and, when
    not the default one, its ``opt`` pipeline (a different pipeline grows a different bonsai, so it is
    a different trial; default-pipeline ids are those of sweeps written before ``--pipeline`` existed)."""
    key: dict[str, object] = {"spec": digest, "settings": settings}
    if pipeline is not None:
        key["pipeline"] = pipeline
    text = json.dumps(key, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def draw(sample: Sample, index: int) -> Value:
    """Trial ``index``'s value of ``sample``: reproducible, and independent of the number of trials."""
    rng = random.Random(f"{sample.key}:{sample.low!r}:{sample.high!r}:{sample.log}:{index}")
    if sample.log:
        value = math.exp(rng.uniform(math.log(sample.low), math.log(sample.high)))
    else:
        value = rng.uniform(sample.low, sample.high)
    if KEYS[sample.key].kind == "int":
        return int(min(max(round(value), math.ceil(sample.low)), math.floor(sample.high)))
    return float(f"{value:.4g}")  # four digits are plenty for a hyper-parameter, and read well


def make_trials(digest: str, grid: list[tuple[str, list[Value]]], samples: list[Sample], *, seeds: int | None,
                base_seed: int, count: int | None, pipeline: str | None = None) -> list[Trial]:
    """The sweep's trials: ``count`` of them (default: the whole grid, or
    :data:`DEFAULT_SAMPLED_TRIALS` when only samples vary). ``seeds`` K adds ``seed`` = base_seed ..
    base_seed + K - 1 as the grid's outermost axis; the seed is always in a trial's settings.
    ``pipeline`` (None: the default) is the ``opt`` pipeline every trial runs; it is part of the ids."""
    names = [name for name, _ in grid] + [s.key for s in samples]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise BonsaicError(f"`{repeated[0]}` is given more than once", filename="--set/--sample")
    if seeds is not None and "seed" in names:
        raise BonsaicError("`seed` is both swept (--set/--sample) and given by --seeds", filename="--seeds",
                           hint="use one of them")
    axes = list(grid)
    if seeds is not None:
        axes.insert(0, ("seed", list(range(base_seed, base_seed + seeds))))
    elif "seed" not in names:
        axes.insert(0, ("seed", [base_seed]))
    points = [dict(zip([a for a, _ in axes], combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))]
    if count is None:
        count = max(len(points), DEFAULT_SAMPLED_TRIALS) if samples else len(points)
    if count > len(points) and not samples:
        raise BonsaicError(f"--trials {count} asks for more trials than the {len(points)} distinct settings "
                           "the grid has", filename="--trials", hint="add --seeds K or --sample KEY=LOW:HIGH")
    trials: list[Trial] = []
    for index in range(count):
        settings = dict(points[index % len(points)])
        settings.update({s.key: draw(s, index) for s in samples})
        settings = {k: settings[k] for k in sorted(settings, key=list(KEYS).index)}
        trials.append(Trial(index, settings, trial_id(digest, settings, pipeline)))
    return trials
