"""Reading a model the way every command must: the IR and the spec it carries, both checked strictly.

A model file embeds its task spec verbatim (``spec "task.bns"`` and ``|`` lines). That spec decides
what "correct" means for verify, opt and snap, so it gets exactly the checks a spec file gets from
``bonsaic check``: syntax, types, and an exploration of the reachable spec states (up to
:data:`~bonsaic.spec.limits.CHECK_STATES`) that finds integers leaving their range and states where the
constraint admits no input. A problem is reported at its line and column *in the model file*, where
the user can see and fix it, and no command runs on a model whose spec is broken.
"""

from __future__ import annotations

import os

from bonsaic.diagnostics import BonsaicError
from bonsaic.fsutil import display_name
from bonsaic.ir.graph import Graph
from bonsaic.ir.text import load_ir
from bonsaic.spec import Program, Spec, SpecError, compiled, load_spec
from bonsaic.spec.limits import CHECK_STATES, MAX_ENUMERATED_INPUTS


def check_program(program: Program, limit: int = CHECK_STATES) -> None:
    """Explore ``program``'s reachable states up to ``limit`` (what ``bonsaic check`` does), raising
    the SpecError of any runtime problem found: a range overflow or a dead end."""
    if len(program.spec.inputs) <= MAX_ENUMERATED_INPUTS:
        program.transitions(limit)


def embedded_spec(graph: Graph, filename: str) -> Spec | None:
    """The checked spec embedded in ``graph`` (None if it carries none); errors point into ``filename``."""
    if graph.spec_source is None:
        return None
    try:
        program = compiled(graph.spec_source, graph.spec_name or "<embedded spec>")
        check_program(program)
        spec = program.spec
    except SpecError as err:
        raise _in_model_file(err, graph, filename) from None
    return spec


def load_model(path: str | os.PathLike[str], spec_path: str | os.PathLike[str] | None = None) -> Graph:
    """Read the model at ``path`` and check the spec it will be judged by.

    With ``spec_path`` that spec file replaces the embedded one (checked as a spec file, and embedded
    in the returned graph); otherwise the embedded spec, if any, is checked where it is written.
    """
    graph = load_ir(path)
    if spec_path is None:
        embedded_spec(graph, display_name(path))
        return graph
    task = load_spec(spec_path)
    check_program(Program(task))
    graph.spec_source, graph.spec_name, graph.spec_line = task.source, task.name, 0
    return graph


def _in_model_file(err: SpecError, graph: Graph, filename: str) -> BonsaicError:
    """``err`` (located in the spec text) moved to the same place in the model file.

    The printer writes each spec line as ``| text``, so a spec column ``c`` is model column ``c + 2``.
    Without a known block position (a graph built in memory) the message keeps the spec's location.
    """
    if not err.line:
        return SpecError(f"in the embedded spec: {err.message}", filename=filename, hint=err.hint)
    if not graph.spec_line:
        err.message = f"in the embedded spec: {err.message}"
        return err
    shown = None if err.source_line is None else (f"| {err.source_line}" if err.source_line else "|")
    return SpecError(f"in the embedded spec: {err.message}", filename=filename,
                     line=graph.spec_line + err.line - 1, column=err.column + 2 if err.column else 0,
                     source_line=shown, hint=err.hint)
