"""Trained weights -> the graph IR, through the shared :func:`bonsaic.ir.lower.lower_network`.

The trainer stores each cell's two kernels side by side (``W = [W_out | W_rec]``, see
:mod:`bonsaic.train.model`); here they are split again into the ``CellWeights`` the IR layer
expects, the dense layer is transposed to its ``[out][in]`` convention, and the spec source is
embedded so ``bonsaic opt`` and ``bonsaic verify`` need no other file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bonsaic.ir.activations import Activation
from bonsaic.ir.graph import Graph
from bonsaic.ir.lower import CellWeights, DenseWeights, lower_network
from bonsaic.train.model import NetShape


def lower_restart(spec: Any, shape: NetShape, params: dict[str, np.ndarray], restart: int = 0,
                  spec_name: str | None = None) -> Graph:
    """The graph of restart ``restart`` of ``params`` (arrays shaped ``[K, ...]``)."""
    cells = []
    for i, cell in enumerate(shape.cells):
        w, b, s0 = (np.asarray(params[f"cell{i}.{n}"][restart], np.float64) for n in ("w", "b", "s0"))
        cells.append(CellWeights(
            output_kernel=w[:, : cell.outputs], output_bias=b[0, : cell.outputs],
            recurrent_kernel=w[:, cell.outputs:], recurrent_bias=b[0, cell.outputs:],
            initial_state=s0[0], output_activation=cell.activation,
            recurrent_activation=Activation.sign_ameo() if cell.binary_states else cell.activation,
        ))
    dense: list[DenseWeights] = []
    if shape.has_dense:
        dense.append(DenseWeights(weights=np.asarray(params["dense.w"][restart], np.float64).T,
                                  bias=np.asarray(params["dense.b"][restart, 0], np.float64),
                                  activation=shape.dense_activation))
    return lower_network(cells, dense, [d.name for d in spec.inputs], list(spec.outputs),
                         spec_source=spec.source, spec_name=spec_name or Path(spec.filename).name)
