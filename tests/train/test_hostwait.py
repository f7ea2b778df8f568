"""The host's wait for a submitted step: tinygrad's spin replaced by one that naps (hostwait)."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest

from bonsaic.train import hostwait


def _device(timeout_ms: int = 30_000) -> SimpleNamespace:
    def hang() -> None:
        raise RuntimeError("hang")

    return SimpleNamespace(can_recover=False, wait_timeout_ms=timeout_ms, on_device_hang=hang)


def test_install_replaces_tinygrads_wait() -> None:
    import bonsaic.train.loop  # noqa: F401, I001 - installs it
    from tinygrad.runtime.support import hcq2

    assert hostwait.install()
    assert hcq2.HCQ2Compiled._wait_signal is hostwait._polite_wait


def test_it_returns_once_the_signal_reaches_the_value() -> None:
    signal = [0]

    def device_side() -> None:
        for value in (1, 2, 3):
            time.sleep(0.01)
            signal[0] = value

    worker = threading.Thread(target=device_side)
    worker.start()
    hostwait._polite_wait(_device(), signal, 3)
    assert signal[0] == 3
    worker.join()


def test_it_returns_at_once_when_the_step_is_already_done() -> None:
    start = time.perf_counter()
    hostwait._polite_wait(_device(), [5], 5)
    assert time.perf_counter() - start < 0.01


def test_a_signal_that_never_moves_is_a_hang() -> None:
    with pytest.raises(RuntimeError, match="hang"):
        hostwait._polite_wait(_device(timeout_ms=50), [0], 1)


def test_a_moving_signal_is_not_a_hang_however_long_it_takes() -> None:
    """tinygrad's rule: the timeout counts from the last change of the signal, not the start."""
    signal = [0]

    def device_side() -> None:
        for value in range(1, 6):
            time.sleep(0.03)
            signal[0] = value

    worker = threading.Thread(target=device_side)
    worker.start()
    hostwait._polite_wait(_device(timeout_ms=80), signal, 5)  # 150 ms in all, never 80 ms still
    worker.join()
