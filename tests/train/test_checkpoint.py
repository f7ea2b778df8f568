"""Checkpoints are standard safetensors files written by numpy (bonsaic.train.checkpoint)."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from bonsaic.train.checkpoint import load_checkpoint, safetensors_bytes, save_checkpoint

_arrays = st.dictionaries(
    st.text(alphabet="abcdefghij.0123456789_", min_size=1, max_size=12),
    hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
               elements=st.floats(-1e6, 1e6, width=32)),
    max_size=6)


@settings(max_examples=40, deadline=None)
@given(arrays=_arrays, note=st.text(max_size=20))
def test_round_trip_through_tinygrads_reader(tmp_path_factory, arrays: dict[str, np.ndarray], note: str) -> None:
    path = tmp_path_factory.mktemp("ck") / "c.safetensors"
    save_checkpoint(path, arrays, {"step": 7, "note": note})
    loaded, meta = load_checkpoint(path)
    assert meta == {"step": 7, "note": note}
    assert loaded.keys() == arrays.keys()
    for name, value in arrays.items():
        assert loaded[name].shape == value.shape and loaded[name].dtype == np.float32
        assert np.array_equal(loaded[name], value)


def test_the_layout_is_the_safetensors_format() -> None:
    """An 8-byte little-endian header length, a JSON header padded to 8 bytes, then the data at
    the header's offsets."""
    data = safetensors_bytes({"w": np.arange(6, dtype=np.float32).reshape(2, 3), "s": np.float32(2.5)},
                             {"bonsaic": "{}"})
    (length,) = struct.unpack("<Q", data[:8])
    assert length % 8 == 0
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    assert header["__metadata__"] == {"bonsaic": "{}"}
    assert header["w"] == {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
    assert header["s"] == {"dtype": "F32", "shape": [], "data_offsets": [24, 28]}
    assert np.array_equal(np.frombuffer(body[0:24], "<f4"), np.arange(6))
    assert np.frombuffer(body[24:28], "<f4")[0] == 2.5 and len(body) == 28


def test_a_failed_write_leaves_the_old_checkpoint(tmp_path: Path) -> None:
    path = tmp_path / "c.safetensors"
    save_checkpoint(path, {"a": np.ones(2, np.float32)}, {"step": 1})
    before = path.read_bytes()
    try:
        save_checkpoint(path, {"a": np.ones(2, np.float32)}, {"step": object()})  # not JSON: fails
    except TypeError:
        pass
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["c.safetensors"]  # no temporary file left
