"""The ``dot`` back end: Graphviz source in the seed post's visual language.

Neurons are squares, states circles (their initial value under the name), inputs and outputs are
labelled ``IN0``/``OUT0`` with their spec names. Every weight is an edge labelled with its value,
red when positive and blue when negative (the post's colours); each state's feedback from its
``next`` node is a dashed edge. Nodes named ``c{i}.*`` sit in a cluster per cell, ``dense.*`` and
``d{l}.*`` in one per post layer. The output only depends on the graph, so it diffs cleanly.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import graphviz

from bonsaic.fsutil import atomic_write_bytes
from bonsaic.ir.graph import Graph

POSITIVE, NEGATIVE = "#c0392b", "#2e6fd8"


def compact(value: float) -> str:
    """A short label for a weight: three significant digits, no trailing zeros (``-0.104``, ``4``)."""
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


def cluster_of(name: str) -> tuple[str, str] | None:
    """``(cluster id, label)`` for a node named after its cell or post layer, else None."""
    if m := re.match(r"c(\d+)\.", name):
        return f"cluster_c{m[1]}", f"Cell {m[1]}"
    if name.startswith("dense."):
        return "cluster_dense", "Dense"
    if m := re.match(r"d(\d+)\.", name):
        return f"cluster_d{m[1]}", f"Dense {m[1]}"
    return None


def _node_attrs(graph: Graph) -> dict[str, dict[str, str]]:
    attrs: dict[str, dict[str, str]] = {}
    for i, name in enumerate(graph.inputs):
        attrs[name] = {"label": f"IN{i}\\n{name}", "shape": "invhouse"}
    for s in graph.states:
        attrs[s.name] = {"label": f"{s.name}\\ninit {compact(s.init)}", "shape": "circle"}
    several_acts = len({n.act for n in graph.neurons}) > 1
    for n in graph.neurons:
        extra = [f"bias {compact(n.bias)}"] if n.bias != 0.0 else []
        if several_acts:
            extra.append(n.act)
        attrs[n.name] = {"label": "\\n".join([n.name, *extra]), "shape": "square"}
    return attrs


def to_digraph(graph: Graph) -> graphviz.Digraph:
    """The graph as a ``graphviz.Digraph`` (left to right: inputs, cells, outputs)."""
    dot = graphviz.Digraph(name=(graph.spec_name or "bonsai").split(".")[0])
    dot.attr(rankdir="LR")
    dot.attr("node", fontname="Helvetica", fontsize="10")
    dot.attr("edge", fontname="Helvetica", fontsize="9")
    node_attrs = _node_attrs(graph)
    clusters: dict[str, tuple[str, list[str]]] = {}
    for name, attrs in node_attrs.items():
        cluster = cluster_of(name)
        if cluster is None:
            dot.node(name, **attrs)
        else:
            clusters.setdefault(cluster[0], (cluster[1], []))[1].append(name)
    for cid, (label, members) in sorted(clusters.items()):
        with dot.subgraph(name=cid) as sub:
            sub.attr(label=label, style="rounded", color="gray")
            for name in members:
                sub.node(name, **node_attrs[name])
    for n in graph.neurons:
        for src, w in n.inputs:
            dot.edge(src, n.name, label=compact(w), color=POSITIVE if w > 0 else NEGATIVE)
    for s in graph.states:
        if s.next is not None:
            dot.edge(s.next, s.name, style="dashed", constraint="false")
    for i, o in enumerate(graph.outputs):
        out_id = f"OUT{i}"  # output names are not node names, so they need their own ids
        dot.node(out_id, label=f"OUT{i}\\n{o.name}", shape="house")
        dot.edge(o.source, out_id)
    return dot


def emit(graph: Graph) -> str:
    """The Graphviz source text."""
    return to_digraph(graph).source


def render(dot_source: str, fmt: Literal["svg", "png"], path: str | Path) -> Path:
    """Draw ``dot_source`` with the ``dot`` program and write it to ``path`` atomically."""
    data = graphviz.Source(dot_source).pipe(format=fmt)
    atomic_write_bytes(path, data)
    return Path(path)
