"""Pipelines: parse ``clip{max=0.5},quantize,dce``, run the passes, and check between every two.

As in xdsl-opt, the pipeline is data (a list of pass objects); what happens between passes is split
in two. The *policy* (:mod:`bonsaic.passes.policy`) judges the input and every pass's result with
the verifier and decides what the pipeline continues with: the result, an earlier verified graph (a
rollback), a re-run of the pass, or a stop. The *observers* (:mod:`bonsaic.passes.observers`:
``--dump-ir``, ``--print-after-all``, ``--stats``) are then told the step and the decision, and
cannot change it. Passes know neither: the runner hands a pass the size of its own checks
(:class:`~bonsaic.passes.base.SearchChecks`) for the duration of its run, nothing else.
"""

from __future__ import annotations

import re
import time
import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TextIO

from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph
from bonsaic.passes.base import Pass, PassContext, PassStats
from bonsaic.passes.observers import IRDumper, IRPrinter, Observer, PassEvent, StatsRecorder
from bonsaic.passes.policy import MAX_RETRIES, Policy, VerificationFailed, VerifiedRollback
from bonsaic.passes.registry import PASSES

__all__ = ["MAX_RETRIES", "OptResult", "PassEvent", "PipelineError", "VerificationFailed", "optimize",
           "parse_pipeline", "run_final_check", "run_passes"]

if typing.TYPE_CHECKING:
    from bonsaic.verify import VerifyResult


class PipelineError(BonsaicError):
    """A malformed ``-p`` pipeline string (reported with the column of the offending text)."""


_ITEM = re.compile(r"\s*(?P<name>[A-Za-z_][\w-]*)\s*(?:\{(?P<options>[^{}]*)\})?\s*(?P<comma>,)?")
_OPTION = re.compile(r"\s*(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<value>[^,=\s]+)\s*$")
_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def parse_pipeline(text: str) -> list[Pass]:
    """The passes named by ``text``: comma-separated names, each with optional ``{key=value,...}``."""
    passes: list[Pass] = []
    pos = 0
    while pos < len(text) or not passes:
        match = _ITEM.match(text, pos)
        if match is None:
            raise _error(text, pos, "expected a pass name, optionally followed by {key=value,...}")
        passes.append(_build(text, match))
        pos = match.end()
        if match.group("comma") is None and text.startswith("{", pos):
            raise _error(text, pos, "unclosed '{' (options cannot contain braces)")
        if match.group("comma") is None and pos < len(text):
            raise _error(text, pos, "expected ',' between passes")
        if match.group("comma") is not None and pos == len(text):
            raise _error(text, pos, "expected a pass name after ','")
    return passes


def _build(text: str, match: re.Match[str]) -> Pass:
    name = match.group("name")
    if name not in PASSES:
        raise _error(text, match.start("name"), f"unknown pass {name!r}",
                     hint=f"available passes: {', '.join(PASSES)} (see `bonsaic passes`)")
    cls = PASSES[name]
    options = match.group("options")
    values: dict[str, object] = {}
    if options is not None and options.strip():
        offset = match.start("options")
        for part in options.split(","):
            values.update(_option(text, offset, part, cls))
            offset += len(part) + 1
    return cls(**values)


def _option(text: str, offset: int, part: str, cls: type[Pass]) -> dict[str, object]:
    match = _OPTION.match(part)
    if match is None:
        raise _error(text, offset, f"expected key=value in the options of {cls.name!r}")
    key, raw = match.group("key"), match.group("value")
    types = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls)]
    if key not in known:
        raise _error(text, offset + match.start("key"), f"pass {cls.name!r} has no option {key!r}",
                     hint=f"its options: {', '.join(known) or 'none'}")
    try:
        return {key: _convert(raw, types[key])}
    except ValueError:
        raise _error(text, offset + match.start("value"),
                     f"option {key!r} of {cls.name!r} expects {types[key].__name__}, got {raw!r}") from None


def _convert(raw: str, kind: type) -> object:
    if kind is bool:
        if raw.lower() not in _TRUE | _FALSE:
            raise ValueError(raw)
        return raw.lower() in _TRUE
    return kind(raw)


def _error(text: str, offset: int, message: str, hint: str | None = None) -> PipelineError:
    return PipelineError.at(message, text, "<pipeline>", 1, offset + 1, hint)  # type: ignore[return-value]


# -- running ---------------------------------------------------------------------------------------

def run_passes(graph: Graph, passes: Sequence[Pass], ctx: PassContext, policy: Policy,
               observers: Sequence[Observer] = ()) -> Graph:
    """Run ``passes`` in order on ``graph`` and return what the pipeline ends with. ``policy`` judges
    the input and every pass's result; ``observers`` are then told each step (with the decision).
    A pass the policy rolls back with ``retry`` is run again from the graph it went back to; a
    decision with a ``failure`` raises it, after the observers have seen the step."""
    _tell(observers, PassEvent(0, None, 0, None, graph, 0.0, 0, [], policy.judge(0, None, graph, 0)))
    for index, pass_ in enumerate(passes, start=1):
        attempt = 0
        while True:
            calls, ctx.notes = ctx.verifier_calls, []
            start = time.perf_counter()
            with ctx.searching(policy.searches(attempt)):
                result = pass_.run(graph, ctx)
            seconds, own_calls = time.perf_counter() - start, ctx.verifier_calls - calls
            decision = policy.judge(index, pass_, result, attempt)
            _tell(observers, PassEvent(index, pass_, attempt, graph, result, seconds, own_calls, ctx.notes, decision))
            if not decision.retry:
                break
            assert decision.rolled_back_to is not None
            graph, attempt = decision.rolled_back_to, attempt + 1
        graph = result if decision.rolled_back_to is None else decision.rolled_back_to
    return graph


def _tell(observers: Sequence[Observer], event: PassEvent) -> None:
    """Tell every observer about a judged step, in order; then stop the run if the policy said so
    (the observers see a failing step before it ends the run: its dump is ``NN-name.failed.ir``)."""
    for observer in observers:
        observer.after_pass(event)
    if event.decision.failure is not None:
        raise event.decision.failure


def run_final_check(graph: Graph, index: int, ctx: PassContext, policy: VerifiedRollback,
                    observers: Sequence[Observer] = ()) -> Graph:
    """The policy's final check of the pipeline's result (step ``index``), timed and told to the
    observers as a ``final check`` step; the graph it keeps (raises the failure if not even the
    input passes it, telling no observer, as ``--stats`` shows no row then)."""
    start, calls = time.perf_counter(), ctx.verifier_calls
    decision = policy.final_check(graph)
    if decision is None:
        return graph
    if decision.failure is not None:
        raise decision.failure
    event = PassEvent(index, None, 0, None, graph, time.perf_counter() - start, ctx.verifier_calls - calls, [],
                      decision)
    for observer in observers:
        observer.after_final_check(event)
    return graph if decision.rolled_back_to is None else decision.rolled_back_to


@dataclass
class OptResult:
    """The outcome of :func:`optimize`: the last graph that verified (None if not even the input
    did), per-pass statistics, and the failure that stopped the pipeline, if any."""

    graph: Graph | None
    stats: list[PassStats]
    failure: VerificationFailed | None
    verifier_calls: int


def optimize(graph: Graph, passes: Sequence[Pass], ctx: PassContext | None = None, *,
             dump_dir: Path | None = None, print_to: TextIO | None = None,
             checked: VerifyResult | None = None, final_check: bool = True,
             observers: Sequence[Observer] = ()) -> OptResult:
    """Run a verified pipeline (policy :class:`VerifiedRollback`); a failing verification stops it
    and keeps the last good graph. ``dump_dir`` and ``print_to`` add the ``--dump-ir`` and
    ``--print-after-all`` observers, statistics are always recorded, and ``observers`` are told
    after those. ``checked`` is the input's verdict when the caller already has it (it is not
    checked again); ``final_check=False`` skips the long final check (for callers that only want
    the result's size)."""
    ctx = ctx or PassContext()
    policy = VerifiedRollback(ctx)
    stats = StatsRecorder()
    watching: list[Observer] = [*([IRDumper(dump_dir)] if dump_dir is not None else []),
                                *([IRPrinter(print_to)] if print_to is not None else []), stats, *observers]
    if checked is not None and checked.ok:
        policy.accept(graph, checked)
    try:
        result = run_passes(graph, passes, ctx, policy, watching)
        final = run_final_check(result, len(passes) + 1, ctx, policy, watching) if final_check else result
        failure = None
    except VerificationFailed as err:
        # the input itself is wrong (its first audit, or the final check that found it wrong after
        # all): no graph of this run may be offered as a result
        final, failure = (None if err.index == 0 else policy.last_good), err
    return OptResult(final, stats.rows, failure, ctx.verifier_calls)

