"""`bonsaic sweep` on Ray, end to end, on a shortened delay1 (a few seconds a trial once its training
step is cached; the first trial of the test session compiles it).

Covers: a local instance started and stopped by bonsaic (2 CPUs here), resuming a sweep, a worker
process killed mid-trial (retried, and the sweep completes), a trial that crashes twice (recorded as
failed), and `--address` to a `ray start --head` cluster on loopback started and stopped by the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bonsaic.cli.main import app
from bonsaic.ir.text import load_ir
from bonsaic.sweep.runner import package_root
from bonsaic.verify import verify
from tests import DELAY1_FIXTURE

pytest.importorskip("ray")

QUICK = ["--set", "steps=100", "--set", "batch=16", "--set", "length=4", "--set", "restarts=1"]


def _sweep(out: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["sweep", str(DELAY1_FIXTURE), "-o", str(out), "--quiet",
                                      "--cpus-per-trial", "1", *QUICK, *args])
    return result.exit_code, result.output


def _records(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "trials.jsonl").read_text().splitlines()[1:]]


def test_sweep_end_to_end_then_resume(tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    code, text = _sweep(out, "--set", "seed=2,3", "--trials", "1")
    assert code == 0, text
    assert "on a local Ray instance" in text and len(_records(out)) == 1
    code, text = _sweep(out, "--set", "seed=2,3")  # the same command with the whole grid: one more
    assert code == 0, text
    assert "2 trials, 1 already finished" in text
    records = _records(out)
    assert [r["settings"]["seed"] for r in records] == [2, 3]
    assert all(r["verdict"] == "proved" and r["ir"] and r["wall_s"] > 0 for r in records)
    graph = load_ir(out / "best.ir")
    assert verify(graph).mode == "proved"
    smallest = min(r["neurons"] + r["states"] for r in records)
    assert graph.stats()["neurons"] + graph.stats()["states"] == smallest
    assert "**(best)**" in (out / "summary.md").read_text()
    code, text = _sweep(out, "--set", "seed=2,3")  # nothing left to do: no Ray at all
    assert code == 0 and "2 already finished" in text and len(_records(out)) == 2
    code, text = _sweep(out, "--set", "seed=2", "-p", "freeze,dce")  # another opt pipeline: a new trial
    assert code == 0 and "1 trials, 0 already finished" in text, text
    record = _records(out)[-1]
    assert record["pipeline"] == "freeze,dce" and record["settings"]["seed"] == 2
    assert "pipeline=freeze,dce" in (out / "summary.md").read_text()


def test_a_killed_worker_is_retried_and_a_crashing_trial_fails(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "killed"
    monkeypatch.setenv("BONSAIC_SWEEP_FAULT", f"kill-once:{marker}")
    code, text = _sweep(tmp_path / "kill", "--set", "seed=2")
    assert code == 0, text
    assert marker.exists()  # the first try's worker was SIGKILLed ...
    (record,) = _records(tmp_path / "kill")
    assert record["verdict"] == "proved"  # ... and the retry finished the trial
    monkeypatch.setenv("BONSAIC_SWEEP_FAULT", "raise")
    code, text = _sweep(tmp_path / "raise", "--set", "seed=2")
    assert code == 1, text
    (record,) = _records(tmp_path / "raise")
    assert record["verdict"] == "failed" and "crashed on both tries" in record["error"]
    assert "fault injected" in record["error"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_under(path: str) -> list[int]:
    """Processes whose command line names ``path`` (this test's Ray session directory)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and path.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.fixture
def ray_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A one-node Ray cluster on 127.0.0.1 (2 CPUs), with token authentication as `ray start` sets it up."""
    monkeypatch.setenv("RAY_AUTH_MODE", "token")
    temp = tempfile.mkdtemp(prefix="bray")  # short: Ray's socket paths live under it
    port = _free_port()
    log = tmp_path / "ray-start.log"
    env = {**os.environ, "PYTHONPATH": str(package_root())}
    ray = Path(sys.executable).with_name("ray")
    with log.open("w") as sink:
        head = subprocess.Popen([str(ray), "start", "--head", "--node-ip-address=127.0.0.1", f"--port={port}",
                                 "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp}", "--block"],
                                stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while "Ray runtime started" not in log.read_text():
            assert head.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(head.pid, signal.SIGTERM)
        try:
            head.wait(timeout=1)  # a graceful stop drains for up to 30 s: not worth waiting for here
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        for pid in _processes_under(temp):  # anything of this cluster that left the process group
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(temp, ignore_errors=True)


def test_address_runs_on_an_existing_cluster(tmp_path: Path, ray_head: str) -> None:
    code, text = _sweep(tmp_path / "cluster", "--set", "seed=2,3", "--address", ray_head)
    assert code == 0, text
    assert f"Ray cluster at {ray_head} (2 CPUs, 1 nodes)" in text
    assert [r["verdict"] for r in _records(tmp_path / "cluster")] == ["proved", "proved"]


def test_ctrl_c_stops_cleanly_keeps_what_finished_and_the_same_command_resumes(tmp_path: Path) -> None:
    """SIGINT (what Ctrl-C sends) after the first result: exit 130, the finished trial kept, and
    the same command then runs only what is left."""
    out = tmp_path / "sweep"
    args = [sys.executable, "-m", "bonsaic.cli.main", "sweep", str(DELAY1_FIXTURE), "-o", str(out),
            "--quiet", "--cpus-per-trial", "1", "--workers", "1", *QUICK, "--set", "seed=5,6,7"]
    env = {**os.environ, "PYTHONPATH": str(package_root())}
    sweep = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        deadline = time.monotonic() + 300
        while not (out / "trials.jsonl").exists() or len(_records(out)) < 1:
            assert sweep.poll() is None and time.monotonic() < deadline, sweep.stdout.read() if sweep.stdout else ""
            time.sleep(0.2)
        sweep.send_signal(signal.SIGINT)
        text, _ = sweep.communicate(timeout=120)
    finally:
        if sweep.poll() is None:
            sweep.kill()
    assert sweep.returncode == 130, text
    assert "interrupted:" in text and "run the same command to go on" in text
    kept = _records(out)
    assert 1 <= len(kept) < 3 and all(r["verdict"] == "proved" for r in kept)
    code, text = _sweep(out, "--set", "seed=5,6,7")
    assert code == 0 and f"3 trials, {len(kept)} already finished" in text, text
    assert len(_records(out)) == 3
