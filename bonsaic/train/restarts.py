"""Choosing among restarts: the *proved* network that prunes smallest wins.

All K restarts train together as one batched model (:mod:`bonsaic.train.model`), so "restarts" here
only means judging the K best-solved snapshots the loop kept. Each is lowered to the IR and put
through a quick verified ``clip,dce`` pipeline. Each *proved* restart is then put through ``bonsaic
opt``'s whole default pipeline, and the one that ends smallest (neurons, states and edges together,
then edges, then the lower regularization loss) is kept: that is the bonsai the user gets. Ranking
by edges after ``clip,dce`` alone kept all_ones at 2 / 1 / 4 where another proved restart of the
same run ends at 1 / 1 / 2; over the task suite's 32 proved runs of 2026-12-07 the whole pipeline's
ranking ends at 100 / 75 / 300 neurons / states / edges in all against 106 / 76 / 321
(benchmarks/TASKS.md, "The ``refit`` pass"). It costs 0.1-1.7 s per proved restart. When the time
budget's deadline passes before every proved restart is sized, and for bounded restarts (whose
pipeline can take minutes), the fewest edges after ``clip,dce`` decide. A snapshot whose graph does not
verify (validation is sampled, verification is exhaustive or much larger) is not eligible; then the
restart's earlier best snapshots (``Trainer.fallbacks``, newest first) are tried in its place.

A snapshot the verifier cannot *prove* (it fails, or passes only on samples) is also tried with its
weights snapped to a dyadic grid (:mod:`bonsaic.passes.snap`); a snapped network that is proved
replaces it, and the table says what snapping changed.

"Solved" means proved. A restart whose snapshots are at best *bounded* (they pass every check the
verifier ran, but nothing proves them for all lengths) has up to :data:`PROOF_FALLBACKS` earlier
snapshots tried for a proof; if none is proved it is kept as "bounded, not proved", and a bounded
restart is chosen only when no restart is proved. The table and ``train``'s last line say which.

Judging has a deadline when ``train`` has a time budget: restarts are judged in order of promise
(lowest regularization loss first), and once the deadline has passed and some restart is already
eligible, the rest are not judged (verdict "unjudged") and no more fallbacks are tried. Judging
every solved restart of an 8-restart stage, each with fallbacks and snapped weights, took minutes
on the task suite (debounce was killed while judging seven solved restarts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bonsaic.ir.graph import Graph
from bonsaic.passes.base import PassContext
from bonsaic.passes.pipeline import optimize, parse_pipeline
from bonsaic.passes.registry import DEFAULT_PIPELINE
from bonsaic.passes.snap import snap
from bonsaic.train.loop import Trainer
from bonsaic.train.lower import lower_restart
from bonsaic.verify import Verifier, defaults
from bonsaic.verify.battery import BatterySettings

QUICK_PIPELINE = "clip,dce"
QUICK_BUDGET = defaults.BUDGET  # the verifier's own: `bonsaic verify` on the written file agrees
SEARCH_BUDGET = 20_000  # product states for the checks inside the quick clip,dce (only its size counts)
PROOF_FALLBACKS = 3  # earlier snapshots tried for a proof when a restart's best is only bounded
JUDGE_GRACE = 30.0  # seconds past a time budget's end that judging may still start new work in


@dataclass
class RestartResult:
    """One restart's outcome, a row of the table ``bonsaic train`` prints."""

    index: int
    accuracy: float
    best_step: int | None
    reg: float | None
    verified: bool
    edges_after_clip: int | None
    graph: Graph | None  # the lowered best solved network (unpruned), if any
    failure: str | None = None  # why the best snapshot did not verify, e.g. "wrong at step 4252 (sampled)"
    snapped: str | None = None  # what snapping changed, e.g. "weights snapped to multiples of 1/4"
    verdict: str = "failed"  # "proved", "bounded" (passes every check, not proved), "failed" or "unjudged"
    passed_over: tuple[str, ...] = ()  # later snapshots judged before the kept one, and why they lost
    bonsai: tuple[int, int, int] | None = None  # (neurons, states, edges) after `opt`'s default pipeline

    @property
    def eligible(self) -> bool:
        return self.graph is not None and self.verified and self.edges_after_clip is not None

    @property
    def proved(self) -> bool:
        return self.eligible and self.verdict == "proved"


def quick_prune(graph: Graph) -> tuple[int | None, str | None]:
    """(edges left after a verified ``clip,dce``, None) or, when the unpruned graph itself fails to
    verify, (None, where it goes wrong): "wrong at step N", with "(shortest)" when the exhaustive
    search found it and "(sampled)" when only a random or periodic sample did."""
    edges, failure, _mode = _quick_prune(graph)
    return edges, failure


def _quick_prune(graph: Graph, verifier: Verifier | None = None) -> tuple[int | None, str | None, str]:
    """:func:`quick_prune` plus the input graph's verdict ("proved", "bounded" or "failed").

    The verdict is exactly ``bonsaic verify``'s on the graph (the verifier's defaults); the
    ``clip,dce`` run only measures how small the graph prunes, so its searches explore at most
    ``SEARCH_BUDGET`` product states and it makes no long final check."""
    verdict = (verifier or Verifier.for_graph(graph)).verify(graph, QUICK_BUDGET)
    if not verdict.ok:
        cex = verdict.counterexample
        if cex is None:
            return None, "not verified", "failed"
        return None, f"wrong at step {len(cex)} ({'shortest' if cex.shortest else 'sampled'})", "failed"
    result = optimize(graph, parse_pipeline(QUICK_PIPELINE), PassContext(budget=SEARCH_BUDGET),
                      checked=verdict, final_check=False)
    pruned = result.graph if result.graph is not None else graph
    return pruned.edge_count(), None, verdict.mode


@dataclass
class _Judged:
    """One snapshot's verdict: the graph to keep, its edges after ``clip,dce`` (None when it fails),
    why the lowered graph failed, what snapping changed, and "proved" / "bounded" / "failed"."""

    graph: Graph
    edges: int | None
    failure: str | None
    snapped: str | None
    verdict: str


def _judge_snapshot(graph: Graph, verifier: Verifier) -> _Judged:
    """The lowered graph when it is proved, else its snapped version when that is proved, else the
    lowered graph with whatever verdict it got."""
    edges, failure, mode = _quick_prune(graph, verifier)
    if mode == "proved":
        return _Judged(graph, edges, None, None, "proved")
    snapped = snap(graph, verifier)
    if snapped is not None:
        snapped_edges, _failure, _mode = _quick_prune(snapped.graph, verifier)
        if snapped_edges is not None:
            return _Judged(snapped.graph, snapped_edges, failure, snapped.change, "proved")
    return _Judged(graph, edges, failure, None, "bounded" if edges is not None else "failed")


def _provable(graph: Graph, verifier: Verifier) -> bool:
    """A cheap test whether :func:`_judge_snapshot` would find ``graph`` proved: a closed
    exploration within ``SEARCH_BUDGET`` or an invariant (no battery, no samples), or a dyadic grid
    that proves it. It may miss a proof the full budget finds, never claims one."""
    quick = verifier.verify(graph, SEARCH_BUDGET, random_sequences=0, long_sequences=0,
                            battery=BatterySettings(max_sequences=0))
    if quick.mode == "proved":
        return True
    return quick.ok and snap(graph, verifier) is not None


def judge_restarts(trainer: Trainer, spec: Any, deadline: float | None = None,
                   clock: Callable[[], float] = time.monotonic) -> list[RestartResult]:
    """A result per restart, in restart order.

    Restarts are judged lowest regularization loss first. Past ``deadline`` (a ``clock()`` time;
    None: no limit), a restart is only judged while no restart is eligible yet, and only its best
    snapshot (snapped weights included) is tried; the rest get the verdict "unjudged"."""
    accuracy = trainer.last_report.accuracy if trainer.last_report is not None else None
    results: dict[int, RestartResult] = {}
    verifier: Verifier | None = None  # one for all snapshots: it caches the spec's transitions

    def late() -> bool:
        return deadline is not None and clock() > deadline

    order = sorted(range(trainer.settings.restarts),
                   key=lambda k: (k not in trainer.best, trainer.best[k].reg if k in trainer.best else 0.0, k))
    for k in order:
        best = trainer.best.get(k)
        acc = float(accuracy[k]) if accuracy is not None else float("nan")
        if best is None:
            results[k] = RestartResult(k, acc, None, None, False, None, None)
            continue
        if late() and any(r.eligible for r in results.values()):
            results[k] = RestartResult(k, acc, best.step, best.reg, False, None, None,
                                       "not judged: the time budget was spent", verdict="unjudged")
            continue
        first_failure = None
        bounded = None  # the first snapshot that passes without a proof: kept if none is proved
        tried_for_proof = 0
        notes: list[tuple[int, str]] = []  # (step, why it was not kept) for every snapshot judged
        for candidate in [best, *reversed(trainer.fallbacks.get(k, []))]:
            if candidate is not best and late():
                break
            graph = lower_restart(spec, trainer.shape, candidate.params)
            verifier = verifier or Verifier.for_graph(graph)
            if bounded is not None and not _provable(graph, verifier):  # looking for a proof only
                notes.append((candidate.step, "no proof either"))
                tried_for_proof += 1
                if tried_for_proof > PROOF_FALLBACKS:
                    break
                continue
            judged = _judge_snapshot(graph, verifier)
            first_failure = first_failure or judged.failure
            if judged.verdict == "proved":
                bounded = None
                break
            notes.append((candidate.step, (judged.failure or "failed to verify") if judged.verdict == "failed"
                          else "bounded, not proved"))
            if judged.verdict == "bounded":
                bounded = bounded or (candidate, judged)
            if bounded is not None:
                tried_for_proof += 1
                if tried_for_proof > PROOF_FALLBACKS:
                    break
        if bounded is not None:
            candidate, judged = bounded
        if judged.verdict == "failed":  # report the best snapshot's numbers, not the oldest fallback's
            candidate = best
        ok = judged.verdict != "failed"
        passed_over = tuple(f"step {step}: {why}" for step, why in notes if step > candidate.step) if ok else ()
        results[k] = RestartResult(k, acc, candidate.step, candidate.reg, ok, judged.edges if ok else None,
                                   judged.graph if ok else None, None if ok else first_failure,
                                   judged.snapped if ok else None, judged.verdict, passed_over)
    for result in sorted((r for r in results.values() if r.proved), key=lambda r: (r.edges_after_clip, r.reg)):
        if late():
            break
        result.bonsai = bonsai_size(result.graph)  # type: ignore[arg-type]  # proved: it has a graph
    return [results[k] for k in range(trainer.settings.restarts)]


def bonsai_size(graph: Graph) -> tuple[int, int, int]:
    """(neurons, states, edges) of ``graph`` after ``bonsaic opt``'s default pipeline, the size a
    user gets from the file ``train`` writes. For a proved graph every check closes its exploration,
    so this takes about a second for the suite's networks (0.1-1.7 s each, measured)."""
    result = optimize(graph, parse_pipeline(DEFAULT_PIPELINE), PassContext(), final_check=False)
    final = result.graph if result.graph is not None else graph
    return len(final.neurons), len(final.states), final.edge_count()


def choose(results: list[RestartResult]) -> RestartResult | None:
    """The proved restart that is smallest after ``opt``'s default pipeline (neurons, states and
    edges together, then edges, then the lowest reg loss) when every proved restart was sized so;
    otherwise the one with the fewest edges after ``clip,dce`` (then the lowest reg loss); only when
    no restart is proved, the bounded one with the fewest edges after ``clip,dce``."""
    proved = [r for r in results if r.proved]
    if proved and all(r.bonsai is not None for r in proved):
        return min(proved, key=lambda r: (sum(r.bonsai), r.bonsai[2], r.reg))  # type: ignore[arg-type]
    eligible = proved or [r for r in results if r.eligible]
    if not eligible:
        return None
    return min(eligible, key=lambda r: (r.edges_after_clip, r.reg))


def why_kept(results: list[RestartResult]) -> str | None:
    """One sentence on the chosen restart: why it won, and which later snapshots of it lost and why
    (a network from step 150 written after 5,000 steps is otherwise a surprise)."""
    kept = choose(results)
    if kept is None:
        return None
    proved = [r for r in results if r.proved]
    pool = proved if kept.proved else [r for r in results if r.eligible]
    kind = "proved" if kept.proved else "bounded (no restart was proved)"
    rivals = f" among {len(pool)} {kind} restarts" if len(pool) > 1 else f", the only {kind} restart"
    measure = (f"smallest after opt's default pipeline ({' / '.join(map(str, kept.bonsai))} neurons / states / "
               "edges)" if kept.bonsai is not None else f"fewest edges after clip,dce ({kept.edges_after_clip})")
    text = f"kept restart {kept.index}, the network of step {kept.best_step}: {measure}{rivals}"
    if kept.passed_over:
        text += "; its later snapshots lost: " + "; ".join(kept.passed_over)
    return text


def restart_table(results: list[RestartResult]) -> str:
    """A plain-text table of all restarts, the kept one marked with ``*``."""
    kept = choose(results)
    sized = any(r.bonsai is not None for r in results)
    lines = [f"  {'restart':>7} {'accuracy':>9} {'best step':>9} {'reg loss':>9} {'verdict':>8} {'edges':>6}"
             + (f" {'bonsai':>10}" if sized else "")]
    for r in results:
        mark = "*" if kept is not None and r.index == kept.index else " "
        lines.append(
            f"{mark} {r.index:>7} {_show(None if r.accuracy != r.accuracy else f'{r.accuracy:.2%}'):>9} "
            f"{_show(r.best_step):>9} "
            f"{_show(None if r.reg is None else f'{r.reg:.4f}'):>9} {r.verdict:>8} "
            f"{_show(r.edges_after_clip):>6}"
            + (f" {_show(None if r.bonsai is None else '/'.join(map(str, r.bonsai))):>10}" if sized else "")
            + (f"  best snapshot {r.failure}" if r.failure else "")
            + (f"  {r.snapped}" if r.snapped else "")
        )
    return "\n".join(lines)


def _show(value: object) -> str:
    return "-" if value is None else str(value)
