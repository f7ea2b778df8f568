"""Choosing among restarts: the proved one with the fewest edges after clip+dce wins; a bounded one
only when none is proved."""

from __future__ import annotations

from bonsaic.ir.graph import Graph
from bonsaic.train.restarts import RestartResult, choose, restart_table


def _result(index: int, edges: int | None, reg: float | None, verified: bool = True,
            verdict: str = "proved") -> RestartResult:
    graph = None if reg is None else Graph()
    solved = graph is not None
    ok = verified and solved
    return RestartResult(index, 1.0 if solved else 0.9, 100 if solved else None, reg, ok,
                         edges, graph, verdict=verdict if ok else "failed")


def test_fewest_edges_wins_then_lowest_regularization() -> None:
    results = [_result(0, 9, 0.05), _result(1, 7, 0.09), _result(2, 7, 0.04), _result(3, None, None)]
    assert choose(results).index == 2


def test_unverified_or_unsolved_restarts_are_never_chosen() -> None:
    assert choose([_result(0, 3, 0.01, verified=False), _result(1, None, None)]) is None
    assert choose([_result(0, 3, 0.01, verified=False), _result(1, 12, 0.2)]).index == 1


def test_a_proved_restart_beats_a_smaller_bounded_one() -> None:
    results = [_result(0, 3, 0.01, verdict="bounded"), _result(1, 9, 0.05), _result(2, 5, 0.02, verdict="bounded")]
    assert choose(results).index == 1
    only_bounded = [_result(0, 7, 0.01, verdict="bounded"), _result(1, 5, 0.05, verdict="bounded")]
    kept = choose(only_bounded)
    assert kept.index == 1 and not kept.proved
    assert "bounded" in restart_table(only_bounded).splitlines()[2]


def test_table_marks_the_kept_restart() -> None:
    table = restart_table([_result(0, 9, 0.05), _result(1, 4, 0.07), _result(2, None, None)])
    rows = table.splitlines()[1:]
    assert [row.startswith("*") for row in rows] == [False, True, False]
    assert rows[2].split()[-3:] == ["-", "failed", "-"]
    assert rows[1].split()[-2:] == ["proved", "4"]


def test_table_says_why_a_restart_did_not_verify() -> None:
    failed = RestartResult(0, 1.0, 100, 0.05, False, None, None, "wrong at step 4252 (sampled)")
    row = restart_table([failed]).splitlines()[1]
    assert row.split()[4] == "failed" and row.endswith("best snapshot wrong at step 4252 (sampled)")


def test_quick_prune_reports_where_an_unverifiable_graph_goes_wrong() -> None:
    from bonsaic.spec import load_spec
    from bonsaic.train.restarts import quick_prune
    from tests.verify.handmade import delay1
    from tests.verify.test_cli_verify import EXAMPLES

    spec = load_spec(EXAMPLES / "delay1.bns")
    good, bad = delay1(), delay1(init=1.0)  # bad: wrong on the very first step
    for graph in (good, bad):
        graph.spec_source, graph.spec_name = spec.source, spec.name
    assert quick_prune(good) == (2, None)  # r <- x and o <- s: nothing to clip
    assert quick_prune(bad) == (None, "wrong at step 1 (shortest)")


def test_the_summary_says_why_the_kept_network_won_and_what_its_later_snapshots_failed() -> None:
    from dataclasses import replace

    from bonsaic.train.restarts import why_kept

    kept = replace(_result(1, 4, 0.07), passed_over=("step 4900: wrong at step 4252 (sampled)",
                                                      "step 2000: bounded, not proved"))
    text = why_kept([_result(0, 9, 0.05), kept, _result(2, None, None)])
    assert text.startswith("kept restart 1, the network of step 100: fewest edges after clip,dce (4) among 2 proved")
    assert "later snapshots lost: step 4900: wrong at step 4252 (sampled); step 2000: bounded, not proved" in text
    only_bounded = why_kept([_result(0, 3, 0.01, verdict="bounded")])
    assert "the only bounded (no restart was proved) restart" in only_bounded
    assert why_kept([_result(0, None, None)]) is None
