"""The .ir text format: exact round trips, canonical printing, and one test per malformed-file class."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings

from bonsaic.ir import Activation, Graph, IRError, Neuron, Output, State, load_ir, parse_ir, print_ir, save_ir
from tests.ir.strategies import graphs

DELAY = """\
bonsai-ir 1
# the seed post's delay network, hand-written
act A = interpolated_ameo(factor=0.5, leakyness=0.1)
act L = linear
input  x
state  c0.s0 = 0.549 <- c0.r0
neuron c0.r0 = A(1.5696*x - 0.1038)
neuron c0.o2 = A(0.5795*c0.s0 + 1.1870)   # reads the state
neuron dense.0 = L(0.6027*c0.o2 + 0.0896)
output y = dense.0
spec "delay1"
| input x
|
|   output y = x
end
"""


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _float_bits(graph: Graph) -> list[bytes]:
    """Every float of a graph as raw bits, so -0.0 vs 0.0 and last-ulp differences count."""
    values = [s.init for s in graph.states]
    for n in graph.neurons:
        values += [n.bias, *(w for _s, w in n.inputs)]
    for act in graph.acts.values():
        values += [act.factor, act.leakyness]
    return [_bits(v) for v in values]


def test_parses_the_documented_example() -> None:
    g = parse_ir(DELAY, "delay.ir")
    assert g.inputs == ["x"]
    assert g.states == [State("c0.s0", 0.549, "c0.r0")]
    assert [n.name for n in g.neurons] == ["c0.r0", "c0.o2", "dense.0"]
    assert g.neuron("c0.r0").inputs == [("x", 1.5696)] and g.neuron("c0.r0").bias == -0.1038
    assert g.acts["A"] == Activation.interpolated_ameo(0.5, 0.1)
    assert g.outputs == [Output("y", "dense.0")]
    assert g.spec_name == "delay1"
    assert g.spec_source == "input x\n\n  output y = x"


@settings(max_examples=150, deadline=None)
@given(graphs(wild=True, with_spec=True))
def test_round_trip_is_exact(graph: Graph) -> None:
    text = print_ir(graph)
    back = parse_ir(text)
    assert back == graph
    assert _float_bits(back) == _float_bits(graph)
    assert print_ir(back) == text


@settings(max_examples=60, deadline=None)
@given(graphs(with_spec=True))
def test_save_and_load_keep_the_graph(tmp_path_factory: pytest.TempPathFactory, graph: Graph) -> None:
    path = tmp_path_factory.mktemp("ir") / "g.ir"
    save_ir(graph, path)
    assert load_ir(path) == graph


def test_signed_zero_and_extreme_floats_survive() -> None:
    weights = [-0.0, 5e-324, -1.7976931348623157e308, 1.7976931348623157e308, 0.1 + 0.2]
    g = Graph({"L": Activation.linear()}, ["x"], [State("s", -0.0, None)],
              [Neuron("n", "L", [("x", w) for w in weights[:1]] + [("s", w) for w in weights[1:]], -0.0)],
              [Output("y", "n")])
    back = parse_ir(print_ir(g))
    assert _float_bits(back) == _float_bits(g)


def test_spec_text_is_verbatim_including_trailing_newline_and_bars() -> None:
    spec = "| not a bar line\n  indented\n\n# not a comment\nend\n"
    g = Graph({"L": Activation.linear()}, ["x"], [], [Neuron("n", "L", [("x", 1.0)])], [Output("y", "n")],
              spec_source=spec, spec_name='we"ird\\name')
    back = parse_ir(print_ir(g))
    assert back.spec_source == spec and back.spec_name == 'we"ird\\name'


def test_spec_name_without_source_and_empty_source_differ() -> None:
    base = parse_ir(DELAY)
    named_only = Graph(base.acts, base.inputs, base.states, base.neurons, base.outputs, None, "d")
    empty = Graph(base.acts, base.inputs, base.states, base.neurons, base.outputs, "", None)
    assert parse_ir(print_ir(named_only)).spec_source is None
    assert parse_ir(print_ir(empty)).spec_source == ""


def test_neurons_in_any_order_are_sorted_stably() -> None:
    shuffled = DELAY.replace(
        "neuron c0.r0 = A(1.5696*x - 0.1038)\n", ""
    ).replace("output y", "neuron c0.r0 = A(1.5696*x - 0.1038)\noutput y", 1)
    g = parse_ir(shuffled)
    # c0.r0 depends on nothing but the input, so it keeps its (now later) written position
    assert [n.name for n in g.neurons] == ["c0.o2", "dense.0", "c0.r0"]
    reversed_deps = DELAY.replace("neuron c0.o2 = A(0.5795*c0.s0 + 1.1870)   # reads the state\n", "")
    reversed_deps = reversed_deps.replace("output y", "neuron c0.o2 = A(0.5795*c0.s0 + 1.1870)\noutput y", 1)
    assert [n.name for n in parse_ir(reversed_deps).neurons] == ["c0.r0", "c0.o2", "dense.0"]


def test_comments_and_blank_lines_anywhere() -> None:
    text = "# leading comment\n\nbonsai-ir 1   # version\n\n# nothing else\n\nend  # done\n"
    assert parse_ir(text) == Graph()


def test_windows_line_endings_parse() -> None:
    g = parse_ir(DELAY.replace("\n", "\r\n"))
    assert [n.name for n in g.neurons] == ["c0.r0", "c0.o2", "dense.0"]


def test_unprintable_name_is_refused() -> None:
    g = Graph({"L": Activation.linear()}, ["bad name"], [], [], [])
    with pytest.raises(IRError, match="cannot be written"):
        print_ir(g)


# -- malformed files: (text, expected message fragment, expected line) ---------------------------
def _edit(old: str, new: str) -> str:
    assert old in DELAY
    return DELAY.replace(old, new)


MALFORMED = {
    "empty": ("", "empty file", 0),
    "blank": ("  \n\n", "empty file", 0),
    "binary": ("\x7fELF\x02\x01\x01\x00\x00", "binary data", 1),
    "no header": (DELAY.split("\n", 1)[1], "missing version header", 2),
    "wrong version": (_edit("bonsai-ir 1", "bonsai-ir 7"), "unsupported IR version 7", 1),
    "no version number": (_edit("bonsai-ir 1", "bonsai-ir"), "unsupported IR version none", 1),
    "text after end": (DELAY + "input z\n", "syntax error: unexpected 'input'", 16),
    "syntax": (_edit("1.5696*x", "1.5696 x"), "syntax error", 7),
    "bad character": (_edit("input  x", "input  x?"), "unexpected character '?'", 5),
    "unknown node": (_edit("0.5795*c0.s0", "0.5795*c0.s1"), "unknown node 'c0.s1'", 8),
    "unknown next": (_edit("<- c0.r0", "<- nowhere"), "unknown node 'nowhere'", 6),
    "unknown output source": (_edit("output y = dense.0", "output y = dense.1"), "unknown node 'dense.1'", 10),
    "unknown activation": (_edit("L(0.6027", "M(0.6027"), "unknown activation 'M'", 9),
    "unknown function": (_edit("act L = linear", "act L = relu"), "unknown activation function", 4),
    "bad parameter": (_edit("act L = linear", "act L = ameo(leakyness=0.2)"), "no parameter", 4),
    "duplicate node": (_edit("neuron c0.o2", "neuron c0.r0"), "duplicate name 'c0.r0'", 8),
    "duplicate input/state": (_edit("state  c0.s0", "state  x"), "duplicate name 'x'", 6),
    "duplicate activation": (_edit("act L = linear", "act A = linear"), "duplicate activation 'A'", 4),
    "two biases": (_edit("+ 1.1870)", "+ 1.1870 + 2.0)"), "one constant term", 8),
    "cycle": (_edit("0.5795*c0.s0", "0.5795*dense.0"), "cycle not through a state: c0.o2 -> dense.0 -> c0.o2",
              8),
    "self loop": (_edit("1.5696*x", "1.5696*c0.r0"), "cycle not through a state: c0.r0 -> c0.r0", 7),
    "truncated": (DELAY[: DELAY.index("output")], "truncated file", 9),
    "truncated mid-line": (DELAY[: DELAY.index("0.6027") + 3], "truncated file", 9),
    "unterminated spec": (DELAY[: DELAY.rindex("end")], "unterminated spec block", 14),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_files_are_located(case: str) -> None:
    text, message, line = MALFORMED[case]
    with pytest.raises(IRError) as caught:
        parse_ir(text, "bad.ir")
    err = caught.value
    assert message in err.message
    assert err.filename == "bad.ir"
    assert err.line == line
    rendered = err.render()
    assert rendered.startswith(f"bad.ir:{line}:" if line else "bad.ir: error:")


def test_invalid_utf8_file_is_reported_as_binary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "model.ir"
    path.write_bytes(b"bonsai-ir 1\n\xff\xfe\x00garbage\n")
    with pytest.raises(IRError, match="invalid UTF-8"):
        load_ir(path)
