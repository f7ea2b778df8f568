"""The ``ir`` back end: the (optimised) graph in the textual IR, exactly as ``print_ir`` writes it.

The output is itself a valid input to every bonsaic command (``verify``, ``opt``, ``simulate``).
"""

from __future__ import annotations

from bonsaic.ir.graph import Graph
from bonsaic.ir.text import print_ir


def emit(graph: Graph) -> str:
    """The graph's text form."""
    return print_ir(graph)
