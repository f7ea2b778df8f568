"""One test per error class: ``bonsaic check`` prints ``file:line:col: error:``, the source line with a
caret under the column, and exits 2 without a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.spec import Program, SpecError, parse_spec


def _check(path: Path) -> tuple[int, list[str]]:
    result = CliRunner().invoke(app, ["check", str(path)])
    assert "Traceback" not in result.output
    return result.exit_code, result.output.splitlines()


def _check_text(tmp_path: Path, text: str) -> tuple[Path, int, list[str]]:
    path = tmp_path / "task.bns"
    path.write_text(text)
    code, lines = _check(path)
    return path, code, lines


def assert_located(tmp_path: Path, text: str, line: int, col: int, *fragments: str) -> list[str]:
    """The error is at ``line:col``, quotes that source line with a caret, and says ``fragments``."""
    path, code, lines = _check_text(tmp_path, text)
    assert code == 2, lines
    assert lines[0].startswith(f"{path}:{line}:{col}: error: "), lines
    assert lines[1] == "    " + text.splitlines()[line - 1]
    assert lines[2] == "    " + " " * (col - 1) + "^"
    for fragment in fragments:
        assert fragment in "\n".join(lines)
    return lines


def test_syntax_error(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y\nstep {\n  y = x and\n}\n", 5, 1,
                   "unexpected `}`", "expected an expression")


def test_syntax_error_equals_used_to_compare(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y\nstep { if x = x { y = x } else { y = x } }\n", 3, 13,
                   "use `==` to compare")


def test_unexpected_character(tmp_path: Path) -> None:
    assert_located(tmp_path, "output y\nstep { y = true @ false }\n", 2, 17, "unexpected character '@'")


def test_bitwise_operators_on_bools_point_to_the_logical_ones(tmp_path: Path) -> None:
    assert_located(tmp_path, "output y\nstep { y = true & false }\n", 2, 12, "`&` needs an int, but this is a bool",
                   "for bools write `and`")


def test_shifting_past_int64_is_an_error_not_a_wrap_around(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y\nstate s: 0..3 = 1\nstep {\n    y = s << 70 == 0\n    s = 1\n}\n",
                   5, 11, "integer overflow")


def test_unknown_name_suggests_a_close_one(tmp_path: Path) -> None:
    assert_located(tmp_path, "input enable\noutput y\nstep { y = enabel }\n", 3, 12,
                   "unknown name `enabel`", "did you mean `enable`?")


def test_type_mismatch(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y\nstate n: 0..3 = 0\nstep { y = x and n }\n", 4, 18,
                   "`and` needs a bool, but this is an int")


def test_assignment_to_an_input(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y\nstep {\n  x = false\n  y = x\n}\n", 4, 3,
                   "cannot assign to input `x`")


def test_output_missing_in_the_else_branch_names_the_path(tmp_path: Path) -> None:
    text = "input x, z\noutput y\nstep {\n  if x {\n    y = z\n  } elif z {\n    y = x\n  } else {\n    let k = 1\n  }\n}\n"
    assert_located(tmp_path, text, 8, 5, "output `y` is not assigned on every path",
                   "the else branch of the if at line 4")


def test_output_missing_without_else_names_the_nested_path(tmp_path: Path) -> None:
    text = "input x, z\noutput y\nstep {\n  if x {\n    if z {\n      y = true\n    }\n  } else {\n    y = false\n  }\n}\n"
    assert_located(tmp_path, text, 5, 5,
                   "the missing else of the if at line 5, inside the then branch of the if at line 4")


def test_output_never_assigned(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y, w\nstep { y = x }\n", 3, 1, "output `w` is never assigned")


def test_integer_out_of_range_at_run_time(tmp_path: Path) -> None:
    text = "input up\noutput y\nstate n: 0..3 = 0\nstep {\n  if up { n = n + 1 }\n  y = n == 3\n}\n"
    assert_located(tmp_path, text, 5, 11, "value 4 assigned to `n` is outside its range 0..3",
                   "in the state n=3 with inputs up=true",
                   "reached after 3 steps with inputs: up=true; up=true; up=true")


def test_modulo_by_zero_at_run_time(tmp_path: Path) -> None:
    text = "input x\noutput y\nstate n: 0..2 = 2\nstep {\n  n = n - 1\n  y = 5 % n == 1\n}\n"
    assert_located(tmp_path, text, 6, 9, "modulo by zero")


def test_constraint_admitting_no_input(tmp_path: Path) -> None:
    text = "input x\noutput y\nstate seen: bool = false\nconstraint not seen or x != x\nstep {\n  y = x\n  seen = true\n}\n"
    assert_located(tmp_path, text, 4, 1, "admits no input vector", "seen=true",
                   "reached after 1 step with inputs: x=")


def test_unknown_setting(tmp_path: Path) -> None:
    assert_located(tmp_path, "output y\nstep { y = true }\ntrain {\n  lenght = 20\n}\n", 4, 3,
                   "unknown train setting `lenght`", "did you mean `length`?")


def test_duplicate_declaration(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput x\nstep { x = true }\n", 2, 8, "`x` is already declared at line 1")


def test_output_read_before_assignment(tmp_path: Path) -> None:
    assert_located(tmp_path, "input x\noutput y, w\nstep {\n  w = y\n  y = x\n}\n", 4, 7,
                   "output `y` is read before it is assigned")


def test_empty_file(tmp_path: Path) -> None:
    path, code, lines = _check_text(tmp_path, "  \n\n")
    assert code == 2 and lines[0] == f"{path}: error: the spec is empty"


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.bns"
    path.write_bytes(b"output y\n\x89PNG\x00\xff\xfe")
    code, lines = _check(path)
    assert code == 2 and lines[0].startswith(f"{path}:2:1: error: this looks like binary data")


@pytest.mark.parametrize("what", ["directory", "missing"])
def test_unreadable_paths(tmp_path: Path, what: str) -> None:
    path = tmp_path if what == "directory" else tmp_path / "nope.bns"
    code, lines = _check(path)
    assert code == 2 and lines[0].startswith(f"{path}: error: ")


def test_step_raises_at_the_assignment() -> None:
    program = Program(parse_spec("input x\noutput y\nstate n: 0..1 = 0\nstep {\n  n = n + 1\n  y = x\n}\n"))
    assert program.step((0,), (True,)) == ((1,), (True,))
    with pytest.raises(SpecError) as info:
        program.step((1,), (False,))
    assert (info.value.line, info.value.column) == (5, 3)
