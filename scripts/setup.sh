#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine with Python 3.11 (run as root, or with sudo available):
#   * Debian packages, only when missing: clang (tinygrad's CPU backend), graphviz (the `dot` renderer),
#     PoCL (an OpenCL CPU device for the simulation kernels).
#   * a virtual environment in .venv with bonsaic installed editable, plus the test tools.
# Sourced or run by scripts/demo.sh and scripts/test.sh; safe to run again (it skips what is done).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
[ -e /etc/OpenCL/vendors/pocl.icd ] || need_apt+=(pocl-opencl-icd ocl-icd-libopencl1)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "[setup] creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi

# Reinstall only when the project metadata changed.
stamp=".venv/.bonsaic-installed"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "[setup] installing bonsaic and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[dev]"
  echo "$want" > "$stamp"
fi
