"""Every class of bad input from issue 23, as a regression test: the clean error (or verdict) it must
get, and the files it must leave alone (cases in ``corpus.py``)."""

from __future__ import annotations

import pytest

from tests.fuzz.corpus import CASES, run_case

SLOW = {"verify, spec with 4e18 states"}  # ~20 s: a spec that never repeats a state, verified in full


@pytest.mark.parametrize("name", [name for name in CASES if name not in SLOW])
def test_bad_input_gets_its_answer(name: str, tmp_path) -> None:  # noqa: ANN001
    (outcome,) = run_case(CASES[name], tmp_path)
    assert outcome.acceptable and outcome.exit_code == CASES[name].exit_code, outcome.describe()


@pytest.mark.parametrize("name", sorted(SLOW))
def test_a_spec_that_never_repeats_a_state_is_verified_in_bounded_time(name: str, tmp_path) -> None:  # noqa: ANN001
    (outcome,) = run_case(CASES[name], tmp_path)
    assert outcome.acceptable and "cut short" in outcome.stdout, outcome.describe()


def test_the_corpus_covers_every_class_the_issue_names() -> None:
    said = " ".join(CASES)
    for phrase in ("nested", "comments only", "NaN", "inf", "1e999", "float maximum", "JSON escape", "batch",
                   "length", "outputs per cell", "restarts", "state_noise", "endless", "states", "embedded",
                   "dead end", "range", "task.jsonl", "-o equal"):
        assert phrase in said, phrase
