"""Exact two-level minimisation of small boolean functions (Quine–McCluskey, then a minimum cover).

The functions the ``bool`` back end meets have a handful of variables (the states and inputs one
output or one next state depends on), and the unreachable rows are don't-cares, so an exact method
is cheap and gives the smallest sum of products, which is what makes the decompiled logic read like
hand-written code. Minterms are integers: bit ``i`` is variable ``i``.

``minimize`` returns cubes; a :class:`Cube` fixes the variables in ``mask`` to the bits of ``value``.
The cover is a minimum one (fewest cubes, then fewest literals) found by branch and bound over
the prime implicants -- Petrick's method without expanding the product -- falling back to the
greedy choice only when the number of primes left after the essential ones is large.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

EXACT_COVER_LIMIT = 24  # primes left after the essential ones; beyond this the cover is greedy


@dataclass(frozen=True, order=True)
class Cube:
    """A product term: variable ``i`` appears iff bit ``i`` of ``mask`` is set, negated iff that
    bit of ``value`` is 0."""

    value: int
    mask: int

    def covers(self, minterm: int) -> bool:
        return minterm & self.mask == self.value

    @property
    def literals(self) -> int:
        return self.mask.bit_count()

    def literal_list(self, n_vars: int) -> list[tuple[int, bool]]:
        """``(variable, positive)`` for every literal, in variable order."""
        return [(i, bool(self.value >> i & 1)) for i in range(n_vars) if self.mask >> i & 1]


def prime_implicants(n_vars: int, on: Iterable[int], dc: Iterable[int] = ()) -> list[Cube]:
    """Every prime implicant of the function that is 1 on ``on``, free on ``dc``, 0 elsewhere."""
    full = (1 << n_vars) - 1
    current = {Cube(m, full) for m in {*on, *dc}}
    primes: set[Cube] = set()
    while current:
        merged: set[Cube] = set()
        used: set[Cube] = set()
        by_mask: dict[int, list[Cube]] = {}
        for cube in current:
            by_mask.setdefault(cube.mask, []).append(cube)
        for mask, cubes in by_mask.items():
            values = {c.value for c in cubes}
            for cube in cubes:
                for bit in range(n_vars):
                    b = 1 << bit
                    if mask & b and not cube.value & b and cube.value | b in values:
                        merged.add(Cube(cube.value, mask & ~b))
                        used.add(cube)
                        used.add(Cube(cube.value | b, mask))
        primes |= current - used
        current = merged
    return sorted(primes)


def _cost(cover: Iterable[Cube]) -> tuple[int, int]:
    cubes = list(cover)
    return len(cubes), sum(c.literals for c in cubes)


def _greedy(primes: list[Cube], todo: set[int]) -> list[Cube]:
    chosen: list[Cube] = []
    while todo:
        best = max(primes, key=lambda c: (sum(c.covers(m) for m in todo), -c.literals))
        chosen.append(best)
        todo = {m for m in todo if not best.covers(m)}
    return chosen


def _exact(primes: list[Cube], todo: frozenset[int]) -> list[Cube]:
    """Minimum-cost cover of ``todo`` by branch and bound: branch on the minterm with fewest primes."""
    best: list[Cube] = _greedy(primes, set(todo))

    def search(chosen: list[Cube], left: frozenset[int]) -> None:
        nonlocal best
        if _cost(chosen) >= _cost(best):
            return
        if not left:
            best = list(chosen)
            return
        pivot = min(left, key=lambda m: sum(c.covers(m) for c in primes))
        for cube in sorted((c for c in primes if c.covers(pivot)), key=lambda c: c.literals):
            search([*chosen, cube], frozenset(m for m in left if not cube.covers(m)))

    search([], todo)
    return best


def minimize(n_vars: int, on: Iterable[int], dc: Iterable[int] = ()) -> list[Cube]:
    """A minimum sum of products for the function (``[]`` is constant false; ``[Cube(0, 0)]`` true)."""
    on = set(on)
    if not on:
        return []
    primes = prime_implicants(n_vars, on, dc)
    essential: set[Cube] = set()
    for m in on:
        covering = [c for c in primes if c.covers(m)]
        if len(covering) == 1:
            essential.add(covering[0])
    todo = frozenset(m for m in on if not any(c.covers(m) for c in essential))
    rest = [c for c in primes if c not in essential and any(c.covers(m) for m in todo)]
    if not todo:
        extra: list[Cube] = []
    elif len(rest) <= EXACT_COVER_LIMIT:
        extra = _exact(rest, todo)
    else:
        extra = _greedy(rest, set(todo))
    return sorted(essential) + sorted(extra)


def parity_form(n_vars: int, on: Iterable[int], care: Iterable[int]) -> bool | None:
    """If the function equals the parity (XOR) of all ``n_vars`` variables on the care set, False;
    if it equals its complement (XNOR), True; otherwise None."""
    on = set(on)
    agree_xor = agree_xnor = True
    for m in care:
        odd = m.bit_count() % 2 == 1
        agree_xor &= odd == (m in on)
        agree_xnor &= odd != (m in on)
    if agree_xor:
        return False
    if agree_xnor:
        return True
    return None
