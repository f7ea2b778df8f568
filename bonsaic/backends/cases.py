"""Readable expressions for functions that involve enumerated (more than two-valued) variables.

Quine–McCluskey needs boolean variables; a counter state has one level per value. Two shapes
cover what the seed post's networks do with such states:

* a **boolean** of mixed variables is a sum of products whose literals are ``b`` / ``not b`` for a
  boolean and ``s == 2`` / ``s in (1, 2)`` for an enumerated variable. Each true row is expanded
  (Espresso's "expand": drop every literal whose removal covers no false row), then cubes that
  differ in the values of one enumerated variable are merged and absorbed ones dropped;
* a **counter** update ``s' = s + k`` whose step ``k`` depends only on booleans prints as
  ``s + 1 if cond else s - 1`` (the post: "depth_counter + (char == '(' ? -0.04 : 0.04)").

Both work on the reachable rows only, so their results are exact there and the unreachable rows
are free.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Row = tuple[int, ...]
Cube = tuple[frozenset[int] | None, ...]  # per variable: the allowed levels, None = any


def _covers(cube: Cube, row: Row) -> bool:
    return all(allowed is None or level in allowed for allowed, level in zip(cube, row, strict=True))


def _expand(row: Row, off: list[Row]) -> Cube:
    cube: Cube = tuple(frozenset({level}) for level in row)
    for i in range(len(row)):
        wider = (*cube[:i], None, *cube[i + 1:])
        if not any(_covers(wider, r) for r in off):
            cube = wider
    return cube


def _merge(cubes: list[Cube], off: list[Row]) -> list[Cube]:
    """Merge cubes equal but for one variable's level set (when that covers no false row), then
    drop cubes contained in another."""
    merged = True
    while merged:
        merged = False
        for a in range(len(cubes)):
            for b in range(a + 1, len(cubes)):
                diff = [i for i in range(len(cubes[a])) if cubes[a][i] != cubes[b][i]]
                if len(diff) == 1 and None not in (cubes[a][diff[0]], cubes[b][diff[0]]):
                    i = diff[0]
                    union = (*cubes[a][:i], cubes[a][i] | cubes[b][i], *cubes[a][i + 1:])
                    if not any(_covers(union, r) for r in off):
                        cubes = [c for k, c in enumerate(cubes) if k not in (a, b)] + [union]
                        merged = True
                        break
            if merged:
                break
    return [c for c in cubes if not any(o != c and all(
        x is None or (y is not None and y <= x) for x, y in zip(o, c, strict=True)) for o in cubes)]


def _literal(name: str, allowed: frozenset[int], boolean: bool) -> str:
    if boolean:
        return name if allowed == {1} else f"not {name}"
    levels = sorted(allowed)
    return f"{name} == {levels[0]}" if len(levels) == 1 else f"{name} in ({', '.join(map(str, levels))})"


def mixed_expression(rows: dict[Row, int], names: Sequence[str], boolean: Sequence[bool]) -> str:
    """A boolean of boolean and enumerated variables, as a small sum of products.

    Built from whichever of the true and the false rows are fewer (the latter under ``not``).
    """
    on = [r for r, v in rows.items() if v]
    off = [r for r, v in rows.items() if not v]
    negate = len(on) > len(off)
    if negate:
        on, off = off, on
    if not on:
        return repr(negate)
    cubes = _merge(list(dict.fromkeys(_expand(r, off) for r in on)), off)
    terms = []
    for cube in cubes:
        literals = [_literal(n, allowed, b) for n, allowed, b in zip(names, cube, boolean, strict=True)
                    if allowed is not None]
        terms.append(" and ".join(literals) or "True")
    if negate and len(terms) == 1 and " and " not in terms[0] and " == " in terms[0]:
        return terms[0].replace(" == ", " != ")
    if negate and len(terms) == 1 and " and " not in terms[0] and " in (" in terms[0]:
        return terms[0].replace(" in (", " not in (")
    text = " or ".join(f"({t})" if " and " in t and len(terms) > 1 else t for t in terms)
    return f"not ({text})" if negate else text


def counter_expression(rows: dict[Row, int], names: Sequence[str], counter: int,
                       condition: Callable[[dict[Row, int], list[int]], str]) -> str | None:
    """``s + k`` per context when the target level is the counter's level plus a step ``k`` that
    depends only on the other variables (all boolean); None when the update is not of that shape.

    ``condition(rows, positions)`` renders a boolean function of the variables at ``positions``.
    """
    others = [i for i in range(len(names)) if i != counter]
    step_of: dict[Row, int] = {}
    for row, level in rows.items():
        context = tuple(row[i] for i in others)
        if step_of.setdefault(context, level - row[counter]) != level - row[counter]:
            return None
    steps = sorted(set(step_of.values()), key=lambda k: (-list(step_of.values()).count(k), k))

    def shifted(k: int) -> str:
        return names[counter] if k == 0 else f"{names[counter]} {'+' if k > 0 else '-'} {abs(k)}"

    def when(k: int) -> str:
        return condition({ctx: int(s == k) for ctx, s in step_of.items()}, others)

    if len(steps) == 2 and when(steps[1]).startswith("not ") and not when(steps[0]).startswith("not "):
        steps.reverse()  # `s - 1 if close else s + 1` rather than `s + 1 if not close else s - 1`
    text = shifted(steps[0])
    for k in steps[1:]:
        text = f"{shifted(k)} if {when(k)} else {text}"
    return text
