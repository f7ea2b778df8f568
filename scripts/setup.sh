#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine with Python 3.11 (run as root, or with sudo available):
#   * Debian packages, only when missing: clang (tinygrad's CPU backend), graphviz (the `dot` renderer),
#     PoCL (an OpenCL CPU device for the simulation kernels), Chromium (the report's browser tests and
#     screenshots, driven by Playwright).
#   * a virtual environment in .venv with bonsaic installed editable, plus the test tools.
# Sourced or run by scripts/demo.sh and scripts/test.sh; safe to run again (it skips what is done).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

need_apt=()
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v dot >/dev/null 2>&1 || need_apt+=(graphviz)
[ -e /etc/OpenCL/vendors/pocl.icd ] || need_apt+=(pocl-opencl-icd ocl-icd-libopencl1)
want_browser=0
command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || want_browser=1
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if [ ${#need_apt[@]} -gt 0 ] || [ "$want_browser" -eq 1 ]; then
  $SUDO apt-get update -qq
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "[setup] installing Debian packages: ${need_apt[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# the browser is for the report's tests and screenshots only: where it cannot be had, say so and go on
# (those tests then skip, naming the reason)
if [ "$want_browser" -eq 1 ]; then
  echo "[setup] installing Debian packages: chromium"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null \
    || echo "[setup] warning: Chromium could not be installed; the report's browser tests will be skipped"
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
