"""Lowering trained weights to the IR keeps the network's behaviour: simulate(IR) == tinygrad forward."""

from __future__ import annotations

import numpy as np
from tinygrad import Tensor

from bonsaic.ir.simulate import simulate
from bonsaic.train.lower import lower_restart
from bonsaic.train.model import BonsaiNet, NetShape, init_params, numpy_forward
from tests.train.helpers import fake_spec


def test_every_restart_lowers_to_a_graph_that_computes_the_same_outputs() -> None:
    spec = fake_spec(((3, 2), (2, 1)), n_inputs=2, n_outputs=1)  # two stacked cells and a dense layer
    shape = NetShape.from_spec(spec)
    rng = np.random.default_rng(4)
    params = {n: (v + rng.normal(0, 0.3, v.shape)).astype(np.float32)
              for n, v in init_params(shape, 2, rng).items()}
    x = np.where(rng.random((4, 7, 2)) < 0.5, 1.0, -1.0).astype(np.float32)
    batched = np.broadcast_to(x, (2, *x.shape))
    tiny = BonsaiNet(shape, params)(Tensor(np.ascontiguousarray(batched))).numpy()
    np.testing.assert_allclose(tiny, numpy_forward(shape, params, batched), rtol=1e-3, atol=1e-3)
    for k in range(2):
        graph = lower_restart(spec, shape, params, restart=k)
        assert graph.spec_source == spec.source and graph.spec_name == "fake.bns"
        assert graph.stats()["states"] == 3 and graph.stats()["neurons"] == 3 + 2 + 2 + 1 + 1
        result = simulate(graph, x.astype(np.float64))
        np.testing.assert_allclose(result.values, tiny[k], rtol=1e-3, atol=1e-3)


def test_binary_states_lower_to_sign_ameo_and_simulate_like_the_trainer() -> None:
    """The state neurons of a binary cell get ``sign_ameo`` (the outputs keep the cell's Ameo), and
    the graph computes what the trainer's forward computes, with every state +-1 from step 1 on."""
    spec = fake_spec(((3, 2),), n_inputs=2, n_outputs=1, binary_states=True)
    shape = NetShape.from_spec(spec)
    rng = np.random.default_rng(6)
    params = {n: (v + rng.normal(0, 0.5, v.shape)).astype(np.float32) for n, v in init_params(shape, 1, rng).items()}
    x = np.where(rng.random((5, 9, 2)) < 0.5, 1.0, -1.0).astype(np.float32)
    graph = lower_restart(spec, shape, params)
    kinds = {n.name: graph.acts[n.act].kind for n in graph.neurons}
    assert {kinds[s.next] for s in graph.states} == {"sign_ameo"}
    assert {k for name, k in kinds.items() if name not in {s.next for s in graph.states}} == {"interpolated_ameo"}
    result = simulate(graph, x.astype(np.float64), trace=True)
    np.testing.assert_allclose(result.values, numpy_forward(shape, params, x[None])[0], rtol=1e-4, atol=1e-4)
    assert result.trace is not None
    for s in graph.states:
        assert set(np.unique(result.trace[s.next])) <= {-1.0, 1.0}, s.name
