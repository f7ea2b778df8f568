"""The ``dot`` back end: valid Graphviz in the seed post's visual language, and rendering."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import graphviz
import pytest

from bonsaic.backends import dot
from tests.backends import graphs

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def node_line(source: str, node: str) -> str:
    quoted = re.escape(f'"{node}"') if "." in node else re.escape(node)
    [line] = [ln for ln in source.splitlines() if re.match(rf"\s*{quoted} \[", ln)]
    return line


def test_visual_language() -> None:
    graph = graphs.replace111()
    source = dot.emit(graph)
    assert "shape=invhouse" in node_line(source, "x") and "IN0\\nx" in node_line(source, "x")
    for state in graph.states:
        assert "shape=circle" in node_line(source, state.name)
    for neuron in graph.neurons:
        assert "shape=square" in node_line(source, neuron.name)
    assert 'label="OUT0\\ny"' in node_line(source, "OUT0")
    dashed = [ln for ln in source.splitlines() if "style=dashed" in ln]
    assert sorted(dashed) == sorted(f'\t"{s.next}" -> "{s.name}" [constraint=false style=dashed]'
                                    for s in graph.states)
    assert re.search(r'"c0\.s1" -> "dense\.0" \[label=4 ', source)  # every weight labels its edge
    assert len(re.findall(r"-> .*\[label=", source)) == graph.edge_count()


def test_clusters_follow_cell_prefixes() -> None:
    source = dot.emit(graphs.replace111())
    cell = source[source.index("subgraph cluster_c0"):source.index("subgraph cluster_dense")]
    assert '"c0.r1"' in cell and '"dense.0"' not in cell and "x [" not in cell
    assert 'label="Cell 0"' in cell
    assert dot.cluster_of("d2.5") == ("cluster_d2", "Dense 2")
    assert dot.cluster_of("x") is None


def test_compact_weights() -> None:
    assert [dot.compact(w) for w in (4.0, -0.10378765, 1.569628, -0.0, 1e-5)] == [
        "4", "-0.104", "1.57", "0", "1e-05"]


def test_output_is_deterministic() -> None:
    assert dot.emit(graphs.loop3()) == dot.emit(graphs.loop3())


@needs_dot
@pytest.mark.parametrize("name", sorted(graphs.ALL))
def test_renders_to_svg(name: str, tmp_path: Path) -> None:
    source = dot.emit(graphs.ALL[name]())
    graphviz.Source(source).pipe(format="json")  # parses, or raises CalledProcessError
    path = dot.render(source, "svg", tmp_path / "g.svg")
    svg = path.read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert "Cell 0" in svg
    assert [p.name for p in tmp_path.iterdir()] == ["g.svg"]  # no temporary left behind
