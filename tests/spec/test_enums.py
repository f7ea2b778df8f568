"""Enumerations and ``match``: parsing, checking, evaluation, how states are shown, every error with
its location, and the promise that an enum is only a name for an integer range (same data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.spec import Program, SpecError, parse_spec
from tests.spec.test_errors import assert_located

GATES = """\
enum Gate { xor_gate, and_gate, nor_gate, nand_gate }
input change_mode, a, b
output y
state mode: Gate = xor_gate
state light: {green, yellow, red} = red

step {
    if change_mode {
        mode = match mode {
            xor_gate => and_gate,
            and_gate => nor_gate,
            nor_gate => nand_gate,
            nand_gate => xor_gate,
        }
    }
    light = match light { green => yellow, yellow => red, red => green }
    y = match mode {
        xor_gate => a xor b,
        and_gate => a and b,
        nor_gate, nand_gate => not (mode == nor_gate ? a or b : a and b),
    }
}
"""


def test_enum_states_are_integer_ranges_in_declaration_order() -> None:
    spec = parse_spec(GATES, "gates.bns")
    mode, light = spec.state_vars
    assert (mode.lo, mode.hi, mode.init, mode.is_bool) == (0, 3, 0, False)
    assert mode.enum is not None and mode.enum.name == "Gate"
    assert mode.enum.members == ("xor_gate", "and_gate", "nor_gate", "nand_gate")
    assert (light.lo, light.hi, light.init) == (0, 2, 2) and light.enum is not None and light.enum.name is None
    assert mode.describe() == "Gate {xor_gate, and_gate, nor_gate, nand_gate}"
    assert light.describe() == "{green, yellow, red}"
    assert spec.constants == {"xor_gate": 0, "and_gate": 1, "nor_gate": 2, "nand_gate": 3,
                              "green": 0, "yellow": 1, "red": 2}


def test_an_enum_may_be_declared_after_the_state_that_uses_it() -> None:
    spec = parse_spec("output y\nstate t: {p, q} = q\nstate s: Mode = b\nstep { y = s == a }\nenum Mode { a, b }\n")
    assert spec.state_vars[1].init == 1
    assert [e.label for e in spec.enums] == ["{p, q}", "Mode"]  # source order


@pytest.mark.parametrize(("state", "inputs", "after", "y"), [
    ((0, 2), (False, True, False), (0, 0), True),     # xor
    ((0, 2), (True, True, True), (1, 0), True),       # change to and: and(1, 1)
    ((2, 0), (False, False, False), (2, 1), True),    # nor(0, 0)
    ((3, 1), (False, True, True), (3, 2), False),     # nand(1, 1)
    ((3, 1), (True, True, True), (0, 2), False),      # back to xor
])
def test_match_evaluates_the_arm_of_the_subjects_member(state: tuple[int, int], inputs: tuple[bool, ...],
                                                        after: tuple[int, int], y: bool) -> None:
    assert Program(parse_spec(GATES)).step(state, inputs) == (after, (y,))


def test_match_evaluates_only_the_taken_arm() -> None:
    """``7 // n`` is never computed where n = 0, as in an untaken ``?:`` branch."""
    program = Program(parse_spec("input x\noutput y\nstate n: 0..3 = 0\n"
                                 "step {\n y = match n { 0 => 1, else => 7 // n } == 1\n n = (n + 1) % 4\n}\n"))
    assert [program.step((n,), (False,))[1] for n in range(4)] == [(True,), (False,), (False,), (False,)]


def test_match_on_a_bounded_state_covers_its_range_without_else() -> None:
    program = Program(parse_spec("input x\noutput y\nstate n: -1..1 = 0\n"
                                 "step {\n y = match n { -1, 1 => true, 0 => x }\n n = x ? 1 : -1\n}\n"))
    assert program.step((0,), (False,)) == ((-1,), (False,))
    assert program.step((-1,), (False,)) == ((-1,), (True,))


def test_enum_locals_and_constraints() -> None:
    program = Program(parse_spec("enum Dir { left, right }\ninput x\noutput y\nstate d: Dir = left\n"
                                 "constraint d == left or x\n"
                                 "step {\n let other = d == left ? right : left\n d = x ? other : d\n"
                                 " y = d == right\n}\n"))
    assert program.allowed_inputs((1,)) == [(True,)]
    assert program.step((0,), (True,)) == ((1,), (True,))
    assert len(program.transitions().states) == 2


def test_states_are_described_by_member_names() -> None:
    spec = parse_spec(GATES)
    assert spec.describe_state((2, 0)) == "mode=nor_gate, light=green"
    assert spec.describe_state_var(spec.state_vars[1], 1) == "yellow"


def test_check_summary_prints_the_enum_types_and_initial_members(tmp_path: Path) -> None:
    path = tmp_path / "gates.bns"
    path.write_text(GATES)
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert ("state variables: mode: Gate {xor_gate, and_gate, nor_gate, nand_gate} = xor_gate, "
            "light: {green, yellow, red} = red") in result.output.splitlines()
    assert "reachable spec states: 12 (96 allowed transitions)" in result.output


def test_runtime_errors_name_the_state_by_its_members() -> None:
    program = Program(parse_spec("enum M { a, b }\ninput x\noutput y\nstate m: M = a\nstate n: 0..1 = 0\n"
                                 "step {\n n = m == b ? n + 1 : n\n m = b\n y = x\n}\n"))
    with pytest.raises(SpecError, match="outside its range") as info:
        program.transitions()
    assert "m=b, n=1" in (info.value.hint or "")


# ---- errors: each located, with its message and hint --------------------------------------------

HEAD = "enum Mode { idle, busy, done }\nenum Light { red, green }\ninput x\noutput y\nstate m: Mode = idle\n"


def _step(body: str) -> str:
    return HEAD + "step {\n" + body + "\n y = x\n}\n"


@pytest.mark.parametrize(("text", "line", "col", "message", "hint"), [
    # types
    (_step(" let t = m == 0"), 7, 15, "`==` (like its left operand) needs a `Mode` value, but this is an int",
     "the members of `Mode` are `idle`, `busy` and `done`"),
    (_step(" let t = m == x"), 7, 15, "needs a `Mode` value, but this is a bool", "`idle`"),
    (_step(" let t = 1 == m"), 7, 15, "`==` (like its left operand) needs an int, but this is a `Mode` value",
     "enum values are not numbers"),
    (_step(" let t = m == red"), 7, 15, "needs a `Mode` value, but this is a `Light` value", "`busy`"),
    (_step(" m = green"), 7, 6, "`m` needs a `Mode` value, but this is a `Light` value", "`done`"),
    (_step(" m = 2"), 7, 6, "`m` needs a `Mode` value, but this is an int", "`idle`"),
    (_step(" let t = m < busy"), 7, 10, "`<` needs an int, but this is a `Mode` value", "`match`"),
    (_step(" let t = m + 1"), 7, 10, "`+` needs an int, but this is a `Mode` value", "not numbers"),
    (_step(" if m { }"), 7, 5, "the if condition needs a bool, but this is a `Mode` value", "`== idle`"),
    (_step(" let t = x ? m : red"), 7, 18, "the `:` branch (like the `?` branch) needs a `Mode` value", None),
    # names
    (_step(" let t = m == bsuy"), 7, 15, "`bsuy` is not a member of `Mode`", "did you mean `busy`?"),
    (_step(" m = dnoe"), 7, 6, "`dnoe` is not a member of `Mode`", "did you mean `done`?"),
    (_step(" let t = bsuy == m"), 7, 10, "unknown name `bsuy`", "did you mean `busy`?"),
    (_step(" idle = m"), 7, 2, "cannot assign to `idle`, a member of `Mode`", "write `m = idle`"),
    (_step(" let busy = 1"), 7, 2, "`busy` is already declared at line 1 as a member of `Mode`",
     "pick another name"),
    ("enum Mode { idle, busy, idle }\noutput y\nstep { y = true }\n", 1, 25, "`idle` is listed twice in `Mode`",
     "remove one"),
    ("enum M { a }\nenum M { b }\noutput y\nstep { y = true }\n", 2, 6, "enum `M` is already declared at line 1",
     None),
    ("input go\nenum M { stop, go }\noutput y\nstep { y = go }\n", 2, 16,
     "`go` is already declared at line 1 as an input", "share one namespace"),
    ("enum M { y, n }\noutput y\nstep { y = true }\n", 2, 8, "`y` is already declared at line 1 as a member of `M`",
     "rename one"),
    ("output y\nstate s: bool = false\nstate t: {s, u} = u\nstep { y = true }\n", 3, 11,
     "`s` is already declared at line 2 as a state variable", None),
    ("enum A { p, q }\nenum B { q, r }\noutput y\nstep { y = true }\n", 2, 10,
     "`q` is already declared at line 1 as a member of `A`", "declare `enum Name { ... }` once"),
    # the state's type and initial member
    ("enum Mode { a }\noutput y\nstate s: Mdoe = a\nstep { y = true }\n", 3, 10, "unknown type `Mdoe`",
     "did you mean `Mode`?"),
    ("output y\nstate s: int = 0\nstep { y = true }\n", 2, 10, "unknown type `int`", "state n: 0..7 = 0"),
    (HEAD.replace("= idle", "= 0") + "step { y = x }\n", 5, 17, "`m` is a `Mode` value but its initial value is an int",
     "start it at one of its members"),
    (HEAD.replace("= idle", "= iddle") + "step { y = x }\n", 5, 17, "`iddle` is not a member of `Mode`",
     "did you mean `idle`?"),
    (HEAD.replace("= idle", "= red") + "step { y = x }\n", 5, 17, "`red` is a member of `Light`, not of `Mode`", None),
    # match
    (_step(" let t = match m { idle => 0, busy => 1 }"), 7, 10, "`match` does not handle `done`",
     "or an `else => ...` arm"),
    (_step(" let t = match m { idle => 0, busy, idle => 1, else => 2 }"), 7, 37,
     "`idle` is already handled at line 7", None),
    (_step(" let t = match m { else => 0, idle => 1 }"), 7, 20, "the `else` arm must come last", None),
    (_step(" let t = match m { idle, busy, done => 0, else => 1 }"), 7, 43,
     "every case of `Mode` is already handled, so the `else` arm never runs", "remove"),
    (_step(" let t = match m { 0 => 0, else => 1 }"), 7, 20, "takes its members as labels, not numbers", "`idle`"),
    (_step(" let t = match m { red => 0, else => 1 }"), 7, 20, "`red` is a member of `Light`, not of `Mode`", None),
    (_step(" let t = match m { idel => 0, else => 1 }"), 7, 20, "`idel` is not a member of `Mode`",
     "did you mean `idle`?"),
    (_step(" let t = match m { idle => 0, busy => true, done => 2 }"), 7, 39,
     "this arm (like the first arm) needs an int, but this is a bool", None),
    (_step(" let t = match x { idle => 0 }"), 7, 16, "`match` needs an enum value or an int, but this is a bool",
     "`c ? a : b`"),
    (_step(" let k = 3\n let t = match k { 0 => 1, 1 => 2 }"), 8, 10, "a `match` on this int needs an `else => ...` arm",
     None),
    (_step(" let t = match 2 { idle => 1, else => 0 }"), 7, 20, "takes integers as labels, but `idle` is a name", None),
    ("input x\noutput y\nstate n: 0..2 = 0\nstep { y = match n { 0 => x, 3 => x, else => false } }\n", 4, 30,
     "`3` is outside the range of `n` (0..2)", None),
    ("input x\noutput y\nstate n: 0..2 = 0\nstep { y = match n { 0 => x, 2 => x } }\n", 4, 12,
     "`match` does not handle `1`", None),
])
def test_enum_errors_are_located(text: str, line: int, col: int, message: str, hint: str | None) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "t.bns")
    err = info.value
    assert (err.line, err.column) == (line, col), err.render()
    assert message in err.message, err.render()
    if hint is not None:
        assert hint in (err.hint or ""), err.render()


def test_enum_type_error_through_the_cli_quotes_the_line(tmp_path: Path) -> None:
    text = "enum Mode { idle, busy }\ninput x\noutput y\nstate m: Mode = idle\nstep {\n    y = m == 1\n}\n"
    assert_located(tmp_path, text, 6, 14, "`==` (like its left operand) needs a `Mode` value, but this is an int",
                   "hint: the members of `Mode` are `idle` and `busy`")


def test_missing_match_arm_through_the_cli(tmp_path: Path) -> None:
    text = "enum Mode { idle, busy }\noutput y\nstate m: Mode = idle\nstep {\n    y = match m { idle => true }\n}\n"
    assert_located(tmp_path, text, 5, 9, "`match` does not handle `busy`")


@pytest.mark.parametrize(("text", "explanation"), [
    ("enum Mode { a b }\n", "an enum is `enum Name { member, member, ... }`"),
    ("enum Mode { }\n", "an enum is `enum Name { member, member, ... }`"),
    ("output y\nstate s: {a b} = a\n", "an enum is"),
    ("output y\nstate s: Mode\n", "`state m: {idle, busy} = idle`"),
    ("output y\nstep { y = match x { a => true b => false } }\n", "a `match` lists arms `member => value`"),
    ("output y\nstep { y = match x { a: true } }\n", "a `match` lists arms"),
])
def test_enum_and_match_syntax_errors_are_explained(text: str, explanation: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "t.bns")
    assert explanation in info.value.message, info.value.render()


def test_enum_and_match_are_keywords() -> None:
    with pytest.raises(SpecError, match="unexpected `match`"):
        parse_spec("input match\noutput y\nstep { y = true }\n")


# ---- an enum is a name for the integer range: the same data ------------------------------------

@st.composite
def machines(draw: st.DrawFn) -> tuple[int, int, list[list[int]], list[list[bool]], float]:
    """A random Mealy machine over one input bit: (states, initial, next[s][x], out[s][x], p)."""
    size = draw(st.integers(1, 5))
    table = [[draw(st.integers(0, size - 1)) for _ in range(2)] for _ in range(size)]
    outputs = [[draw(st.booleans()) for _ in range(2)] for _ in range(size)]
    return size, draw(st.integers(0, size - 1)), table, outputs, draw(st.sampled_from([0.2, 0.5, 0.9]))


def _as_enum(size: int, init: int, table: list[list[int]], outputs: list[list[bool]], p: float) -> str:
    names = [f"s{k}" for k in range(size)]

    def arms(values: list[str]) -> str:
        return ", ".join(f"{names[k]} => {v}" for k, v in enumerate(values))

    out = arms([f"x ? {str(o[1]).lower()} : {str(o[0]).lower()}" for o in outputs])
    nxt = arms([f"x ? {names[t[1]]} : {names[t[0]]}" for t in table])
    return (f"enum S {{ {', '.join(names)} }}\ninput x(p = {p})\noutput y\nstate s: S = {names[init]}\n"
            f"step {{\n    y = match s {{ {out} }}\n    s = match s {{ {nxt} }}\n}}\n")


def _as_integers(size: int, init: int, table: list[list[int]], outputs: list[list[bool]], p: float) -> str:
    lines = []
    for k in range(size):
        keyword = "if" if k == 0 else "elif" if k < size - 1 else "else"
        test = f" s == {k}" if keyword != "else" else ""
        lines.append(f"    {'} ' if k else ''}{keyword}{test} {{\n"
                     f"        y = x ? {str(outputs[k][1]).lower()} : {str(outputs[k][0]).lower()}\n"
                     f"        s = x ? {table[k][1]} : {table[k][0]}")
    body = "\n".join(lines) + "\n    }" if size > 1 else (
        f"    y = x ? {str(outputs[0][1]).lower()} : {str(outputs[0][0]).lower()}\n    s = 0")
    return f"input x(p = {p})\noutput y\nstate s: 0..{size - 1} = {init}\nstep {{\n{body}\n}}\n"


@settings(max_examples=40, deadline=None)
@given(machine=machines(), seed=st.integers(0, 1000), mix=st.sampled_from(["iid", "covering"]))
def test_an_enum_spec_generates_the_data_of_its_integer_version(
        machine: tuple[int, int, list[list[int]], list[list[bool]], float], seed: int, mix: str) -> None:
    with_enum = Program(parse_spec(_as_enum(*machine), "e.bns"))
    with_ints = Program(parse_spec(_as_integers(*machine), "i.bns"))
    enum_table, int_table = with_enum.transitions(), with_ints.transitions()
    assert enum_table.states == int_table.states
    assert np.array_equal(enum_table.next, int_table.next) and np.array_equal(enum_table.outputs, int_table.outputs)
    for got, want in zip(with_enum.generate(8, 24, seed, mix), with_ints.generate(8, 24, seed, mix), strict=True):
        assert np.array_equal(got, want)


def test_the_documented_dfa_is_the_suites_alternating_ab() -> None:
    """docs/dsl.md's enum example (a declared enum) and the suite's task (an inline one) agree."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "dsl.md").read_text()
    example = next(block for block in docs.split("```") if "enum Phase" in block)
    suite = Path(__file__).resolve().parents[2] / "benchmarks" / "tasks" / "alternating_ab.bns"
    documented, task = Program(parse_spec(example)), Program(parse_spec(suite.read_text()))
    assert documented.transitions().states == task.transitions().states
    assert np.array_equal(documented.transitions().next, task.transitions().next)
    assert np.array_equal(documented.transitions().outputs, task.transitions().outputs)


def test_the_minimal_machine_lists_spec_states_by_member(tmp_path: Path) -> None:
    path = tmp_path / "gates.bns"
    path.write_text(GATES)
    result = CliRunner().invoke(app, ["check", str(path), "--emit", "mealy"])
    assert result.exit_code == 0, result.output
    assert "// s0 stands for 3 spec states: mode=xor_gate, light=red; " in result.output, result.output
