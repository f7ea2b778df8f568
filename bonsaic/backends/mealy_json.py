"""The ``mealy-json`` back end: the network's minimal Mealy machine as JSON (see :mod:`bonsaic.backends.mealy`)."""

from __future__ import annotations

from bonsaic.backends.mealy import json_text, network
from bonsaic.ir.graph import Graph
from bonsaic.verify.explore import Exploration


def emit(graph: Graph, exploration: Exploration | None = None) -> str:
    """The machine as JSON (``MachineError`` if exploration does not close)."""
    return json_text(network(graph, exploration))
