"""The ``booleanize`` analysis: levels, per-neuron truth tables, flattened tables, the pass."""

from __future__ import annotations

from bonsaic.passes.base import PassContext
from bonsaic.passes.booleanize import Booleanize
from bonsaic.verify.booleanize import Levels, Table, booleanize, smallest_support
from tests.backends import graphs


def test_replace111_is_all_boolean_with_the_posts_gates() -> None:
    analysis = booleanize(graphs.replace111())
    assert analysis.all_boolean
    assert analysis.initial == {"c0.s0": 1, "c0.s1": 0}
    dense = analysis.neuron_tables["dense.0"]  # OR(not s0, s1, x) over its direct sources
    assert dense.support == ("c0.s0", "c0.s1", "x")
    for (s0, s1, x), level in dense.rows.items():
        assert level == int((not s0) or s1 or x)
    assert (1, 1, 0) not in dense.rows or dense.rows[(1, 1, 0)] == 1
    assert len(dense.rows) < 8  # s1 and not s0 never happen together: a don't-care row


def test_flattened_tables_keep_only_what_they_need() -> None:
    analysis = booleanize(graphs.delay1())
    assert analysis.output_tables["y"].support == ("c0.s0",)  # through the identity neuron
    assert analysis.next_tables["c0.s0"].support == ("x",)
    assert analysis.next_tables["c0.s0"].rows == {(0,): 0, (1,): 1}


def test_three_valued_state_has_three_levels() -> None:
    analysis = booleanize(graphs.loop3_counter())
    assert analysis.state_levels["c0.s0"] == Levels.of(-1.0, 0.0, 1.0)
    assert not analysis.all_boolean
    assert analysis.next_tables["c0.s0"].rows == {(0,): 1, (1,): 2, (2,): 0}


def test_smallest_support_drops_constants_and_unneeded_variables() -> None:
    levels = {"a": Levels.of(-1.0, 1.0), "b": Levels.of(-1.0, 1.0), "k": Levels.of(0.5)}
    table = Table("t", ("a", "b", "k"), {(0, 0, 0): 0, (0, 1, 0): 0, (1, 0, 0): 1})
    assert smallest_support(table, levels).support == ("a",)
    xor = Table("t", ("a", "b"), {(0, 0): 0, (0, 1): 1, (1, 0): 1, (1, 1): 0})
    assert smallest_support(xor, levels).support == ("a", "b")


def test_pass_leaves_the_graph_alone_and_records_its_verdict() -> None:
    ctx = PassContext()
    graph = graphs.loop3_counter()
    assert Booleanize().run(graph, ctx) == graphs.loop3_counter()
    assert ctx.verifier_calls == 1
    # the state and its recurrent neuron both take the three values -1, 0, 1
    assert ctx.notes == ["booleanize: not all boolean; enumerated: c0.r0, c0.s0"]


def test_initial_value_that_behaves_like_a_steady_one_shares_its_level() -> None:
    """delay1 with s starting at -0.5: the output reads ameo(-2) = 0, i.e. false, exactly as for
    -1, so -0.5 and -1 are one level and the state stays boolean."""
    graph = graphs.delay1()
    graph.states[0].init = -0.5
    analysis = booleanize(graph)
    assert analysis.levels["c0.s0"] == Levels.of(-1.0, -0.5, 1.0)  # raw values
    assert analysis.state_levels["c0.s0"] == Levels(((-1.0, -0.5), (1.0,)))
    assert analysis.initial == {"c0.s0": 0}
