"""Static checks beyond the CLI error classes: declarations, scoping and literal problems."""

from __future__ import annotations

import pytest

from bonsaic.spec import SpecError, parse_spec

HEAD = "input x\noutput y\n"


@pytest.mark.parametrize(("text", "line", "col", "message"), [
    (HEAD + "state n: 0..3 = 4\nstep { y = x }\n", 3, 17, "initial value 4 of `n` is outside its range 0..3"),
    (HEAD + "state n: 3..0 = 0\nstep { y = x }\n", 3, 7, "the range 3..0 of `n` is empty"),
    (HEAD + "state b: bool = 1\nstep { y = x }\n", 3, 17, "`b` is a bool but its initial value is an int"),
    (HEAD + "state n: 0..3 = x\nstep { y = x }\n", 3, 17, "the initial value of `n` must be a literal"),
    (HEAD + "step { y = x }\nstep { y = x }\n", 4, 1, "only one step block is allowed"),
    (HEAD, 1, 1, "the spec has no `step { ... }` block"),
    ("input x\nstep { }\n", 1, 1, "the spec declares no output"),
    (HEAD + "constraint y\nstep { y = x }\n", 3, 12, "unknown name `y`"),
    (HEAD + "step {\n let v = x\n let v = true\n y = v\n}\n", 5, 2, "`v` is already declared at line 4"),
    (HEAD + "step {\n if x { let v = 1 }\n y = v == 1\n}\n", 5, 6, "unknown name `v`"),
    (HEAD + "step {\n w = x\n y = x\n}\n", 4, 2, "declare a local with `let w = ...`"),
    ("input x(p = 1.5)\noutput y\nstep { y = x }\n", 1, 7, "probability 1.5 of `x` is not in 0..1"),
    ("input x(q = 0.5)\noutput y\nstep { y = x }\n", 1, 7, "unknown input option `q`"),
    (HEAD + "step { y = 3 % 0 == 1 }\n", 3, 16, "modulo by zero"),
    (HEAD + "step { y = 4294967296 == 1 }\n", 3, 12, "integer literal 4294967296 is too large"),
    (HEAD + "step { y = x ? 1 : true }\n", 3, 20, "the `:` branch (like the `?` branch) needs an int"),
    (HEAD + "step { y = x == 1 }\n", 3, 17, "`==` (like its left operand) needs a bool"),
    (HEAD + "constraint x\nconstraint x\nstep { y = x }\n", 4, 1, "only one constraint is allowed"),
])
def test_static_errors_are_located(text: str, line: int, col: int, message: str) -> None:
    with pytest.raises(SpecError) as info:
        parse_spec(text, "t.bns")
    err = info.value
    assert (err.line, err.column) == (line, col), err.render()
    assert message in err.message or message in (err.hint or ""), err.render()
