import io
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bonsaic.ir.text import parse_ir
from bonsaic.passes.base import Pass, PassContext, SearchChecks
from bonsaic.passes.clip import Clip
from bonsaic.passes.dce import DeadCodeElimination
from bonsaic.passes.pipeline import (
    MAX_RETRIES,
    PipelineError,
    optimize,
    parse_pipeline,
    run_passes,
)
from bonsaic.passes.policy import Decision
from bonsaic.passes.prune import Prune
from bonsaic.passes.quantize import Quantize
from bonsaic.passes.registry import DEFAULT_PIPELINE, PASSES
from tests.passes import graphs
from tests.passes.oracle import oracle_for


def test_parse_names_and_options():
    assert parse_pipeline("clip{max=0.5},quantize{max_denominator=16, per_parameter=false}, dce") == [
        Clip(max=0.5), Quantize(max_denominator=16, per_parameter=False), DeadCodeElimination()]
    assert parse_pipeline("prune{}") == [Prune()]
    assert parse_pipeline("clip{max=inf}") == [Clip(max=math.inf)]


def test_default_pipeline_names_registered_passes():
    assert [p.name for p in parse_pipeline(DEFAULT_PIPELINE)] == DEFAULT_PIPELINE.split(",")


@pytest.mark.parametrize(("text", "column", "fragment"), [
    ("clip,frobnicate", 6, "unknown pass 'frobnicate'"),
    ("clip{maximum=1}", 6, "has no option 'maximum'"),
    ("clip{max=big}", 10, "expects float"),
    ("prune{biases=maybe}", 14, "expects bool"),
    ("clip,", 6, "after ','"),
    ("clip dce", 6, "expected ','"),
    ("", 1, "expected a pass name"),
    ("clip{max}", 6, "key=value"),
    ("clip{max=1", 5, "unclosed '{'"),
])
def test_parse_errors_point_at_the_offending_text(text, column, fragment):
    with pytest.raises(PipelineError) as info:
        parse_pipeline(text)
    assert fragment in info.value.message
    assert (info.value.line, info.value.column) == (1, column)
    assert info.value.render().startswith(f"<pipeline>:1:{column}: error:")


@given(st.lists(st.sampled_from([Clip(), Clip(max=0.25), Prune(biases=False), Quantize(max_denominator=8),
                                 DeadCodeElimination(), *(cls() for cls in PASSES.values())]),
                min_size=1, max_size=6))
def test_spelling_round_trips(passes: list[Pass]):
    assert parse_pipeline(",".join(p.spelling() for p in passes)) == passes


def _broken_pass() -> Pass:
    class Vandal(Pass):
        """Drops every edge: the verifier must catch it."""

        name = "vandal"

        def run(self, graph, ctx):
            out = graph.copy()
            for neuron in out.neurons:
                neuron.inputs = []
            return out

    return Vandal()


def test_a_failing_pass_stops_the_pipeline_and_keeps_the_last_good_graph(tmp_path):
    oracle = oracle_for(graphs.noisy_delay())
    result = optimize(graphs.noisy_delay(), [Clip(), _broken_pass(), DeadCodeElimination()],
                      oracle.context(), dump_dir=tmp_path)
    assert result.failure is not None and result.failure.index == 2
    assert "vandal" in result.failure.describe() and "mismatch" in result.failure.describe()
    assert result.graph is not None and result.graph.edge_count() == 2  # clip's result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["00-input.ir", "01-clip.ir", "02-vandal.failed.ir"]
    assert [row.spelling for row in result.stats] == ["input", "clip", "vandal"]


def _sampled(oracle):
    """The oracle's verdicts, with every counterexample marked as found by sampling."""
    def verdict(graph):
        result = oracle.verify(graph)
        if result.counterexample is not None:
            result.counterexample.shortest = False
        return result
    return verdict


def test_a_failure_only_random_sampling_found_rolls_the_pass_back(tmp_path):
    # Where the exploration does not close, a pass's search and the audit after it see different
    # random samples; a result the audit rejects is undone and the pipeline goes on.
    oracle = oracle_for(graphs.noisy_delay())
    sampled_verdict = _sampled(oracle)

    ctx = PassContext(verifier=sampled_verdict, explorer=oracle.explore)
    result = optimize(graphs.noisy_delay(), [Clip(), _broken_pass(), DeadCodeElimination()], ctx,
                      dump_dir=tmp_path)
    assert result.failure is None and result.graph is not None
    assert [row.verify_mode for row in result.stats] == ["proved", "proved", "rolled back", "proved"]
    assert result.stats[2].after == result.stats[2].before  # the table shows the rollback
    assert any("rolled back" in note for note in result.stats[2].notes)
    assert result.graph.edge_count() == 2 and oracle.equivalent(result.graph)  # clip's result, after dce
    assert "02-vandal.failed.ir" in {p.name for p in tmp_path.iterdir()}


def test_a_rollback_goes_back_past_results_that_fail_the_same_fresh_sample():
    # The audit after the vandal draws a sample on which clip's result fails as well (an earlier
    # audit's sample did not show it): continuing with clip's result would keep a wrong graph, so
    # the pipeline goes back to the newest graph that passes, here its input.
    oracle = oracle_for(graphs.noisy_delay())
    original_edges = graphs.noisy_delay().edge_count()
    seen_vandal = []
    vandal = _broken_pass()
    plain_run = vandal.run

    def run(graph, ctx):  # from here on, audits draw the later sample
        seen_vandal.append(True)
        return plain_run(graph, ctx)

    vandal.run = run

    def verdict(graph):
        result = oracle.verify(graph)
        if seen_vandal and graph.edge_count() < original_edges:  # clip's result, on the later sample
            result = oracle.verify(_broken_pass().run(graph, None))
        if result.counterexample is not None:
            result.counterexample.shortest = False
        return result

    ctx = PassContext(verifier=verdict, explorer=oracle.explore)
    result = optimize(graphs.noisy_delay(), [Clip(), vandal], ctx)
    assert result.failure is None and result.graph is not None
    assert result.graph.edge_count() == original_edges  # the input, not clip's result
    assert [row.verify_mode for row in result.stats] == ["proved", "proved", "rolled back"]
    assert any("the result of step 00" in note for note in result.stats[2].notes)


def test_a_rolled_back_pass_is_re_run_knowing_the_sequence_it_failed_on():
    # As above, but with a context that can use witnesses: the pass is run again (and audited on
    # yet another sample) up to MAX_RETRIES times; a pass that fails every time stays rolled back.
    oracle = oracle_for(graphs.noisy_delay())
    sampled_verdict = _sampled(oracle)

    class Learning(PassContext):
        def learn(self, counterexample):
            self.witnesses.append(counterexample)
            return True

    ctx = Learning(verifier=sampled_verdict, explorer=oracle.explore)
    result = optimize(graphs.noisy_delay(), [Clip(), _broken_pass(), DeadCodeElimination()], ctx)
    assert result.failure is None and result.graph is not None and result.graph.edge_count() == 2
    retries = [f"vandal (retry {n})" for n in range(1, MAX_RETRIES + 1)]
    assert [row.spelling for row in result.stats] == ["input", "clip", "vandal", *retries, "dce"]
    assert [row.verify_mode for row in result.stats[2:-1]] == ["rolled back"] * (MAX_RETRIES + 1)
    assert len(ctx.witnesses) == MAX_RETRIES and ctx.searches == SearchChecks()  # restored after the runs
    assert all("witness" in row.notes[-1] for row in result.stats[2:-2])


def test_run_passes_re_runs_a_pass_the_policy_asks_to_retry_with_thorough_searches():
    searches = []

    class Recorder(Pass):
        name = "recorder"

        def run(self, graph, ctx):
            searches.append(ctx.searches)
            return graph

    calls = []

    class RetryOnce:
        """Asks for one re-run of the first pass; proves nothing in the searches."""

        def searches(self, attempt):
            return SearchChecks(prove=False, thorough=attempt > 0)

        def judge(self, index, pass_, graph, attempt):
            calls.append((index, attempt))
            retry = len(calls) == 2
            return Decision(oracle_for(graph).verify(graph), rolled_back_to=graph if retry else None, retry=retry)

    ctx = PassContext(verifier=lambda g: None)
    run_passes(graphs.clean_delay(), [Recorder(), Recorder()], ctx, RetryOnce())
    assert [s.thorough for s in searches] == [False, True, False] and not any(s.prove for s in searches)
    assert calls == [(0, 0), (1, 0), (1, 1), (2, 0)] and ctx.searches == SearchChecks()


def test_a_witness_fails_a_graph_before_any_exploration():
    """A sequence an earlier candidate failed on is simulated first by every later check."""
    ctx = PassContext()
    good = graphs.clean_delay()
    good.spec_source = "input x\noutput y\nstate p: bool = false\nstep {\n  y = p\n  p = x\n}\n"
    broken = _broken_pass().run(good, ctx)
    found = ctx.verify(broken)
    assert not found.ok and found.product_states > 0
    assert ctx.learn(found.counterexample) is True
    again = ctx.verify(broken)
    assert not again.ok and again.product_states == 0  # the witness, not a new exploration
    assert again.counterexample.inputs.tolist() == found.counterexample.inputs.tolist()
    assert ctx.verify(good).ok and ctx.audit(good, 1).ok and not ctx.audit(broken, 1).ok
    assert ctx.verifier_calls == 5


def test_an_input_that_fails_its_spec_gives_no_graph():
    oracle = oracle_for(graphs.clean_delay(init=1.0))
    result = optimize(graphs.clean_delay(init=-1.0), [Clip()], oracle.context())
    assert result.graph is None
    assert result.failure is not None and "input graph does not implement" in result.failure.describe()


def test_dumps_and_prints_are_valid_ir_and_stats_add_up(tmp_path):
    oracle = oracle_for(graphs.noisy_delay())
    ctx = oracle.context()
    printed = io.StringIO()
    result = optimize(graphs.noisy_delay(), parse_pipeline("clip,dce"), ctx, dump_dir=tmp_path,
                      print_to=printed)
    assert result.failure is None and result.graph is not None
    dumped = [parse_ir((tmp_path / name).read_text()) for name in ("00-input.ir", "01-clip.ir", "02-dce.ir")]
    assert dumped[0] == graphs.noisy_delay() and dumped[2] == result.graph
    blocks = printed.getvalue().split("# ----- IR after")[1:]
    assert len(blocks) == 3
    assert parse_ir("#" + blocks[1]) == dumped[1]  # each printed block, header included, is valid IR
    assert [row.after["edges"] for row in result.stats] == [5, 2, 2]
    assert [row.after["neurons"] for row in result.stats] == [3, 3, 2]
    # every graph is verified once between passes, on top of the passes' own calls
    assert result.verifier_calls == oracle.calls == 3 + sum(row.verifier_calls for row in result.stats)


def test_context_counts_calls_to_the_real_verifier():
    ctx = PassContext()
    g = graphs.clean_delay()
    g.spec_source = "input x\noutput y\nstate p: bool = false\nstep {\n  y = p\n  p = x\n}\n"
    assert ctx.equivalent(g) and ctx.explore(g).closed
    assert ctx.verifier_calls == 2


def test_a_pass_that_changes_nothing_is_not_verified_again():
    oracle = oracle_for(graphs.noisy_delay())
    result = optimize(graphs.noisy_delay(), parse_pipeline("dce,dce"), oracle.context())
    assert result.failure is None
    assert oracle.calls == 2  # the input and the first dce's result; the second dce changed nothing
    assert [row.verify_mode for row in result.stats] == ["proved"] * 3


def test_a_re_run_pass_checks_with_samples_as_large_as_the_audits(monkeypatch):
    from bonsaic.verify import Verifier

    seen = []
    real = Verifier.verify

    def spy(self, graph, budget, seed=0, random_sequences=1000, *args, **kwargs):
        seen.append((random_sequences, kwargs.get("long_sequences")))
        return real(self, graph, budget, seed, random_sequences, *args, **kwargs)

    monkeypatch.setattr(Verifier, "verify", spy)
    ctx = PassContext()
    g = graphs.clean_delay()
    g.spec_source = "input x\noutput y\nstate p: bool = false\nstep {\n  y = p\n  p = x\n}\n"
    assert ctx.verify(g).ok
    with ctx.searching(SearchChecks(thorough=True)):
        assert ctx.verify(g).ok and ctx.audit(g, 1).ok
    assert seen == [(1000, 64), (4000, 256), (4000, 256)]


class _LongerCheck(PassContext):
    """Audits say "bounded"; the final check with longer sequences rejects graphs with fewer than
    ``keep`` edges (as if they failed late in a long sequence)."""

    def __init__(self, oracle, keep: int) -> None:
        super().__init__(verifier=oracle.verify, explorer=oracle.explore)
        self.keep = keep

    def audit(self, graph, salt, draw=0):
        result = super().audit(graph, salt, draw)
        result.mode = "bounded" if result.ok else result.mode
        return result

    def final_audit(self, graph):
        result = super().final_audit(graph)
        if graph.edge_count() < self.keep:
            result = self.verifier(_broken_pass().run(graph, None))
            result.counterexample.shortest = False
        result.mode = "bounded" if result.ok else result.mode
        return result


def test_a_result_that_fails_the_longer_final_check_goes_back_to_one_that_passes():
    g = graphs.noisy_delay()  # clip takes it from 5 edges to 2, dce keeps 2
    result = optimize(g, [Clip(), DeadCodeElimination()], _LongerCheck(oracle_for(g), keep=3))
    assert result.failure is None and result.graph == g  # the input: the only graph with >= 3 edges
    final = result.stats[-1]
    assert (final.spelling, final.verify_mode, final.index) == ("final check", "rolled back", 3)
    assert "going back to the result of step 00" in final.notes[1]


def test_a_result_that_passes_the_final_check_is_kept_and_the_check_recorded():
    g = graphs.noisy_delay()
    result = optimize(g, [Clip(), DeadCodeElimination()], _LongerCheck(oracle_for(g), keep=0))
    assert result.graph.edge_count() == 2 and result.stats[-1].spelling == "final check"
    assert result.stats[-1].verify_mode == "bounded" and result.stats[-1].notes == []


def test_an_input_that_fails_the_final_check_leaves_no_result():
    # every graph has fewer than 99 edges: the final check rejects the input itself too
    g = graphs.noisy_delay()
    result = optimize(g, [Clip(), DeadCodeElimination()], _LongerCheck(oracle_for(g), keep=99))
    assert result.failure is not None and result.failure.index == 0
    assert result.graph is None  # nothing of this run may be offered as a result


class _ProvedOnlyAsGiven(PassContext):
    """The input is proved; any graph that differs from it is only bounded."""

    def __init__(self, oracle, original) -> None:
        super().__init__(verifier=oracle.verify, explorer=oracle.explore)
        self.original = original

    def _mode(self, graph, result):
        result.mode = "proved" if graph == self.original else ("bounded" if result.ok else result.mode)
        return result

    def check(self, graph):
        return self._mode(graph, super().check(graph))

    def audit(self, graph, salt, draw=0):
        return self._mode(graph, super().audit(graph, salt, draw))


class _Nudge(Pass):
    """Moves one weight a little: changes the graph, removes nothing."""

    name = "nudge"

    def run(self, graph, ctx):
        out = graph.copy()
        src, w = out.neurons[0].inputs[0]
        out.neurons[0].inputs[0] = (src, w * 1.01)
        return out


def test_a_pass_that_loses_the_proof_without_shrinking_is_rolled_back():
    g = graphs.noisy_delay()
    result = optimize(g, [_Nudge()], _ProvedOnlyAsGiven(oracle_for(g), g))
    assert result.failure is None and result.graph == g
    row = result.stats[1]
    assert row.verify_mode == "rolled back" and "a proof is not traded for nothing" in row.notes[0]


def test_a_pass_that_loses_the_proof_but_shrinks_is_kept_and_says_so():
    g = graphs.noisy_delay()
    result = optimize(g, [Clip()], _ProvedOnlyAsGiven(oracle_for(g), g))
    assert result.failure is None and result.graph.edge_count() < g.edge_count()
    assert result.stats[1].verify_mode == "bounded" and "proof lost here" in result.stats[1].notes[-1]
