"""Choosing among restarts: the proved one with the fewest edges after clip+dce wins; a bounded one
only when none is proved."""

from __future__ import annotations

from bonsaic.ir.graph import Graph
from bonsaic.train.restarts import RestartResult, choose, restart_table
from tests import DELAY1_FIXTURE


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

    spec = load_spec(DELAY1_FIXTURE)
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


def _fake_trainer(regs: list[float | None], fallbacks: int = 0):  # noqa: ANN202 - a duck-typed Trainer
    from types import SimpleNamespace

    from bonsaic.train.loop import Snapshot

    best = {k: Snapshot(100 + k, reg, {"k": k}, 5) for k, reg in enumerate(regs) if reg is not None}
    older = {k: [Snapshot(10 + i, 1.0, {"k": k, "fallback": i}, 5) for i in range(fallbacks)] for k in best}
    return SimpleNamespace(last_report=None, settings=SimpleNamespace(restarts=len(regs)), best=best,
                           fallbacks=older, shape=None)


def _judging(monkeypatch, verdicts: dict[int, str]) -> list[dict]:  # noqa: ANN001
    """Stub lowering and judging: restart k's snapshots get ``verdicts[k]``; returns the judged params."""
    from bonsaic.train import restarts

    judged: list[dict] = []
    monkeypatch.setattr(restarts, "lower_restart", lambda spec, shape, params: params)
    monkeypatch.setattr(restarts.Verifier, "for_graph", staticmethod(lambda graph: None))
    monkeypatch.setattr(restarts, "_provable", lambda graph, verifier: True)

    def judge(graph: dict, verifier: object) -> restarts._Judged:
        judged.append(graph)
        verdict = verdicts[graph["k"]]
        return restarts._Judged(Graph(), 3 if verdict != "failed" else None,
                                None if verdict != "failed" else "wrong at step 9 (sampled)", None, verdict)

    monkeypatch.setattr(restarts, "_judge_snapshot", judge)
    return judged


def test_without_a_deadline_every_restart_and_its_fallbacks_are_judged_most_promising_first(monkeypatch) -> None:  # noqa: ANN001
    from bonsaic.train.restarts import judge_restarts

    judged = _judging(monkeypatch, {0: "bounded", 1: "bounded", 2: "bounded", 3: "bounded"})
    results = judge_restarts(_fake_trainer([0.4, 0.1, None, 0.2], fallbacks=2), spec=None)
    assert [r.verdict for r in results] == ["bounded", "bounded", "failed", "bounded"]
    assert [g["k"] for g in judged if "fallback" not in g] == [1, 3, 0]  # lowest regularization loss first
    assert sum("fallback" in g for g in judged) == 6


def test_past_the_deadline_judging_stops_once_a_restart_is_eligible(monkeypatch) -> None:  # noqa: ANN001
    from bonsaic.train.restarts import judge_restarts

    judged = _judging(monkeypatch, {0: "bounded", 1: "failed", 2: "failed", 3: "bounded"})
    results = judge_restarts(_fake_trainer([0.4, 0.1, 0.3, 0.2], fallbacks=2), spec=None,
                             deadline=0.0, clock=lambda: 1.0)
    # restart 1 (lowest reg) fails, so restart 3 is judged; it is eligible, so 2 and 0 are not judged,
    # and no fallback of any restart is tried after the deadline
    assert [g["k"] for g in judged] == [1, 3]
    assert [r.verdict for r in results] == ["unjudged", "failed", "unjudged", "bounded"]
    assert choose(results).index == 3
    assert restart_table(results).splitlines()[1].endswith("not judged: the time budget was spent")
    on_time = judge_restarts(_fake_trainer([0.4, 0.1, 0.3, 0.2]), spec=None, deadline=2.0, clock=lambda: 1.0)
    assert "unjudged" not in [r.verdict for r in on_time]


def test_the_smallest_bonsai_after_the_whole_pipeline_wins_when_every_proved_restart_was_sized() -> None:
    from dataclasses import replace

    from bonsaic.train.restarts import why_kept

    a = replace(_result(0, 4, 0.01), bonsai=(2, 1, 4))  # fewest edges after clip,dce
    b = replace(_result(1, 9, 0.05), bonsai=(1, 1, 2))  # but the smaller bonsai
    c = replace(_result(2, 3, 0.01, verdict="bounded"))
    assert choose([a, b, c]).index == 1
    assert why_kept([a, b, c]).startswith("kept restart 1, the network of step 100: smallest after opt's default "
                                          "pipeline (1 / 1 / 2 neurons / states / edges) among 2 proved")
    rows = restart_table([a, b, c]).splitlines()
    assert rows[0].split()[-1] == "bonsai" and rows[2].split()[-1] == "1/1/2" and rows[3].split()[-1] == "-"
    # a proved restart left unsized (the deadline passed) puts every proved one back on clip,dce edges
    assert choose([a, replace(b, bonsai=None)]).index == 0


def test_proved_restarts_are_sized_by_the_default_pipeline() -> None:
    from bonsaic.spec import load_spec
    from bonsaic.train.restarts import bonsai_size
    from tests.verify.handmade import delay1

    spec = load_spec(DELAY1_FIXTURE)
    graph = delay1()
    graph.spec_source, graph.spec_name = spec.source, spec.name
    assert bonsai_size(graph) == (0, 1, 0)  # r <- x and o <- s become the plain delay s <- x, y = s
