"""Training checkpoints: safetensors files written with tinygrad's ``nn.state``, atomically.

A checkpoint is a flat ``name -> float32 array`` dict (parameters, Adam moments, learning rate,
the best solved networks so far) plus a JSON metadata string (step, seed, the spec source, ...).
It is written to a temporary file in the target's directory and renamed over it, so an interrupted
write never leaves a half checkpoint behind.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from tinygrad import Tensor
from tinygrad.nn.state import safe_load, safe_load_metadata, safe_save

from bonsaic.diagnostics import BonsaicError

METADATA_KEY = "bonsaic"


class CheckpointError(BonsaicError):
    """A checkpoint that cannot be read or does not fit the run."""


def save_checkpoint(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` and ``meta`` to ``path`` atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        tensors = {name: Tensor(np.ascontiguousarray(value, dtype=np.float32), device="CPU")
                   for name, value in arrays.items()}
        safe_save(tensors, tmp, metadata={METADATA_KEY: json.dumps(meta)})
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load_checkpoint(path: str | os.PathLike[str]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Read a checkpoint written by :func:`save_checkpoint`."""
    if not Path(path).is_file():
        raise CheckpointError("checkpoint not found", filename=str(path))
    try:
        raw = Tensor(Path(path))
        _, _, header = safe_load_metadata(raw)
        meta = json.loads(header["__metadata__"][METADATA_KEY])
        arrays = {name: t.numpy().copy() for name, t in safe_load(raw).items()}
    except (KeyError, ValueError, json.JSONDecodeError) as err:
        raise CheckpointError(f"not a bonsaic checkpoint ({err})", filename=str(path)) from None
    return arrays, meta
