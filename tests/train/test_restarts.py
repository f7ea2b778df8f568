"""Choosing among restarts: the verified one with the fewest edges after clip+dce wins."""

from __future__ import annotations

from bonsaic.ir.graph import Graph
from bonsaic.train.restarts import RestartResult, choose, restart_table


def _result(index: int, edges: int | None, reg: float | None, verified: bool = True) -> RestartResult:
    graph = None if reg is None else Graph()
    solved = graph is not None
    return RestartResult(index, 1.0 if solved else 0.9, 100 if solved else None, reg, verified and solved,
                         edges, graph)


def test_fewest_edges_wins_then_lowest_regularization() -> None:
    results = [_result(0, 9, 0.05), _result(1, 7, 0.09), _result(2, 7, 0.04), _result(3, None, None)]
    assert choose(results).index == 2


def test_unverified_or_unsolved_restarts_are_never_chosen() -> None:
    assert choose([_result(0, 3, 0.01, verified=False), _result(1, None, None)]) is None
    assert choose([_result(0, 3, 0.01, verified=False), _result(1, 12, 0.2)]).index == 1


def test_table_marks_the_kept_restart() -> None:
    table = restart_table([_result(0, 9, 0.05), _result(1, 4, 0.07), _result(2, None, None)])
    rows = table.splitlines()[1:]
    assert [row.startswith("*") for row in rows] == [False, True, False]
    assert rows[2].split()[-3:] == ["-", "no", "-"]
