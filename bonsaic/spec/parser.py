"""Text -> :class:`~bonsaic.spec.nodes.Module`: the Lark parser, the tree Transformer and friendly
syntax errors.

Lark reports *where* parsing failed; ``match_examples`` lets us also say *what* probably went
wrong in words a user recognises ("use `==` to compare"), by matching the failing parser state
against small broken snippets listed in ``_SYNTAX_EXAMPLES``.
"""

from __future__ import annotations

import functools

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from bonsaic.spec import nodes as n
from bonsaic.spec.errors import Source, SpecError
from bonsaic.spec.limits import MAX_NESTING


@functools.cache
def _parser() -> Lark:
    return Lark.open("grammar.lark", rel_to=__file__, parser="lalr", lexer="basic", propagate_positions=True,
                     maybe_placeholders=True)


def _pos(item: Token | object) -> n.Pos:
    if isinstance(item, Token):
        return n.Pos(item.line or 0, item.column or 0)
    return n.Pos(item.line, item.column)  # a Lark Meta


@v_args(meta=True)
class _ToNodes(Transformer):
    """Builds nodes bottom-up; every method receives the rule's meta (position) and children."""

    # ---- expressions
    def int_lit(self, meta, c):
        return n.Lit(int(c[0]), _pos(c[0]))

    def true_lit(self, meta, c):
        return n.Lit(True, _pos(c[0]))

    def false_lit(self, meta, c):
        return n.Lit(False, _pos(c[0]))

    def var(self, meta, c):
        return n.Var(str(c[0]), _pos(c[0]))

    def unary(self, meta, c):
        return n.Unary(str(c[0]), c[1], _pos(c[0]))

    def binary(self, meta, c):
        return n.Binary(str(c[1]), c[0], c[2], _pos(c[1]))

    def call_expr(self, meta, c):
        name, *args = c
        return n.Call(str(name), tuple(a for a in args if a is not None), _pos(name))

    def match_expr(self, meta, c):
        return n.Match(c[1], tuple(a for a in c[2:] if a is not None), _pos(c[0]))

    def match_arm(self, meta, c):
        *labels, value = c
        return n.Arm(tuple(labels), value, labels[0].pos)

    def else_arm(self, meta, c):
        return n.Arm((), c[1], _pos(c[0]))

    def int_label(self, meta, c):
        return n.Lit(c[0], _pos(meta))

    def conditional(self, meta, c):
        return n.Cond(c[0], c[1], c[2], _pos(meta))

    # ---- statements
    def block(self, meta, c):
        return tuple(c)

    def let_stmt(self, meta, c):
        return n.Assign(str(c[0]), c[1], True, _pos(meta))

    def assign_stmt(self, meta, c):
        return n.Assign(str(c[0]), c[1], False, _pos(c[0]))

    def elif_branch(self, meta, c):
        return n.Branch("elif", c[1], c[2], _pos(c[0]))

    def if_stmt(self, meta, c):
        if_tok, test, body, *rest = c
        else_tok, else_body = rest[-2], rest[-1]
        branches = [n.Branch("if", test, body, _pos(if_tok)), *rest[:-2]]
        if else_tok is not None:
            branches.append(n.Branch("else", None, else_body, _pos(else_tok)))
        return n.If(tuple(branches), _pos(if_tok))

    def step_block(self, meta, c):
        return ("step", c[1], _pos(c[0]))

    # ---- declarations
    def task_decl(self, meta, c):
        return ("task", str(c[0]), _pos(c[0]))

    def input_item(self, meta, c):
        name, option, number = c
        return n.InputItem(str(name), None if option is None else str(option),
                           None if number is None else float(number.data), _pos(name))

    def input_decl(self, meta, c):
        return ("inputs", tuple(c), _pos(meta))

    def output_decl(self, meta, c):
        return ("outputs", tuple((str(t), _pos(t)) for t in c), _pos(meta))

    def bool_type(self, meta, c):
        return (True, 0, 1)

    def range_type(self, meta, c):
        return (False, c[0], c[1])

    def named_type(self, meta, c):
        return ("named", (str(c[0]), _pos(c[0])))

    def inline_enum_type(self, meta, c):
        return ("inline", n.EnumDecl(None, c[0], _pos(meta)))

    def enum_members(self, meta, c):
        return tuple((str(t), _pos(t)) for t in c if t is not None)

    def enum_decl(self, meta, c):
        return ("enum", n.EnumDecl(str(c[1]), c[2], _pos(c[1])), _pos(c[0]))

    def state_decl(self, meta, c):
        name, type_, init = str(c[0]), c[1], c[2]
        if type_[0] == "named":
            decl = n.StateDecl(name, False, 0, 0, init, _pos(c[0]), type_name=type_[1])
        elif type_[0] == "inline":
            decl = n.StateDecl(name, False, 0, len(type_[1].members) - 1, init, _pos(c[0]), inline=type_[1])
        else:
            is_bool, lo, hi = type_
            decl = n.StateDecl(name, is_bool, lo, hi, init, _pos(c[0]))
        return ("state", decl, _pos(c[0]))

    def constraint_decl(self, meta, c):
        return ("constraint", c[0], _pos(meta))

    def signed_int(self, meta, c):
        return -int(c[1]) if len(c) == 2 else int(c[0])

    # ---- model / train settings
    def number(self, meta, c):
        text = "".join(str(t) for t in c)
        value: float | int = float(text) if c[-1].type == "DECIMAL" else int(text)
        return n.Value("number", value, pos=_pos(meta))

    def true_value(self, meta, c):
        return n.Value("bool", True, pos=_pos(c[0]))

    def false_value(self, meta, c):
        return n.Value("bool", False, pos=_pos(c[0]))

    def name_value(self, meta, c):
        return n.Value("name", str(c[0]), pos=_pos(c[0]))

    def arg(self, meta, c):
        key, value = c
        return n.Arg(None if key is None else str(key), value, _pos(meta))

    def call(self, meta, c):
        name, *args = c
        return n.Value("call", str(name), tuple(a for a in args if a is not None), _pos(name))

    def assignment_setting(self, meta, c):
        return n.Setting("assign", str(c[0]), c[1], _pos(c[0]))

    def call_setting(self, meta, c):
        return n.Setting("call", None, c[0], c[0].pos)

    def schedule_setting(self, meta, c):
        at, step, target, factor = c
        return n.Setting("schedule", str(target), factor, _pos(at), at_step=int(step))

    def model_section(self, meta, c):
        return ("section", n.Section("model", tuple(c[1:]), _pos(c[0])), _pos(c[0]))

    def train_section(self, meta, c):
        return ("section", n.Section("train", tuple(c[1:]), _pos(c[0])), _pos(c[0]))

    def start(self, meta, items):
        groups: dict[str, list] = {k: [] for k in
                                   ("task", "inputs", "outputs", "state", "enum", "constraint", "step", "section")}
        for kind, payload, pos in items:
            groups[kind].append((payload, pos))
        return n.Module(
            task_names=tuple(groups["task"]),
            inputs=tuple(item for items_, _ in groups["inputs"] for item in items_),
            outputs=tuple(o for outs, _ in groups["outputs"] for o in outs),
            states=tuple(s for s, _ in groups["state"]),
            enums=tuple(e for e, _ in groups["enum"]),
            constraints=tuple(groups["constraint"]),
            steps=tuple(groups["step"]),
            sections=tuple(s for s, _ in groups["section"]),
        )


# Broken snippets -> the explanation shown to the user. `_explain` picks the label whose snippet fails
# in the same parser state as the user's file.
_SYNTAX_EXAMPLES: dict[str, list[str]] = {
    "`=` assigns; use `==` to compare": [
        "step { if x = y { } }", "constraint a = b", "step { y = a = b }",
    ],
    "expected an expression": [
        "step { y = }", "step { y = a and }", "step { if { } }", "constraint", "step { y = (", "step { y = a ? }",
    ],
    "a statement is `name = expr`, `let name = expr` or `if cond { ... }`": [
        "step { 3 }", "step { not y }", "step { (y) = x }", "step { y }", "step { let }",
    ],
    "missing `}` to close the block": ["step { y = x", "step { if x { y = x }", "model { cell(outputs=1)"],
    "expected a declaration (task, input, output, state, enum, constraint, step, model or train)": [
        "x = 1", "inputs x", "3", "}", "{",
    ],
    "a state needs a type and an initial value, as in `state n: 0..7 = 0`, `state b: bool = false` or "
    "`state m: {idle, busy} = idle`": [
        "state s", "state s: bool", "state s: 0..3", "state s = 1", "state s: 0 = 0", "state s: Mode",
        "state s: {a, b}",
    ],
    "an enum is `enum Name { member, member, ... }`, members separated by commas": [
        "enum", "enum E", "enum E {", "enum E { }", "enum E { a b }", "enum { a }", "state s: { } = a",
        "state s: {a b} = a",
    ],
    "a `match` lists arms `member => value` separated by commas, optionally ending with `else => value`": [
        "step { y = match x { } }", "step { y = match x { a } }", "step { y = match x { a: b } }",
        "step { y = match x { a => b c => d } }", "step { y = match x { a => } }", "step { y = match x }",
    ],
    "a setting is `name = value`, `name(args)` or `at STEP: lr *= FACTOR`": [
        "model { 3 }", "train { lr }", "train { at 5 lr *= 2 }", "train { lr = }",
    ],
}


def _explain(err: UnexpectedToken) -> str | None:
    """The label of ``_SYNTAX_EXAMPLES`` whose snippet fails in the same parser state as ``err``.

    The same idea as Lark's ``match_examples``, which we cannot call: in lark 1.3.1 its debug
    logging raises TypeError (``%d`` applied to a ParserState) whenever two snippets share a state
    but not the accepted tokens. Each snippet is also tried after a declaration, because the parser
    stack differs between an error in the first item of a file and one in a later item.
    """
    fallback = None
    for label, snippets in _SYNTAX_EXAMPLES.items():
        for snippet in snippets:
            for text in (snippet, "output y " + snippet):
                try:
                    _parser().parse(text)
                except UnexpectedToken as other:
                    if other.state != err.state or other.accepts != err.accepts:
                        continue
                    if other.token == err.token:
                        return label
                    fallback = fallback or label
                except LarkError:
                    continue
    return fallback


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of file"
    return f"`{token}`"


_PATTERN_NAMES = {"INT": "an integer", "DECIMAL": "a decimal number", "NAME": "a name"}


def _expected_names(expected: set[str]) -> str:
    parser = _parser()
    names = []
    for term in sorted(expected):
        if term == "$END":
            names.append("end of file")
            continue
        try:
            pattern = parser.get_terminal(term).pattern
        except KeyError:
            names.append(term)
            continue
        names.append(f"`{pattern.value}`" if pattern.type == "str" else _PATTERN_NAMES.get(term, term.lower()))
    return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")


def _syntax_error(err: UnexpectedInput, source: Source) -> SpecError:
    if isinstance(err, UnexpectedCharacters):
        char = source.text[err.pos_in_stream] if err.pos_in_stream < len(source.text) else "?"
        hint = "names are letters, digits and `_`; comments start with `#`"
        return source.error(f"unexpected character {char!r}", n.Pos(err.line, err.column), hint)
    if isinstance(err, UnexpectedToken):
        message = f"unexpected {_describe_token(err.token)}"
        label = _explain(err)
        if label:
            message += f": {label}"
        line, col = err.line, err.column
        if err.token.type == "$END":  # point just past the last character
            lines = source.text.splitlines() or [""]
            line, col = len(lines), len(lines[-1]) + 1
        hint = f"expected {_expected_names(err.accepts or err.expected)}"
        return source.error(message, n.Pos(max(line, 1), max(col, 1)), hint)
    return source.error(f"syntax error: {err}", None)


def parse_module(source: Source) -> n.Module:
    """Parse ``source`` into a syntax tree; :class:`SpecError` on any syntax error."""
    try:
        tree = _parser().parse(source.text)
    except UnexpectedInput as err:
        raise _syntax_error(err, source) from None
    _check_nesting(tree, source)
    return _ToNodes().transform(tree)


def _check_nesting(tree: Tree, source: Source) -> None:
    """Refuse a parse tree deeper than :data:`MAX_NESTING` before anything walks it recursively.

    Lark's LALR parser builds the tree without recursion, but the transformer, the checker and the
    evaluator all recurse once per level; measuring the depth here, iteratively, turns 3,000 nested
    ``?:`` into a located error instead of a RecursionError somewhere downstream.
    """
    stack: list[tuple[Tree | Token, int]] = [(tree, 1)]
    too_deep: list[tuple[int, int]] = []
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:  # remember where, but do not descend further
            meta = node if isinstance(node, Token) else node.meta
            too_deep.append((getattr(meta, "line", 0) or 0, getattr(meta, "column", 0) or 0))
            continue
        if isinstance(node, Tree):
            stack.extend((child, depth + 1) for child in node.children if child is not None)
    if too_deep:
        line, column = min(too_deep)
        raise source.error(f"the spec nests expressions or blocks more than {MAX_NESTING} levels deep",
                           n.Pos(line, column) if line else None,
                           "split deep expressions with `let` locals, or flatten nested `if` with `elif`")
