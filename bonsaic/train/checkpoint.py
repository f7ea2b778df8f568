"""Training checkpoints: safetensors files written with tinygrad's ``nn.state``, atomically.

A checkpoint is a flat ``name -> float32 array`` dict (parameters, Adam moments, learning rate,
the best solved networks so far) plus a JSON metadata string (step, seed, the spec source, ...).
It is written to a temporary file in the target's directory and renamed over it, so an interrupted
write never leaves a half checkpoint behind.

The file is written here with numpy (:func:`safetensors_bytes`): the format is a length, a JSON
header and the raw little-endian arrays. tinygrad's ``safe_save`` took 1.12 s for a 31 KB checkpoint
of delay2's default run after 1100 steps (it builds and realizes a tinygrad graph per array), at one
checkpoint per 1000 steps of a run of about a minute; this writer takes 7 ms for the same file
(``benchmarks/bench_loop.py --checkpoint``). Reading stays with
tinygrad's ``safe_load``, which also shows the files are standard safetensors.
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from tinygrad import Tensor
from tinygrad.nn.state import safe_load, safe_load_metadata

from bonsaic.diagnostics import BonsaicError

METADATA_KEY = "bonsaic"


class CheckpointError(BonsaicError):
    """A checkpoint that cannot be read or does not fit the run."""


def safetensors_bytes(arrays: dict[str, np.ndarray], metadata: dict[str, str]) -> bytes:
    """``arrays`` as float32 safetensors: an 8-byte header length, the JSON header (padded with
    spaces to a multiple of 8 bytes), then each array's little-endian bytes in header order."""
    header: dict[str, Any] = {"__metadata__": metadata}
    chunks, offset = [], 0
    for name, value in arrays.items():
        data = np.ascontiguousarray(value, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(value)), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(chunks)


def save_checkpoint(path: str | os.PathLike[str], arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
    """Write ``arrays`` and ``meta`` to ``path`` atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(safetensors_bytes(arrays, {METADATA_KEY: json.dumps(meta)}))
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
