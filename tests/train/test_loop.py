"""The training loop on delay1: it solves, it resumes bit for bit, it recovers from NaN.

One trainer per role, small batch and short sequences: most of the time here is tinygrad compiling
the step once per trainer (the kernels are cached in-process, so later trainers are cheaper).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from bonsaic.spec import ScheduleEvent, load_spec
from bonsaic.spec.config import PruneConfig
from bonsaic.train import jitcache
from bonsaic.train.log import LossLog
from bonsaic.train.loop import Trainer
from bonsaic.train.settings import TrainSettings
from tests import DELAY1_FIXTURE


@pytest.fixture(scope="module")
def spec():
    return load_spec(DELAY1_FIXTURE)


@pytest.fixture(scope="module")
def settings(spec) -> TrainSettings:
    return TrainSettings.from_spec(spec, batch=32, length=6, steps=400, restarts=2, seed=3, eval_every=25,
                                   val_sequences=256, schedule=())


@pytest.fixture(scope="module")
def reference_run(spec, settings):
    """An uninterrupted run: parameters at step 30, then trained on to the end."""
    trainer = Trainer(spec, settings)
    trainer.run(until=30)
    at_30 = trainer.params_numpy()
    reason = trainer.run()
    trainer.close()
    return trainer, at_30, reason


def test_solves_delay1_within_the_step_budget(reference_run) -> None:
    trainer, _, reason = reference_run
    assert reason == "steps" and trainer.step == 400
    assert trainer.best, "no restart reached 100% validation accuracy in 400 steps"
    k, snap = next(iter(trainer.best.items()))
    assert 0 < snap.step <= 400 and snap.params["cell0.w"].shape[0] == 1
    assert trainer.last_report is not None and trainer.last_report.accuracy[k] >= 0.99


def test_a_settling_run_ends_at_half_its_steps_or_twice_the_first_solved_step(spec, settings, reference_run) -> None:
    """``settle`` (what ``bonsaic train`` sets when nobody chose the steps) ends the run at the first
    evaluation at or past ``max(steps / 2, 2 x first solved step)``; up to there it is the same run."""
    reference, _, _ = reference_run
    first = reference.first_solved_step()
    assert first is not None
    settled = Trainer(spec, replace(settings, settle=True))
    assert settled.settle_step() is None  # nothing solved yet
    reason = settled.run()
    settled.close()
    end = max(settings.steps // 2, 2 * first)
    expected = -(-end // settings.eval_every) * settings.eval_every
    assert expected < settings.steps, "the case must end early to test anything"
    assert reason == "settled" and settled.step == expected
    assert settled.first_solved_step() == first and settled.settle_step() == end
    assert Trainer.settle_step(reference) is None  # without settle: every step runs


def test_state_noise_is_reproducible_and_delay1_still_solves(spec, settings) -> None:
    """Noise on the states is drawn per step from the seed (like the data), so it changes the
    batches a run sees but two runs agree; delay1 still solves under it."""
    noisy = replace(settings, state_noise=0.1, steps=300)
    first = Trainer(spec, noisy)
    x, y, noise = first._batch(5)
    assert noise.shape == (*x.shape[:3], 2) and 0.08 < noise.std() < 0.12
    np.testing.assert_array_equal(noise, first._batch(5)[2])
    first.run()
    first.close()
    assert first.best, "no restart solved delay1 with state noise 0.1 in 300 steps"
    second = Trainer(spec, noisy)
    second.run(until=20)
    second.close()
    again = Trainer(spec, noisy)
    again.run(until=20)
    again.close()
    for name, value in second.params_numpy().items():
        np.testing.assert_array_equal(again.params_numpy()[name], value, err_msg=name)


def test_binary_states_draw_a_reproducible_mask_and_delay1_solves_proved(spec, settings) -> None:
    """With binary states every step binarizes a random half of the states (drawn from the seed
    like the data); delay1 still solves, and its lowered network is a finite machine that the
    verifier proves."""
    from bonsaic.spec import Program
    from bonsaic.train.lower import lower_restart
    from bonsaic.verify import verify

    binary = replace(spec, model=replace(spec.model, binary_states=True))
    trainer = Trainer(binary, replace(settings, steps=300))
    x, _y, mask = trainer._batch(5)
    assert mask.shape == (*x.shape[:3], 2) and set(np.unique(mask)) == {0.0, 1.0} and 0.4 < mask.mean() < 0.6
    np.testing.assert_array_equal(mask, trainer._batch(5)[2])
    trainer.run()
    trainer.close()
    assert trainer.best, "no restart solved delay1 with binary states in 300 steps"
    k, snap = next(iter(trainer.best.items()))
    graph = lower_restart(binary, trainer.shape, {n: v[k : k + 1] for n, v in snap.params.items()})
    assert any(a.kind == "sign_ameo" for a in graph.acts.values())
    result = verify(graph, Program(binary))
    assert result.ok and result.mode == "proved", result


def test_interrupt_and_resume_is_bit_for_bit(spec, settings, reference_run, tmp_path: Path) -> None:
    _, at_30, _ = reference_run
    first = Trainer(spec, settings)
    reason = first.run(until=30, stop=lambda: first.step >= 12)
    assert reason == "interrupted" and first.step == 12
    first.save(tmp_path / "run.safetensors")
    first.close()
    resumed = Trainer(spec, settings)
    resumed.resume(tmp_path / "run.safetensors")
    assert resumed.step == 12
    resumed.run(until=30)
    resumed.close()
    for name, value in at_30.items():
        np.testing.assert_array_equal(resumed.params_numpy()[name], value, err_msg=name)


def _final_states(trainer: Trainer, params: dict[str, np.ndarray], x: np.ndarray, start: np.ndarray,
                  noise: np.ndarray | None) -> np.ndarray:
    """The state after the last step of ``x`` from ``start``, in numpy (delay1's one cell)."""
    cell = trainer.shape.cells[0]
    state = start
    for t in range(x.shape[2]):
        if noise is not None:
            state = state + noise[:, :, t]
        z = cell.activation.forward(np.concatenate([x[:, :, t], state], axis=-1) @ params["cell0.w"] + params["cell0.b"])
        state = z[..., cell.outputs:]
    return state


def test_carried_sequences_start_where_the_last_step_ended_and_resume_bit_for_bit(spec, settings,
                                                                                 tmp_path: Path) -> None:
    """With ``carry = 3`` steps 0, 3, 6 start from the initial states and the others from the
    states the previous step ended in (noise included); a resume inside a chain is bit for bit."""
    chained = replace(settings, carry=3, state_noise=0.05, steps=60)
    trainer = Trainer(spec, chained)
    k, batch = chained.restarts, chained.batch
    start = None
    for step in range(5):
        params = trainer.params_numpy()
        x, _y, flag, noise = trainer._batch(step)
        assert flag.tolist() == [0.0 if step % 3 == 0 else 1.0]
        if step % 3 == 0:
            start = np.broadcast_to(params["cell0.s0"], (k, batch, 2))
        trainer.run(until=step + 1)
        expected = _final_states(trainer, params, x, start, noise)
        carry = trainer.carry.numpy()
        np.testing.assert_allclose(carry, expected, atol=1e-4)  # float32 rounding only
        start = carry
    trainer.run(until=12)
    trainer.close()
    first = Trainer(spec, chained)
    first.run(until=4)
    first.save(tmp_path / "chain.safetensors")
    first.close()
    resumed = Trainer(spec, chained)
    resumed.resume(tmp_path / "chain.safetensors")
    resumed.run(until=12)
    resumed.close()
    np.testing.assert_array_equal(resumed.carry.numpy(), trainer.carry.numpy())
    for name, value in trainer.params_numpy().items():
        np.testing.assert_array_equal(resumed.params_numpy()[name], value, err_msg=name)


def test_pruned_weights_stay_zero_and_a_pruning_run_resumes_bit_for_bit(spec, settings, tmp_path: Path) -> None:
    """The masks hold pruned weights at exactly zero through later optimizer steps, and the
    pruner's state (rates, pending prunes, undo arrays) is part of the checkpoint."""
    pruned = replace(settings, prune=PruneConfig(every=25, rate=0.2), steps=200)
    log = LossLog(tmp_path / "log.jsonl")
    whole = Trainer(spec, pruned, log)
    whole.run()
    whole.close()
    log.close()
    events = [json.loads(line).get("event", "") for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    first_prune = next(e for e in events if "pruned" in e)
    masks = {name: whole.net.from_storage(name, mask.numpy()) for name, mask in whole.masks.items()}
    assert sum(int((m == 0).sum()) for m in masks.values()) > 0, events
    for name, mask in masks.items():
        assert (whole.params_numpy()[name][mask == 0] == 0).all(), name
    first = Trainer(spec, pruned)
    first.run(stop=lambda: first.step >= 130)
    first.save(tmp_path / "run.safetensors")
    first.close()
    resumed = Trainer(spec, pruned)
    resumed.resume(tmp_path / "run.safetensors")
    resumed.run()
    resumed.close()
    assert resumed.pruner.restarts == whole.pruner.restarts, first_prune
    for name, value in whole.params_numpy().items():
        np.testing.assert_array_equal(resumed.params_numpy()[name], value, err_msg=name)


def test_the_harm_of_a_weight_is_the_network_run_without_it(spec, settings, reference_run) -> None:
    """What the pruner ranks candidates by: wrong signs of the network with that one weight zeroed
    (plus a squared-error tie-break below one sign), for each candidate independently."""
    from bonsaic.train.model import kernel_names, numpy_forward

    trainer = Trainer(spec, replace(settings, prune=PruneConfig(every=25, rate=0.2)))
    trainer.close()
    params = {name: value.copy() for name, value in reference_run[0].params_numpy().items()}
    x, y = trainer.program.generate(64, 12, 5)
    names = kernel_names(params)
    assert names == list(trainer.masks)
    sizes = [params[name][1].size for name in names]
    flat = np.array([0, sizes[0] - 1, sizes[0], sum(sizes) - 1])
    scores = trainer._harm(params, 1, x, y)(flat)
    for index, score in zip(flat, scores, strict=True):
        one = {name: value[1:2].copy() for name, value in params.items()}
        i = 0 if index < sizes[0] else (1 if index < sizes[0] + sizes[1] else 2)
        one[names[i]].reshape(-1)[index - sum(sizes[:i])] = 0.0
        out = numpy_forward(trainer.shape, one, x[None])
        wrong = int((np.where(out > 0, 1.0, -1.0) != y).sum())
        assert wrong <= score < wrong + 1
        assert score == pytest.approx(wrong + min(float(((out - y) ** 2).mean()), 4.0) / 4.0, rel=1e-6)


def test_nan_is_recovered_with_a_lower_learning_rate(spec, settings, tmp_path: Path) -> None:
    """Also applies a regularizer schedule event on the way (it must not touch the learning rate)."""
    log = LossLog(tmp_path / "log.jsonl")
    schedule = (ScheduleEvent(step=30, target="reg", factor=0.5),)
    trainer = Trainer(spec, replace(settings, eval_every=10, schedule=schedule), log)
    trainer.run(until=20)
    lr = trainer.lr
    poisoned = trainer.params_numpy()["cell0.w"]
    poisoned[0, 0, 0] = np.nan
    jitcache.write_into(trainer.net.params["cell0.w"], trainer.net.to_storage("cell0.w", poisoned))
    assert trainer.run(until=40) == "steps"
    trainer.close()
    log.close()
    assert trainer.recoveries == 1 and trainer.lr == pytest.approx(lr * 0.5)
    assert trainer.reg_scale.numpy()[0] == pytest.approx(0.5)
    assert all(np.isfinite(v).all() for v in trainer.params_numpy().values())
    events = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert any("non-finite loss" in e.get("event", "") and e["step"] == 21 for e in events)
    assert [e["step"] for e in events if "accuracy" in e][-1] == 40
    assert any(e.get("event", "").startswith("schedule: reg") and e["step"] == 30 for e in events)


def test_a_best_snapshot_that_fails_to_verify_falls_back_to_an_earlier_one(
        spec, settings, reference_run, tmp_path: Path) -> None:
    from bonsaic.train.loop import Snapshot
    from bonsaic.train.restarts import choose, judge_restarts

    trained, _, _ = reference_run
    k, good = next(iter(trained.best.items()))
    broken = Snapshot(good.step + 1, good.reg / 2, {name: np.zeros_like(v) for name, v in good.params.items()})
    trainer = Trainer(spec, settings)
    trainer.best = {k: broken}  # validation can be fooled; the verifier is not
    trainer.fallbacks = {k: [good]}
    trainer.last_report = trained.last_report
    kept = choose(judge_restarts(trainer, spec))
    assert kept is not None and kept.index == k and kept.best_step == good.step
    trainer.fallbacks = {}
    assert choose(judge_restarts(trainer, spec)) is None
    trainer.fallbacks = {k: [good]}
    trainer.save(tmp_path / "fb.safetensors")  # fallbacks survive a checkpoint
    trainer.close()
    resumed = Trainer(spec, settings)
    resumed.resume(tmp_path / "fb.safetensors")
    resumed.close()
    assert [s.step for s in resumed.fallbacks[k]] == [good.step]
    for name, value in good.params.items():
        np.testing.assert_array_equal(resumed.fallbacks[k][0].params[name], value, err_msg=name)


def test_the_step_reads_the_same_input_buffers_every_step(spec, settings) -> None:
    """Each batch is copied into the buffers the captured step was given first (a fresh tensor
    per step made tinygrad schedule a copy per input, 40% of a small step); the values change,
    the buffers do not."""
    trainer = Trainer(spec, replace(settings, steps=3))
    try:
        first, second = trainer._batch(0), trainer._batch(1)
        fed = trainer._feed(first)
        buffers = [t.uop.buffer for t in fed]
        assert all(np.array_equal(t.numpy(), a) for t, a in zip(fed, first, strict=True))
        again = trainer._feed(second)
        assert again is fed and [t.uop.buffer for t in again] == buffers
        assert all(np.array_equal(t.numpy(), a) for t, a in zip(again, second, strict=True))
        assert not np.array_equal(first[0], second[0])
    finally:
        trainer.close()
