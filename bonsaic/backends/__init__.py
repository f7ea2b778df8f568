"""Code generators: each reads an (optimised) graph and returns text; none of them changes it.

``BACKENDS`` maps a target name to its module; every module has ``emit(graph) -> str``:

* ``ir``: the textual IR (``print_ir``);
* ``dot``: Graphviz source in the seed post's visual language (``dot.render`` draws it);
* ``py``: a standalone Python module, numerically identical to the simulator;
* ``bool``: the decompiler: boolean logic and small case tables, when exploration closes;
* ``mealy``, ``mealy-json``: the network's behaviour as a minimal Mealy machine (AALpy's DOT, or
  JSON), when exploration closes.
* ``rnnviz``: the serialized graph rnn-viz's visualizer loads (and ``bonsaic import rnnviz`` reads).

The VCD waveform of ``bonsaic simulate --vcd`` (:mod:`bonsaic.backends.waveform`) is written from a
simulation, not from the graph alone, so it is not in this table.
"""

from __future__ import annotations

from types import ModuleType

from bonsaic.backends import bool as bool_backend
from bonsaic.backends import dot, ir, mealy, mealy_json, py, rnnviz
from bonsaic.ir.graph import Graph
from bonsaic.verify.explore import Exploration

BACKENDS: dict[str, ModuleType] = {"ir": ir, "dot": dot, "py": py, "bool": bool_backend,
                                   "mealy": mealy, "mealy-json": mealy_json, "rnnviz": rnnviz}
EXPLORING = frozenset({"bool", "mealy", "mealy-json"})
"""The back ends that read the reachable set, so take the caller's exploration."""


def emit(name: str, graph: Graph, exploration: Exploration | None = None) -> str:
    """Run back end ``name`` on ``graph`` (KeyError for an unknown name). ``exploration`` (the caller's
    exploration of ``graph``) is used by the back ends that analyse the reachable set (:data:`EXPLORING`)."""
    if name in EXPLORING:
        return BACKENDS[name].emit(graph, exploration)
    return BACKENDS[name].emit(graph)
