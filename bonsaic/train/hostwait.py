"""Wait for the device without holding a core: tinygrad's ``HCQ2`` host wait, made polite.

Under ``HCQ2`` (:mod:`bonsaic.train.environment`) tinygrad waits for a submitted step by spinning in a
Python loop on the completion signal (``HCQ2Compiled._wait_signal``). On the CPU device the step's
kernels run on a worker thread of the same process, so that spin takes a core and the GIL from the
two things that have to run meanwhile: the kernels themselves and the trainer's data thread, which
draws the next batch in numpy. On the 2-core build machine this wait alone made the default training
loop of delay2, loop3 and replace111 (4 restarts of an 8-output / 4-state binary cell) 9-32% faster
(``benchmarks/bench_loop.py``, ``benchmarks/LOOP.md``), with the same losses bit for bit: only
*when* the host looks at the signal changes, never what the device computes.

:func:`install` replaces the method with one that spins a few times (a step that is nearly done
costs no sleep) and then sleeps :data:`NAP` seconds between looks, with tinygrad's own hang
detection kept. Without tinygrad's ``HCQ2`` support it does nothing.
"""

from __future__ import annotations

import time
from typing import Any

SPINS = 20  # looks at the signal before the first nap
NAP = 1e-4  # seconds between looks after that: at most this much latency per wait


def _polite_wait(self: Any, sig: Any, value: int, timeout: int | None = None) -> None:
    """tinygrad's ``_wait_signal`` (same arguments, same hang check), napping between looks."""
    timeout = timeout if timeout is not None and self.can_recover else None
    limit = (timeout or self.wait_timeout_ms) / 1000
    start, done, looks = time.perf_counter(), sig[0], 0
    while done < value:
        if done != (done := sig[0]):
            start = time.perf_counter()
        elif time.perf_counter() - start > limit:
            self.on_device_hang()
        looks += 1
        if looks > SPINS:
            time.sleep(NAP)


def install() -> bool:
    """Use :func:`_polite_wait` for every ``HCQ2`` device; True when installed (now or before)."""
    try:
        from tinygrad.runtime.support import hcq2
    except ImportError:
        return False
    compiled = getattr(hcq2, "HCQ2Compiled", None)
    if compiled is None or not hasattr(compiled, "_wait_signal"):
        return False
    compiled._wait_signal = _polite_wait
    return True
