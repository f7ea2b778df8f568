"""One definition of "check a graph": `bonsaic verify`, `opt`'s check of its input and `train`'s
judging of a restart reach the same verdict on the same file (the issue that led here: the seed
post's gate switcher passed `verify` and was refused by `opt` with a 52-step counterexample)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.text import load_ir
from bonsaic.passes.base import PassContext
from bonsaic.passes.pipeline import optimize
from bonsaic.train.restarts import _quick_prune
from tests.verify.handmade import counting_delay1, delay1, delay2
from tests.verify.test_cli_verify import _model

CASES = {
    "proved": (delay2, "delay2"),
    "bounded": (lambda: counting_delay1(-1e9, 0.0), "delay1"),  # a counter that never repeats
    "failed by the battery": (lambda: counting_delay1(-3000.0, 6.0), "delay1"),  # wrong from step ~3000
    "failed by the exhaustive search": (lambda: delay1(init=1.0), "delay1"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_verify_opt_and_train_agree(tmp_path: Path, case: str) -> None:
    make, task = CASES[case]
    path = _model(tmp_path, make(), task)
    cli = CliRunner().invoke(app, ["verify", str(path)])
    graph = load_ir(path)
    opt = optimize(graph, [], PassContext())
    opt_mode = opt.stats[0].verify_mode if opt.failure is None else "failed"
    _edges, _failure, train_mode = _quick_prune(graph)
    cli_mode = "failed" if cli.exit_code == 1 else cli.output.split()[0].rstrip(",:")
    assert cli_mode == opt_mode == train_mode, (cli.output, opt_mode, train_mode)
    assert cli_mode == case.split()[0]
    if opt.failure is not None:
        cex = opt.failure.result.counterexample
        assert f"{len(cex)} steps" in cli.output  # the same counterexample
