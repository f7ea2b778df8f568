"""Memory checks before large allocations: a clear error naming the setting, not numpy's MemoryError.

Every command that sizes an array from a user's number (``sample --count``, ``verify --long-length``,
a spec's ``batch``) estimates the bytes first and calls :func:`require`; the CLI also turns any
MemoryError that slips past an estimate into a clean message (``bonsaic.cli.common.user_errors``).
"""

from __future__ import annotations

import os

from bonsaic.diagnostics import BonsaicError

USABLE = 0.8  # share of the available memory one command may plan to use


def available() -> int | None:
    """Bytes the system can give this process now (``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def gib(n: float) -> str:
    """``12.3 GiB``."""
    return f"{n / 2**30:.1f} GiB"


def require(need: float, what: str, hint: str, filename: str = "bonsaic", have: int | None = None) -> None:
    """Raise a BonsaicError if ``need`` bytes (for ``what``) exceed the usable share of memory."""
    have = available() if have is None else have
    if have is not None and need > USABLE * have:
        raise BonsaicError(f"{what} needs about {gib(need)} of memory; {gib(have)} is available",
                           filename=filename, hint=hint)
