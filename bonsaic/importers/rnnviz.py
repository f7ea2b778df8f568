"""Import networks from rnn-viz, the seed post's original tool, in either of its JSON formats.

* the weight dump written by ``CustomRNN.dump_weights`` (``input_dim``, ``cells``, ``post_layers``:
  dense kernels), lowered through :func:`bonsaic.ir.lower.lower_network` like a bonsaic-trained
  network (:mod:`bonsaic.importers.rnnviz_dump`);
* the serialized sparse graph the visualizer loads (``inputLayer``, ``cells``, ``postLayers``,
  ``outputs``; pruned neurons are ``null``), rebuilt neuron by neuron so that a state whose
  recurrent neuron was pruned keeps rnn-viz's behaviour: 0.0 from the second step on
  (:mod:`bonsaic.importers.rnnviz_graph`).

The spec supplies what the JSON does not carry: input and output names, and the task the imported
graph is meant to implement (embedded in it, so ``bonsaic verify`` can check the import).
"""

from __future__ import annotations

from pathlib import Path

from bonsaic.fsutil import display_name, read_input
from bonsaic.importers import rnnviz_dump, rnnviz_graph
from bonsaic.importers.json_access import ImportFormatError, parse_json
from bonsaic.importers.rnnviz_common import HINT
from bonsaic.ir.graph import Graph
from bonsaic.spec import Spec


def import_rnnviz(text: str, filename: str, input_names: list[str], output_names: list[str],
                  spec_source: str | None = None, spec_name: str | None = None) -> Graph:
    """The graph of an rnn-viz JSON document (either format; detected from its keys)."""
    root = parse_json(text, filename, HINT)
    if root.has("inputLayer"):
        build = rnnviz_graph.build
    elif root.has("input_dim"):
        build = rnnviz_dump.build
    else:
        raise root.error("not an rnn-viz network: expected the keys input_dim/cells/post_layers "
                         "(weight dump) or inputLayer/cells/postLayers/outputs (serialized graph)", HINT)
    return build(root, input_names, output_names, spec_source, spec_name)


def load_rnnviz(path: str | Path, spec: Spec) -> Graph:
    """Import the file at ``path`` as an implementation of ``spec`` (embedded in the graph)."""
    data = read_input(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ImportFormatError(f"not a JSON file: invalid UTF-8 at byte {err.start} (binary data?)",
                                filename=display_name(path), hint=HINT) from None
    return import_rnnviz(text, display_name(path),
                         [decl.name for decl in spec.inputs], list(spec.outputs), spec.source, spec.name)
