"""Golden tests, FileCheck style: ``golden/NAME.ir`` starts with ``# RUN: PIPELINE`` and a comment saying
why the result is what it is; ``golden/NAME.expected`` is the IR the pipeline must print, checked by
hand when written. Each case runs with the real verifier against the spec embedded in the file.

To regenerate one after an intended change (then review the diff!)::

    bonsaic opt tests/passes/golden/NAME.ir -p PIPELINE -o tests/passes/golden/NAME.expected
"""

from pathlib import Path

import pytest

from bonsaic.ir.text import load_ir, print_ir
from bonsaic.passes.pipeline import optimize, parse_pipeline

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(GOLDEN.glob("*.ir"))


def _pipeline(case: Path) -> str:
    first = case.read_text().splitlines()[0]
    assert first.startswith("# RUN: "), f"{case.name} must start with '# RUN: PIPELINE'"
    return first.removeprefix("# RUN: ")


def test_every_pass_has_a_golden_case():
    from bonsaic.passes.registry import PASSES

    covered = {p.name for case in CASES for p in parse_pipeline(_pipeline(case))}
    assert set(PASSES) - {"booleanize"} <= covered


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.stem)
def test_golden(case: Path):
    result = optimize(load_ir(case), parse_pipeline(_pipeline(case)))
    assert result.failure is None and result.graph is not None
    assert print_ir(result.graph) == case.with_suffix(".expected").read_text()
