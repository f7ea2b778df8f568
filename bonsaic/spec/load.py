"""Entry points: read a ``.bns`` file (or text), parse it and check it into a :class:`Spec`.

Reading is defensive because users point tools at the wrong file: directories, unreadable files,
empty files and binary data all become one located :class:`SpecError`, never a traceback.
"""

from __future__ import annotations

import functools
import os
import re

from lark.exceptions import VisitError

from bonsaic.fsutil import InputTooLarge, display_name, read_input
from bonsaic.spec.checker import check_module
from bonsaic.spec.errors import Source, SpecError
from bonsaic.spec.nodes import Pos
from bonsaic.spec.parser import parse_module
from bonsaic.spec.program import Program
from bonsaic.spec.task import Spec


def parse_spec(text: str, filename: str = "<input>") -> Spec:
    """Parse and check spec source ``text``; ``filename`` is used in messages and for the name."""
    source = Source(text, filename)
    if not text.strip():
        raise source.error("the spec is empty", None, "a spec needs at least an output and a step block")
    control = re.search(r"[\x00-\x08\x0e-\x1f\x7f]", text)
    if control:  # the IR refuses them too, so a spec holding one could not be embedded in a model
        at = control.start()
        line = text.count("\n", 0, at) + 1
        col = at - (text.rfind("\n", 0, at) + 1) + 1
        what = "NUL byte" if control.group() == "\0" else f"control character {control.group()!r}"
        raise source.error(f"this looks like binary data, not a .bns spec ({what})", Pos(line, col),
                           "a spec is plain text: letters, digits, punctuation, spaces, tabs and line breaks")
    try:
        return check_module(parse_module(source), source)
    except (RecursionError, VisitError) as err:  # the nesting limit should make this unreachable
        if isinstance(err, VisitError) and not isinstance(err.orig_exc, RecursionError):
            raise
        raise source.error("the spec nests expressions or blocks too deeply", None,
                           "split deep expressions with `let` locals") from None


def load_spec(path: str | os.PathLike[str]) -> Spec:
    """Read and check the spec file at ``path``."""
    filename = display_name(path)
    try:
        data = read_input(path)
    except IsADirectoryError:
        raise SpecError("is a directory, not a .bns file", filename=filename) from None
    except FileNotFoundError:
        raise SpecError("no such file", filename=filename) from None
    except InputTooLarge as err:
        raise SpecError(err.strerror, filename=filename, hint=err.hint) from None
    except OSError as err:
        raise SpecError(f"cannot read the file: {err.strerror or err}", filename=filename) from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise SpecError(f"this looks like binary data, not a .bns spec (byte 0x{data[err.start]:02x} "
                        "is not UTF-8)", filename=filename, line=line, column=col) from None
    return parse_spec(text, filename)


@functools.lru_cache(maxsize=16)
def compiled(text: str, filename: str = "<input>") -> Program:
    """The checked :class:`Program` for spec source ``text``, built once per (text, name) in a process.

    A spec travels with every model as text; the verifier, the passes' contexts, the trainer's judging
    of each snapshot and the back ends all need it as a program. Parsing once and sharing the program
    also shares its transition table (explored once, in batches) and its step memo.
    """
    return Program(parse_spec(text, filename))
