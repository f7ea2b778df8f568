"""Pruning while training: which weights go, when a prune is undone, and that it survives a checkpoint."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from bonsaic.train.prune import MIN_SCORED, Pruner, prune_masks

KERNELS = [("param.a.w", "mask.a.w"), ("param.b.w", "mask.b.w")]
PER_RESTART = ["param.a.w", "param.b.w", "mask.a.w", "mask.b.w", "opt.m.0"]


def _arrays() -> dict[str, np.ndarray]:
    """Two restarts; restart 0's weights are 1..6 in a and 0.5, 7 in b."""
    a = np.array([[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]] * 2, np.float32)
    b = np.array([[[0.5], [-7.0]]] * 2, np.float32)
    return {"param.a.w": a, "param.b.w": b, "mask.a.w": np.ones_like(a), "mask.b.w": np.ones_like(b),
            "opt.m.0": np.arange(12, dtype=np.float32).reshape(2, 6)}


def test_smallest_masks_the_smallest_magnitudes_across_all_matrices() -> None:
    arrays = _arrays()
    masks, count = prune_masks([arrays["param.a.w"][0], arrays["param.b.w"][0]],
                            [arrays["mask.a.w"][0], arrays["mask.b.w"][0]], 0.25)
    assert count == 2  # a quarter of 8, the 0.5 of b and the 1 of a
    assert masks[0].tolist() == [[0, 1, 1], [1, 1, 1]] and masks[1].tolist() == [[0], [1]]
    again, count = prune_masks([arrays["param.a.w"][0], arrays["param.b.w"][0]], masks, 0.01)
    assert count == 1 and again[0].tolist() == [[0, 0, 1], [1, 1, 1]]  # at least one; masked ones skipped


@given(arrays(np.float32, st.integers(1, 30), elements=st.floats(-4, 4, width=32)),
       st.floats(0.01, 0.99))
def test_smallest_removes_the_rate_share_and_never_a_larger_weight_first(w: np.ndarray, rate: float) -> None:
    masks, count = prune_masks([w], [np.ones_like(w)], rate)
    assert count == max(1, int(rate * w.size)) == int((masks[0] == 0).sum())
    if 0 < count < w.size:
        assert np.abs(w[masks[0] == 0]).max() <= np.abs(w[masks[0] == 1]).min()


def test_only_a_solved_restart_is_pruned_and_then_waits_every_steps() -> None:
    pruner, arrays = Pruner(every=100, rate=0.25, restarts=2), _arrays()
    events = pruner.update(50, np.array([True, False]), arrays, KERNELS, PER_RESTART)
    assert events == ["restart 0: pruned 2 weight(s), 6 left"]
    assert arrays["param.a.w"][0, 0, 0] == 0 and arrays["param.b.w"][0, 0, 0] == 0
    assert arrays["mask.a.w"][1].all() and arrays["param.a.w"][1, 0, 0] == 1  # restart 1 untouched
    assert pruner.update(100, np.array([True, False]), arrays, KERNELS, PER_RESTART) == []  # accepted, waits
    assert pruner.update(150, np.array([True, False]), arrays, KERNELS, PER_RESTART) == [
        "restart 0: pruned 1 weight(s), 5 left"]


def test_a_prune_the_network_does_not_recover_from_is_undone_and_the_rate_halves() -> None:
    pruner, arrays = Pruner(every=100, rate=0.25, restarts=2), _arrays()
    before = {name: value.copy() for name, value in arrays.items()}
    pruner.update(50, np.array([True, True]), arrays, KERNELS, PER_RESTART)
    arrays["opt.m.0"] += 100.0  # training goes on: moments (and weights) move
    arrays["param.a.w"] += 0.5
    assert pruner.update(100, np.array([False, True]), arrays, KERNELS, PER_RESTART) == []  # still time
    events = pruner.update(150, np.array([False, True]), arrays, KERNELS, PER_RESTART)
    assert events[0] == "restart 0: not solved 100 steps after pruning 2 weight(s); undone, rate now 0.125"
    for name in PER_RESTART:
        np.testing.assert_array_equal(arrays[name][0], before[name][0], err_msg=name)
    assert arrays["opt.m.0"][1, 0] == before["opt.m.0"][1, 0] + 100  # restart 1 keeps its state
    assert pruner.update(200, np.array([True, True]), arrays, KERNELS, PER_RESTART)[0] == \
        "restart 0: pruned 1 weight(s), 7 left"  # the restored network may prune again at once


def test_the_rate_halves_to_a_floor_and_grows_back_after_a_kept_prune() -> None:
    pruner, arrays = Pruner(every=100, rate=0.5, restarts=1), _arrays()
    step = 0
    for _ in range(7):  # every prune fails: 0.25, 0.125, ... down to 0.5 / 32
        step += 100
        assert "pruned" in pruner.update(step, np.array([True]), arrays, KERNELS, PER_RESTART)[0]
        step += 100
        assert "undone" in pruner.update(step, np.array([False]), arrays, KERNELS, PER_RESTART)[0]
        pruner.restarts[0].tabu = []  # 8 weights would all be tabu by now (tested below)
    assert pruner.restarts[0].rate == 0.5 / 32 and pruner.restarts[0].undone == 7
    assert arrays["mask.a.w"].all() and arrays["mask.b.w"].all()
    step += 100
    assert pruner.update(step, np.array([True]), arrays, KERNELS, PER_RESTART) == [
        "restart 0: pruned 1 weight(s), 7 left"]  # still trying, one weight at the least
    pruner.update(step + 50, np.array([True]), arrays, KERNELS, PER_RESTART)
    assert pruner.restarts[0].kept == 1 and pruner.restarts[0].rate == 0.5 / 32 * 1.5


def test_state_round_trips_with_a_pending_undo() -> None:
    pruner, arrays = Pruner(every=100, rate=0.25, restarts=2), _arrays()
    pruner.update(50, np.array([True, False]), arrays, KERNELS, PER_RESTART)
    meta, saved = pruner.state()
    copy = Pruner(every=100, rate=0.25, restarts=2)
    copy.load(meta, {**saved, "param.a.w": arrays["param.a.w"]})
    assert copy.restarts == pruner.restarts
    assert copy.undo.keys() == pruner.undo.keys()
    for name, value in pruner.undo[0].items():
        np.testing.assert_array_equal(copy.undo[0][name], value)


def test_with_pruning_the_best_snapshot_is_the_one_with_fewest_large_weights() -> None:
    """A pruned network can have a higher regularization loss than an earlier, larger one (the tanh
    term barely notices one weight), so pruning runs rank snapshots by the weights left first."""
    from bonsaic.train.loop import Snapshot

    earlier, pruned = Snapshot(100, 0.10, {}, large=200), Snapshot(900, 0.12, {}, large=150)
    assert pruned.rank(pruning=True) < earlier.rank(pruning=True)
    assert earlier.rank(pruning=False) < pruned.rank(pruning=False)


def test_a_prune_that_was_solved_once_and_then_lost_for_every_steps_is_undone() -> None:
    """One lucky validation does not settle a prune: a network that then stays unsolved for
    ``every`` steps (before the next prune) goes back to before it."""
    pruner, arrays = Pruner(every=100, rate=0.25, restarts=1), _arrays()
    before = {name: value.copy() for name, value in arrays.items()}
    pruner.update(100, np.array([True]), arrays, KERNELS, PER_RESTART)
    assert pruner.update(150, np.array([True]), arrays, KERNELS, PER_RESTART) == []  # kept, for now
    assert pruner.update(200, np.array([False]), arrays, KERNELS, PER_RESTART) == []
    events = pruner.update(250, np.array([False]), arrays, KERNELS, PER_RESTART)
    assert events == ["restart 0: not solved since step 150; its last prune (2 weight(s) at step 100); "
                      "undone, rate now 0.125"]
    for name in PER_RESTART:
        np.testing.assert_array_equal(arrays[name][0], before[name][0], err_msg=name)
    assert pruner.update(300, np.array([False]), arrays, KERNELS, PER_RESTART) == []  # nothing left to undo


def test_an_undone_weight_is_not_tried_again_until_a_prune_is_kept() -> None:
    """The undo restores the network that chose the weight; choosing again would pick the same one
    forever (gate_switcher's stall at 124 weights)."""
    pruner, arrays = Pruner(every=100, rate=0.01, restarts=1), _arrays()
    pruner.update(100, np.array([True]), arrays, KERNELS, PER_RESTART)  # b's 0.5 (flat index 6)
    assert "undone" in pruner.update(200, np.array([False]), arrays, KERNELS, PER_RESTART)[0]
    assert pruner.restarts[0].tabu == [6] and arrays["mask.b.w"].all()
    pruner.update(200, np.array([True]), arrays, KERNELS, PER_RESTART)
    assert arrays["mask.b.w"].all() and arrays["mask.a.w"][0].tolist() == [[0, 1, 1], [1, 1, 1]]
    assert pruner.update(250, np.array([True]), arrays, KERNELS, PER_RESTART) == []  # kept
    assert pruner.restarts[0].tabu == [] and pruner.restarts[0].kept == 1
    pruner.update(300, np.array([True]), arrays, KERNELS, PER_RESTART)
    assert arrays["mask.b.w"][0].tolist() == [[0], [1]]  # b's 0.5 may go now
    meta, _ = pruner.state()
    assert "tabu" in meta["restarts"][0]


def test_with_a_harm_score_the_least_harmful_candidate_goes_first() -> None:
    arrays = _arrays()
    weights, masks = [arrays["param.a.w"][0], arrays["param.b.w"][0]], [arrays["mask.a.w"][0], arrays["mask.b.w"][0]]
    seen = []

    def harm(flat: np.ndarray) -> np.ndarray:
        seen.append(flat.tolist())
        return np.where(flat == 4, 0.0, 1.0)  # only a's 5 is harmless

    new, count = prune_masks(weights, masks, 0.01, harm=harm)
    assert count == 1 and new[0].tolist() == [[1, 1, 1], [1, 0, 1]] and new[1].all()
    assert sorted(seen[0]) == list(range(8))  # fewer than MIN_SCORED alive: every one is scored
    assert MIN_SCORED > 8
    new, _ = prune_masks(weights, masks, 0.01, tabu=[4], harm=harm)
    assert new[1].tolist() == [[0], [1]]  # a tie among the rest: the smallest magnitude


@given(arrays(np.float32, st.integers(1, 200), elements=st.floats(-4, 4, width=32)),
       st.floats(0.01, 0.5), st.integers(0, 2**31))
def test_scored_candidates_are_the_smallest_alive_and_never_tabu(w: np.ndarray, rate: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    tabu = sorted(rng.choice(w.size, size=w.size // 3, replace=False).tolist())
    seen: list[np.ndarray] = []

    def harm(flat: np.ndarray) -> np.ndarray:
        seen.append(flat)
        return rng.random(flat.size)

    masks, count = prune_masks([w], [np.ones_like(w)], rate, tabu, harm)
    gone = np.flatnonzero(masks[0] == 0)
    assert count == len(gone) and not set(gone.tolist()) & set(tabu)
    if seen:
        free = np.setdiff1d(np.arange(w.size), tabu)
        rest = np.setdiff1d(free, seen[0])
        assert set(gone.tolist()) <= set(seen[0].tolist())
        if rest.size:
            assert np.abs(w[seen[0]]).max() <= np.abs(w[rest]).min()


@given(st.lists(st.integers(1, 50), min_size=1, max_size=40), st.integers(2, 8))
def test_fallbacks_are_thinned_evenly_and_keep_the_oldest_and_newest(gaps: list[int], keep: int) -> None:
    from bonsaic.train.loop import Snapshot, thin_fallbacks

    steps = np.cumsum(gaps).tolist()
    snaps = [Snapshot(step, 0.0, {}, 0) for step in steps]
    kept = [s.step for s in thin_fallbacks(snaps, keep)]
    assert len(kept) == min(keep, len(steps)) and kept[0] == steps[0] and kept[-1] == steps[-1]
    assert kept == sorted(kept) and set(kept) <= set(steps)
    if len(steps) > keep:  # uneven history: no kept pair is closer than the densest removed stretch allowed
        even = [Snapshot(100 * i, 0.0, {}, 0) for i in range(len(steps))]
        spread = [s.step for s in thin_fallbacks(even, keep)]
        assert max(b - a for a, b in zip(spread, spread[1:], strict=False)) <= 2 * 100 * (len(steps) - 1) / (keep - 1) + 100
