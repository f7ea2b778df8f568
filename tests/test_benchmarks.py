"""The training benchmark times the model without training-only options (no compile here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from benchmarks import bench_train
from bonsaic.spec import load_spec


def test_benchmarked_settings_have_no_state_noise_and_no_pruning() -> None:
    """gate_switcher's spec trains with state noise and pruning; the benchmark's step must be the
    plain model step the torch reference also runs, fed one batch of inputs and targets."""
    spec = load_spec(bench_train.ROOT / "examples" / "gate_switcher.bns")
    assert spec.train.state_noise > 0 and spec.train.prune is not None
    settings = bench_train.bench_settings(spec, 8, 1)
    assert settings.state_noise == 0.0 and settings.schedule == () and settings.length == bench_train.LENGTH
    assert settings.prune is None
    trainer = bench_train._trainer("gate_switcher.bns", 8)
    try:
        assert len(trainer._batch(0)) == 2 and trainer.masks == {}
        assert not any(cell.binary_states for cell in trainer.shape.cells)  # the spec's binary states too
    finally:
        trainer.close()


def test_the_examples_stripped_of_their_settings_keep_their_task() -> None:
    """task_suite.py --examples deletes the model and train sections, nothing else."""
    from benchmarks.task_suite import SMALL_EXAMPLES, strip_settings
    from bonsaic.spec import parse_spec

    for name in SMALL_EXAMPLES:
        text = (bench_train.ROOT / "examples" / f"{name}.bns").read_text()
        original, stripped = parse_spec(text), parse_spec(strip_settings(text))
        assert not stripped.model_given and stripped.train == parse_spec("output y\nstep { y = true }\n").train
        assert (stripped.inputs, stripped.outputs, stripped.state_vars, stripped.step) == (
            original.inputs, original.outputs, original.state_vars, original.step)


def test_the_torch_baseline_trains_the_same_model_as_bonsaic() -> None:
    """The PyTorch baseline (benchmarks/torch_reference.py) must be the same model, loss,
    regularizer and Adam as bonsaic's step, or the comparison means nothing: one step from the same
    parameters on the same batch gives the same loss and parameters (float rounding apart)."""
    import numpy as np
    import pytest

    torch = pytest.importorskip("torch")
    from tinygrad import Tensor

    from benchmarks.torch_reference import TorchStep

    trainer = bench_train._trainer("delay1.bns", 8, restarts=2)
    try:
        before, (x, y) = trainer.params_numpy(), trainer._batch(0)
        device = trainer.settings.device
        mse, reg = trainer._jit_step(Tensor(x, device=device), Tensor(y, device=device))
        tiny_loss, after = float(mse.numpy().sum() + reg.numpy().sum()), trainer.params_numpy()
    finally:
        trainer.close()
    step = TorchStep(trainer.shape, before, trainer.settings.regularizer, trainer.settings.lr)
    assert abs(step(torch.tensor(x), torch.tensor(y)) - tiny_loss) < 1e-5
    for name, value in after.items():
        np.testing.assert_allclose(step.params[name].detach().numpy(), value, atol=1e-6)


def test_the_training_benchmark_measures_bonsaic_with_its_own_tinygrad_settings() -> None:
    # tinygrad reads HCQ2 when it is imported; a benchmark row that imported tinygrad before
    # bonsaic.train measured bonsaic without its default one-command-buffer replay
    probe = ("import os, sys; sys.path.insert(0, '.'); import benchmarks.bench_train; "
             "print('tinygrad' in sys.modules, os.environ.get('HCQ2'))")
    env = {k: v for k, v in os.environ.items() if k != "HCQ2"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.split() == ["False", "1"]


def test_the_network_probe_reports_every_measurement(capsys) -> None:  # noqa: ANN001 - pytest fixture
    import numpy as np

    from benchmarks import probe_network
    from bonsaic.verify.embedded import load_model

    graph = load_model(Path(__file__).parent / "verify" / "data" / "trained_d_latch.ir")
    rng = np.random.default_rng(0)
    probe_network.settling(graph, 0, rng, n=4, history=3, steps=20)
    probe_network.stretch(graph, rng, n=3, horizon=2)
    probe_network.saturation(graph, rng, n=4, steps=10)
    probe_network.snapping(graph)
    probe_network.snap_cost(graph)
    out = capsys.readouterr().out
    assert "exact repeat within 19 steps at the end" in out and "k =  2:" in out
    assert "of the state neurons' pre-activations lie beyond +-3" in out
    assert "grid 1/1024:" in out and "as trained:" in out and "with the grids only" in out


def test_the_loop_benchmarks_old_variants_patch_what_the_loop_uses() -> None:
    """bench_loop's "fresh input tensors" and "spinning wait" variants replace ``Trainer._feed`` and
    tinygrad's HCQ2 wait. Were either renamed, the variants would time today's loop under an old
    name; and its copy of tinygrad's wait must take what the method takes."""
    import inspect

    from tinygrad.runtime.support import hcq2

    from benchmarks import bench_loop
    from bonsaic.train import hostwait
    from bonsaic.train.loop import Trainer

    assert callable(Trainer._feed)
    assert hcq2.HCQ2Compiled._wait_signal is hostwait._polite_wait
    assert list(inspect.signature(bench_loop._tinygrad_wait).parameters) == \
        list(inspect.signature(hostwait._polite_wait).parameters)
