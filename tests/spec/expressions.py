"""A test-side model of ``.bns`` expressions: random typed trees, a minimal-parentheses printer
that follows the precedence table in docs/dsl.md, and an evaluator with Python's semantics.

Independent of ``bonsaic.spec``: tests compare what the real parser and interpreter make of the
printed text with what this model says it means.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# binding strength, loosest first, as documented: ?: < or < xor < and < not < comparisons < | < ^ < & <
# << >> < + - < * // % < unary - < atoms (including calls)
LEVEL = {"?": 0, "or": 1, "xor": 2, "and": 3, "not": 4, "cmp": 5, "|": 6, "^": 7, "&": 8, "<<": 9, ">>": 9,
         "+": 10, "-": 10, "*": 11, "//": 11, "%": 11, "neg": 12, "atom": 13}
COMPARISONS = ["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True)
class E:
    """A test-side expression: operator, children, and its type."""

    op: str
    kids: tuple[E | int | bool | str, ...]
    type: str

    @property
    def level(self) -> int:
        if self.op in COMPARISONS or self.op == "beq":
            return LEVEL["cmp"]
        return LEVEL.get(self.op, LEVEL["atom"])


def leaf(value: int | bool | str, type_: str) -> E:
    return E("leaf", (value,), type_)


BOOL_LEAVES = st.sampled_from([leaf("a", "bool"), leaf("b", "bool"), leaf(True, "bool"), leaf(False, "bool")])
INT_LEAVES = st.one_of(st.just(leaf("n", "int")), st.integers(0, 9).map(lambda v: leaf(v, "int")))


def _binary(ops: list[str], kid: st.SearchStrategy[E], type_: str) -> st.SearchStrategy[E]:
    return st.builds(lambda op, left, right: E(op, (left, right), type_), st.sampled_from(ops), kid, kid)


def bool_exprs(depth: int) -> st.SearchStrategy[E]:
    """Bool-typed trees up to ``depth``; every operator combination is reachable at depth 2."""
    if depth == 0:
        return BOOL_LEAVES
    sub_b, sub_i = bool_exprs(depth - 1), int_exprs(depth - 1)
    return st.one_of(
        BOOL_LEAVES,
        _binary(["or", "xor", "and"], sub_b, "bool"),
        sub_b.map(lambda x: E("not", (x,), "bool")),
        _binary(COMPARISONS, sub_i, "bool"),
        st.builds(lambda op, left, right: E("beq", (op, left, right), "bool"), st.sampled_from(["==", "!="]), sub_b, sub_b),
        st.builds(lambda t, x, y: E("?", (t, x, y), "bool"), sub_b, sub_b, sub_b),
    )


def int_exprs(depth: int) -> st.SearchStrategy[E]:
    if depth == 0:
        return INT_LEAVES
    sub_b, sub_i = bool_exprs(depth - 1), int_exprs(depth - 1)
    return st.one_of(
        INT_LEAVES,
        _binary(["+", "-", "*", "|", "^", "&"], sub_i, "int"),
        st.builds(lambda op, left, d: E(op, (left, leaf(d, "int")), "int"), st.sampled_from(["%", "//"]), sub_i,
                  st.integers(1, 5)),
        st.builds(lambda op, left, d: E(op, (left, leaf(d, "int")), "int"), st.sampled_from(["<<", ">>"]), sub_i,
                  st.integers(0, 4)),
        sub_b.map(lambda x: E("int", (x,), "int")),
        st.lists(sub_b, min_size=1, max_size=3).map(lambda xs: E("count", tuple(xs), "int")),
        st.builds(lambda op, xs: E(op, tuple(xs), "int"), st.sampled_from(["min", "max"]),
                  st.lists(sub_i, min_size=1, max_size=3)),
        sub_i.map(lambda x: E("neg", (x,), "int")),
        st.builds(lambda t, x, y: E("?", (t, x, y), "int"), sub_b, sub_i, sub_i),
    )


def show(e: E, need: int = 0) -> str:
    """Print ``e`` with parentheses only where the precedence table requires them."""
    if e.op == "leaf":
        value = e.kids[0]
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    elif e.op == "not":
        text = "not " + show(e.kids[0], LEVEL["not"])
    elif e.op == "neg":
        text = "- " + show(e.kids[0], LEVEL["neg"])
    elif e.op == "?":
        text = f"{show(e.kids[0], LEVEL['or'])} ? {show(e.kids[1])} : {show(e.kids[2])}"
    elif e.op in ("int", "count", "min", "max"):
        text = f"{e.op}({', '.join(show(k) for k in e.kids)})"
    elif e.op == "beq":
        op, left, right = e.kids
        text = f"{show(left, LEVEL['cmp'] + 1)} {op} {show(right, LEVEL['cmp'] + 1)}"
    elif e.op in COMPARISONS:
        text = f"{show(e.kids[0], LEVEL['cmp'] + 1)} {e.op} {show(e.kids[1], LEVEL['cmp'] + 1)}"
    else:  # left-associative binary operators
        text = f"{show(e.kids[0], e.level)} {e.op} {show(e.kids[1], e.level + 1)}"
    return f"({text})" if e.level < need else text


def value(e: E, env: dict[str, int | bool]) -> int | bool:
    """This file's own semantics: Python's, with ``%`` taking the divisor's sign like Python's."""
    k = e.kids
    match e.op:
        case "leaf":
            return env[k[0]] if isinstance(k[0], str) else k[0]
        case "not":
            return not value(k[0], env)
        case "neg":
            return -value(k[0], env)
        case "?":
            return value(k[1], env) if value(k[0], env) else value(k[2], env)
        case "beq":
            return (value(k[1], env) == value(k[2], env)) == (k[0] == "==")
        case "int":
            return int(bool(value(k[0], env)))
        case "count":
            return sum(bool(value(x, env)) for x in k)
        case "min" | "max":
            return (min if e.op == "min" else max)(value(x, env) for x in k)
    left, right = value(k[0], env), value(k[1], env)
    ops = {"or": lambda: left or right, "xor": lambda: left != right, "and": lambda: left and right,
           "==": lambda: left == right, "!=": lambda: left != right, "<": lambda: left < right,
           "<=": lambda: left <= right, ">": lambda: left > right, ">=": lambda: left >= right,
           "+": lambda: left + right, "-": lambda: left - right, "%": lambda: left % right,
           "*": lambda: left * right, "//": lambda: left // right, "<<": lambda: left << right,
           ">>": lambda: left >> right, "&": lambda: left & right, "|": lambda: left | right,
           "^": lambda: left ^ right}
    return ops[e.op]()
