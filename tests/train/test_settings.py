"""Which device the trainer picks."""

from __future__ import annotations

import pytest

from bonsaic.train.settings import default_device


def test_tinygrads_own_device_choice_is_not_taken_for_the_users(monkeypatch: pytest.MonkeyPatch) -> None:
    """Once tinygrad picks its default device it writes it to os.environ["DEV"] for child processes.
    That must not make later trainers in the process believe the user asked for it (it made every
    trainer after the first run on PoCL's slow OpenCL device)."""
    from tinygrad import Device
    from tinygrad.helpers import DEV

    if DEV.device:
        pytest.skip(f"DEV={DEV.device} was set by the user")
    try:
        Device["CPU"]
    except Exception:  # noqa: BLE001
        pytest.skip("tinygrad's CPU device is not usable here")
    _ = Device.DEFAULT  # tinygrad's own pick, written to the environment
    monkeypatch.setenv("DEV", "CL")  # what that write looks like with PoCL installed
    assert default_device() == "CPU"


def test_prune_rate_flag_overrides_the_rate_keeps_every_and_zero_turns_pruning_off() -> None:
    from bonsaic.cli.train import with_prune_rate
    from bonsaic.spec import parse_spec
    from bonsaic.spec.config import PruneConfig
    from bonsaic.train.settings import TrainSettings

    task = "input x\noutput y\nstep { y = x }\n"
    spec = parse_spec(task + "train { prune(every = 200, rate = 0.3) }\n")
    settings = TrainSettings.from_spec(spec, device="CPU")
    assert settings.prune == PruneConfig(every=200, rate=0.3)
    assert with_prune_rate(settings, 0.05).prune == PruneConfig(every=200, rate=0.05)
    assert with_prune_rate(settings, 0).prune is None
    plain = TrainSettings.from_spec(parse_spec(task), device="CPU")
    assert plain.prune is None and with_prune_rate(plain, 0.2).prune == PruneConfig(every=500, rate=0.2)
