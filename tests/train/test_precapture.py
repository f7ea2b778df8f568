"""The background capture of the escalation's steps: a stage whose step a child captured loads it."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bonsaic.spec import load_spec
from bonsaic.train.loop import Trainer
from bonsaic.train.precapture import Precapture
from bonsaic.train.settings import TrainSettings
from tests import DELAY1_FIXTURE


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BONSAIC_CACHE_DIR", str(tmp_path / "cache"))  # the child inherits it
    monkeypatch.delenv("BONSAIC_JIT_CACHE", raising=False)
    monkeypatch.setenv("BONSAIC_PRECAPTURE", "1")  # off by default
    return tmp_path / "cache" / "jit"


def _config(seed: int = 11, cells: int = 1):  # noqa: ANN202
    spec = load_spec(DELAY1_FIXTURE)
    if cells > 1:
        spec = replace(spec, model=replace(spec.model, cells=spec.model.cells * cells))
    settings = TrainSettings.from_spec(spec, batch=8, length=3, steps=10, restarts=1, seed=seed, eval_every=5,
                                       val_sequences=16, schedule=())
    return spec, settings


def test_a_step_captured_in_the_background_is_loaded_and_trains_bit_for_bit_like_a_captured_one(
        cache: Path, monkeypatch) -> None:  # noqa: ANN001
    """The child stores the step; the stage loads it instead of capturing, writes its own initial
    values into it (the child's one update is gone) and trains exactly as a fresh capture does."""
    spec, settings = _config()
    monkeypatch.setenv("BONSAIC_JIT_CACHE", "0")
    captured = Trainer(spec, settings)
    captured.run(until=10)
    captured.close()
    monkeypatch.delenv("BONSAIC_JIT_CACHE")
    background = Precapture.start([(spec, settings)])
    assert background is not None
    background.join(300)
    assert background.ready(1)
    background.close()
    assert len(list(cache.glob("*.pkl"))) == 1
    loaded = Trainer(spec, settings)
    assert loaded.jit_cached  # the main process does not capture it again
    loaded.run(until=10)
    loaded.close()
    for name, value in captured.params_numpy().items():
        np.testing.assert_array_equal(loaded.params_numpy()[name], value, err_msg=name)


def test_a_stage_still_being_captured_is_waited_for(cache: Path) -> None:
    """Reaching stage 1 while its child is still capturing: the main process waits for it (the
    work is half done) rather than capture again."""
    background = Precapture.start([_config()])
    assert background is not None
    assert background.ready(1, time.monotonic() + 300)  # a fresh interpreter takes seconds: not done yet
    background.close()
    assert Trainer(*_config()).jit_cached


def test_a_stage_not_begun_stops_the_background_work(cache: Path) -> None:
    """Waiting for stage 1 until a deadline that has passed, then asking for stage 2, which no child
    has begun: the background work stops and nothing more is captured."""
    first, second = _config(), _config(cells=2)
    background = Precapture.start([first, second])
    assert background is not None
    assert background.ready(1, time.monotonic()) is False  # deadline already passed: no wait
    assert background.ready(2) is False
    background.join(60)
    background.close()
    assert not list(cache.glob("*.pkl"))
    assert Trainer(*first).jit_cached is False and Trainer(*second).jit_cached is False


def test_nothing_runs_by_default_without_stages_or_with_the_step_cache_off(cache: Path, monkeypatch) -> None:  # noqa: ANN001
    assert Precapture.start([]) is None
    monkeypatch.delenv("BONSAIC_PRECAPTURE")
    assert Precapture.start([_config()]) is None  # the default
    monkeypatch.setenv("BONSAIC_PRECAPTURE", "yes")
    monkeypatch.setenv("BONSAIC_JIT_CACHE", "0")
    assert Precapture.start([_config()]) is None
