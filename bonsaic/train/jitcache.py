"""A disk cache of captured training steps, so a new process starts training in seconds.

Capturing the ``TinyJit`` step schedules and compiles the whole unrolled network, forward and
backward: 10-100 s on the 2-core build machine even when tinygrad's own cache holds the compiled C
(it caches compiled programs, not schedules). A captured step can be pickled with the tensors it
reads and writes and loaded in another process in about a second (docs/performance.md).

Two details make a loaded step usable:

* **Fresh buffer slots.** tinygrad names each buffer ``UOp`` by a per-process counter and
  hash-conses ``UOp`` objects, so a buffer unpickled with slot 7 *is* the buffer the loading
  process created as slot 7. :class:`_FreshSlots` gives every unpickled buffer a new slot.
* **Values are written into the buffers** (:func:`write_into`), never ``assign``-ed: an ``assign``
  after loading gives the tensor a new buffer the step does not see.

The key covers everything that shapes the step: tinygrad's version, this package's training code,
the network, batch, length, restarts, optimizer, regularizer, device and CPU. Anything unreadable is
treated as a miss (and replaced), so a stale or broken cache costs a capture, never a wrong run.
``BONSAIC_JIT_CACHE=0`` turns the cache off; ``BONSAIC_CACHE_DIR`` moves it. At most
``MAX_ENTRIES`` steps are kept, least recently used first out.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pickle
import platform
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import tinygrad
from tinygrad import Tensor
from tinygrad.device import Buffer
from tinygrad.dtype import _to_np_dtype
from tinygrad.uop.ops import Ops, ParamArg, UOp

from bonsaic.fsutil import cache_root

_CODE_FILES = ("activation.py", "jitcache.py", "loop.py", "model.py", "regularizer.py")
FORMAT = 1
MAX_ENTRIES = 32  # least recently used entries beyond this are deleted (each is a few MB)
# tinygrad settings that change which kernels a step compiles to
TINYGRAD_ENV = ("DEV", "NUM_CPU_THREADS", "BEAM", "NOOPT", "OPT", "CPU_LLVM", "CPU_COUNT", "FLOAT16", "IMAGE",
                "JIT", "SPEC")


def hcq_active() -> bool:
    """Whether tinygrad runs in its ``HCQ2`` mode (the whole captured step one command buffer,
    docs/performance.md): the value tinygrad itself read when it was imported, which is what counts
    even if the environment changed since."""
    from tinygrad.helpers import getenv

    return bool(getenv("HCQ2"))


def enabled() -> bool:
    """Off with ``BONSAIC_JIT_CACHE=0``."""
    return os.environ.get("BONSAIC_JIT_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


# -- HCQ2: cache the step *before* hcq_compile, redo that part on load -------------------------
# Under HCQ2 the captured step is one C "submitter" compiled with the addresses of this process's
# kernels baked in; loaded in another process it jumps to nowhere (a segfault, measured). So the
# cache keeps the step as it was just before ``hcq_compile`` (lowered and compiled kernels, which
# pickle as in the default mode) and the loading process runs ``hcq_compile`` on it again: about a
# second, against the full schedule and lowering a capture costs.
_HCQ_FORMAT = "hcq2-pre"
_hcq_inputs: dict[UOp, tuple[UOp, bool]] = {}  # hcq_compile's result -> (its input, profile)
_HCQ_KEEP = 4  # the latest captures only: a trainer saves its step right after capturing it


def _record_hcq_inputs() -> None:
    """Wrap tinygrad's ``hcq_compile`` so that a JIT capture's input to it can be found again."""
    import tinygrad.engine.realize as realize

    original = getattr(realize, "hcq_compile", None)
    if original is None or getattr(original, "bonsaic_recorder", False):
        return

    def recording(linear: UOp, input_uops: Any, profile: bool) -> UOp:
        out = original(linear, input_uops, profile)
        if input_uops is None and enabled():  # jit_lower's call: the captured step, saved right after
            _hcq_inputs[out] = (linear, profile)
            for old in list(_hcq_inputs)[:-_HCQ_KEEP]:  # each holds a whole step's kernels
                del _hcq_inputs[old]
        return out

    recording.bonsaic_recorder = True  # type: ignore[attr-defined]
    realize.hcq_compile = recording


if hcq_active():
    _record_hcq_inputs()


def _split(linear: UOp) -> UOp:
    """What ``jit_lower`` does after ``compile_linear``."""
    from tinygrad.engine.jit import graph_split_rewrite
    from tinygrad.helpers import JIT, JIT_BATCH_SIZE

    return graph_split_rewrite(linear, max_batch_size=JIT_BATCH_SIZE.value) if JIT < 2 else linear


def _hcq_payload(step: Any, tensors: dict[str, Tensor]) -> tuple[Any, ...] | None:
    """What to pickle for a step captured under HCQ2 (None: its pre-hcq form is unknown)."""
    captured = getattr(step, "captured", None)
    if captured is None:
        return None
    for out, (pre, profile) in list(_hcq_inputs.items()):
        if _split(out) is captured._linear:
            _hcq_inputs.clear()  # found: nothing older is wanted any more
            return (_HCQ_FORMAT, (captured.ret, pre, profile, captured.expected_names,
                                  captured.expected_input_info), tensors)
    return None


def _hcq_step(parts: tuple[Any, ...]) -> Any:
    """A runnable step from :func:`_hcq_payload`'s parts, compiled for this process."""
    import tinygrad.engine.realize as realize
    from tinygrad.engine.jit import CapturedJit, _TinyJit

    ret, pre, profile, names, info = parts
    return _TinyJit(None, captured=CapturedJit(ret, _split(realize.hcq_compile(pre, None, profile)), names, info))


def tinygrad_env() -> dict[str, str | None]:
    """The :data:`TINYGRAD_ENV` settings as the key sees them, ``DEV`` as tinygrad resolved it:
    tinygrad writes the device it picks into ``DEV`` only when it first picks one, so a process
    that had it reset (or a fresh child, :mod:`bonsaic.train.precapture`) would otherwise key the
    same step differently."""
    from tinygrad import Device

    env = {name: os.environ.get(name) for name in TINYGRAD_ENV}
    if env["DEV"] is None:
        env["DEV"] = Device.DEFAULT
    return env


def cache_dir() -> Path:
    return cache_root() / "jit"


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def cache_key(parts: dict[str, Any]) -> str:
    """A digest of ``parts`` (what the caller's step depends on) plus code, versions and machine."""
    here = Path(__file__).parent
    code = hashlib.sha256()
    for name in _CODE_FILES:
        code.update((here / name).read_bytes())
    everything = {"format": FORMAT, "tinygrad": getattr(tinygrad, "__version__", "?"), "code": code.hexdigest(),
                  "machine": platform.machine(), "cpu": _cpu_name(), "hcq2": hcq_active(), **parts}
    return hashlib.sha256(json.dumps(everything, sort_keys=True, default=repr).encode()).hexdigest()[:32]


class _FreshSlots(pickle.Unpickler):
    """Unpickles tinygrad objects, renumbering every buffer ``UOp`` with a slot from this process's
    counter, so unpickled buffers can never be confused with ones this process already made."""

    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self._slots: dict[int, int] = {}

    def _uop(self, op: Ops, dtype: Any = None, src: tuple = (), arg: Any = None, tag: Any = None,
             metadata: Any = None, buffer: Any = None) -> UOp:
        if op is Ops.BUFFER and isinstance(arg, ParamArg):
            if arg.slot not in self._slots:
                self._slots[arg.slot] = next(UOp.unique_num)
            arg = dataclasses.replace(arg, slot=self._slots[arg.slot])
        return UOp(op, dtype, src, arg, tag, metadata, buffer)

    def find_class(self, module: str, name: str) -> Any:
        if module == UOp.__module__ and name == "UOp":
            return self._uop
        return super().find_class(module, name)


def load(key: str) -> tuple[Any, dict[str, Tensor]] | None:
    """The cached ``(step, state tensors)`` for ``key``, or None (missing, disabled or unreadable)."""
    path = cache_dir() / f"{key}.pkl"
    if not enabled() or not path.is_file():
        return None
    try:
        with path.open("rb") as f:
            payload = _FreshSlots(f).load()
        if hcq_active():
            mark, parts, tensors = payload
            if mark != _HCQ_FORMAT:
                return None
            step = _hcq_step(parts)
        else:
            step, tensors = payload
    except Exception:  # noqa: BLE001 - any broken cache file is a miss; save() replaces it
        return None
    if not isinstance(tensors, dict) or not all(isinstance(t, Tensor) for t in tensors.values()):
        return None
    try:
        os.utime(path)  # recently used: evicted last
    except OSError:
        pass
    return step, tensors


def _evict(directory: Path, keep: int) -> None:
    entries = sorted(directory.glob("*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)


def save(key: str, step: Any, tensors: dict[str, Tensor]) -> Path | None:
    """Store a captured step with the tensors it uses, atomically; None if the cache is off or
    cannot be written (a cache is an optimisation: failing to write it must not stop training)."""
    if not enabled():
        return None
    payload = _hcq_payload(step, tensors) if hcq_active() else (step, tensors)
    if payload is None:
        return None
    target = cache_dir() / f"{key}.pkl"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(payload, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _evict(target.parent, MAX_ENTRIES)
    except Exception:  # noqa: BLE001 - e.g. a device whose buffers or programs do not pickle
        return None
    return target


def write_into(tensor: Tensor, value: np.ndarray) -> None:
    """Copy ``value`` into ``tensor``'s existing buffer, which a captured step reads and writes.

    ``Tensor.assign`` would be the obvious call, but on a step loaded from the cache it leaves the
    tensor on a new buffer that the step never sees; a direct copy keeps the two together.
    """
    tensor.realize()
    tensor.uop.buffer.ensure_allocated()
    fill(tensor, np.broadcast_to(value, tensor.shape))


def fill(tensor: Tensor, value: np.ndarray) -> None:
    """Copy ``value`` (``tensor``'s size) into ``tensor``'s buffer, which must be realized: the
    training loop's per-step inputs, and the last step of :func:`write_into`."""
    buf = tensor.uop.buffer
    data = np.ascontiguousarray(value, dtype=_to_np_dtype(tensor.dtype))
    if data.size != buf.size:
        raise ValueError(f"{data.shape} does not fit a buffer of {buf.size} values")
    if data.size == 0:  # a task without inputs feeds an empty [K, B, T, 0] tensor
        return
    buf.copy_from(Buffer("PYTHON", buf.size, buf.dtype, opaque=memoryview(data).cast("B")))
