"""The public task suite in ``benchmarks/tasks``: every spec checks, has no settings, and agrees with
an independent plain-Python reference (written from the textbook definition, not from the spec) on
generated sequences."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from bonsaic.spec import Program, load_spec

TASKS_DIR = Path(__file__).resolve().parents[2] / "benchmarks" / "tasks"
TASK_FILES = sorted(TASKS_DIR.glob("*.bns"))

Step = tuple[bool, ...]
Reference = Callable[[list[Step]], list[Step]]


# ---- helpers: prefixes of the input streams as strings and numbers ------------------------------

def _word(seq: list[Step], t: int, i: int = 0) -> str:
    """Input ``i`` over steps 0..t as a string of 0s and 1s."""
    return "".join("1" if step[i] else "0" for step in seq[: t + 1])


def _lsb_value(seq: list[Step], t: int, i: int) -> int:
    """Input ``i`` over steps 0..t as a number, step k's bit weighing 2**k."""
    return sum(1 << k for k in range(t + 1) if seq[k][i])


def _msb_value(seq: list[Step], t: int, i: int) -> int:
    """Input ``i`` over steps 0..t as a number, step 0's bit the most significant."""
    return int(_word(seq, t, i), 2)


def _ones(seq: list[Step], t: int, i: int = 0) -> int:
    """How many of input ``i``'s bits over steps 0..t are true."""
    return sum(1 for step in seq[: t + 1] if step[i])


def _bits(value: int, width: int) -> Step:
    """``value``'s low ``width`` bits, most significant first."""
    return tuple(bool(value >> k & 1) for k in reversed(range(width)))


def _past(seq: list[Step], t: int, i: int = 0) -> bool:
    """Input ``i`` at step ``t``, false before the first step."""
    return t >= 0 and seq[t][i]


def _per_prefix(fn: Callable[[list[Step], int], Step]) -> Reference:
    """A reference whose output at step t is ``fn(seq, t)``."""
    return lambda seq: [fn(seq, t) for t in range(len(seq))]


# ---- references with state that is clearer as an explicit machine --------------------------------

def _updown_counter(seq: list[Step]) -> list[Step]:
    out, c = [], 0
    for up, down in seq:
        if up and not down:
            c = min(c + 1, 7)
        elif down and not up:
            c = max(c - 1, 0)
        out.append(_bits(c, 3))
    return out


def _sr_latch(seq: list[Step]) -> list[Step]:
    out, q = [], False
    for s, r in seq:
        assert not (s and r), "the constraint forbids set and reset together"
        q = True if s else False if r else q
        out.append((q,))
    return out


def _d_latch(seq: list[Step]) -> list[Step]:
    out, q = [], False
    for d, en in seq:
        if en:
            q = d
        out.append((q,))
    return out


def _jk_flipflop(seq: list[Step]) -> list[Step]:
    out, q = [], False
    for j, k in seq:
        out.append((q,))
        q = {(False, False): q, (False, True): False, (True, False): True, (True, True): not q}[(j, k)]
    return out


def _alternating_ab(seq: list[Step], t: int) -> Step:
    return (re.fullmatch(r"(10)*", _word(seq, t)) is not None,)


def _serial_negate(seq: list[Step], t: int) -> Step:
    width = t + 1
    return (bool((-_lsb_value(seq, t, 0)) % (1 << width) >> t & 1),)


def _serial_adder(seq: list[Step], t: int) -> Step:
    total = _lsb_value(seq, t, 0) + _lsb_value(seq, t, 1)
    return (bool(total >> t & 1), bool(total >> (t + 1) & 1))


def _serial_compare_msb(seq: list[Step], t: int) -> Step:
    a, b = _msb_value(seq, t, 0), _msb_value(seq, t, 1)
    return (a > b, a < b)


def _traffic_light(seq: list[Step]) -> list[Step]:
    out, light, remaining = [], "green", []  # the light shown at the previous step and those still to come
    for (request,) in seq:
        if remaining:
            light = remaining.pop(0)
        elif light != "green":
            light = "green"  # the cycle ends with at least one green step
        elif request:
            light, remaining = "yellow", ["red", "red"]
        out.append((light == "green", light == "yellow", light == "red"))
    return out


def _vending_machine(seq: list[Step]) -> list[Step]:
    out, cents = [], 0
    for nickel, dime in seq:
        assert not (nickel and dime), "the constraint allows one coin per step"
        cents += 5 * nickel + 10 * dime
        vend = cents >= 15
        out.append((vend, cents == 20))
        if vend:
            cents = 0
    return out


def _round_robin_arbiter(seq: list[Step]) -> list[Step]:
    out, order = [], [0, 1]  # requesters from highest to lowest priority
    for requests in seq:
        granted = next((i for i in order if requests[i]), None)
        out.append((granted == 0, granted == 1))
        if granted is not None:
            order = [1 - granted, granted]
    return out


def _debounce(seq: list[Step]) -> list[Step]:
    out, y = [], False
    for t, (x,) in enumerate(seq):
        if x == _past(seq, t - 1):
            y = x
        out.append((y,))
    return out


def _dyck2_depth3(seq: list[Step]) -> list[Step]:
    out, stack = [], []
    for close, square in seq:
        kind = "[" if square else "("
        if close:
            assert stack and stack[-1] == kind, "the constraint allows only matching closes"
            stack.pop()
        else:
            stack.append(kind)
            assert len(stack) <= 3, "the constraint bounds the depth by 3"
        out.append((not stack,))
    return out


def _fifo_occupancy(seq: list[Step]) -> list[Step]:
    out, queue = [], []
    for push, pop in seq:
        assert not pop or queue, "the constraint forbids popping an empty queue"
        assert not push or len(queue) < 3, "the constraint forbids pushing a full queue"
        if pop:
            queue.pop(0)
        if push:
            queue.append(object())
        out.append((len(queue) == 0, len(queue) == 3))
    return out


def _walker_onehot(seq: list[Step]) -> list[Step]:
    out, pos = [], 2
    for left, stay, right in seq:
        assert [left, stay, right].count(True) == 1, "the constraint makes the command one-hot"
        pos = min(max(pos + (1 if right else -1 if left else 0), 0), 4)
        out.append((pos == 0, pos == 4))
    return out


REFERENCES: dict[str, Reference] = {
    # regular languages: the output at step t classifies the word x[0..t]
    "parity": _per_prefix(lambda s, t: (_ones(s, t) % 2 == 1,)),
    "all_ones": _per_prefix(lambda s, t: ("0" not in _word(s, t),)),
    "no_consecutive_ones": _per_prefix(lambda s, t: ("11" not in _word(s, t),)),
    "contains_11": _per_prefix(lambda s, t: ("11" in _word(s, t),)),
    "alternating_ab": _per_prefix(_alternating_ab),
    "ones_mod3_zero": _per_prefix(lambda s, t: (_ones(s, t) % 3 == 0,)),
    # counters
    "counter_mod3": _per_prefix(lambda s, t: _bits(_ones(s, t) % 3, 2)),
    "counter_mod4": _per_prefix(lambda s, t: _bits(_ones(s, t) % 4, 2)),
    "gray_counter": _per_prefix(lambda s, t: tuple(c == "1" for c in ["00", "01", "11", "10"][_ones(s, t) % 4])),
    "saturating_counter": _per_prefix(lambda s, t: (_ones(s, t) >= 4,)),
    "updown_counter": _updown_counter,
    # sequence detectors: the inputs before step 0 count as false
    "detect_101": _per_prefix(lambda s, t: (("000" + _word(s, t)).endswith("101"),)),
    "detect_110": _per_prefix(lambda s, t: (("000" + _word(s, t)).endswith("110"),)),
    "detect_1101": _per_prefix(lambda s, t: (("0000" + _word(s, t)).endswith("1101"),)),
    # delays and shift registers
    "delay_by_1": _per_prefix(lambda s, t: (_past(s, t - 1),)),
    "delay_by_2": _per_prefix(lambda s, t: (_past(s, t - 2),)),
    "delay_by_3": _per_prefix(lambda s, t: (_past(s, t - 3),)),
    "shift_register3": _per_prefix(lambda s, t: (_past(s, t), _past(s, t - 1), _past(s, t - 2))),
    # latches (transparent: this step's inputs act on the output) and flip-flops (output before the edge)
    "sr_latch": _sr_latch,
    "d_latch": _d_latch,
    "t_flipflop": _per_prefix(lambda s, t: (_ones(s, t - 1) % 2 == 1,)),
    "jk_flipflop": _jk_flipflop,
    # serial arithmetic
    "serial_adder": _per_prefix(_serial_adder),
    "serial_compare_lsb": _per_prefix(lambda s, t: (_lsb_value(s, t, 0) > _lsb_value(s, t, 1),)),
    "serial_compare_msb": _per_prefix(_serial_compare_msb),
    "serial_negate": _per_prefix(_serial_negate),
    # controllers
    "traffic_light": _traffic_light,
    "vending_machine": _vending_machine,
    "round_robin_arbiter": _round_robin_arbiter,
    "edge_detector": _per_prefix(lambda s, t: (s[t][0] and not _past(s, t - 1), _past(s, t - 1) and not s[t][0])),
    "debounce": _debounce,
    # constrained inputs
    "dyck2_depth3": _dyck2_depth3,
    "fifo_occupancy": _fifo_occupancy,
    "walker_onehot": _walker_onehot,
}


# ---- the tests ------------------------------------------------------------------------------------

def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_the_suite_is_there() -> None:
    assert len(TASK_FILES) >= 27


@pytest.mark.parametrize("path", TASK_FILES, ids=_ids(TASK_FILES))
def test_spec_checks_and_has_no_settings(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(r"\bmodel\s*\{", text) is None and re.search(r"\btrain\s*\{", text) is None
    assert text.startswith(f"# {path.stem}: "), "the file starts with a header comment naming the task"
    assert re.search(rf"^task {re.escape(path.stem)}$", text, re.MULTILINE)
    spec = load_spec(path)
    assert spec.name == path.stem
    assert 1 <= len(spec.inputs) <= 4 and 1 <= len(spec.outputs) <= 3
    table = Program(spec).transitions(20_000)
    assert table is not None
    assert len(table.states) <= 500


def test_every_task_has_a_reference() -> None:
    assert sorted(REFERENCES) == sorted(p.stem for p in TASK_FILES)


@pytest.mark.parametrize("path", TASK_FILES, ids=_ids(TASK_FILES))
def test_reference_matches_generated_targets(path: Path) -> None:
    reference = REFERENCES[path.stem]
    inputs, targets = Program(load_spec(path)).generate(batch=64, length=40, seed=0)
    assert inputs.shape[:2] == targets.shape[:2] == (64, 40)
    for b in range(inputs.shape[0]):
        seq = [tuple(bool(v > 0) for v in step) for step in inputs[b]]
        expected = np.array(reference(seq), dtype=bool).reshape(targets.shape[1:])
        got = targets[b] > 0
        if not np.array_equal(expected, got):
            t = int(np.argwhere((expected != got).any(axis=1))[0, 0])
            pytest.fail(f"{path.stem}, sequence {b}: step {t} expected {expected[t].tolist()}, "
                        f"spec gives {got[t].tolist()} (inputs so far {seq[: t + 1]})")
