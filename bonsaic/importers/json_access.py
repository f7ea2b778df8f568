"""Typed access to a parsed JSON document that names the JSON path in every error.

Python's json module forgets positions once it has parsed, so structural problems (a missing key,
a kernel with the wrong number of rows) are reported by path instead: ``$.cells[0].output_kernel``
tells a user exactly which part of a hand-edited or foreign file to look at.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bonsaic.diagnostics import BonsaicError

MAX_INTEGER = 65_536  # largest layer size or index an rnn-viz file may give (bonsai layers have a handful)


class ImportFormatError(BonsaicError):
    """A file given to an importer is not valid JSON or not in the expected shape."""


def parse_json(text: str, filename: str, hint: str) -> JsonNode:
    """Parse ``text``; syntax errors point at their line and column."""
    try:
        return JsonNode(json.loads(text), "$", filename)
    except json.JSONDecodeError as err:
        raise ImportFormatError.at(f"malformed JSON: {err.msg}", text, filename, err.lineno, err.colno,
                                   hint) from None
    except RecursionError:  # Python's json module recurses once per nested array or object
        raise ImportFormatError("the JSON nests arrays or objects too deeply to be a network",
                                filename=filename, hint=hint) from None
    except ValueError:  # an integer literal beyond Python's 4,300-digit conversion limit
        raise ImportFormatError("malformed JSON: a number with thousands of digits", filename=filename,
                                hint=hint) from None


@dataclass(frozen=True)
class JsonNode:
    """One value of the document together with its path (``$.cells[0].state_size``)."""

    value: Any
    path: str
    filename: str

    def error(self, message: str, hint: str | None = None) -> ImportFormatError:
        return ImportFormatError(f"{self.path}: {message}", filename=self.filename, hint=hint)

    @property
    def is_null(self) -> bool:
        return self.value is None

    def has(self, key: str) -> bool:
        return isinstance(self.value, dict) and key in self.value

    def get(self, key: str) -> JsonNode:
        """The member ``key`` of this object (an error naming the path if absent)."""
        if not isinstance(self.value, dict):
            raise self.error(f"expected an object with key {key!r}, got {_kind(self.value)}")
        if key not in self.value:
            raise self.error(f"missing key {key!r}")
        return JsonNode(self.value[key], f"{self.path}.{key}", self.filename)

    def optional(self, key: str) -> JsonNode | None:
        """The member ``key``, or None when it is absent or null."""
        if not self.has(key) or self.value[key] is None:
            return None
        return self.get(key)

    def items(self) -> list[JsonNode]:
        """The elements of this array."""
        if not isinstance(self.value, list):
            raise self.error(f"expected an array, got {_kind(self.value)}")
        return [JsonNode(v, f"{self.path}[{i}]", self.filename) for i, v in enumerate(self.value)]

    def number(self) -> float:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise self.error(f"expected a number, got {_kind(self.value)}")
        try:
            value = float(self.value)
        except OverflowError:  # an integer literal beyond the float range
            raise self.error(f"{_short(self.value)} is too large for a number") from None
        if not math.isfinite(value):
            raise self.error(f"expected a finite number, got {_short(self.value)}")
        return value

    def integer(self) -> int:
        """A non-negative integer up to :data:`MAX_INTEGER`: every integer in these files is a layer
        size or an index, and a size of 10⁹ would only allocate for seconds before failing."""
        number = self.number()
        if number != int(number) or number < 0:
            raise self.error(f"expected a non-negative integer, got {_short(self.value)}")
        if number > MAX_INTEGER:
            raise self.error(f"{_short(self.value)} is too large for a layer size or index (at most "
                             f"{MAX_INTEGER:,})")
        return int(number)

    def string(self) -> str:
        if not isinstance(self.value, str):
            raise self.error(f"expected a string, got {_kind(self.value)}")
        return self.value

    def vector(self, length: int, what: str) -> np.ndarray:
        """A 1-D array of ``length`` numbers (``what`` explains the expected length)."""
        elements = self.items()
        if len(elements) != length:
            raise self.error(f"expected {length} numbers ({what}), got {len(elements)}")
        return np.array([e.number() for e in elements], dtype=np.float64)

    def matrix(self, rows: int, cols: int, what: str) -> np.ndarray:
        """A ``[rows][cols]`` array of numbers (``what`` explains the expected shape)."""
        row_nodes = self.items()
        if len(row_nodes) != rows:
            raise self.error(f"expected {rows} rows ({what}), got {len(row_nodes)}")
        return np.array([r.vector(cols, what) for r in row_nodes], dtype=np.float64).reshape(rows, cols)


def _short(value: Any) -> str:
    """``value`` as a message shows it: a 400-digit integer is cut to its first digits."""
    text = repr(value)
    return text if len(text) <= 24 else f"{text[:20]}... ({len(text)} characters)"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}.get(
        type(value), "a number")
