"""Run emitted programs the way a user would: as a script fed JSON lines, or imported."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import numpy as np

from bonsaic.spec import Program, parse_spec


def load(source: str, name: str = "emitted") -> types.ModuleType:
    """Import program text as a module (without running its ``__main__``)."""
    module = types.ModuleType(name)
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)  # our own generated program
    return module


def run_script(source: str, inputs: np.ndarray, tmp_path: Path) -> np.ndarray:
    """Run ``source`` as a script on sequences ``inputs`` [B,T,I]; its outputs as [B,T,O]."""
    script = tmp_path / "program.py"
    script.write_text(source)
    lines = "".join(json.dumps({"inputs": seq.astype(int).tolist(), "note": "ignored"}) + "\n"
                    for seq in inputs)
    done = subprocess.run([sys.executable, "-I", str(script)], input=lines, capture_output=True,
                          text=True, check=True, timeout=60)
    replies = [json.loads(line)["outputs"] for line in done.stdout.splitlines()]
    return np.array(replies, dtype=np.float64).reshape(len(inputs), inputs.shape[1], -1)


def spec_data(spec_source: str, batch: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Sequences and the spec's expected outputs, from its reference interpreter."""
    inputs, targets = Program(parse_spec(spec_source, filename="task.bns")).generate(batch, length, seed)
    return np.asarray(inputs), np.asarray(targets)
