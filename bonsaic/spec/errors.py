"""``SpecError`` and the small helper that points errors into a spec's source text."""

from __future__ import annotations

from dataclasses import dataclass

from bonsaic.diagnostics import BonsaicError
from bonsaic.spec.nodes import Pos


class SpecError(BonsaicError):
    """Anything wrong with a ``.bns`` file: syntax, names, types, paths, ranges, constraints."""


@dataclass(frozen=True)
class Source:
    """A spec's text with its file name, so every stage can raise located errors the same way."""

    text: str
    filename: str

    def error(self, message: str, pos: Pos | None, hint: str | None = None) -> SpecError:
        """A :class:`SpecError` at ``pos`` (None: the file as a whole)."""
        if pos is None:
            return SpecError(message, filename=self.filename, hint=hint)
        err = SpecError.at(message, self.text, self.filename, pos.line, pos.col, hint)
        assert isinstance(err, SpecError)
        return err
