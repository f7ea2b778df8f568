"""The ``ir`` back end and the back-end table."""

from __future__ import annotations

import pytest

from bonsaic.backends import BACKENDS, emit
from bonsaic.ir.text import parse_ir
from tests.backends import graphs


@pytest.mark.parametrize("name", sorted(graphs.ALL))
def test_ir_round_trips(name: str) -> None:
    graph = graphs.ALL[name]()
    assert parse_ir(emit("ir", graph), filename="x.ir") == graph


def test_every_backend_is_listed_and_leaves_the_graph_alone() -> None:
    assert set(BACKENDS) == {"ir", "dot", "py", "bool", "mealy", "mealy-json", "rnnviz"}
    graph = graphs.replace111()
    for name in BACKENDS:
        assert isinstance(emit(name, graph), str)
    assert graph == graphs.replace111()
