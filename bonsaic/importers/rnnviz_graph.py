"""rnn-viz's serialized sparse graph (``RNNGraph.serialize``), rebuilt neuron by neuron.

Layout: ``inputLayer.neurons``; ``cells[]`` with ``outputNeurons``, ``recurrentNeurons``,
``stateNeurons`` and ``outputDim``; ``postLayers[]`` with ``neurons`` and ``outputDim``;
``outputs.neurons``. A neuron is ``{weights: [{weight, index}], bias, name, activation}`` or
``null`` when pruned. ``index`` points into the layer's sources: the previous layer's outputs, and
for a cell, after them, its own states. A state neuron's ``bias`` is its initial value; its next
value is the recurrent neuron with the same index, or -- when that one was pruned -- 0.0, which is
exactly what a state with no ``next`` does in bonsaic. An output neuron passes one source through,
plus its bias (rnn-viz ignores its stored weight and uses 1).
"""

from __future__ import annotations

from bonsaic.importers.json_access import JsonNode
from bonsaic.importers.rnnviz_common import activation, check_count
from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph, Output
from bonsaic.ir.lower import GraphBuilder

Sources = list[str | None]  # a layer's outputs by index; None where rnn-viz pruned the neuron


def _source(weight: JsonNode, sources: Sources) -> str:
    index_node = weight.get("index")
    index = index_node.integer()
    if index >= len(sources):
        raise index_node.error(f"index {index} is out of range: this layer reads {len(sources)} values")
    found = sources[index]
    if found is None:
        raise index_node.error(f"index {index} refers to a neuron that was pruned (null)")
    return found


def _neuron(b: GraphBuilder, node: JsonNode, name: str, sources: Sources) -> str:
    inputs = [(_source(w, sources), w.get("weight").number()) for w in node.get("weights").items()]
    b.add_neuron(name, activation(node.optional("activation")), inputs, node.get("bias").number())
    return name


def _layer(b: GraphBuilder, nodes: list[JsonNode], width: int, names: list[str],
           sources: Sources, dim_node: JsonNode) -> Sources:
    """Add the non-null ``nodes`` reading ``sources``; return the layer's outputs by index."""
    if len(nodes) > width:
        raise dim_node.error(f"is {width} but the layer lists {len(nodes)} neurons")
    outputs: Sources = [None] * width
    for k, node in enumerate(nodes):
        if not node.is_null:
            outputs[k] = _neuron(b, node, names[k], sources)
    return outputs


def _cell(b: GraphBuilder, i: int, node: JsonNode, sources: Sources) -> Sources:
    state_nodes = node.get("stateNeurons").items()
    recurrent = node.get("recurrentNeurons").items()
    states: Sources = [None if s.is_null else f"c{i}.s{j}" for j, s in enumerate(state_nodes)]
    for j, state in enumerate(state_nodes):
        if not state.is_null:
            has_next = j < len(recurrent) and not recurrent[j].is_null
            b.add_state(f"c{i}.s{j}", state.get("bias").number(), f"c{i}.r{j}" if has_next else None)
    concat = [*sources, *states]
    _layer(b, recurrent, len(recurrent), [f"c{i}.r{j}" for j in range(len(recurrent))], concat,
           node.get("recurrentNeurons"))
    width = node.get("outputDim").integer()
    return _layer(b, node.get("outputNeurons").items(), width, [f"c{i}.o{k}" for k in range(width)],
                  concat, node.get("outputDim"))


def _outputs(b: GraphBuilder, node: JsonNode, names: list[str], sources: Sources) -> list[Output]:
    outputs = []
    for k, (name, out) in enumerate(zip(names, node.items(), strict=True)):
        if out.is_null:
            raise out.error(f"output {k} was pruned (null), so the network cannot compute {name!r}")
        weights = out.get("weights").items()
        if not weights:
            raise out.get("weights").error("an output neuron needs one weight naming its source")
        source = _source(weights[0], sources)
        bias = out.get("bias").number() if out.has("bias") else 0.0
        if bias != 0.0:  # y = value + bias needs a node of its own
            b.add_neuron(f"out.{k}", Activation.linear(), [(source, 1.0)], bias)
            source = f"out.{k}"
        outputs.append(Output(name, source))
    return outputs


def build(root: JsonNode, input_names: list[str], output_names: list[str], spec_source: str | None,
          spec_name: str | None) -> Graph:
    """The graph of a serialized rnn-viz graph."""
    layer = root.get("inputLayer").get("neurons")
    input_nodes = layer.items()
    check_count(layer, len(input_nodes), input_names, "inputs")
    sources: Sources = [None if n.is_null else name for n, name in zip(input_nodes, input_names, strict=True)]
    b = GraphBuilder()
    cells = root.get("cells").items()
    if not cells:
        raise root.get("cells").error("a network needs at least one cell")
    for i, cell in enumerate(cells):
        sources = _cell(b, i, cell, sources)
    posts = root.get("postLayers").items()
    for index, post in enumerate(posts):
        width = post.get("outputDim").integer()
        prefix = "dense" if len(posts) == 1 else f"d{index}"
        sources = _layer(b, post.get("neurons").items(), width, [f"{prefix}.{k}" for k in range(width)],
                         sources, post.get("outputDim"))
    out_layer = root.get("outputs").get("neurons")
    check_count(out_layer, len(out_layer.items()), output_names, "outputs")
    outputs = _outputs(b, out_layer, output_names, sources)
    return b.graph(input_names, outputs, spec_source, spec_name)
