"""Hypothesis-driven fuzzing of the three input formats through every command that reads them.

Each example is a random mutant of a bundled spec, IR fixture or rnn-viz fixture (``mutations.py``),
run through the commands of ``targets.py``: no traceback, no internal error, no hang, no changed
input, and a spec error seen by ``check`` is seen by every reader of a model embedding that spec. The
example counts keep the three tests near a minute in all; ``scripts/fuzz.py`` runs the same mutators
for longer, and docs/robustness.md has its latest table.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import mutations, targets


def _fuzz(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))


def _check(runs, text: str) -> None:  # noqa: ANN001
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = runs(text, Path(tmp), timeout=60.0)
    bad = [o.describe() for o in outcomes if not o.acceptable]
    assert not bad, "\n\n".join(bad)


@_fuzz(120)
@given(st.randoms(use_true_random=False))
def test_mutated_specs(rng: random.Random) -> None:
    _check(targets.spec_runs, mutations.spec_text(rng))


@_fuzz(80)
@given(st.randoms(use_true_random=False))
def test_mutated_ir_files(rng: random.Random) -> None:
    _check(targets.ir_runs, mutations.ir_text(rng))


@_fuzz(120)
@given(st.randoms(use_true_random=False))
def test_mutated_rnnviz_files(rng: random.Random) -> None:
    _check(targets.rnnviz_runs, mutations.rnnviz_text(rng))


def test_the_mutators_reach_past_the_parsers() -> None:
    """A fuzzer whose every mutant dies in the first syntax check tests only that check: some mutants
    of each kind must be accepted, so the deeper stages see them."""
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        accepted = {kind: sum(runs(mutate(rng), Path(tmp))[0].exit_code == 0 for _ in range(40))
                    for kind, mutate, runs in (("spec", mutations.spec_text, targets.spec_runs),
                                               ("ir", mutations.ir_text, targets.ir_runs),
                                               ("rnnviz", mutations.rnnviz_text, targets.rnnviz_runs))}
    assert all(count >= 2 for count in accepted.values()), accepted
