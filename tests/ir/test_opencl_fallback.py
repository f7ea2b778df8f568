"""Without an OpenCL platform bonsaic warns and carries on with numpy (runs with or without OpenCL)."""

from __future__ import annotations

import warnings

import pyopencl
import pytest

from bonsaic.ir import opencl


def test_missing_platform_warns_and_returns_none(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_platform() -> list[object]:
        raise pyopencl.LogicError("clGetPlatformIDs failed: PLATFORM_NOT_FOUND_KHR")

    monkeypatch.setattr(pyopencl, "get_platforms", no_platform)
    with pytest.warns(RuntimeWarning, match="OpenCL unavailable.*numpy"):
        assert opencl._detect() is None


def test_platform_without_devices_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    class EmptyPlatform:
        def get_devices(self) -> list[object]:
            return []

    monkeypatch.setattr(pyopencl, "get_platforms", lambda: [EmptyPlatform()])
    with pytest.warns(RuntimeWarning, match="no OpenCL device"):
        assert opencl._detect() is None


def test_detection_happens_once() -> None:
    """Repeated questions reuse the first answer, so at most one warning is ever printed."""
    opencl.opencl_available()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opencl.opencl_available()
        opencl.opencl_precision()
