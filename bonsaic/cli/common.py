"""Helpers shared by the CLI commands: error reporting and output writing.

Commands import heavy modules (tinygrad, pyopencl) inside their function bodies so that
``bonsaic --help`` stays instant.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, TypeVar

import typer

from bonsaic.diagnostics import BonsaicError

F = TypeVar("F", bound=Callable[..., Any])

Force = Annotated[bool, typer.Option("--force", help="Replace an existing output file even if bonsaic did not "
                                     "write it or it is one of this command's inputs.")]


def report(err: BonsaicError) -> None:
    """Print a user-input error the compiler way on stderr."""
    print(err.render(), file=sys.stderr)


def user_errors(fn: F) -> F:
    """Decorator: turn :class:`BonsaicError` into a clean message and exit code 2 (no traceback).

    File-system failures (an unwritable output path, a directory given as a file) are the user's to fix
    too, so they get the same treatment: the path and the system's reason, exit code 2. Ctrl-C ends
    any command with one line and exit code 130 (the shell's for SIGINT), not a traceback; outputs
    are written atomically, so nothing half-written is left behind.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import numpy as np

        try:
            # an overflow in a simulation is detected and reported as a non-finite value (a failed
            # check), so numpy's own RuntimeWarning lines would only be noise on the user's terminal
            with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
                return fn(*args, **kwargs)
        except BonsaicError as err:
            report(err)
            raise typer.Exit(code=err.exit_code) from None
        except KeyboardInterrupt:
            print("interrupted", file=sys.stderr)
            raise typer.Exit(code=130) from None
        except BrokenPipeError:
            # the reader went away (`bonsaic verify ... | head`): not an error, and not a file problem.
            # Point stdout at /dev/null so the interpreter's final flush does not raise again.
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):  # no real file behind stdout (tests)
                pass
            raise typer.Exit(code=141) from None
        except MemoryError:
            print("error: out of memory (a setting asked for more than this machine has)", file=sys.stderr)
            print("hint: lower the sizes given on the command line or in the spec (count, length, batch, "
                  "restarts, sequences)", file=sys.stderr)
            raise typer.Exit(code=2) from None
        except OSError as err:
            where = f"{err.filename}: " if err.filename else ""
            print(f"{where}error: {err.strerror or err}", file=sys.stderr)
            hint = getattr(err, "hint", None) or "check that the path exists and that you may read or write it"
            print(f"hint: {hint}", file=sys.stderr)
            raise typer.Exit(code=2) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(enabled: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(description, done, total)`` callback drawing a rich bar on stderr, or a no-op."""
    if not enabled:
        yield lambda description, done, total: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, int] = {}

        def update(description: str, done: int, total: int) -> None:
            if description not in tasks:
                tasks[description] = bar.add_task(description, total=total)
            bar.update(tasks[description], completed=done, total=total)

        yield update
