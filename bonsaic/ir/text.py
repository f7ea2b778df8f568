"""The ``.ir`` text format: printer and parser (grammar in ``ir.lark``, reference in docs/ir.md).

The format is the compiler's interchange: the trainer writes it, every pass reads and rewrites it,
and a person reads it. Two promises hold for every valid graph ``g``:

* ``parse_ir(print_ir(g)) == g``, bit for bit: floats print with ``repr`` (the shortest text that
  parses back to the same double), signs are printed so that ``-0.0`` survives, and the embedded
  task spec is stored verbatim, one ``|`` line per source line.
* ``print_ir(parse_ir(print_ir(g))) == print_ir(g)``: the printed form is canonical.

The parser accepts neurons in any order and sorts them topologically (stably, see
:func:`bonsaic.ir.validate.validate`); everything malformed raises :class:`IRError` with
``file:line:col``.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re

from lark import Lark, Token, Transformer, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, v_args
from lark.exceptions import VisitError

from bonsaic.fsutil import atomic_write_text, display_name, read_input
from bonsaic.ir.activations import KINDS, Activation
from bonsaic.ir.graph import Graph, Neuron, Output, State
from bonsaic.ir.validate import IRError, SourceMap, validate

VERSION = 1
HEADER = f"bonsai-ir {VERSION}"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*\Z")
_ACT_PARAMS = {"interpolated_ameo": ("factor", "leakyness"), "leaky_ameo": ("leakyness",)}


# -- printing ----------------------------------------------------------------------------------
def print_ir(graph: Graph) -> str:
    """The canonical text of ``graph`` (IRError if a name cannot be written)."""
    for name in [*graph.acts, *graph.node_names(), *(o.name for o in graph.outputs)]:
        if not _NAME.match(name):
            raise IRError(f"name {name!r} cannot be written in the IR",
                          hint="names are letters, digits, '_' and '.', not starting with a digit")
    lines = [HEADER]
    sections = [
        [f"act {name} = {act.text()}" for name, act in graph.acts.items()],
        [f"input {name}" for name in graph.inputs],
        [_state_line(s) for s in graph.states],
        [f"neuron {n.name} = {n.act}({_sum_text(n)})" for n in graph.neurons],
        [f"output {o.name} = {o.source}" for o in graph.outputs],
        _spec_lines(graph),
    ]
    for section in sections:
        if section:
            lines += ["", *section]
    lines.append("end")
    return "\n".join(lines) + "\n"


def _number(x: float) -> str:
    return repr(float(x))


def _signed_term(x: float, tail: str, first: bool) -> str:
    """`` - 0.5*x`` / `` + 0.5*x`` (or ``-0.5*x`` first); the sign bit decides, so -0.0 survives."""
    negative = math.copysign(1.0, x) < 0
    magnitude = _number(-x if negative else x) + tail
    if first:
        return ("-" if negative else "") + magnitude
    return (" - " if negative else " + ") + magnitude


def _sum_text(neuron: Neuron) -> str:
    parts = [_signed_term(w, f"*{src}", i == 0) for i, (src, w) in enumerate(neuron.inputs)]
    bias_is_plain_zero = neuron.bias == 0.0 and math.copysign(1.0, neuron.bias) > 0
    if not parts or not bias_is_plain_zero:
        parts.append(_signed_term(neuron.bias, "", not parts))
    return "".join(parts)


def _state_line(state: State) -> str:
    text = f"state {state.name} = {_signed_term(state.init, '', True)}"
    return text if state.next is None else f"{text} <- {state.next}"


def _spec_lines(graph: Graph) -> list[str]:
    if graph.spec_source is None and graph.spec_name is None:
        return []
    header = "spec" if graph.spec_name is None else f"spec {json.dumps(graph.spec_name)}"
    if graph.spec_source is None:
        return [header]
    return [header, *(f"| {line}" if line else "|" for line in graph.spec_source.split("\n"))]


# -- parsing -----------------------------------------------------------------------------------
@functools.cache
def _parser() -> Lark:
    return Lark.open("ir.lark", rel_to=__file__, parser="lalr", maybe_placeholders=True)


def parse_ir(text: str, filename: str = "<ir>") -> Graph:
    """Parse IR text into a validated graph with topologically ordered neurons."""
    _precheck(text, filename)
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as err:
        raise _syntax_error(err, text, filename) from None
    where = SourceMap(text, filename)
    try:
        graph = _Builder(where).transform(tree)
    except VisitError as err:  # lark wraps what the builder raises
        raise err.orig_exc from None
    return validate(graph, where)


def load_ir(path: str | os.PathLike[str]) -> Graph:
    """Read and parse an ``.ir`` file (line endings kept as written, so the spec stays verbatim)."""
    data = read_input(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise IRError(f"not an IR file: invalid UTF-8 at byte {err.start} (binary data?)",
                      filename=display_name(path)) from None
    return parse_ir(text, display_name(path))


def save_ir(graph: Graph, path: str | os.PathLike[str]) -> None:
    """Write ``graph`` atomically (a reader never sees half a file)."""
    atomic_write_text(path, print_ir(graph))


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _precheck(text: str, filename: str) -> None:
    """Errors the grammar would report poorly: empty input, binary data, a missing/wrong header."""
    if not text.strip():
        raise IRError("empty file", filename=filename, hint=f"an IR file starts with `{HEADER}`")
    control = re.search(r"[\x00-\x08\x0e-\x1f\x7f]", text)
    if control:
        line, col = _position(text, control.start())
        raise IRError.at(f"not an IR file: control character {control.group()!r} (binary data?)",
                         text, filename, line, col)
    first = re.search(r"^[ \t\f\r]*([^\s#][^\r\n]*)", text, re.MULTILINE)
    if first is None:
        raise IRError("the file holds only comments", filename=filename,
                      hint=f"an IR file starts with `{HEADER}` (truncated or not an IR file?)")
    line, col = _position(text, first.start(1))
    words = first.group(1).split("#", 1)[0].split()
    if words[0] != "bonsai-ir":
        raise IRError.at("missing version header", text, filename, line, col,
                         hint=f"the first line of an IR file is `{HEADER}` (truncated or not an IR file?)")
    if words[1:] != [str(VERSION)]:
        found = " ".join(words[1:]) or "none"
        raise IRError.at(f"unsupported IR version {found}", text, filename, line, col,
                         hint=f"this bonsaic reads `{HEADER}`")


def _syntax_error(err: UnexpectedInput, text: str, filename: str) -> IRError:
    line, col = err.line, err.column
    if isinstance(err, UnexpectedToken) and err.token.type == "$END":
        in_spec = re.search(r"^[ \t]*spec\b", text, re.MULTILINE) is not None
        what = "unterminated spec block" if in_spec else "truncated file"
        end_line = text.count("\n") + (0 if text.endswith("\n") else 1)
        return IRError.at(f"{what}: the file ends before `end`", text, filename, end_line, 1,
                          hint="every IR file ends with a line `end`; was it cut off?")
    if isinstance(err, UnexpectedCharacters):
        message = f"unexpected character {text[err.pos_in_stream]!r}"
    else:
        token = err.token  # type: ignore[attr-defined]
        shown = "end of line" if token.type == "_NL" else repr(str(token))
        message = f"unexpected {shown}"
    expected = sorted(_describe(t) for t in getattr(err, "expected", None) or err.allowed or ())
    hint = f"expected {', '.join(expected)}" if expected else None
    return IRError.at(f"syntax error: {message}", text, filename, line, col, hint)


_TERMINALS = {
    "NAME": "a name", "NUMBER": "a number", "SIGN": "'+' or '-'", "_NL": "end of line",
    "SPEC_LINE": "a '|' spec line", "ESCAPED_STRING": "a quoted string", "INT": "an integer",
    "$END": "end of file", "<END-OF-FILE>": "end of file",
}


def _describe(terminal: str) -> str:
    """A terminal's name as a user would say it: ``'<-'`` for a literal, words for the others."""
    if terminal in _TERMINALS:
        return _TERMINALS[terminal]
    try:
        pattern = _parser().get_terminal(terminal).pattern
    except KeyError:
        return terminal
    return f"'{pattern.value}'" if pattern.type == "str" else terminal


def _at(token: Token) -> tuple[int, int]:
    return token.line or 0, token.column or 0


@v_args(inline=True)
class _Builder(Transformer):
    """Parse tree -> Graph, recording where each element was written in the SourceMap."""

    def __init__(self, where: SourceMap) -> None:
        super().__init__()
        self.where = where
        self.graph = Graph()

    def _error(self, message: str, token: Token, hint: str | None = None) -> IRError:
        line, col = _at(token)
        return IRError.at(message, self.where.text, self.where.filename, line, col, hint)  # type: ignore[return-value]

    def _mark(self, key: tuple[str | int, ...], token: Token) -> None:
        self.where.spans[key] = _at(token)

    def start(self, *_items: object) -> Graph:
        return self.graph  # the header was checked by _precheck; statements filled self.graph

    def act_def(self, name: Token, kind: Token, args: dict[Token, float] | None) -> None:
        if name in self.graph.acts:
            raise self._error(f"duplicate activation '{name}'", name)
        self._mark(("act", str(name)), name)
        if kind not in KINDS:
            raise self._error(f"unknown activation function '{kind}'", kind,
                              hint=f"expected one of {', '.join(KINDS)}")
        args = args or {}
        allowed = _ACT_PARAMS.get(str(kind), ())
        for key in args:
            if key not in allowed:
                takes = ", ".join(allowed) or "no parameters"
                raise self._error(f"{kind} has no parameter '{key}'", key, hint=f"{kind} takes {takes}")
        self.graph.acts[str(name)] = Activation.make(str(kind), args.get("factor"), args.get("leakyness"))

    def act_args(self, *args: tuple[Token, float] | None) -> dict[Token, float]:
        out: dict[Token, float] = {}
        for arg in args:
            if arg is None:
                continue
            key, value = arg
            if key in out:
                raise self._error(f"parameter '{key}' given twice", key)
            out[key] = value
        return out

    def act_arg(self, key: Token, value: float) -> tuple[Token, float]:
        return key, value

    def input_def(self, name: Token) -> None:
        self._mark(("input", len(self.graph.inputs)), name)
        self.graph.inputs.append(str(name))

    def state_def(self, name: Token, init: float, nxt: Token | None) -> None:
        i = len(self.graph.states)
        self._mark(("state", i), name)
        if nxt is not None:
            self._mark(("state_next", i), nxt)
        self.graph.states.append(State(str(name), init, None if nxt is None else str(nxt)))

    def neuron_def(self, name: Token, act: Token, terms: tuple[list[tuple[Token, float]], float]) -> None:
        i = len(self.graph.neurons)
        self._mark(("neuron", i), name)
        self._mark(("neuron_act", i), act)
        inputs, bias = terms
        for j, (src, _w) in enumerate(inputs):
            self._mark(("neuron_src", i, j), src)
        self.graph.neurons.append(Neuron(str(name), str(act), [(str(s), w) for s, w in inputs], bias))

    def sum(self, *parts: Token | tuple[str, Token, float]) -> tuple[list[tuple[Token, float]], float]:
        inputs: list[tuple[Token, float]] = []
        bias: float | None = None
        sign = "+"
        for part in parts:
            if isinstance(part, Token) and part.type == "SIGN":
                sign = str(part)
                continue
            kind, token, value = part  # type: ignore[misc]
            value = -value if sign == "-" else value
            sign = "+"
            if kind == "weighted":
                inputs.append((token, value))
            elif bias is not None:
                raise self._error("a neuron has one constant term (its bias); found a second", token)
            else:
                bias = value
        return inputs, 0.0 if bias is None else bias

    def weighted(self, weight: Token, src: Token) -> tuple[str, Token, float]:
        return "weighted", src, float(weight)

    def constant(self, value: Token) -> tuple[str, Token, float]:
        return "constant", value, float(value)

    def output_def(self, name: Token, source: Token) -> None:
        i = len(self.graph.outputs)
        self._mark(("output", i), name)
        self._mark(("output_src", i), source)
        self.graph.outputs.append(Output(str(name), str(source)))

    def signed(self, sign: Token | None, number: Token) -> float:
        value = float(number)
        return -value if sign == "-" else value

    def spec_block(self, name: Token | None, *lines: Token) -> None:
        try:
            self.graph.spec_name = None if name is None else json.loads(name)
        except json.JSONDecodeError as err:
            raise self._error(f"the spec name is not a valid quoted string: {err.msg}", name,
                              hint=r'write it as a JSON string, e.g. spec "task.bns"; a backslash is \\ and a '
                                   r'quote \" inside it') from None
        if lines:
            self.graph.spec_line = lines[0].line or 0
            self.graph.spec_source = "\n".join(_spec_line(str(line)) for line in lines)


def _spec_line(raw: str) -> str:
    """``"| text"`` -> ``"text"``: drop the bar and the one space the printer puts after it."""
    body = raw[1:]
    return body[1:] if body.startswith(" ") else body
