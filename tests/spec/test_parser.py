"""Parsing and evaluation of expressions against an independent model of the language.

Random typed expression trees are printed with the *fewest* parentheses the documented precedence
table allows (docs/dsl.md), parsed back and run by ``Program.step``; the result must equal what
the test-side model in ``expressions.py`` computes from the tree. A precedence or associativity bug
in the grammar, or a semantic bug in the evaluator, makes them disagree.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings

from bonsaic.spec import Program, nodes, parse_spec
from tests.spec.expressions import E, bool_exprs, show, value


@settings(max_examples=200, deadline=None)
@given(bool_exprs(4))
def test_minimal_parentheses_parse_and_evaluate_as_documented(expr: E) -> None:
    text = f"input a, b\noutput y\nstate n: -3..3 = 0\nstep {{\n  y = {show(expr)}\n}}\n"
    program = Program(parse_spec(text))
    for n, a, b in itertools.product(range(-3, 4), (False, True), (False, True)):
        _, (y,) = program.step((n,), (a, b))
        assert y == bool(value(expr, {"n": n, "a": a, "b": b})), (show(expr), n, a, b)


def test_if_elif_else_becomes_one_if_node_with_three_branches() -> None:
    spec = parse_spec("input a\noutput y\nstep {\n if a { y = a } elif not a { y = true } else { y = false }\n}\n")
    (stmt,) = spec.step
    assert isinstance(stmt, nodes.If)
    assert [b.kind for b in stmt.branches] == ["if", "elif", "else"]
    assert stmt.pos == nodes.Pos(4, 2)


def test_locals_are_scoped_to_their_block() -> None:
    spec = parse_spec("input a\noutput y\nstep {\n if a { let t = 1 } else { let t = true }\n y = a\n}\n")
    assert Program(spec).step((), (True,)) == ((), (True,))


def test_comments_and_task_name() -> None:
    spec = parse_spec("# header\ntask my_task # trailing\noutput y\nstep { y = true } # done\n", "f.bns")
    assert spec.name == "my_task" and spec.outputs == ["y"]
    assert parse_spec("output y\nstep { y = true }\n", "dir/other.bns").name == "other"


def _fully_parenthesised(e: nodes.Expr) -> str:
    if isinstance(e, nodes.Lit):
        return str(e.value).lower()
    if isinstance(e, nodes.Var):
        return e.name
    if isinstance(e, nodes.Unary):
        return f"({e.op} {_fully_parenthesised(e.operand)})"
    if isinstance(e, nodes.Cond):
        parts = (_fully_parenthesised(x) for x in (e.test, e.then, e.other))
        return "({} ? {} : {})".format(*parts)
    return f"({_fully_parenthesised(e.left)} {e.op} {_fully_parenthesised(e.right)})"


@pytest.mark.parametrize(("text", "tree"), [
    ("a or b xor c", "(a or (b xor c))"),
    ("a xor b and c", "(a xor (b and c))"),
    ("not a and b", "((not a) and b)"),
    ("not n == 1", "(not (n == 1))"),
    ("n + 1 == 2", "((n + 1) == 2)"),
    ("n - 1 - 1", "((n - 1) - 1)"),
    ("n + 5 % 3", "(n + (5 % 3))"),
    ("- n % 3", "((- n) % 3)"),
    ("a ? b : c ? a : b", "(a ? b : (c ? a : b))"),
    ("a or b ? c : a", "((a or b) ? c : a)"),
])
def test_precedence_and_associativity(text: str, tree: str) -> None:
    spec = parse_spec(f"input a, b, c\noutput y\nstate n: 0..3 = 0\nstep {{ let v = {text}\n y = a }}\n")
    assign = spec.step[0]
    assert _fully_parenthesised(assign.value) == tree
