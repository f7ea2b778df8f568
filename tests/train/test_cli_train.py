"""`bonsaic train` end to end on a shortened delay1: it writes IR that verifies, a checkpoint and a log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.text import load_ir
from bonsaic.verify import verify
from tests import DELAY1_FIXTURE

QUICK_TRAIN = "train {\n    batch = 32\n    length = 6\n    steps = 300\n    restarts = 2\n}\n"


def test_train_writes_verified_ir_checkpoint_and_log(tmp_path: Path) -> None:
    source = (DELAY1_FIXTURE).read_text()
    spec = tmp_path / "delay1.bns"
    spec.write_text(re.sub(r"train \{.*?\}\n", QUICK_TRAIN, source, flags=re.S))
    result = CliRunner().invoke(app, ["train", str(spec), "--quiet", "--seed", "1"])
    assert result.exit_code == 0, result.output
    graph = load_ir(tmp_path / "delay1.ir")
    assert graph.spec_source == spec.read_text()
    assert verify(graph).mode == "proved"
    assert "proved for all sequence lengths" in result.output  # train says what the user holds
    assert "proved" in result.output.split("verdict")[1].splitlines()[1]  # the kept restart's row
    assert (tmp_path / "delay1.safetensors").stat().st_size > 0
    records = [json.loads(line) for line in (tmp_path / "delay1.loss.jsonl").read_text().splitlines()]
    assert records[-1]["step"] == 300 and len(records[-1]["accuracy"]) == 2


def test_bad_spec_is_a_located_error(tmp_path: Path) -> None:
    spec = tmp_path / "broken.bns"
    spec.write_text("task broken\ninput x\noutput y\nstep {\n    y = z\n}\n")
    result = CliRunner().invoke(app, ["train", str(spec)])
    assert result.exit_code == 2
    assert "broken.bns:5:" in result.output


def test_resume_with_lr_replaces_the_checkpoints_rate(tmp_path: Path) -> None:
    from bonsaic.train.checkpoint import load_checkpoint

    source = (DELAY1_FIXTURE).read_text()
    spec = tmp_path / "delay1.bns"
    spec.write_text(re.sub(r"train \{.*?\}\n", QUICK_TRAIN, source, flags=re.S))
    first = CliRunner().invoke(app, ["train", str(spec), "--quiet", "--steps", "20", "--time-budget", "0"])
    assert first.exit_code in (0, 1), first.output
    arrays, _ = load_checkpoint(tmp_path / "delay1.safetensors")
    assert arrays["opt.lr"][0] != np.float32(0.0001)
    resumed = CliRunner().invoke(app, ["train", str(spec), "--quiet", "--steps", "30", "--lr", "0.0001",
                                       "--resume", str(tmp_path / "delay1.safetensors")])
    assert resumed.exit_code in (0, 1), resumed.output
    arrays, meta = load_checkpoint(tmp_path / "delay1.safetensors")
    assert meta["step"] == 30 and arrays["opt.lr"][0] == np.float32(0.0001)
    events = [json.loads(line) for line in (tmp_path / "delay1.loss.jsonl").read_text().splitlines()]
    assert any(e.get("event") == "lr set to 0.0001" and e["step"] == 20 for e in events)


def test_training_saves_a_checkpoint_every_n_steps(tmp_path: Path) -> None:
    """A killed run (no Ctrl-C handler runs) keeps the checkpoint of the last multiple of N."""
    from types import SimpleNamespace

    from bonsaic.train.session import checkpointing

    saved, shown = [], []
    trainer = SimpleNamespace(step=0, save=lambda path: saved.append((trainer.step, path)))
    on_step = checkpointing(lambda t, loss: shown.append(t.step), tmp_path / "run.safetensors", every=4)
    for _ in range(10):
        trainer.step += 1
        on_step(trainer, 0.5)
    assert shown == list(range(1, 11))
    assert saved == [(4, tmp_path / "run.safetensors"), (8, tmp_path / "run.safetensors")]


def test_a_configuration_that_proves_nothing_escalates(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    """20 steps of the spec's settings solve nothing; train goes on to the next configuration by itself
    (one stage here, another seed of the same shape, so the compiled step is reused and the test stays
    fast), which solves and proves delay1 (seeds are fixed: the same every run)."""
    from dataclasses import replace

    from bonsaic.train import escalation

    monkeypatch.setattr(escalation, "STAGES", (escalation.Stage(
        "another seed", lambda spec, settings: (spec, replace(settings, seed=settings.seed + 1))),))
    source = (DELAY1_FIXTURE).read_text()
    spec = tmp_path / "delay1.bns"
    spec.write_text(re.sub(r"train \{.*?\}\n", QUICK_TRAIN, source, flags=re.S))
    result = CliRunner().invoke(app, ["train", str(spec), "--quiet", "--steps", "20", "--time-budget", "100000"])
    assert result.exit_code == 0, result.output
    first, escalated = result.output.split("escalating (1/1): another seed")
    assert "proved" not in first.split("verdict")[1]  # the spec's settings gave nothing
    assert "of configuration 'another seed'" in escalated and "proved for all sequence lengths" in escalated
    assert verify(load_ir(tmp_path / "delay1.ir")).mode == "proved"
    assert (tmp_path / "delay1.1.safetensors").is_file()
    events = [json.loads(line).get("event", "") for line in (tmp_path / "delay1.loss.jsonl").read_text().splitlines()]
    assert "escalation 1: another seed" in events


def test_an_escalation_stage_stops_at_the_budgets_end(tmp_path: Path, capsys) -> None:  # noqa: ANN001
    """A stage given a deadline that has passed trains one step, is judged as it is, and says why
    it stopped; it is not an interrupt (which would end the escalation and exit 130)."""
    import time

    from bonsaic.spec import load_spec
    from bonsaic.train.session import train_once
    from bonsaic.train.settings import TrainSettings

    spec = load_spec(DELAY1_FIXTURE)
    settings = TrainSettings.from_spec(spec, steps=100_000, batch=32, length=6, restarts=2)
    outcome = train_once(spec, settings, tmp_path / "d.1.safetensors", tmp_path / "d.loss.jsonl", "a stage", 1,
                         True, None, None, deadline=time.monotonic())
    err = capsys.readouterr().err
    assert "stopped after step 1 (time budget)" in err, err
    assert not outcome.interrupted and (tmp_path / "d.1.safetensors").is_file()


def test_only_a_default_step_count_settles(tmp_path: Path) -> None:
    """A run ends once settled only when nobody chose its steps: not with --steps, not with `steps`
    in the spec, not when resuming (which continues for the steps it asks)."""
    from bonsaic.cli.train import settles
    from bonsaic.spec import load_spec

    examples = Path(__file__).resolve().parents[2] / "examples"
    sized, chosen = load_spec(examples / "delay2.bns"), load_spec(examples / "parens.bns")
    assert not sized.steps_given and chosen.steps_given
    assert settles(None, sized.steps_given, None)
    assert not settles(5000, sized.steps_given, None)
    assert not settles(None, chosen.steps_given, None)
    assert not settles(None, sized.steps_given, tmp_path / "delay2.safetensors")
