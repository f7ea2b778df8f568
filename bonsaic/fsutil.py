"""Small file-system helpers shared by every stage: outputs are written atomically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so a reader sees either the old file or the new one, never half.

    Writes a temporary file in the same directory, fsyncs it and renames it over the target. The file
    gets the permissions a plain ``open(path, "w")`` would give (0666 less the umask), not mkstemp's 0600.
    """
    target = Path(path)
    try:
        _write_then_rename(target, data)
    except OSError as err:  # name the file the user asked for, not our temporary one
        raise OSError(err.errno, err.strerror, str(target)) from None


def _write_then_rename(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _umask() -> int:
    """The process umask (reading it means setting it, so set it straight back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))
