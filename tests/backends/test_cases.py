"""Expressions over enumerated variables: exact on every reachable row, and compact."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.backends.cases import counter_expression, mixed_expression


@st.composite
def mixed_tables(draw: st.DrawFn) -> tuple[dict[tuple[int, ...], int], list[str], list[bool]]:
    """A partial boolean function of 1-3 variables, each boolean or with 3-5 levels."""
    counts = draw(st.lists(st.sampled_from([2, 3, 4, 5]), min_size=1, max_size=3))
    row = st.tuples(*[st.integers(0, c - 1) for c in counts])
    rows = draw(st.dictionaries(row, st.integers(0, 1), min_size=1, max_size=20))
    return rows, [f"v{i}" for i in range(len(counts))], [c == 2 for c in counts]


def evaluate(expression: str, names: list[str], boolean: list[bool], row: tuple[int, ...]) -> object:
    env = {n: bool(v) if b else v for n, b, v in zip(names, boolean, row, strict=True)}
    return eval(expression, {}, env)  # our own generated expression


@settings(max_examples=200, deadline=None)
@given(mixed_tables())
def test_mixed_expression_is_exact_on_its_rows(table: tuple) -> None:
    rows, names, boolean = table
    expression = mixed_expression(rows, names, boolean)
    for row, level in rows.items():
        assert bool(evaluate(expression, names, boolean, row)) == bool(level), (expression, row)


def test_mixed_expression_reads_like_a_condition() -> None:
    # balanced parentheses: true only when closing at depth 1
    rows = {(c, d): int(c == 1 and d == 1) for c in (0, 1) for d in range(5) if (c, d) != (1, 0)}
    assert mixed_expression(rows, ["close", "depth"], [True, False]) == "close and depth == 1"
    assert mixed_expression({(0,): 1, (1,): 0, (2,): 1}, ["s"], [False]) == "s != 1"
    assert mixed_expression({(0,): 1, (1,): 1, (2,): 0, (3,): 0}, ["s"], [False]) == "s in (0, 1)"


def simple_condition(rows: dict[tuple[int, ...], int], positions: list[int]) -> str:
    """Enough for the tests: one boolean variable ``b`` at position 0."""
    assert positions == [0]
    return "b" if rows.get((1,)) == 1 else "not b"


def test_counter_update_is_an_offset_per_condition() -> None:
    rows = {(b, s): s - 1 if b else s + 1 for b in (0, 1) for s in range(1, 4)}
    text = counter_expression(rows, ["b", "s"], 1, simple_condition)
    assert text == "s - 1 if b else s + 1"
    for (b, s), level in rows.items():
        assert eval(text, {}, {"b": bool(b), "s": s}) == level


def test_counter_that_holds_prints_the_state_itself() -> None:
    rows = {(b, s): s + 1 if b else s for b in (0, 1) for s in range(3)}
    assert counter_expression(rows, ["b", "s"], 1, simple_condition) == "s + 1 if b else s"


def test_update_that_is_no_offset_is_refused() -> None:
    rows = {(0, 0): 1, (0, 1): 2, (0, 2): 0}  # wraps around: offsets +1, +1, -2
    assert counter_expression(rows, ["b", "s"], 1, simple_condition) is None
