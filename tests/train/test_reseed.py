"""Fresh starts for stuck restarts: which restarts, what is written, and that runs stay reproducible."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bonsaic.spec import load_spec
from bonsaic.train import reseed
from bonsaic.train.log import LossLog
from bonsaic.train.loop import Trainer
from bonsaic.train.settings import TrainSettings
from tests import DELAY1_FIXTURE


@pytest.fixture(scope="module")
def spec():
    return load_spec(DELAY1_FIXTURE)


@pytest.fixture(scope="module")
def slow(spec) -> TrainSettings:
    """A learning rate far too small to solve delay1 in 100 steps: every restart stays unsolved."""
    return TrainSettings.from_spec(spec, batch=32, length=6, steps=100, restarts=2, seed=3, eval_every=20,
                                   val_sequences=256, schedule=(), lr=1e-4, reseed=20)


def test_reseeding_points_stop_at_sixty_percent_of_the_run() -> None:
    points = [step for step in range(0, 5001) if reseed.due(step, 1000, 5000)]
    assert points == [1000, 2000, 3000]
    assert not any(reseed.due(step, 0, 5000) for step in range(0, 5001))
    assert [s for s in range(0, 101) if reseed.due(s, 20, 100)] == [20, 40, 60]


def test_only_restarts_never_solved_and_not_close_start_afresh() -> None:
    accuracy = np.array([1.0, 0.99, 0.7, 0.95, 0.9])
    error = np.array([0.0, 0.02, 0.8, 0.1, 0.3])
    # restart 0 is solved now, restart 3 was solved at an earlier evaluation: both keep sparsifying;
    # restart 1 is close to a solution (error below 0.05) and may still solve
    assert reseed.stuck({3}, accuracy, error) == [2, 4]


def test_reseed_writes_the_new_network_and_zeroes_only_its_first_moments() -> None:
    rng = np.random.default_rng(0)
    arrays = {"param.cell0.w": rng.standard_normal((3, 3, 6)), "opt.m.0": rng.standard_normal((3, 3, 6)),
              "opt.v.0": rng.standard_normal((3, 3, 6)), "reg_scale": np.ones(1)}
    before = {name: value.copy() for name, value in arrays.items()}
    fresh = {1: {"cell0.w": np.full((1, 3, 6), 7.0)}}
    reseed.reseed(arrays, {"param.cell0.w": "cell0.w", "opt.m.0": "cell0.w", "opt.v.0": "cell0.w"}, [1], fresh)
    assert (arrays["param.cell0.w"][1] == 7.0).all() and (arrays["opt.m.0"][1] == 0.0).all()
    np.testing.assert_array_equal(arrays["opt.v.0"], before["opt.v.0"])
    for name in ("param.cell0.w", "opt.m.0"):
        np.testing.assert_array_equal(arrays[name][[0, 2]], before[name][[0, 2]], err_msg=name)


def test_a_stuck_restart_gets_the_seeded_fresh_network(spec, slow, tmp_path: Path) -> None:
    log = LossLog(tmp_path / "log.jsonl")
    trainer = Trainer(spec, slow, log)
    trainer.run(until=20)
    trainer.close()
    log.close()
    assert not trainer.best and trainer.reseeds == {0: 1, 1: 1}
    params = trainer.params_numpy()
    for k in (0, 1):
        fresh = reseed.fresh_params(trainer.shape, slow.seed, 20, k)
        for name, value in fresh.items():
            np.testing.assert_array_equal(params[name][k], value[0], err_msg=f"{name}[{k}]")
    assert "restarts 0, 1 not solved yet: started afresh" in (tmp_path / "log.jsonl").read_text()
    assert not np.array_equal(reseed.fresh_params(trainer.shape, slow.seed, 20, 0)["cell0.w"],
                              reseed.fresh_params(trainer.shape, slow.seed, 20, 1)["cell0.w"])


def test_a_run_interrupted_before_a_fresh_start_resumes_bit_for_bit(spec, slow, tmp_path: Path) -> None:
    whole = Trainer(spec, slow)
    whole.run()
    whole.close()
    assert whole.reseeds == {0: 3, 1: 3}  # at steps 20, 40 and 60 (not 80: past 60% of the run)
    first = Trainer(spec, slow)
    first.run(stop=lambda: first.step >= 50)
    first.save(tmp_path / "run.safetensors")
    first.close()
    resumed = Trainer(spec, slow)
    resumed.resume(tmp_path / "run.safetensors")
    resumed.run()
    resumed.close()
    assert resumed.reseeds == whole.reseeds
    for name, value in whole.params_numpy().items():
        np.testing.assert_array_equal(resumed.params_numpy()[name], value, err_msg=name)


def test_a_restart_on_its_way_is_not_started_afresh() -> None:
    """Measured on counter_mod4: a restart going from error 0.86 to 0.49 in its first 1000 steps was
    started afresh under the old rule; one whose error fell by a fifth since the reference is kept."""
    accuracy = np.array([0.77, 0.53, 0.60, 0.55])
    error = np.array([0.49, 0.86, 0.50, 0.75])
    reference = np.array([0.86, 0.87, np.nan, 0.90])  # restart 2: no reference yet, so not "improving"
    assert reseed.stuck(set(), accuracy, error, reference) == [1, 2, 3]
    assert reseed.stuck(set(), accuracy, error) == [0, 1, 2, 3]


def test_the_last_reseeding_point_is_the_last_due_one() -> None:
    assert [s for s in range(0, 5001) if reseed.last_due(s, 1000, 5000)] == [3000]
    assert [s for s in range(0, 101) if reseed.last_due(s, 20, 100)] == [60]
    assert not any(reseed.last_due(s, 0, 100) for s in range(0, 101))


def test_a_run_that_may_give_up_stops_when_every_restart_is_stuck_at_the_last_point(spec, slow) -> None:
    """With ``give_up`` (an escalation with a later configuration), the last reseeding point that
    finds every restart stuck and none ever solved ends the run instead of drawing new tickets."""
    trainer = Trainer(spec, slow)
    trainer.give_up = True
    assert trainer.run() == "hopeless"
    trainer.close()
    assert trainer.step == 60 and trainer.reseeds == {0: 2, 1: 2}  # fresh starts at 20 and 40, not 60
    assert any("giving up on this configuration" in event for event in trainer.last_report.events)
    patient = Trainer(spec, slow)
    assert patient.run() == "steps" and patient.step == 100
    patient.close()


def test_the_reseeding_reference_survives_a_resume(spec, slow, tmp_path: Path) -> None:
    from dataclasses import replace

    settings = replace(slow, eval_every=10)
    first = Trainer(spec, settings)
    first.run(stop=lambda: first.step >= 30)  # evaluations at 10, 20 (a reseeding point) and 30
    first.save(tmp_path / "run.safetensors")
    first.close()
    assert not np.isnan(first.reseed_reference).any()
    resumed = Trainer(spec, settings)
    resumed.resume(tmp_path / "run.safetensors")
    resumed.close()
    np.testing.assert_array_equal(resumed.reseed_reference, first.reseed_reference)
