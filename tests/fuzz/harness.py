"""Run one bonsaic command on one input the way a user would, and say how it ended.

Every run ends in exactly one :class:`Outcome` kind:

* ``ok`` -- exit 0 or 1 (1 is a verdict: a counterexample, nothing proved, nothing solved);
* ``clean`` -- exit 2 with a one-line ``error:`` message and no traceback (bad input, refused);
* ``crash`` -- anything else: an exception escaping the command, exit 70 ("internal error"), or
  a traceback printed;
* ``hang`` -- still running after the time limit (a SIGALRM interrupts it).

On top of the kind, :func:`run` checks that nothing was lost: every file that existed before the run
(the inputs, and any file placed where an output goes) has the same bytes afterwards unless the
command was allowed to replace it (``replaceable``). The runs are in-process (typer's CliRunner), so
hundreds of them fit in a test's budget.
"""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from typer.testing import CliRunner

from bonsaic.cli.main import app

KINDS = ("ok", "clean", "crash", "hang")
FAST_VERIFY = ["--budget", "300", "--max-depth", "50", "--battery-words", "1", "--battery-length", "300",
               "--battery-sequences", "8", "--random-sequences", "20", "--random-length", "30",
               "--long-sequences", "2", "--long-length", "300"]
"""verify settings small enough for hundreds of fuzz runs (the checks' kind, not their size, is fuzzed)."""


class _Hang(BaseException):
    """Raised by the alarm; a BaseException so that no ``except Exception`` in bonsaic swallows it."""


@dataclass
class Outcome:
    """How one run ended (see the module docstring)."""

    kind: str
    exit_code: int | None
    stderr: str
    argv: list[str]
    lost: list[str] = field(default_factory=list)
    stdout: str = ""  # files changed that the run had no right to change

    @property
    def acceptable(self) -> bool:
        return self.kind in ("ok", "clean") and not self.lost

    def describe(self) -> str:
        lost = f", changed {self.lost}" if self.lost else ""
        return f"{self.kind} (exit {self.exit_code}{lost}): bonsaic {' '.join(self.argv)}\n{self.stderr[-2000:]}"


def _digests(paths: Iterable[Path]) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.is_file()}


def run(argv: list[str], *, watch: Iterable[Path] = (), replaceable: Iterable[Path] = (),
        timeout: float = 60.0) -> Outcome:
    """Run ``bonsaic ARGV`` in this process; classify it; report which of ``watch`` changed although
    not in ``replaceable``."""
    before = _digests(watch)
    previous = signal.signal(signal.SIGALRM, _raise_hang)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        result = CliRunner().invoke(app, argv, catch_exceptions=True)
    except _Hang:
        return Outcome("hang", None, f"still running after {timeout} s", argv)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    stderr = result.stderr
    allowed = set(replaceable)
    lost = [str(p) for p, digest in before.items()
            if p not in allowed and (not p.is_file() or _digests([p]).get(p) != digest)]
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    if escaped or result.exit_code not in (0, 1, 2) or "Traceback" in stderr:
        detail = f"{type(result.exception).__name__}: {result.exception}" if escaped else ""
        return Outcome("crash", result.exit_code, f"{stderr}\n{detail}", argv, lost, result.stdout)
    if result.exit_code == 2 and "error" not in stderr.lower():
        return Outcome("crash", result.exit_code, f"exit 2 without an error message\n{stderr}", argv, lost,
                       result.stdout)
    return Outcome("ok" if result.exit_code in (0, 1) else "clean", result.exit_code, stderr, argv, lost,
                   result.stdout)


def _raise_hang(signum: int, frame: object) -> None:
    raise _Hang()
