"""The simulator and the activations as OpenCL kernels (``kernels/*.cl``), run through pyopencl.

One work-item runs one whole sequence, so long random sequences (the verifier's bounded mode) and
big batches run in parallel on whatever device OpenCL offers -- PoCL's CPU device here. The numpy
simulator stays the reference: the kernels compute in double precision when the device has
``cl_khr_fp64`` (the results then agree with numpy bit for bit, tanh aside) and in float
otherwise, which is announced once.

Nothing here is required: :func:`opencl_available` says whether a platform and device exist, and
warns once (never raises) when they do not, so callers can fall back to numpy.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bonsaic.ir import ameo
from bonsaic.ir.activations import KINDS, Activation
from bonsaic.ir.graph import Graph
from bonsaic.ir.simulate import SimResult

KERNELS = Path(__file__).resolve().parents[2] / "kernels"


@dataclass
class _Device:
    """A context, its queue and the precision the kernels run in."""

    context: Any
    queue: Any
    dtype: type[np.floating[Any]]

    @property
    def options(self) -> list[str]:
        return ["-DBONSAI_FP64"] if self.dtype is np.float64 else []


@functools.cache
def _device() -> _Device | None:
    """The one device every kernel runs on, detected once (so a missing platform warns once)."""
    return _detect()


def _detect() -> _Device | None:
    try:
        import pyopencl as cl

        devices = [d for p in cl.get_platforms() for d in p.get_devices()]
        if not devices:
            raise RuntimeError("no OpenCL device found")
        device = devices[0]
        context = cl.Context([device])
    except Exception as err:  # no ICD loader, no platform, driver failure: all mean "use numpy"
        warnings.warn(f"OpenCL unavailable ({err}); simulating with numpy only", RuntimeWarning,
                      stacklevel=4)
        return None
    fp64 = "cl_khr_fp64" in device.extensions
    if not fp64:
        warnings.warn(f"OpenCL device {device.name!r} has no cl_khr_fp64: kernels compute in float32",
                      RuntimeWarning, stacklevel=4)
    return _Device(context, cl.CommandQueue(context), np.float64 if fp64 else np.float32)


def opencl_available() -> bool:
    """Whether an OpenCL device can run the kernels (warns once when not)."""
    return _device() is not None


def opencl_precision() -> str | None:
    """``"float64"`` or ``"float32"``: what the kernels compute in; None without OpenCL."""
    device = _device()
    return None if device is None else np.dtype(device.dtype).name


def _require() -> _Device:
    device = _device()
    if device is None:
        raise RuntimeError("OpenCL is not available; check opencl_available() first")
    return device


@functools.cache
def _program(defines: tuple[str, ...]) -> Any:
    import pyopencl as cl

    device = _require()
    activations = (KERNELS / "activations.cl").read_text().replace("// @AMEO_HELPERS@", ameo.opencl_helpers())
    source = activations + "\n" + (KERNELS / "simulate.cl").read_text()
    return cl.Program(device.context, source).build(options=[*device.options, *defines])


@functools.cache
def _kernel(name: str, defines: tuple[str, ...] = ()) -> Any:
    """One kernel object per (name, graph shape): pyopencl makes a new one on every attribute read."""
    import pyopencl as cl

    no_graph = ("-DN_INPUTS=0", "-DN_STATES=0", "-DN_NEURONS=0", "-DN_OUTPUTS=0", "-DN_NODES=0", "-DTRACE=0")
    return cl.Kernel(_program(defines or no_graph), name)


def _buffer(array: np.ndarray) -> Any:
    """A read-only device copy (OpenCL has no empty buffers, so empty arrays get one element)."""
    import pyopencl as cl

    device = _require()
    data = np.ascontiguousarray(array if array.size else np.zeros(1, array.dtype))
    return cl.Buffer(device.context, cl.mem_flags.READ_ONLY | cl.mem_flags.COPY_HOST_PTR, hostbuf=data)


def activation_opencl(act: Activation, x: np.ndarray, derivative: bool = False) -> np.ndarray:
    """``act.forward(x)`` (or ``act.derivative(x)``) computed by the kernels, in the device precision."""
    import pyopencl as cl

    device = _require()
    x = np.ascontiguousarray(x, dtype=device.dtype).ravel()
    out = np.empty_like(x)
    if x.size == 0:
        return out
    out_buf = cl.Buffer(device.context, cl.mem_flags.WRITE_ONLY, out.nbytes)
    kernel = _kernel("activation_derivative" if derivative else "activation_forward")
    real = device.dtype
    kernel(device.queue, (x.size,), None, _buffer(x), out_buf, np.int32(KINDS.index(act.kind)),
           real(act.factor), real(act.leakyness))
    cl.enqueue_copy(device.queue, out, out_buf)
    return out


class OpenCLSimulator:
    """A graph compiled to the flat arrays ``simulate.cl`` reads; :meth:`run` mirrors numpy's."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.device = _require()
        real = self.device.dtype
        index = {name: i for i, name in enumerate(graph.node_names())}
        neurons = graph.neurons
        acts = [graph.acts[n.act] for n in neurons]
        starts = np.cumsum([0, *(len(n.inputs) for n in neurons)])
        self.shape = {"N_INPUTS": len(graph.inputs), "N_STATES": len(graph.states),
                      "N_NEURONS": len(neurons), "N_OUTPUTS": len(graph.outputs), "N_NODES": len(index)}
        self._arrays = [
            np.array([KINDS.index(a.kind) for a in acts], dtype=np.int32),
            np.array([a.factor for a in acts], dtype=real),
            np.array([a.leakyness for a in acts], dtype=real),
            starts.astype(np.int32),
            np.array([index[src] for n in neurons for src, _w in n.inputs], dtype=np.int32),
            np.array([w for n in neurons for _src, w in n.inputs], dtype=real),
            np.array([n.bias for n in neurons], dtype=real),
            np.array([s.init for s in graph.states], dtype=real),
            np.array([-1 if s.next is None else index[s.next] for s in graph.states], dtype=np.int32),
            np.array([index[o.source] for o in graph.outputs], dtype=np.int32),
        ]
        self._buffers = [_buffer(a) for a in self._arrays]

    def run(self, inputs: np.ndarray, trace: bool = False) -> SimResult:
        """Run sequences ``inputs`` [B,T,I]; values come back as float64 whatever the device used."""
        import pyopencl as cl

        real = self.device.dtype
        inputs = np.ascontiguousarray(inputs, dtype=real)
        batch, steps, _ = inputs.shape
        n_out, n_nodes = self.shape["N_OUTPUTS"], self.shape["N_NODES"]
        values = np.empty((batch, steps, n_out), dtype=real)
        kept = np.empty((batch, steps, n_nodes), dtype=real) if trace else np.empty(1, dtype=real)
        if batch and steps:
            defines = (*(f"-D{k}={v}" for k, v in self.shape.items()), f"-DTRACE={int(trace)}")
            flags = cl.mem_flags.WRITE_ONLY
            out_buf = cl.Buffer(self.device.context, flags, max(values.nbytes, 1))
            trace_buf = cl.Buffer(self.device.context, flags, max(kept.nbytes, 1))
            _kernel("simulate", defines)(self.device.queue, (batch,), None, np.int32(steps), _buffer(inputs),
                                       out_buf, trace_buf, *self._buffers)
            if values.size:
                cl.enqueue_copy(self.device.queue, values, out_buf)
            if trace and kept.size:
                cl.enqueue_copy(self.device.queue, kept, trace_buf)
        values = values.astype(np.float64)
        traces = None
        if trace:
            traces = {name: kept[:, :, k].astype(np.float64) for k, name in enumerate(self.graph.node_names())}
        return SimResult(values, np.where(values > 0, 1.0, -1.0), traces)


    def battery(self, rows: np.ndarray, want: np.ndarray, head: np.ndarray, loop: np.ndarray,
                length: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Run periodic sequences (see ``battery`` in ``kernels/simulate.cl`` and
        :mod:`bonsaic.verify.battery`): per sequence the first wrong step (-1: none), the smallest
        |output| and the number of steps simulated."""
        import pyopencl as cl

        real = self.device.dtype
        batch, row_count = rows.shape[0], rows.shape[1]
        first_wrong = np.full(batch, -1, dtype=np.int32)
        smallest = np.full(batch, np.inf, dtype=real)
        steps = np.zeros(batch, dtype=np.int32)
        if batch == 0:
            return first_wrong, smallest.astype(np.float64), steps
        defines = (*(f"-D{k}={v}" for k, v in self.shape.items()), "-DTRACE=0")
        flags = cl.mem_flags.WRITE_ONLY
        outs = [cl.Buffer(self.device.context, flags, a.nbytes) for a in (first_wrong, smallest, steps)]
        _kernel("battery", defines)(
            self.device.queue, (batch,), None, np.int32(length), np.int32(row_count),
            _buffer(np.ascontiguousarray(rows, dtype=real)), _buffer(np.ascontiguousarray(want, dtype=real)),
            _buffer(head.astype(np.int32)), _buffer(loop.astype(np.int32)), *outs, *self._buffers)
        for host, device_buffer in zip((first_wrong, smallest, steps), outs, strict=True):
            cl.enqueue_copy(self.device.queue, host, device_buffer)
        return first_wrong.astype(np.int64), smallest.astype(np.float64), steps.astype(np.int64)


def simulate_opencl(graph: Graph, inputs: np.ndarray, trace: bool = False) -> SimResult:
    """:func:`bonsaic.ir.simulate.simulate` on the OpenCL device (RuntimeError without one)."""
    return OpenCLSimulator(graph).run(inputs, trace)
