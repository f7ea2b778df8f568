"""The two-level minimiser: exact on small functions, checked against truth tables."""

from __future__ import annotations

import itertools
from unittest.mock import patch

from hypothesis import given, settings
from hypothesis import strategies as st

from bonsaic.backends import minimize as minimize_module
from bonsaic.backends.minimize import Cube, minimize, parity_form, prime_implicants


@st.composite
def functions(draw: st.DrawFn, max_vars: int = 4) -> tuple[int, set[int], set[int]]:
    """(n, on-set, don't-care set) with every minterm labelled 0, 1 or don't-care."""
    n = draw(st.integers(0, max_vars))
    labels = draw(st.lists(st.sampled_from("01-"), min_size=1 << n, max_size=1 << n))
    on = {m for m, c in enumerate(labels) if c == "1"}
    dc = {m for m, c in enumerate(labels) if c == "-"}
    return n, on, dc


def cost(cover: list[Cube]) -> tuple[int, int]:
    return len(cover), sum(c.literals for c in cover)


@settings(max_examples=300, deadline=None)
@given(functions(max_vars=5))
def test_cover_is_exact_on_the_care_set(fn: tuple[int, set[int], set[int]]) -> None:
    n, on, dc = fn
    cover = minimize(n, on, dc)
    for m in range(1 << n):
        if m not in dc:
            assert any(c.covers(m) for c in cover) == (m in on), m


@settings(max_examples=150, deadline=None)
@given(functions(max_vars=3))
def test_cover_is_minimum(fn: tuple[int, set[int], set[int]]) -> None:
    """No set of cubes (primes or not) that is valid on the care set is cheaper: brute force."""
    n, on, dc = fn
    off = set(range(1 << n)) - on - dc
    every_cube = [Cube(v, mask) for mask in range(1 << n) for v in range(1 << n) if v & ~mask == 0]
    implicants = [c for c in every_cube if not any(c.covers(m) for m in off)]
    best = cost(minimize(n, on, dc))
    for size in range(best[0] + 1):
        for combo in itertools.combinations(implicants, size):
            if all(any(c.covers(m) for c in combo) for m in on):
                assert cost(list(combo)) >= best


@settings(max_examples=150, deadline=None)
@given(functions(max_vars=4))
def test_primes_are_maximal_implicants(fn: tuple[int, set[int], set[int]]) -> None:
    n, on, dc = fn
    allowed = on | dc
    for p in prime_implicants(n, on, dc):
        assert all(m in allowed for m in range(1 << n) if p.covers(m))
        for bit in range(n):
            if p.mask >> bit & 1:  # dropping any literal must cover a 0 row
                wider = Cube(p.value & ~(1 << bit), p.mask & ~(1 << bit))
                assert any(wider.covers(m) for m in range(1 << n) if m not in allowed)


def test_textbook_example() -> None:
    """Wikipedia's Quine–McCluskey example, f = Σm(4,8,10,11,12,15) + d(9,14) over (A,B,C,D) with A
    the most significant bit: its minimum is B C' D' + A B' + A C, 3 cubes and 7 literals."""
    cover = minimize(4, {4, 8, 10, 11, 12, 15}, {9, 14})
    assert cost(cover) == (3, 7)


def test_constants() -> None:
    assert minimize(2, set()) == []
    assert minimize(2, {0, 1, 2, 3}) == [Cube(0, 0)]


def test_parity_forms() -> None:
    assert parity_form(2, {1, 2}, range(4)) is False  # XOR
    assert parity_form(2, {0, 3}, range(4)) is True  # XNOR
    assert parity_form(2, {0, 3}, [0, 1, 3]) is True  # with a don't-care
    assert parity_form(2, {3}, range(4)) is None  # AND
    assert parity_form(3, {1, 2, 4, 7}, range(8)) is False


@settings(max_examples=100, deadline=None)
@given(functions(max_vars=5))
def test_greedy_cover_is_still_exact_on_the_care_set(fn: tuple[int, set[int], set[int]]) -> None:
    n, on, dc = fn
    with patch.object(minimize_module, "EXACT_COVER_LIMIT", 0):
        cover = minimize(n, on, dc)
    for m in set(range(1 << n)) - dc:
        assert any(c.covers(m) for c in cover) == (m in on), m
