"""Small specs for the trainer's tests: a duck-typed stand-in with just the attributes it reads."""

from __future__ import annotations

from types import SimpleNamespace

from bonsaic.ir.activations import Activation

ACT = Activation.interpolated_ameo(0.5, 0.1)


def fake_spec(cells: tuple[tuple[int, int], ...], n_inputs: int, n_outputs: int,
              act: Activation = ACT, binary_states: bool = False) -> SimpleNamespace:
    """A spec-shaped object with ``cells`` as (outputs, states) pairs; only for shape-level tests."""
    return SimpleNamespace(
        name="fake", filename="fake.bns", source="task fake\n",
        inputs=[SimpleNamespace(name=f"x{i}", p_true=0.5) for i in range(n_inputs)],
        outputs=[f"y{k}" for k in range(n_outputs)],
        model=SimpleNamespace(
            cells=[SimpleNamespace(outputs=o, states=s, activation=act, initializer="glorot_uniform")
                   for o, s in cells],
            dense_activation=act,
            binary_states=binary_states,
        ),
    )
