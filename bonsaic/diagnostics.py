"""User-facing errors with a source location.

Every malformed input (spec, IR, JSON import) is reported the same way a compiler does:
``file:line:col: error: message``, then the offending source line with a caret under the column,
then an optional hint. The CLI catches :class:`BonsaicError`, prints :meth:`BonsaicError.render`
to stderr and exits with code 2, so users never see a Python traceback for bad input.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class SourceLocation:
    """A 1-based line/column position in a named file."""

    filename: str
    line: int = 0
    column: int = 0
    source_line: str | None = None


class BonsaicError(Exception):
    """An error in user input, rendered as ``file:line:col: error: ...`` (exit code 2)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        filename: str = "<input>",
        line: int = 0,
        column: int = 0,
        source_line: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.filename = filename
        self.line = line
        self.column = column
        self.source_line = source_line
        self.hint = hint

    @classmethod
    def at(cls, message: str, source: str, filename: str, line: int, column: int,
           hint: str | None = None) -> BonsaicError:
        """Build an error pointing into ``source`` (the whole text) at 1-based line/column."""
        lines = source.splitlines()
        src_line = lines[line - 1] if 0 < line <= len(lines) else None
        return cls(message, filename=filename, line=line, column=column, source_line=src_line, hint=hint)

    def render(self) -> str:
        """The compiler-style message: location, source line with a caret, hint."""
        loc = self.filename
        if self.line:
            loc += f":{self.line}:{max(self.column, 1)}"
        out = [f"{loc}: error: {self.message}"]
        if self.source_line is not None:
            shown, caret = _window(self.source_line.replace("\t", " "), max(self.column - 1, 0))
            out.append(f"    {shown}")
            out.append("    " + " " * caret + "^")
        if self.hint:
            out.append(f"hint: {self.hint}")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


SHOWN_WIDTH = 100  # most characters of a source line quoted under a message


def _window(line: str, at: int) -> tuple[str, int]:
    """``line`` cut to :data:`SHOWN_WIDTH` characters around column ``at`` (0-based), with ``...`` where
    it was cut, and the caret's column in what is shown: a 30,000-character line is not quoted whole."""
    if len(line) <= SHOWN_WIDTH:
        return line, at
    start = min(max(at - SHOWN_WIDTH // 2, 0), len(line) - SHOWN_WIDTH)
    head = "..." if start > 0 else ""
    tail = "..." if start + SHOWN_WIDTH < len(line) else ""
    return head + line[start:start + SHOWN_WIDTH] + tail, at - start + len(head)
