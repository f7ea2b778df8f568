"""One trial, in the process that runs it: train -> opt -> verify, returning one JSON-ready record.

It does what ``bonsaic train SPEC --time-budget 0 && bonsaic opt && bonsaic verify`` does, without
the three processes: the spec travels as text (a worker on another machine need not see the
driver's files), training runs quietly (no live display, no Ctrl-C handler: the driver owns those),
its checkpoint and loss log go to a temporary directory and are dropped. Escalation is off: the
sweep itself is the search over configurations. The trained network is the one ``train`` would
write (the smallest proved restart, else the smallest bounded one), then the default ``opt``
pipeline (or ``--pipeline``'s), then the verifier with ``bonsaic verify``'s defaults, whose verdict the record carries.

A trial whose settings are refused (a model too large for this machine, say) or which trains no
network is a *failed* record, returned normally; only a crash (an exception, a dying process)
reaches the runner, which retries it once.

``BONSAIC_SWEEP_FAULT`` injects faults for the tests: ``kill-once:PATH`` kills the worker process
(SIGKILL, as the OOM killer would) in the first trial that creates PATH; ``raise`` raises in every trial.
"""

from __future__ import annotations

import math
import os
import signal
import socket
import tempfile
import time
from pathlib import Path
from typing import Any

from bonsaic.diagnostics import BonsaicError
from bonsaic.sweep.space import Value, apply


def _inject_fault() -> None:
    fault = os.environ.get("BONSAIC_SWEEP_FAULT", "")
    if fault == "raise":
        raise RuntimeError("fault injected by BONSAIC_SWEEP_FAULT=raise")
    if fault.startswith("kill-once:"):
        try:
            os.close(os.open(fault.split(":", 1)[1], os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


def run_trial(spec_source: str, spec_name: str, settings: dict[str, Value],
              pipeline: str | None = None) -> dict[str, Any]:
    """Train, optimise (``pipeline``, None: ``opt``'s default) and verify one configuration; the record
    (without the trial's id and index, which the driver adds). Keys: verdict, neurons, states, edges,
    margin, wall_s, train_s, opt_s, verify_s, trained (the kept restart's verdict before opt), ir,
    error, host, pid, and pipeline when not the default."""
    start = time.perf_counter()
    record: dict[str, Any] = {"verdict": "failed", "neurons": None, "states": None, "edges": None, "margin": None,
                              "trained": None, "ir": None, "error": None, "host": socket.gethostname(),
                              "pid": os.getpid()}
    if pipeline is not None:
        record["pipeline"] = pipeline
    _inject_fault()
    try:
        graph, trained, record["train_s"] = _train(spec_source, spec_name, settings)
    except BonsaicError as err:  # refused settings: the same answer on every try, so no retry
        record.update(error=err.render(), wall_s=time.perf_counter() - start)
        return record
    record["trained"] = trained
    if graph is not None:
        record.update(_opt_and_verify(graph, pipeline))
    else:
        record["error"] = "no restart trained a network that passed the verifier"
    record["wall_s"] = time.perf_counter() - start
    return record


def _train(spec_source: str, spec_name: str, settings: dict[str, Value]) -> tuple[Any, str | None, float]:
    """The network ``bonsaic train`` would keep (or None), its verdict, and the seconds it took."""
    from bonsaic.spec import Program, parse_spec
    from bonsaic.spec.sizing import with_sized_model
    from bonsaic.train.log import LossLog
    from bonsaic.train.loop import Trainer
    from bonsaic.train.model import NetShape
    from bonsaic.train.resources import check_resources
    from bonsaic.train.restarts import choose, judge_restarts
    from bonsaic.train.settings import TrainSettings

    start = time.perf_counter()
    spec, _why = with_sized_model(Program(parse_spec(spec_source, spec_name)))
    spec = apply(spec, settings)
    train_settings = TrainSettings.from_spec(spec)
    check_resources(NetShape.from_spec(spec), train_settings, spec_name)
    with tempfile.TemporaryDirectory(prefix="bonsaic-trial-") as scratch:
        log = LossLog(Path(scratch) / "loss.jsonl")
        trainer = Trainer(spec, train_settings, log)
        try:
            trainer.run()
        finally:
            trainer.close()
            log.close()
        best = choose(judge_restarts(trainer, spec))
    if best is None or best.graph is None:
        return None, None, time.perf_counter() - start
    return best.graph, best.verdict, time.perf_counter() - start


def _opt_and_verify(graph: Any, pipeline: str | None) -> dict[str, Any]:
    """``bonsaic opt -p PIPELINE`` then ``bonsaic verify`` on the result: the record's fields."""
    from bonsaic.ir.text import print_ir
    from bonsaic.passes.base import PassContext
    from bonsaic.passes.pipeline import optimize, parse_pipeline
    from bonsaic.passes.registry import DEFAULT_PIPELINE
    from bonsaic.verify import Verifier

    start = time.perf_counter()
    result = optimize(graph, parse_pipeline(pipeline or DEFAULT_PIPELINE), PassContext())
    opt_s = time.perf_counter() - start
    final = result.graph if result.graph is not None else graph
    start = time.perf_counter()
    verdict = Verifier.for_graph(final).verify(final)
    counts = final.stats()
    margin = verdict.margin if math.isfinite(verdict.margin) else None
    return {"verdict": verdict.mode, "neurons": counts["neurons"], "states": counts["states"],
            "edges": counts["edges"], "margin": margin, "ir": print_ir(final), "opt_s": opt_s,
            "verify_s": time.perf_counter() - start,
            "error": None if verdict.ok else f"opt's result fails: {verdict.summary()}"}
