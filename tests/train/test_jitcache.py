"""The captured-step cache: a loaded step must train exactly like a freshly captured one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bonsaic.spec import load_spec
from bonsaic.train import jitcache
from bonsaic.train.loop import Trainer
from bonsaic.train.settings import TrainSettings
from tests import DELAY1_FIXTURE


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BONSAIC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("BONSAIC_JIT_CACHE", raising=False)
    return tmp_path / "cache" / "jit"


def _settings(spec, **extra) -> TrainSettings:  # noqa: ANN001
    chosen = {"batch": 16, "length": 5, "steps": 25, "restarts": 2, "seed": 11, "eval_every": 10,
              "val_sequences": 64, "schedule": (), **extra}
    return TrainSettings.from_spec(spec, **chosen)


def _train(spec, settings: TrainSettings, steps: int = 25) -> tuple[Trainer, dict[str, np.ndarray]]:  # noqa: ANN001
    trainer = Trainer(spec, settings)
    trainer.run(until=steps)
    trainer.close()
    return trainer, trainer.params_numpy()


def test_a_loaded_step_trains_bit_for_bit_like_a_captured_one(cache: Path, monkeypatch) -> None:
    spec = load_spec(DELAY1_FIXTURE)
    monkeypatch.setenv("BONSAIC_JIT_CACHE", "0")
    uncached, reference = _train(spec, _settings(spec))
    assert not uncached.jit_cached and not cache.exists()
    monkeypatch.delenv("BONSAIC_JIT_CACHE")
    first, params_first = _train(spec, _settings(spec))
    assert not first.jit_cached and len(list(cache.glob("*.pkl"))) == 1
    # Two trainers from the cache alive at once, with different seeds: each must keep its own buffers.
    second = Trainer(spec, _settings(spec))
    other = Trainer(spec, _settings(spec, seed=12))
    assert second.jit_cached and other.jit_cached
    second.run(until=25)
    other.run(until=25)
    second.close()
    other.close()
    for name, value in reference.items():
        np.testing.assert_array_equal(params_first[name], value, err_msg=name)
        np.testing.assert_array_equal(second.params_numpy()[name], value, err_msg=name)
    assert not np.array_equal(other.params_numpy()["cell0.w"], reference["cell0.w"])


def test_a_different_configuration_is_a_different_entry(cache: Path) -> None:
    spec = load_spec(DELAY1_FIXTURE)
    _train(spec, _settings(spec), steps=1)
    trainer, _ = _train(spec, _settings(spec, batch=8), steps=1)
    assert not trainer.jit_cached and len(list(cache.glob("*.pkl"))) == 2


def test_a_broken_cache_file_is_a_miss_and_gets_replaced(cache: Path) -> None:
    spec = load_spec(DELAY1_FIXTURE)
    _train(spec, _settings(spec), steps=1)
    (entry,) = cache.glob("*.pkl")
    entry.write_bytes(b"not a pickle")
    trainer, _ = _train(spec, _settings(spec), steps=2)
    assert not trainer.jit_cached and entry.stat().st_size > 100
    assert Trainer(spec, _settings(spec)).jit_cached


def test_write_into_changes_what_the_loaded_step_reads(cache: Path) -> None:
    """Schedule events, NaN recovery and resume all write state this way."""
    spec = load_spec(DELAY1_FIXTURE)
    _train(spec, _settings(spec), steps=1)
    trainer = Trainer(spec, _settings(spec))
    assert trainer.jit_cached
    jitcache.write_into(trainer.opt.lr, np.zeros(1, np.float32))
    before = trainer.params_numpy()
    trainer.run(until=3)
    trainer.close()
    for name, value in before.items():  # lr 0: Adam moves nothing
        np.testing.assert_array_equal(trainer.params_numpy()[name], value, err_msg=name)


def _losses(log: Path) -> list[dict]:
    import json

    rows = [json.loads(line) for line in log.read_text().splitlines()[1:]]
    return [{k: v for k, v in row.items() if k != "steps_per_second"} for row in rows if "step" in row]


def test_a_new_process_loads_the_step(cache: Path, tmp_path: Path) -> None:
    """The point of the cache: a second ``bonsaic train`` process skips the capture. Under tinygrad's
    HCQ2 (bonsaic's default) too: the step is cached compiled, with the program addresses its
    commands hold, which the loading process re-points to where it loaded those programs (as
    captured, the step crashed a second process). Both runs, and a third with HCQ2 off (another
    cache entry), train bit for bit alike."""
    env = {k: v for k, v in os.environ.items() if k != "HCQ2"}
    logs = []
    for run_index, hcq in enumerate(("", "", "0")):
        out = tmp_path / f"d{run_index}.ir"
        cmd = [sys.executable, "-m", "bonsaic.cli.main", "train", str(DELAY1_FIXTURE), "-o", str(out),
               "--steps", "30", "--batch", "16", "--length", "5", "--quiet", "--seed", "4", "--time-budget", "0",
               "--restarts", "1"]  # one restart: judging 4 barely trained networks was most of each run
        run = subprocess.run(cmd, capture_output=True, text=True, env={**env, **({"HCQ2": hcq} if hcq else {})},
                             check=False)
        assert run.returncode in (0, 1), run.stderr
        loaded = "training step loaded from cache" in run.stderr + run.stdout
        assert loaded == (run_index == 1), (run_index, run.stderr)
        logs.append(_losses(out.with_suffix(".loss.jsonl")))
    assert logs[0] and logs[0] == logs[1] == logs[2]
    assert sorted(jitcache.entry_format(p) for p in cache.glob("*.pkl")) == ["hcq2-addressed", "plain"]


@pytest.mark.skipif(not jitcache.hcq_active(), reason="the HCQ2 forms only")
def test_the_older_form_still_loads(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A step whose program addresses cannot all be accounted for is cached before ``hcq_compile``,
    which the loading trainer runs again; it trains like the captured step."""
    spec = load_spec(DELAY1_FIXTURE)
    monkeypatch.setattr(jitcache, "ADDRESSED", False)
    _, reference = _train(spec, _settings(spec))
    (entry,) = cache.glob("*.pkl")
    assert jitcache.entry_format(entry) == "hcq2-pre"
    loaded, params = _train(spec, _settings(spec))
    assert loaded.jit_cached
    for name, value in reference.items():
        np.testing.assert_array_equal(params[name], value, err_msg=name)


def test_repointing_rewrites_command_words_and_constants_only() -> None:
    from tinygrad.dtype import dtypes
    from tinygrad.uop.ops import Ops, UOp

    old, new, other = 0x7F0000001000, 0x7F0000FF2000, 0x7F0000003000
    blob = np.array([old, 5, other, old], np.uint64).tobytes() + b"\x01\x02"
    linear = UOp.sink(UOp(Ops.BINARY, src=(), arg=blob), UOp.const(old, dtypes.uint64), UOp.const(7, dtypes.uint64))
    out, found = jitcache._repoint(linear, {old: new})
    assert found == {old: 3}
    binary = next(u for u in out.toposort() if u.op is Ops.BINARY)
    assert list(np.frombuffer(binary.arg[:32], np.uint64)) == [new, 5, other, new] and binary.arg[32:] == b"\x01\x02"
    assert sorted(u.arg for u in out.toposort() if u.op is Ops.CONST) == [7, new]


def test_the_least_recently_used_entries_are_evicted(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = load_spec(DELAY1_FIXTURE)
    monkeypatch.setattr(jitcache, "MAX_ENTRIES", 2)
    cache.mkdir(parents=True)
    for i, name in enumerate(("old", "older")):
        stale = cache / f"{name}.pkl"
        stale.write_bytes(b"x")
        os.utime(stale, (1000 - i, 1000 - i))
    _train(spec, _settings(spec), steps=1)
    assert not (cache / "older.pkl").exists() and (cache / "old.pkl").exists()
    assert len(list(cache.glob("*.pkl"))) == 2


def test_hcq2_is_on_by_default_and_the_users_choice_wins() -> None:
    from bonsaic.train.environment import default_hcq2

    env: dict[str, str] = {}
    assert default_hcq2(env) and env["HCQ2"] == "1"
    env = {"HCQ2": "0"}
    assert not default_hcq2(env) and env["HCQ2"] == "0"
    env = {"DEV": "AMD"}
    assert not default_hcq2(env) and "HCQ2" not in env
    assert default_hcq2({"DEV": "CL:0"})
