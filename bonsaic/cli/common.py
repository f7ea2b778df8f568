"""Helpers shared by the CLI commands: error reporting and output writing.

Commands import heavy modules (tinygrad, pyopencl) inside their function bodies so that
``bonsaic --help`` stays instant.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer

from bonsaic.diagnostics import BonsaicError

F = TypeVar("F", bound=Callable[..., Any])


def report(err: BonsaicError) -> None:
    """Print a user-input error the compiler way on stderr."""
    print(err.render(), file=sys.stderr)


def user_errors(fn: F) -> F:
    """Decorator: turn :class:`BonsaicError` into a clean message and exit code 2 (no traceback)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except BonsaicError as err:
            report(err)
            raise typer.Exit(code=err.exit_code) from None

    return wrapper  # type: ignore[return-value]
