"""From a model to the report's data: verify it, decompile it when that is possible, draw it.

The verdict is the one `bonsaic verify` would print with the same options (the same ``Verifier``,
the same defaults); the ``bool`` program is decompiled from the exploration that verdict made, so
the report never explores twice.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bonsaic.backends import emit
from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph
from bonsaic.report.data import SAMPLE_LENGTH, Progress, ReportData, gather


def _drawing(graph: Graph) -> tuple[str, str | None]:
    """The ``dot`` back end's drawing as SVG text, or a note saying why there is none."""
    import graphviz

    try:
        return graphviz.Source(emit("dot", graph)).pipe(format="svg").decode("utf-8"), None
    except graphviz.ExecutableNotFound:
        return "", "Graphviz's `dot` program is not installed (apt-get install graphviz)"


def make_report(graph: Graph, *, title: str, verify: bool = True, budget: int, seed: int,
                verify_options: dict[str, Any], progress: Progress | None = None,
                opt_dir: Path | None = None, loss_log: Path | None = None,
                sample_length: int = SAMPLE_LENGTH) -> ReportData:
    """The report of ``graph`` (with its embedded spec already checked by the caller)."""
    program = verdict = None
    bool_program, bool_note = None, "the model embeds no spec to verify against"
    if graph.spec_source:
        from bonsaic.spec import compiled
        from bonsaic.verify import Verifier

        program = compiled(graph.spec_source, graph.spec_name or "<embedded spec>")
        if verify:
            verifier = Verifier.for_graph(graph, program)
            verdict = verifier.verify(graph, budget=budget, seed=seed, progress=progress, **verify_options)
            bool_program, bool_note = _decompiled(graph, verifier, verdict, budget, verify_options)
        else:
            bool_note = "not decompiled: the report was made with --no-verify"
    svg, draw_note = _drawing(graph)
    data = gather(graph, title=title, program=program, verdict=verdict, bool_program=bool_program,
                  bool_note=bool_note, svg=svg, opt_dir=opt_dir, loss_log=loss_log, sample_length=sample_length,
                  seed=seed)
    if draw_note:
        data.notes.append(draw_note)
    return data


def _decompiled(graph: Graph, verifier: Any, verdict: Any, budget: int,
                options: dict[str, Any]) -> tuple[str | None, str | None]:
    """``(bool program, None)``, or ``(None, why not)``."""
    if verdict.mode == "failed":
        return None, "not decompiled: the network does not implement its spec (see the counterexample)"
    exploration = verifier.explore(graph, budget, options["max_depth"],  # the verdict's own, cached
                                   seconds=options.get("explore_seconds"))
    if not exploration.closed:
        return None, ("not decompiled: the network's states never repeat exactly within the exploration budget, "
                      "so it has no finite boolean description (try `bonsaic snap`)")
    try:
        return emit("bool", graph, exploration), None
    except BonsaicError as err:
        return None, f"not decompiled: {err.message}"
