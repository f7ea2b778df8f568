"""Turn graph node names (``c0.s0``, ``dense.0``, spec names) into distinct Python identifiers.

The emitted programs keep one variable per node, named after the node so a reader can match each
line with the graph (``c0.r1`` becomes ``c0_r1``). Names that are keywords, clash with the
program's own helpers or collide after sanitising get a suffix.
"""

from __future__ import annotations

import keyword
import re

# Names every emitted program defines itself or relies on (module globals and step() locals).
PROGRAM_NAMES = frozenset({
    "json", "sys", "step", "step_values", "run", "main", "state", "inputs", "value",
    "INITIAL_STATE", "INPUTS", "OUTPUTS", "STATES", "math", "_hard", "_soft",
    "True", "False", "None", "float", "int", "print", "list", "tuple", "range", "len",
})


class Namer:
    """Assign each distinct graph name one stable, unique Python identifier."""

    def __init__(self, reserved: frozenset[str] | set[str] = PROGRAM_NAMES) -> None:
        self._taken: set[str] = set(reserved)
        self._names: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name not in self._names:
            self._names[name] = self.fresh(name)
        return self._names[name]

    def fresh(self, name: str) -> str:
        """A new identifier close to ``name`` that is not remembered for a graph name.

        For things outside the node namespace (activation functions, tables) that must still not
        clash with node variables.
        """
        base = re.sub(r"\W", "_", name, flags=re.ASCII) or "_"
        if base[0].isdigit():
            base = "n" + base
        if keyword.iskeyword(base) or keyword.issoftkeyword(base):
            base += "_"
        candidate, k = base, 2
        while candidate in self._taken:
            candidate, k = f"{base}_{k}", k + 1
        self._taken.add(candidate)
        return candidate
