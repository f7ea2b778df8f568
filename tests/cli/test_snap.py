"""`bonsaic snap`: writes a proved rounding or exits 1, and never a file in the second case."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.text import load_ir, save_ir
from bonsaic.passes.params import parameters
from bonsaic.verify import verify
from tests.passes.test_snap import parens_counter


def test_snap_writes_the_exact_counter_for_a_drifting_one(tmp_path: Path) -> None:
    save_ir(parens_counter({"r": 3e-4, "o6": -4e-3}), tmp_path / "drift.ir")
    result = CliRunner().invoke(app, ["snap", str(tmp_path / "drift.ir"), "-o", str(tmp_path / "exact.ir")])
    assert result.exit_code == 0, result.output
    assert "snapped to multiples of 1/4, proved" in result.output
    exact = load_ir(tmp_path / "exact.ir")
    assert parameters(exact) == parameters(parens_counter())
    assert verify(exact).mode == "proved"


def test_snap_exits_1_and_writes_nothing_when_no_grid_proves_the_model(tmp_path: Path) -> None:
    wrong = parens_counter()
    wrong.neurons[-1].inputs = [(src, -w) for src, w in wrong.neurons[-1].inputs]
    save_ir(wrong, tmp_path / "wrong.ir")
    result = CliRunner().invoke(app, ["snap", str(tmp_path / "wrong.ir"), "-o", str(tmp_path / "out.ir")])
    assert result.exit_code == 1
    assert "no grid from 1 to 1/1024, with or without the state neurons' leak" in result.output
    assert not (tmp_path / "out.ir").exists()
