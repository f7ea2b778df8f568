"""The compiler layout is a contract: imports flow cli -> (train|passes|backends|importers) -> verify -> (spec, ir);
the report reads what the back ends write (cli -> report -> backends); a sweep runs the whole pipeline
(cli -> sweep -> train, passes, verify). Ray is imported only by ``sweep``, tinygrad only by ``train``.

Passes and back ends are peers that never import each other: the bool back end's analysis lives in
``verify`` (``verify/booleanize.py``), so both reach it from below.

Checked statically (every `import` in every module, including function-local ones) so a violation fails
here rather than as a slow start-up or a tinygrad dependency leaking into the middle end.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "bonsaic"

# package -> bonsaic packages it may import (itself and the shared leaf modules are always allowed)
ALLOWED: dict[str, set[str]] = {
    "ir": set(),
    "spec": {"ir"},
    "verify": {"ir", "spec"},
    "importers": {"ir", "spec", "verify"},
    "passes": {"ir", "spec", "verify"},
    "backends": {"ir", "spec", "verify"},
    "train": {"ir", "spec", "verify", "passes"},
    "report": {"ir", "spec", "verify", "backends"},
    "sweep": {"ir", "spec", "verify", "passes", "train"},
    "cli": {"ir", "spec", "verify", "importers", "passes", "backends", "train", "report", "sweep"},
}
LEAVES = {"diagnostics", "fsutil", "memory"}
THIRD_PARTY_ONLY_IN = {"tinygrad": {"train"}, "ray": {"sweep"}}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def _modules() -> list[tuple[str, Path]]:
    return [(p.relative_to(PKG).parts[0], p) for p in sorted(PKG.rglob("*.py")) if len(p.relative_to(PKG).parts) > 1]


@pytest.mark.parametrize(("package", "path"), _modules(), ids=lambda v: str(v))
def test_imports_follow_the_layering(package: str, path: Path) -> None:
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] in THIRD_PARTY_ONLY_IN:
            assert package in THIRD_PARTY_ONLY_IN[parts[0]], f"{path} imports {name}"
        if parts[0] != "bonsaic" or len(parts) < 2:
            continue
        target = parts[1]
        if target == package or target in LEAVES or target == "__init__":
            continue
        assert target in ALLOWED[package], f"{path.relative_to(PKG.parent)} imports {name}: {package} may not import {target}"


def test_middle_end_never_imports_tinygrad_at_runtime() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bonsaic.ir, bonsaic.spec, bonsaic.verify, bonsaic.passes, bonsaic.backends; "
        "print('tinygrad' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
