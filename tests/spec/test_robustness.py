"""Hypothesis: random text and random mutations of valid specs fail only with ``SpecError``.

Whatever a mutation produces, the whole pipeline (parse, check, explore, generate) either works
or reports a located user error; any other exception is a crash users would see as a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bonsaic.spec import Program, SpecError, datagen, parse_spec

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.bns"))
SOURCES = [p.read_text() for p in EXAMPLES]
TOKENS = ["{", "}", "(", ")", "=", "==", "?", ":", "..", "%", "-", "+", "not", "and", "xor", "if", "else",
          "elif", "let", "true", "false", "0", "7", "-3", "99999999999", "x", "y", "depth", "state",
          "input", "output", "constraint", "step", "model", "train", "at", "*=", ",", "\n", "#", "\x00", "é"]


def _run_everything(text: str) -> None:
    try:
        spec = parse_spec(text, "fuzz.bns")
        program = Program(spec)
        program.reachable_states(limit=300)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(datagen, "TABLE_STATES", 300)
            inputs, targets = program.generate(4, 6, seed=0)
        assert inputs.shape == (4, 6, len(spec.inputs)) and targets.shape == (4, 6, len(spec.outputs))
    except SpecError as err:
        rendered = err.render()
        assert rendered.startswith("fuzz.bns") and ": error: " in rendered


@st.composite
def mutated_spec(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "replace"]))
        span = draw(st.integers(1, 12))
        token = draw(st.sampled_from(TOKENS) | st.text(max_size=3))
        if kind == "delete":
            text = text[:at] + text[at + span:]
        elif kind == "insert":
            text = text[:at] + " " + token + " " + text[at:]
        else:
            text = text[:at] + token + text[at + span:]
    return text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_spec())
def test_mutated_examples_fail_only_with_spec_errors(text: str) -> None:
    _run_everything(text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200) | st.lists(st.sampled_from(TOKENS), max_size=40).map(" ".join))
def test_random_text_fails_only_with_spec_errors(text: str) -> None:
    _run_everything(text)


def test_deep_nesting_is_a_spec_error_not_a_crash() -> None:
    deep = "output y\nstep { y = " + "not " * 5000 + "true }\n"
    with pytest.raises(SpecError, match="levels deep"):
        parse_spec(deep)
    fine = Program(parse_spec("output y\nstep { y = " + "not " * 101 + "true }\n"))
    assert fine.step((), ()) == ((), (False,))
