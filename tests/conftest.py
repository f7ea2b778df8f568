"""Session set-up shared by every test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest

import bonsaic.train  # noqa: F401 - before any test module imports tinygrad: HCQ2 as in the product

_USER_DEV: str | None = None


def pytest_configure(config) -> None:  # noqa: ANN001 - pytest's hook signature
    """Captured training steps go to a cache of this session's own, never the user's ~/.cache, so
    a test run neither depends on nor changes what earlier runs left there."""
    global _USER_DEV
    _USER_DEV = os.environ.get("DEV")
    os.environ["BONSAIC_CACHE_DIR"] = tempfile.mkdtemp(prefix="bonsaic-test-cache-")


@pytest.fixture(autouse=True)
def _users_dev() -> Iterator[None]:
    """tinygrad writes the device it picks into ``os.environ["DEV"]`` for child processes; reset it
    so subprocesses started by a test see the user's choice, not what an earlier test made tinygrad pick."""
    if _USER_DEV is None:
        os.environ.pop("DEV", None)
    else:
        os.environ["DEV"] = _USER_DEV
    yield
