"""The ``py`` back end: a standalone Python module that computes exactly what the simulator does.

The program keeps every neuron as one line named after its node and evaluates it with the same
float64 operations, in the same order, as ``bonsaic.ir.simulate``: the weighted sum is
``w0 * s0 + w1 * s1 + ... + bias`` from left to right, and the activation functions are the
piecewise formulas of ``bonsaic.ir.activations`` written out as scalar Python. Weights print with
``repr`` so they round-trip bit-exactly. ``step_values`` exposes the raw output values (tests
compare them with the simulator's); ``step`` decodes them to ±1 like the graph's outputs.
"""

from __future__ import annotations

import math

from bonsaic.backends.naming import Namer
from bonsaic.backends.runtime_template import RUNTIME, header, tuple_text
from bonsaic.ir.activations import Activation
from bonsaic.ir.ameo import HARD, SOFT, python_source
from bonsaic.ir.graph import Graph, Neuron

# the activation helpers the emitted module defines, rendered from the one Ameo table
HARD_HELPER = "\n" + python_source(HARD)
SOFT_HELPER = "\n" + python_source(SOFT)


def float_literal(value: float) -> str:
    """A Python expression for ``value`` that evaluates to the same float64 bits."""
    if math.isfinite(value):
        return repr(float(value))
    return f"float({repr(float(value))!r})"


def weighted_sum(terms: list[tuple[str, float]], bias: float) -> str:
    """``w0 * a + w1 * b + bias`` evaluated left to right, as the simulator does.

    ``a - w * b`` equals ``a + (-w) * b`` bit for bit, so negative weights print as subtraction;
    weights of exactly ±1 drop the multiplication, which is exact too.
    """
    parts: list[str] = []
    for var, w in [*terms, ("", bias)]:
        if var and w in (1.0, -1.0):
            body, negative = var, w < 0
        elif var:
            body, negative = f"{float_literal(abs(w))} * {var}", math.copysign(1.0, w) < 0
        elif w != 0.0 or not terms:
            body, negative = float_literal(abs(w)), math.copysign(1.0, w) < 0
        else:
            continue
        if not parts:
            parts.append(f"-{body}" if negative else body)
        else:
            parts.append(f"- {body}" if negative else f"+ {body}")
    return " ".join(parts)


def activation_source(func: str, act: Activation) -> str:
    """``def func(x): ...`` for one activation, with the same operations as the numpy reference."""
    doc = f'    """{act.text()}"""\n'
    if act.kind == "linear":
        body = "    return x\n"
    elif act.kind == "tanh":
        body = "    return math.tanh(x)\n"
    elif act.kind in ("ameo", "leaky_ameo"):
        body = f"    return _hard(x, {float_literal(act.leakyness)})\n"
    elif act.kind == "sign_ameo":
        body = "    h = _hard(x, 0.0)\n    return 1.0 if h > 0.0 else (-1.0 if h <= 0.0 else h)\n"
    else:
        leak, f = float_literal(act.leakyness), float_literal(act.factor)
        body = f"    return _hard(x, {leak}) * {f} + (1.0 - {f}) * _soft(x, {leak})\n"
    return f"\n\ndef {func}(x):\n{doc}{body}"


def _used_activations(graph: Graph) -> list[str]:
    used = {n.act for n in graph.neurons}
    return [name for name in graph.acts if name in used]


def _helpers(graph: Graph, used: list[str]) -> str:
    kinds = {graph.acts[name].kind for name in used}
    text = ""
    if kinds & {"ameo", "leaky_ameo", "interpolated_ameo", "sign_ameo"}:
        text += "\n" + HARD_HELPER
    if "interpolated_ameo" in kinds:
        text += "\n" + SOFT_HELPER
    return text


def _neuron_line(neuron: Neuron, var: Namer, func: dict[str, str]) -> str:
    terms = [(var(src), w) for src, w in neuron.inputs]
    return f"    {var(neuron.name)} = {func[neuron.act]}({weighted_sum(terms, neuron.bias)})"


def emit(graph: Graph) -> str:
    """The standalone module's source text (the graph is only read)."""
    used = _used_activations(graph)
    var = Namer()
    func = {name: var.fresh(name) for name in used}
    state_vars = [var(s.name) for s in graph.states]
    input_vars = [var(name) for name in graph.inputs]
    next_values = [var(s.next) if s.next is not None else "0.0" for s in graph.states]
    stats = graph.stats()
    uses_tanh = any(graph.acts[name].kind == "tanh" for name in used)
    fidelity = ("identical to `bonsaic simulate` up to the last bit of tanh" if uses_tanh
                else "numerically identical to `bonsaic simulate`")
    summary = f"{stats['states']} states, {stats['neurons']} neurons, {stats['edges']} edges; {fidelity}."
    imports = ["json", "math", "sys"] if uses_tanh else ["json", "sys"]
    lines = [
        header("py", graph.spec_name, summary),
        *(f"import {module}" for module in imports),
        "",
        f"INPUTS = {tuple(graph.inputs)!r}",
        f"OUTPUTS = {tuple(o.name for o in graph.outputs)!r}",
        f"STATES = {tuple(s.name for s in graph.states)!r}",
        f"INITIAL_STATE = {tuple_text([float_literal(s.init) for s in graph.states])}",
    ]
    text = "\n".join(lines) + "\n" + _helpers(graph, used)
    text += "".join(activation_source(func[name], graph.acts[name]) for name in used)
    text += (
        "\n\ndef step_values(state, inputs):\n"
        '    """One timestep on raw float64 values: (next_state, output_values)."""\n'
    )
    text += f"    {tuple_text(state_vars)} = state\n" if state_vars else ""
    text += f"    {tuple_text(input_vars)} = inputs\n" if input_vars else ""
    text += "".join(_neuron_line(n, var, func) + "\n" for n in graph.neurons)
    outs = [var(o.source) for o in graph.outputs]
    text += f"    return {tuple_text(next_values)}, {tuple_text(outs)}\n"
    text += (
        "\n\ndef step(state, inputs):\n"
        '    """One timestep: (next_state, outputs), each output +1 if its node is > 0, else -1."""\n'
        "    next_state, values = step_values(state, inputs)\n"
        "    return next_state, tuple(1 if value > 0 else -1 for value in values)\n"
    )
    return text + RUNTIME
