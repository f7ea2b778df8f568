"""rnn-viz's weight dump (``CustomRNN.dump_weights``): dense kernels, lowered like our own.

Layout: ``input_dim``, ``output_dim``; ``cells[]`` with ``state_size``, ``output_dim``,
``output_kernel`` ``[in + state][out]``, ``output_bias``, ``recurrent_kernel``
``[in + state][state]``, ``recurrent_bias``, ``initial_state``, ``output_activation``,
``recurrent_activation``; ``post_layers[]`` with ``input_dim``, ``output_dim``, ``weights``
``[out][in]``, ``bias``, ``activation``. rnn-viz writes ``null`` for the recurrent kernel, bias and
initial state of a cell without states, and for biases of layers built without them (zero here).
"""

from __future__ import annotations

import numpy as np

from bonsaic.importers.json_access import JsonNode
from bonsaic.importers.rnnviz_common import activation, check_count
from bonsaic.ir.graph import Graph
from bonsaic.ir.lower import CellWeights, DenseWeights, lower_network


def _bias(node: JsonNode, key: str, length: int, what: str) -> np.ndarray:
    found = node.optional(key)
    return np.zeros(length) if found is None else found.vector(length, what)


def _cell(node: JsonNode, width: int) -> CellWeights:
    states = node.get("state_size").integer()
    outs = node.get("output_dim").integer()
    rows = width + states
    shape = f"[inputs + states] = {width} + {states} rows"
    if states:
        recurrent = node.get("recurrent_kernel").matrix(rows, states, f"{shape}, {states} columns")
        initial = node.get("initial_state").vector(states, "state_size")
    else:
        recurrent, initial = np.zeros((rows, 0)), np.zeros(0)
    return CellWeights(
        output_kernel=node.get("output_kernel").matrix(rows, outs, f"{shape}, {outs} columns"),
        output_bias=_bias(node, "output_bias", outs, "output_dim"),
        recurrent_kernel=recurrent,
        recurrent_bias=_bias(node, "recurrent_bias", states, "state_size"),
        initial_state=initial,
        output_activation=activation(node.optional("output_activation")),
        recurrent_activation=activation(node.optional("recurrent_activation")),
    )


def _post_layer(node: JsonNode, width: int) -> DenseWeights:
    declared = node.get("input_dim").integer()
    if declared != width:
        raise node.get("input_dim").error(f"is {declared} but the layer before has {width} outputs")
    outs = node.get("output_dim").integer()
    return DenseWeights(
        weights=node.get("weights").matrix(outs, width, f"[output_dim][input_dim] = [{outs}][{width}]"),
        bias=_bias(node, "bias", outs, "output_dim"),
        activation=activation(node.optional("activation")),
    )


def build(root: JsonNode, input_names: list[str], output_names: list[str], spec_source: str | None,
          spec_name: str | None) -> Graph:
    """The lowered graph of a weight dump."""
    width = root.get("input_dim").integer()
    check_count(root.get("input_dim"), width, input_names, "inputs")
    cells = []
    for node in root.get("cells").items():
        cells.append(_cell(node, width))
        width = cells[-1].output_dim
    if not cells:
        raise root.get("cells").error("a network needs at least one cell")
    layers = []
    for node in root.get("post_layers").items():
        layers.append(_post_layer(node, width))
        width = layers[-1].bias.shape[0]
    declared = root.get("output_dim").integer()
    if declared != width:
        raise root.get("output_dim").error(f"is {declared} but the last layer has {width} outputs")
    check_count(root.get("output_dim"), width, output_names, "outputs")
    return lower_network(cells, layers, input_names, output_names, spec_source, spec_name)
