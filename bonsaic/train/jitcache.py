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
* **Program addresses are re-pointed** under ``HCQ2``, where the step is one command buffer whose
  commands name each kernel by the address it was loaded at in the capturing process (below).

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
from collections import Counter
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


# -- HCQ2: cache the compiled step with its program addresses re-pointed on load ----------------
# Under HCQ2 the captured step is one command buffer: its commands name each kernel by the address
# this process loaded it at (tinygrad's CPU encoder writes ``program.addr`` into the command words),
# so the step as captured jumps to nowhere in another process (a segfault, measured). Buffers are
# no problem: their addresses are filled in at link time, in the process that runs the step.
# So the cache keeps, next to the compiled step, every program address its commands hold and the
# program behind it (a compiled kernel, or one of the device's own helper programs); the loading
# process loads those programs and rewrites each old address to the new one. That takes a fraction
# of a second, against 2.5-3 s for running ``hcq_compile`` on the step again (docs/performance.md).
# A step whose addresses cannot all be accounted for is cached in the older form, before
# ``hcq_compile``, and the loading process compiles it again.
_HCQ_FORMAT = "hcq2-pre"
_HCQ_ADDRESSED = "hcq2-addressed"
_hcq_inputs: dict[UOp, tuple[UOp, bool, dict[int, tuple[str, str, Any]]]] = {}  # result -> (input, profile, commands)
ADDRESSED = True  # write the re-pointable compiled form where possible (False: always the older one)
_HCQ_KEEP = 4  # the latest captures only: a trainer saves its step right after capturing it
_commanded: list[tuple[int, tuple[str, str, Any]]] = []  # (address, (kind, device, program)) per command made


def _record_commands() -> None:
    """Wrap tinygrad's CPU command encoder so that every program address it writes into a
    command is known, with the program it belongs to (a ``PROGRAM`` UOp or a device helper's name)."""
    import tinygrad.runtime.ops_cpu as ops_cpu
    from tinygrad import Device
    from tinygrad.engine.realize import get_runtime

    original = getattr(ops_cpu, "cpu_cmd", None)
    if original is None or getattr(original, "bonsaic_recorder", False):
        return

    def recording(devs: tuple[str, ...], prog: Any, *args: UOp) -> UOp:
        out = original(devs, prog, *args)
        for dev in devs:
            if isinstance(prog, UOp):
                _commanded.append((get_runtime(dev, prog).addr, ("program", dev, prog)))
            else:
                _commanded.append((Device[dev].prgs[prog].addr, ("device", dev, prog.__name__)))
        return out

    recording.bonsaic_recorder = True  # type: ignore[attr-defined]
    ops_cpu.cpu_cmd = recording


def _record_hcq_inputs() -> None:
    """Wrap tinygrad's ``hcq_compile`` so that a JIT capture's input to it, and the program
    addresses its commands hold, can be found again."""
    import tinygrad.engine.realize as realize

    original = getattr(realize, "hcq_compile", None)
    if original is None or getattr(original, "bonsaic_recorder", False):
        return

    def recording(linear: UOp, input_uops: Any, profile: bool) -> UOp:
        start = len(_commanded)
        out = original(linear, input_uops, profile)
        if input_uops is None and enabled():  # jit_lower's call: the captured step, saved right after
            _hcq_inputs[out] = (linear, profile, dict(_commanded[start:]))
            for old in list(_hcq_inputs)[:-_HCQ_KEEP]:  # each holds a whole step's kernels
                del _hcq_inputs[old]
        del _commanded[start:]
        return out

    recording.bonsaic_recorder = True  # type: ignore[attr-defined]
    realize.hcq_compile = recording


if hcq_active():
    _record_hcq_inputs()
    _record_commands()


def _split(linear: UOp) -> UOp:
    """What ``jit_lower`` does after ``compile_linear``."""
    from tinygrad.engine.jit import graph_split_rewrite
    from tinygrad.helpers import JIT, JIT_BATCH_SIZE

    return graph_split_rewrite(linear, max_batch_size=JIT_BATCH_SIZE.value) if JIT < 2 else linear


def _repoint(linear: UOp, mapping: dict[int, int]) -> tuple[UOp, Counter[int]]:
    """``linear`` with every program address in ``mapping`` replaced, and how often each was: in
    the command buffers' data blobs (64-bit words) and in constants. A compiled program's own binary
    is left alone."""
    code = {u.src[3] for u in linear.toposort() if u.op is Ops.PROGRAM and len(u.src) > 3}
    subs: dict[UOp, UOp] = {}
    found: Counter[int] = Counter()
    for u in linear.toposort():
        if u.op is Ops.BINARY and u not in code and isinstance(u.arg, bytes) and len(u.arg) >= 8:
            words = np.frombuffer(u.arg, np.uint64, len(u.arg) // 8).copy()
            hits = np.isin(words, np.fromiter(mapping, np.uint64, len(mapping)))
            if hits.any():
                found.update(int(w) for w in words[hits])
                words[hits] = [mapping[int(w)] for w in words[hits]]
                subs[u] = u.replace(arg=words.tobytes() + u.arg[len(words) * 8:])
        elif u.op is Ops.CONST and type(u.arg) is int and u.arg in mapping:
            found[u.arg] += 1
            subs[u] = u.replace(arg=mapping[u.arg])
    return (linear.substitute(subs, walk=True) if subs else linear), found


def _hcq_payload(step: Any, tensors: dict[str, Tensor]) -> tuple[Any, ...] | None:
    """What to pickle for a step captured under HCQ2 (None: its pre-hcq form is unknown)."""
    captured = getattr(step, "captured", None)
    if captured is None:
        return None
    for out, (pre, profile, commands) in list(_hcq_inputs.items()):
        if _split(out) is captured._linear:
            _hcq_inputs.clear()  # found: nothing older is wanted any more
            found = _repoint(captured._linear, {a: a for a in commands})[1]
            if ADDRESSED and _accounted(pre, commands) and set(commands) <= set(found):
                # a kernel is kept as its ELF, what loading it needs: its PROGRAM UOp holds its whole
                # AST too, and unpickling and packing those was half of delay2's load time
                programs = [(a, (kind, dev, what.to_elf() if kind == "program" else what))
                            for a, (kind, dev, what) in commands.items()]
                return (_HCQ_ADDRESSED, (captured.ret, captured._linear, programs, found.total(),
                                      captured.expected_names, captured.expected_input_info), tensors)
            return (_HCQ_FORMAT, (captured.ret, pre, profile, captured.expected_names,
                                  captured.expected_input_info), tensors)
    return None


def _accounted(pre: UOp, commands: dict[int, tuple[str, str, Any]]) -> bool:
    """Whether every kernel of the step went through the recorded CPU encoder: as many programs
    as the step calls were commanded. On another device (OpenCL under HCQ2) kernels are named in
    ways this cache does not re-point, so such a step is kept in the older form."""
    kernels = {c.src[0].key for c in pre.src if c.op is Ops.CALL and c.src and c.src[0].op is Ops.PROGRAM}
    commanded = {what[2].key for what in commands.values() if what[0] == "program"}
    return bool(kernels) and len(commanded) >= len(kernels)


def _program_address(kind: str, device: str, program: Any) -> int:
    """Where ``program`` (a kernel's ``TinyELF``, or a device helper's name) is loaded in this
    process, loading it if need be into tinygrad's runtime cache, under the key ``get_runtime``
    uses (the ELF's ``profile_key`` is its PROGRAM's key), which also keeps it alive."""
    from tinygrad import Device
    from tinygrad.engine.realize import runtime_cache

    if kind == "program":
        if program.profile_key is None:  # cannot be cached under get_runtime's key: a miss
            raise ValueError(f"kernel {program.name} has no key")
        key = (program.profile_key, device)
        if key not in runtime_cache:
            runtime_cache[key] = Device[device].runtime(program)
        return runtime_cache[key].addr
    return next(p.addr for f, p in Device[device].prgs.items() if f.__name__ == program)


def _hcq_step(mark: str, parts: tuple[Any, ...]) -> Any:
    """A runnable step from :func:`_hcq_payload`'s parts, for this process."""
    import tinygrad.engine.realize as realize
    from tinygrad.engine.jit import CapturedJit, _TinyJit

    if mark == _HCQ_ADDRESSED:
        ret, linear, commands, found, names, info = parts
        mapping = {old: _program_address(*what) for old, what in commands}
        linear, count = _repoint(linear, mapping)
        if count.total() != found:
            raise ValueError(f"re-pointed {count.total()} program addresses, the capture had {found}")
        return _TinyJit(None, captured=CapturedJit(ret, linear, names, info))
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
            if mark not in (_HCQ_FORMAT, _HCQ_ADDRESSED):
                return None
            step = _hcq_step(mark, parts)
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


def entry_format(path: Path) -> str:
    """Which form a cache file holds: ``"hcq2-addressed"`` (compiled, program addresses re-pointed
    on load), ``"hcq2-pre"`` (compiled again on load), ``"plain"`` (tinygrad without HCQ2) or
    ``"unreadable"``."""
    try:
        with path.open("rb") as f:
            payload = _FreshSlots(f).load()
    except Exception:  # noqa: BLE001 - anything broken is unreadable
        return "unreadable"
    if isinstance(payload, tuple) and len(payload) == 3 and payload[0] in (_HCQ_FORMAT, _HCQ_ADDRESSED):
        return payload[0]
    return "plain" if isinstance(payload, tuple) and len(payload) == 2 else "unreadable"


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
