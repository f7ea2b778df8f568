"""The one Ameo table: every rendering of it computes the same values."""

from __future__ import annotations

import numpy as np
import pytest

from bonsaic.ir import ameo
from bonsaic.ir.activations import Activation

GRID = np.concatenate([np.linspace(-7.0, 7.0, 14_001), [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 2.9999999999]])


@pytest.mark.parametrize("piece", ameo.TABLE, ids=lambda p: p.name)
def test_the_scalar_python_rendering_matches_numpy_bit_for_bit(piece: ameo.Piecewise) -> None:
    namespace: dict = {}
    exec(ameo.python_source(piece), namespace)  # noqa: S102 - the table's own rendering
    scalar = namespace[f"_{piece.name}"]
    for leak in (0.0, 0.1, 0.37):
        vector = ameo.evaluate(piece, GRID, leak, np.where)
        assert [scalar(float(x), leak) for x in GRID] == np.broadcast_to(vector, GRID.shape).tolist()


def test_the_opencl_rendering_holds_every_expression_with_real_casts() -> None:
    source = ameo.opencl_helpers()
    for piece in ameo.TABLE:
        assert f"real {piece.name}(real x, real leak) {{" in source
    assert "(real)8.0 * (p * p * p * p)" in source and "||" in source and "x <= -(real)3.0" in source


def test_the_activations_are_built_from_the_table() -> None:
    """Changing a coefficient in the table changes the numpy reference (no private copy left)."""
    hard = Activation.ameo()
    before = hard(np.array([5.0]))
    original = ameo._COMPILED["hard"]
    try:
        ameo._COMPILED["hard"] = ameo._compile(ameo.Piecewise("hard", "", (), ameo.HARD.pieces, "2.0"))
        assert hard(np.array([5.0]))[0] == 2.0 != before[0]
    finally:
        ameo._COMPILED["hard"] = original
