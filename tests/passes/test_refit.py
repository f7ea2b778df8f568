import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Neuron, Output, State
from bonsaic.passes.refit import Fit, Refit, find_fit
from bonsaic.verify.booleanize import variables_behind
from tests.passes import graphs
from tests.passes.oracle import TraceExploration, oracle_for

SIGN_AMEO = Activation.sign_ameo()


def _bits(k: int) -> np.ndarray:
    return np.array(list(itertools.product([-1.0, 1.0], repeat=k)))


def _evaluate(fit: Fit, names: list[str], points: np.ndarray) -> np.ndarray:
    z = np.full(len(points), fit.bias)
    for name, w in fit.inputs:
        z = z + w * points[:, names.index(name)]
    return SIGN_AMEO(z) > 0


def test_a_threshold_function_gets_one_neuron_over_exactly_its_variables():
    names = ["a", "b", "c"]
    points = _bits(3)
    labels = (points[:, 0] > 0) & (points[:, 2] > 0)  # a and c; b does not matter
    fit = find_fit(names, points, labels, max_inputs=3)
    assert fit is not None and {n for n, _ in fit.inputs} == {"a", "c"}
    assert np.array_equal(_evaluate(fit, names, points), labels)


def test_xor_needs_the_band_of_sign_ameo():
    names = ["a", "b"]
    points = _bits(2)
    labels = points[:, 0] != points[:, 1]
    fit = find_fit(names, points, labels, max_inputs=2)
    assert fit is not None and len(fit.inputs) == 2
    assert np.array_equal(_evaluate(fit, names, points), labels)


def test_no_fit_within_the_allowed_inputs_and_constants_need_none():
    points = _bits(3)
    labels = (points[:, 0] > 0) & (points[:, 1] > 0) & (points[:, 2] > 0)
    assert find_fit(["a", "b", "c"], points, labels, max_inputs=2) is None
    assert find_fit(["a"], _bits(1), np.array([True, True]), max_inputs=0) == Fit((), 3.0)
    assert find_fit(["a"], _bits(1), np.array([False, False]), max_inputs=0) == Fit((), -3.0)


def test_parity_of_three_is_one_neuron_too():
    # a + b + c is -3, -1, 1 or 3 and sign_ameo alternates over exactly those: -1, +1, -1, +1
    points = _bits(3)
    labels = np.prod(points, axis=1) > 0
    fit = find_fit(["a", "b", "c"], points, labels, max_inputs=3)
    assert fit is not None and np.array_equal(_evaluate(fit, ["a", "b", "c"], points), labels)


def test_variables_that_do_not_determine_the_target_are_not_used():
    # the label depends on b, but a alone is tried first: a does not determine it (rows 0 and 1)
    points = np.array([[-1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    labels = np.array([False, True, True])
    fit = find_fit(["a", "b"], points, labels, max_inputs=2)
    assert fit is not None and [n for n, _ in fit.inputs] == ["b"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]), min_size=1, max_size=4),
       st.sampled_from([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5]))
def test_every_threshold_function_of_bits_is_found_and_reproduced(weights, bias):
    names = [f"v{i}" for i in range(len(weights))]
    points = _bits(len(weights))
    labels = points @ np.array(weights) + bias > 0
    fit = find_fit(names, points, labels, max_inputs=len(weights))
    assert fit is not None
    assert np.array_equal(_evaluate(fit, names, points), labels)


def test_variables_behind_follow_neurons_within_the_step_only():
    g = graphs.clean_delay()  # r reads x; s's next is r; o reads s
    assert variables_behind(g, "o") == ["s"]
    assert variables_behind(g, "r") == ["x"]


def test_a_cone_over_one_variable_becomes_one_neuron():
    # y = x[n-1] through two neurons: o = L(3 p), p = H(3 s); refit reads s directly
    g = graphs.graph(["x"], [State("s", -1.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("p", "H", [("s", 3.0)]), Neuron("o", "L", [("p", 3.0)])])
    oracle = oracle_for(g)
    result = Refit().run(g, oracle.context())
    assert oracle.equivalent(result)
    assert [n.name for n in result.neurons] == ["r", "o"]
    o = result.neuron("o")
    assert result.acts[o.act] == SIGN_AMEO and [src for src, _ in o.inputs] == ["s"]


def test_a_neuron_whose_exact_value_is_read_is_left_alone_unless_it_is_plus_or_minus_one():
    # q takes +-0.75 and +-0.25 and a state carries it to the output: sign_ameo gives only +-1, so q stays
    g = graphs.graph(["x"], [State("s", -1.0, "r"), State("t", 0.0, "q")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("q", "L", [("s", 0.5), ("x", 0.25)])], source="t")
    oracle = oracle_for(g)
    result = Refit().run(g, oracle.context())
    assert result.neuron("q") == g.neuron("q")


def test_without_a_closed_exploration_nothing_changes():
    g = graphs.clean_delay()
    ctx = oracle_for(g).context()
    ctx.explorer = lambda graph: TraceExploration(False, {})
    assert Refit().run(g, ctx) is g


def test_a_state_the_others_determine_is_dropped():
    # s1 = x and s2 = y one step late, s3 = (x and y) one step late: s3 = s1 and s2 on every step
    # (all start false), so the output y = s3 or x can read s1 and s2 (which z needs anyway) and s3 goes
    g = graphs.graph(["x", "y"], [State("s1", -1.0, "r1"), State("s2", -1.0, "r2"), State("s3", -1.0, "r3")], [
        Neuron("r1", "H", [("x", 3.0)]), Neuron("r2", "H", [("y", 3.0)]),
        Neuron("r3", "S", [("x", 1.5), ("y", 1.5)]), Neuron("o", "L", [("s3", 2.0), ("x", 1.0)], 1.5),
        Neuron("p", "L", [("s1", 1.0), ("s2", 1.0)], 1.0)])
    g.acts["S"] = SIGN_AMEO
    g.outputs.append(Output("z", "p"))
    oracle = oracle_for(g)
    result = Refit().run(g, oracle.context())
    assert oracle.equivalent(result)
    assert [s.name for s in result.states] == ["s1", "s2"]
    assert sorted(src for src, _ in result.neuron("o").inputs) == ["s1", "s2", "x"]


def test_the_note_names_what_was_refitted_and_what_was_dropped():
    g = graphs.graph(["x"], [State("s", -1.0, "r")], [
        Neuron("r", "H", [("x", 3.0)]), Neuron("p", "H", [("s", 3.0)]), Neuron("o", "L", [("p", 3.0)])])
    ctx = oracle_for(g).context()
    notes: list[str] = []
    ctx.note = notes.append  # type: ignore[method-assign]
    Refit().run(g, ctx)
    assert notes == ["refitted o (edges 3 -> 2)"]


@st.composite
def binary_machines(draw: st.DrawFn):  # noqa: ANN201
    """A random finite machine as training lowers one with binary states: each state's update is a
    sign_ameo neuron (exactly +-1), reached through a hidden layer or directly; outputs read an
    Ameo or linear neuron over the states, the inputs and hidden neurons."""
    from bonsaic.ir.graph import Graph

    n_in, n_states, n_hidden = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.integers(0, 3))
    weight = st.sampled_from([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    inputs = [f"x{i}" for i in range(n_in)]
    states = [f"s{i}" for i in range(n_states)]
    neurons: list[Neuron] = []

    def sources(pool: list[str]) -> list[tuple[str, float]]:
        chosen = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3, unique=True))
        return [(src, draw(weight)) for src in chosen]

    for i in range(n_hidden):
        neurons.append(Neuron(f"h{i}", draw(st.sampled_from(["H", "S"])), sources(inputs + states), draw(weight)))
    hidden = [n.name for n in neurons]
    for i in range(n_states):
        neurons.append(Neuron(f"r{i}", "S", sources(inputs + states + hidden), draw(weight)))
    neurons.append(Neuron("o", draw(st.sampled_from(["H", "L"])), sources(inputs + states + hidden), draw(weight)))
    return Graph(acts={"H": Activation.ameo(), "L": Activation.linear(), "S": SIGN_AMEO}, inputs=inputs,
                 states=[State(s, draw(st.sampled_from([-1.0, 1.0])), f"r{i}") for i, s in enumerate(states)],
                 neurons=neurons, outputs=[Output("y", "o")])


@settings(max_examples=80, deadline=None)
@given(binary_machines())
def test_refit_keeps_every_output_of_random_binary_machines_and_never_grows_them(graph):
    from bonsaic.passes.base import size_counts

    oracle = oracle_for(graph, exhaustive_length=4, random_count=16, random_length=12)
    before = graph.copy()
    result = Refit().run(graph, oracle.context())
    assert graph == before
    assert oracle.equivalent(result)
    assert sum(size_counts(result).values()) <= sum(size_counts(graph).values())
