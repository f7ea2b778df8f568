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


MiB = 2**20
DEFAULT_MAX_INPUT_MB = 64
max_input_bytes = DEFAULT_MAX_INPUT_MB * MiB  # set once per command by `bonsaic --max-input-mb`


class InputTooLarge(OSError):
    """An input file beyond :data:`max_input_bytes` (an endless device, a wrong file, a runaway export).

    An OSError so that every command's file-error handling reports it: path, reason, exit code 2.
    """

    hint = "raise the limit with `bonsaic --max-input-mb N ...` if the file really is this big"

    def __init__(self, filename: str) -> None:
        super().__init__(27, f"the file is larger than the input size limit of {max_input_bytes / MiB:g} MiB",
                         filename)  # errno 27 = EFBIG, "file too large"


def read_input(path: str | os.PathLike[str]) -> bytes:
    """The bytes of the input file at ``path``, refusing to read past :data:`max_input_bytes`.

    Specs, models and rnn-viz files are kilobytes; reading ``/dev/zero`` or a multi-gigabyte file by
    mistake must end in a message, not in a MemoryError once the address space is gone. Reads one
    byte past the limit to tell "exactly at the limit" from "larger".
    """
    with open(path, "rb") as fh:
        data = fh.read(max_input_bytes + 1)
    if len(data) > max_input_bytes:
        raise InputTooLarge(str(path))
    return data
