"""Observers (dump, print, stats) watch a pipeline run; the policy alone decides it."""

import io

import pytest

from bonsaic.passes.base import Pass, PassContext
from bonsaic.passes.clip import Clip
from bonsaic.passes.dce import DeadCodeElimination
from bonsaic.passes.observers import Observer, PassEvent
from bonsaic.passes.pipeline import MAX_RETRIES, optimize, run_passes
from bonsaic.passes.policy import VerifiedRollback
from tests.passes import graphs
from tests.passes.oracle import oracle_for


class Vandal(Pass):
    """Drops every edge: wrong on every graph."""

    name = "vandal"

    def run(self, graph, ctx):
        out = graph.copy()
        for neuron in out.neurons:
            neuron.inputs = []
        return out


class Learning(PassContext):
    """A context whose verdicts come from the oracle, marked as found by random sampling (so a wrong
    result is rolled back, not fatal), and which can learn witnesses (so the pass is re-run)."""

    def __init__(self) -> None:
        oracle = oracle_for(graphs.noisy_delay())

        def sampled(graph):
            result = oracle.verify(graph)
            if result.counterexample is not None:
                result.counterexample.shortest = False
            return result

        super().__init__(verifier=sampled, explorer=oracle.explore)

    def learn(self, counterexample):
        self.witnesses.append(counterexample)
        return True


class Recorder(Observer):
    """Writes down every call it gets, with the arguments that matter."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def after_pass(self, event: PassEvent) -> None:
        d = event.decision
        self.calls.append(("after_pass", event.index, event.spelling, event.attempt,
                           None if event.before is None else event.before.edge_count(), event.graph.edge_count(),
                           d.verify_mode, None if d.rolled_back_to is None else d.rolled_back_to.edge_count(),
                           d.retry))

    def after_final_check(self, event: PassEvent) -> None:
        self.calls.append(("after_final_check", event.index, event.graph.edge_count(), event.decision.verify_mode))


class Raises(Observer):
    """Fails when told about the step ``index``."""

    def __init__(self, index: int) -> None:
        self.index = index

    def after_pass(self, event: PassEvent) -> None:
        if event.index == self.index:
            raise OSError("disk full")


def test_observers_are_told_every_step_in_order_with_the_decision():
    recorder = Recorder()
    result = optimize(graphs.noisy_delay(), [Clip(), Vandal(), DeadCodeElimination()], Learning(),
                      observers=[recorder])
    assert result.failure is None and result.graph is not None
    retries = [("after_pass", 2, "vandal", n, 2, 0, "rolled back", 2, n < MAX_RETRIES) for n in range(1, MAX_RETRIES + 1)]
    assert recorder.calls == [
        ("after_pass", 0, "input", 0, None, 5, "proved", None, False),
        ("after_pass", 1, "clip", 0, 5, 2, "proved", None, False),
        ("after_pass", 2, "vandal", 0, 2, 0, "rolled back", 2, True),  # vandal ran on clip's result
        *retries,
        ("after_pass", 3, "dce", 0, 2, 2, "proved", None, False),  # dce ran on clip's result
    ]  # everything proved: no final check


def test_each_observer_is_told_before_the_next_one():
    order = []

    class Named(Observer):
        def __init__(self, name):
            self.name = name

        def after_pass(self, event):
            order.append((event.index, self.name))

    optimize(graphs.noisy_delay(), [Clip()], oracle_for(graphs.noisy_delay()).context(),
             observers=[Named("a"), Named("b")])
    assert order == [(0, "a"), (0, "b"), (1, "a"), (1, "b")]


def test_the_final_check_is_told_to_observers():
    class Bounded(PassContext):  # every verdict "bounded": the result is checked once more at the end
        def check(self, graph):
            return self._bounded(super().check(graph))

        def audit(self, graph, salt, draw=0):
            return self._bounded(super().audit(graph, salt, draw))

        def _bounded(self, result):
            result.mode = "bounded" if result.ok else result.mode
            return result

    oracle = oracle_for(graphs.noisy_delay())
    recorder = Recorder()
    result = optimize(graphs.noisy_delay(), [Clip()], Bounded(verifier=oracle.verify, explorer=oracle.explore),
                      observers=[recorder])
    assert recorder.calls[-1] == ("after_final_check", 2, 2, "proved")  # the oracle's own final verdict
    assert result.stats[-1].spelling == "final check"


def test_rollbacks_do_not_depend_on_the_observers(tmp_path):
    # The same run with no observers at all and with dump, print, stats and a recorder: the policy
    # makes the same decisions, so the result, the verifier calls and the witnesses are the same.
    bare_ctx = Learning()
    bare = run_passes(graphs.noisy_delay(), [Clip(), Vandal(), DeadCodeElimination()], bare_ctx,
                      VerifiedRollback(bare_ctx), observers=[])
    watched_ctx = Learning()
    watched = optimize(graphs.noisy_delay(), [Clip(), Vandal(), DeadCodeElimination()], watched_ctx,
                       dump_dir=tmp_path, print_to=io.StringIO(), observers=[Recorder()], final_check=False)
    assert watched.graph == bare
    assert watched_ctx.verifier_calls == bare_ctx.verifier_calls
    assert len(watched_ctx.witnesses) == len(bare_ctx.witnesses) == MAX_RETRIES


def test_an_observer_that_raises_ends_the_run_but_the_decision_stands():
    # Observers are told after the policy has decided: an observer that fails on the vandal's step
    # stops the run with its own error (not a verification failure), and the policy has already
    # rolled back to clip's result and learnt the witness.
    ctx = Learning()
    policy = VerifiedRollback(ctx)
    with pytest.raises(OSError, match="disk full"):
        run_passes(graphs.noisy_delay(), [Clip(), Vandal(), DeadCodeElimination()], ctx, policy,
                   observers=[Raises(index=2)])
    assert policy.last_good is not None and policy.last_good.edge_count() == 2  # clip's result
    assert len(ctx.witnesses) == 1

