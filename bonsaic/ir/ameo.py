"""The Ameo pieces, defined once: numpy, emitted Python, OpenCL C and tinygrad are rendered from here.

Each of the four piecewise functions (the hard Ameo, its derivative, the smooth quartic-spline Ameo
and its derivative) is a :class:`Piecewise`: a few set-up assignments, then ``(condition, value)``
pieces of which the first true one wins, a value for everything else, and a final expression of the
chosen value ``y``. The expressions are written once, in one operation order, as text over ``x``,
``leak`` and the set-up names; every back end evaluates exactly that text:

* numpy (the simulator's reference, :mod:`bonsaic.ir.activations`) evaluates it over arrays;
* the ``py`` back end prints it as scalar Python (:func:`python_source`);
* the OpenCL kernels get it as C with ``(real)`` casts (:func:`opencl_source`), compiled with
  contraction off, so in double precision they agree with numpy bit for bit;
* the trainer evaluates it over tinygrad tensors (:mod:`bonsaic.train.activation`).

Before this table there were four hand-synchronised copies; a change to a coefficient now reaches
all of them, and ``tests/ir/test_ameo.py`` checks that they agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Piecewise:
    """One piecewise function of ``x`` (and the leak ``leak``); see the module docstring."""

    name: str
    doc: str
    setup: tuple[tuple[str, str], ...]
    pieces: tuple[tuple[str, str], ...]
    otherwise: str
    result: str = "y"


HARD = Piecewise(
    "hard", "The hard Ameo: breakpoints -3, -1, 1, 3, leaky outside [-3, 3].", (),
    (("x <= -3.0", "-1.0 + (x + 3.0) * leak"), ("x <= -1.0", "x + 2.0"), ("x <= 1.0", "-x"),
     ("x <= 3.0", "x - 2.0")),
    "1.0 + (x - 3.0) * leak")
HARD_GRAD = Piecewise(
    "hard_grad", "The hard Ameo's derivative (left-continuous at the breakpoints).", (),
    (("x <= -3.0", "leak"), ("x <= -1.0", "1.0"), ("x <= 1.0", "-1.0"), ("x <= 3.0", "1.0")),
    "leak")
SOFT = Piecewise(
    "soft", "The smooth quartic-spline Ameo at u = x/2 - 1/2, rescaled to [-1, 1].",
    (("u", "x * 0.5 - 0.5"), ("u2", "u * u"), ("u3", "u2 * u"), ("u4", "u2 * u2"), ("p", "u + 2.0")),
    (("u <= -2.0", "leak * (u + 2.0)"), ("u <= -1.5", "8.0 * (p * p * p * p)"),
     ("u <= -0.5", "-8.0 * u4 - 32.0 * u3 - 48.0 * u2 - 32.0 * u - 7.0"), ("u <= 0.5", "8.0 * u4"),
     ("u <= 1.0", "-8.0 * u4 + 32.0 * u3 - 48.0 * u2 + 32.0 * u - 7.0")),
    "leak * (u - 1.0) + 1.0", "(y - 0.5) * 2.0")
SOFT_GRAD = Piecewise(
    "soft_grad", "The smooth Ameo's derivative (the chain factors 1/2 and 2 cancel).",
    (("u", "x * 0.5 - 0.5"), ("u2", "u * u"), ("u3", "u2 * u"), ("p", "u + 2.0")),
    (("(u <= -2.0) | (u >= 1.0)", "leak"), ("u <= -1.5", "32.0 * (p * p * p)"),
     ("u <= -0.5", "-32.0 * u3 - 96.0 * u2 - 96.0 * u - 32.0"), ("u <= 0.5", "32.0 * u3")),
    "-32.0 * u3 + 96.0 * u2 - 96.0 * u + 32.0")
TABLE = (HARD, HARD_GRAD, SOFT, SOFT_GRAD)
BREAKPOINTS_HARD = (-3.0, -1.0, 1.0, 3.0)
BREAKPOINTS_SOFT_U = (-2.0, -1.5, -0.5, 0.5, 1.0)  # in u; x = 2u + 1


# -- evaluation over arrays (numpy or tinygrad) ---------------------------------------------------
def _function_source(f: Piecewise) -> str:
    """``f`` as one Python function of ``(x, leak, where)``: the table's own expressions in the order
    :func:`evaluate` documents. One generated function instead of an ``eval`` per expression: the
    verifier evaluates Ameos on small arrays hundreds of thousands of times, where the ``eval``
    calls were a quarter of a long clip search's time."""
    lines = ["def evaluate(x, leak, where):"]
    lines += [f"    {name} = {expr}" for name, expr in f.setup]
    lines.append(f"    out = {f.otherwise}")
    lines += [f"    out = where({condition}, {value}, out)" for condition, value in reversed(f.pieces)]
    lines += ["    y = out", f"    return {f.result}"]
    return "\n".join(lines) + "\n"


def _compile(f: Piecewise) -> Callable[[Any, float, Callable[[Any, Any, Any], Any]], Any]:
    namespace: dict[str, Any] = {}
    exec(compile(_function_source(f), f"<ameo {f.name}>", "exec"), namespace)  # noqa: S102 - the table's own text
    return namespace["evaluate"]


_COMPILED = {f.name: _compile(f) for f in TABLE}


def evaluate(f: Piecewise, x: Any, leak: float, where: Callable[[Any, Any, Any], Any]) -> Any:
    """``f`` over an array ``x``: the set-up, every piece, then ``where(condition, value, rest)`` from
    the last piece to the first (the first true condition wins), then the result expression."""
    return _COMPILED[f.name](x, leak, where)


# -- source text: scalar Python and OpenCL C -------------------------------------------------------
def python_source(f: Piecewise) -> str:
    """``def _NAME(x, leak)`` as scalar Python (the ``py`` back end's helper)."""
    lines = [f"def _{f.name}(x, leak):", f'    """{f.doc}"""']
    lines += [f"    {name} = {expr}" for name, expr in f.setup]
    for k, (condition, value) in enumerate(f.pieces):
        lines += [f"    {'if' if k == 0 else 'elif'} {condition.replace('|', 'or')}:", f"        y = {value}"]
    lines += ["    else:", f"        y = {f.otherwise}", f"    return {f.result}"]
    return "\n".join(lines) + "\n"


_FLOAT = re.compile(r"(?<![\w.])(\d+\.\d+)")


def _c(expr: str) -> str:
    """An expression as OpenCL C over ``real``: float literals cast, ``|`` as ``||``."""
    return _FLOAT.sub(r"(real)\1", expr).replace("|", "||")


def _c_like(f: Piecewise, signature: str, declare: str, declare_y: str, expr: Callable[[str], str],
            indent: str) -> str:
    """``f`` as a C-like function (OpenCL C, JavaScript): the same statements in both, only the
    declarations and the expression spelling differ."""
    lines = [f"// {f.doc}", f"{signature} {{"]
    lines += [f"{indent}{declare} {name} = {expr(value)};" for name, value in f.setup]
    lines.append(f"{indent}{declare_y} y;")
    for k, (condition, value) in enumerate(f.pieces):
        lines.append(f"{indent}{'if' if k == 0 else 'else if'} ({expr(condition)}) y = {expr(value)};")
    lines += [f"{indent}else y = {expr(f.otherwise)};", f"{indent}return {expr(f.result)};", "}"]
    return "\n".join(lines) + "\n"


def opencl_source(f: Piecewise) -> str:
    """``real NAME(real x, real leak)`` as OpenCL C (the kernels' activation helpers)."""
    return _c_like(f, f"real {f.name}(real x, real leak)", "real", "real", _c, "    ")


def opencl_helpers() -> str:
    """All four functions, for the top of the kernel source."""
    return "\n".join(opencl_source(f) for f in TABLE)


def _js(expr: str) -> str:
    """An expression as JavaScript: the same arithmetic on IEEE doubles, ``|`` as ``||``."""
    return expr.replace("|", "||")


def javascript_source(f: Piecewise) -> str:
    """``function ameo_NAME(x, leak)`` as JavaScript (the HTML report's simulator). JavaScript numbers
    are IEEE doubles and the text keeps the table's operation order, so the page agrees with numpy
    bit for bit."""
    return _c_like(f, f"function ameo_{f.name}(x, leak)", "const", "let", _js, "  ")
