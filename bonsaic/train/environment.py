"""Prepare the environment tinygrad reads when it is imported: shield it from the user's variables,
and turn on its one-command-buffer replay (``HCQ2``) unless the user decided otherwise.

tinygrad reads dozens of environment variables as numbers when it is imported (``DEBUG``, ``BEAM``,
``SPEC``, ``JIT``, ...). A user's own variable of the same name holding text -- the natural shell habit
``SPEC=tasks/parity.bns bonsaic train "$SPEC"`` -- made the import fail with ``invalid literal for
int()``, an internal error. Before the first import, :func:`shield` finds the names tinygrad reads as
numbers (by scanning its source: the set changes between tinygrad versions), removes any of them whose
value is not a number from this process's environment, and says so on stderr. Variables with numeric
values are left alone: ``DEBUG=2`` or ``BEAM=2`` still reach tinygrad as the user intended.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from pathlib import Path

_READS = re.compile(r"""(?:ContextVar|getenv)\(\s*["']([A-Za-z_][A-Za-z_0-9]*)["']\s*(?:,\s*([^)\n]*))?\)""")


def numeric_variables() -> set[str]:
    """The environment variables tinygrad's source reads with a numeric (or no, meaning 0) default."""
    spec = importlib.util.find_spec("tinygrad")
    if spec is None or not spec.submodule_search_locations:
        return set()
    names: set[str] = set()
    for root in spec.submodule_search_locations:
        for path in Path(root).rglob("*.py"):
            for match in _READS.finditer(path.read_text(encoding="utf-8", errors="ignore")):
                default = (match.group(2) or "").strip()
                if not default.startswith(("'", '"')):
                    names.add(match.group(1))
    return names


def _is_number(value: str) -> bool:
    try:
        float(value) if "." in value or "e" in value.lower() else int(value, 0)
    except ValueError:
        return False
    return True


def shield(environ: dict[str, str] | None = None) -> list[str]:
    """Remove from ``environ`` (default ``os.environ``) every variable tinygrad would read as a number
    whose value is not one; return the names removed (each reported on stderr)."""
    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    suspects = [name for name, value in environ.items() if name.isupper() and value and not _is_number(value)]
    if not suspects:
        return []
    removed = sorted(set(suspects) & numeric_variables())
    for name in removed:
        print(f"bonsaic: ignoring the environment variable {name}={environ[name]!r}: tinygrad reads {name} "
              "as a number when it starts (unset it, or use another name)", file=sys.stderr)
        del environ[name]
    return removed


HCQ2_DEVICES = ("", "CPU", "CL")  # DEV values under which HCQ2 was tested here (AMD's needs tinygrad's extra/)


def default_hcq2(environ: dict[str, str] | None = None) -> bool:
    """Set ``HCQ2=1`` in ``environ`` (default ``os.environ``) unless it is set already (``HCQ2=0``
    turns it off) or ``DEV`` names a device it was not tested on; True when set here.

    In this mode tinygrad replays a captured training step as one command buffer instead of one
    Python-dispatched call per kernel (86 for the one-cell net): 2-3x the steps per second on the
    small networks, with bit-identical losses and parameters (docs/performance.md). The step cache
    supports it (:mod:`bonsaic.train.jitcache`). tinygrad reads the switch once, at import.
    """
    environ = os.environ if environ is None else environ  # type: ignore[assignment]
    if "HCQ2" in environ or environ.get("DEV", "").split(":")[0].upper() not in HCQ2_DEVICES:
        return False
    environ["HCQ2"] = "1"
    return True
