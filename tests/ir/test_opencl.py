"""The OpenCL kernels agree with the numpy reference (skipped when no OpenCL platform exists)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonsaic.ir import Activation, Graph, Neuron, Output, simulate
from bonsaic.ir.opencl import activation_opencl, opencl_available, opencl_precision, simulate_opencl
from tests.ir.strategies import graphs

pytestmark = pytest.mark.skipif(not opencl_available(), reason="no OpenCL platform/device found")

ACTIVATIONS = [
    Activation.interpolated_ameo(0.5, 0.1), Activation.interpolated_ameo(0.0, 0.0),
    Activation.interpolated_ameo(1.0, 0.25), Activation.interpolated_ameo(0.3, 0.05),
    Activation.leaky_ameo(0.1), Activation.ameo(), Activation.tanh(), Activation.linear(),
    Activation.sign_ameo(),
]


def _tolerance(act: Activation) -> dict[str, float]:
    if opencl_precision() == "float32":
        return {"rtol": 1e-5, "atol": 1e-5}
    # same expression order and no contraction: bit-identical, except the library tanh
    return {"rtol": 4e-16, "atol": 4e-16} if act.kind == "tanh" else {"rtol": 0.0, "atol": 0.0}


def _grid(act: Activation) -> np.ndarray:
    """A dense grid plus every breakpoint and its immediate float neighbours."""
    points = [np.linspace(-8.0, 8.0, 20001)]
    for b in act.breakpoints():
        points.append(np.array([np.nextafter(b, -np.inf), b, np.nextafter(b, np.inf)]))
    return np.concatenate(points)


@pytest.mark.parametrize("act", ACTIVATIONS, ids=lambda a: a.text())
@pytest.mark.parametrize("derivative", [False, True], ids=["forward", "derivative"])
def test_activation_kernels_match_numpy(act: Activation, derivative: bool) -> None:
    x = _grid(act)
    if opencl_precision() == "float32":
        x = x.astype(np.float32).astype(np.float64)
    expected = act.derivative(x) if derivative else act.forward(x)
    np.testing.assert_allclose(activation_opencl(act, x, derivative), expected, **_tolerance(act))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(max_neurons=10), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_simulation_matches_numpy(graph: Graph, steps: int, seed: int) -> None:
    inputs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(33, steps, len(graph.inputs)))
    ours, reference = simulate_opencl(graph, inputs, trace=True), simulate(graph, inputs, trace=True)
    assert ours.trace is not None and reference.trace is not None
    tol = {"rtol": 1e-4, "atol": 1e-4} if opencl_precision() == "float32" else {"rtol": 1e-12, "atol": 1e-12}
    np.testing.assert_allclose(ours.values, reference.values, **tol)
    for name in graph.node_names():
        np.testing.assert_allclose(ours.trace[name], reference.trace[name], **tol)
    decisive = np.abs(reference.values) > 1e-6  # float rounding may only flip values at zero
    np.testing.assert_array_equal(ours.outputs[decisive], reference.outputs[decisive])


def test_empty_batch_and_no_states() -> None:
    lin = {"L": Activation.linear()}
    g = Graph(lin, ["x"], [], [Neuron("n", "L", [("x", -2.0)], 0.5)], [Output("y", "n")])
    assert simulate_opencl(g, np.zeros((0, 3, 1))).values.shape == (0, 3, 1)
    result = simulate_opencl(g, np.array([[[1.0], [-1.0]]]))
    np.testing.assert_array_equal(result.values[0, :, 0], [-1.5, 2.5])
