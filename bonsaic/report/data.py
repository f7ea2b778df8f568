"""What the report shows, gathered as plain JSON-ready data (no HTML here).

Everything the page computes itself (the network's values at every step, the spec's expected
outputs for an edited sequence) it computes from data written here: the graph, and the spec's
reachable transition table. A spec too large for a table in the page (more than
:data:`PAGE_SPEC_STATES` reachable states) still gets its expected outputs for the sequences this
module preloads (a sample and the counterexample); the page then says that edits cannot be checked.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bonsaic import __version__
from bonsaic.diagnostics import BonsaicError
from bonsaic.ir.graph import Graph, Neuron
from bonsaic.ir.text import load_ir

PAGE_SPEC_STATES = 20_000  # most spec states whose transition table goes into the page
SAMPLE_LENGTH = 64  # steps of the sequence the page opens with when there is no counterexample
MAX_SEQUENCE = 100_000  # longest sequence the page is handed (a late drift's counterexample fits)

Progress = Callable[[str, int, int], None]


@dataclass
class ReportData:
    """The page's contents: ``payload`` becomes the page's JSON, ``svg`` its drawing of the graph."""

    title: str
    payload: dict[str, Any]
    svg: str = ""
    notes: list[str] = field(default_factory=list)


def neuron_definition(neuron: Neuron) -> str:
    """``A(0.5*x - 1.0*c0.s0 + 0.25)``: what the neuron computes, in the simulator's term order."""
    terms = []
    for k, (src, w) in enumerate(neuron.inputs):
        sign = "-" if math.copysign(1.0, w) < 0 else "+"
        body = f"{abs(w)!r}*{src}"
        terms.append(("-" + body if sign == "-" else body) if k == 0 else f" {sign} {body}")
    if neuron.bias != 0.0 or not terms:
        b = neuron.bias
        terms.append(repr(b) if not terms else f" {'-' if b < 0 else '+'} {abs(b)!r}")
    return f"{neuron.act}({''.join(terms)})"


def graph_json(graph: Graph) -> dict[str, Any]:
    """The graph as the page's simulator reads it (neurons in evaluation order, as in the IR)."""
    return {
        "inputs": list(graph.inputs),
        "states": [{"name": s.name, "init": s.init, "next": s.next} for s in graph.states],
        "neurons": [{"name": n.name, "act": n.act, "bias": n.bias, "inputs": [[src, w] for src, w in n.inputs],
                     "definition": neuron_definition(n)} for n in graph.neurons],
        "outputs": [{"name": o.name, "source": o.source} for o in graph.outputs],
        "acts": {name: {"kind": a.kind, "leak": a.leakyness, "factor": a.factor, "text": a.text()}
                 for name, a in graph.acts.items()},
        "nodes": graph.node_names(),
        "stats": graph.stats(),
    }


def _input_index(bits: tuple[bool, ...]) -> int:
    """Index of an input vector in ``Program.input_vectors`` order (``itertools.product``: the
    first input is the most significant bit)."""
    index = 0
    for bit in bits:
        index = index * 2 + int(bit)
    return index


def spec_json(graph: Graph, program: Any | None) -> dict[str, Any]:
    """The spec's source, its interface, and its transition table when it is small enough."""
    if program is None:
        return {"name": None, "source": None, "table": None,
                "note": "the model embeds no spec: there are no expected outputs to compare with"}
    spec = program.spec
    same_interface = ([i.name for i in spec.inputs] == graph.inputs
                      and list(spec.outputs) == [o.name for o in graph.outputs])
    out: dict[str, Any] = {"name": graph.spec_name, "source": graph.spec_source, "table": None, "note": None,
                           "probabilities": [d.p_true for d in spec.inputs]}
    if not same_interface:
        out["note"] = "the spec's inputs and outputs are not the model's: no expected outputs"
        return out
    table = program.transitions(PAGE_SPEC_STATES)
    if table is None:
        out["note"] = (f"the spec has more than {PAGE_SPEC_STATES:,} reachable states, too many to run in the "
                       "page: expected outputs are shown for the preloaded sequences only")
        return out
    out["table"] = {
        "states": [spec.describe_state(s) for s in table.states],
        "next": table.next.tolist(),
        "outputs": table.outputs.astype(np.int8).tolist(),
        "initial": 0,
    }
    return out


def expected_outputs(program: Any, inputs: np.ndarray) -> list[list[int]] | None:
    """The spec's output bits (0/1) along ``inputs`` [T, I] (±1), or None where it forbids a step."""
    state, rows = program.initial_state(), []
    for step in inputs:
        bits = tuple(bool(v > 0) for v in step)
        if bits not in program.allowed_inputs(state):
            return None
        state, outputs = program.step(state, bits)
        rows.append([int(b) for b in outputs])
    return rows


def sample_sequence(program: Any | None, n_inputs: int, length: int, seed: int) -> np.ndarray:
    """A sequence to open the page with: drawn from the spec (its constraint respected), or plain
    random bits for a model without one."""
    if program is not None:
        inputs, _targets = program.generate(1, length, seed)
        return np.asarray(inputs[0], dtype=np.float64)
    rng = np.random.default_rng(seed)
    return np.where(rng.random((length, n_inputs)) < 0.5, 1.0, -1.0)


def verdict_json(result: Any) -> dict[str, Any]:
    """The verifier's verdict, with its counterexample's inputs when there is one."""
    cex = result.counterexample
    out: dict[str, Any] = {"mode": result.mode, "summary": result.summary(), "counterexample": None}
    if cex is not None:
        out["counterexample"] = {
            "inputs": cex.inputs.astype(np.float64).tolist()[:MAX_SEQUENCE],
            "shortest": bool(cex.shortest), "source": cex.source, "reason": cex.reason,
            "length": len(cex),
        }
    return out


def opt_table(folder: Path) -> list[dict[str, Any]]:
    """Per-pass sizes from an ``opt --dump-ir`` folder: ``00-input.ir``, ``01-clip.ir``, ..."""
    if not folder.is_dir():
        raise BonsaicError(f"--opt-dir {folder}: not a folder", hint="give the folder `bonsaic opt --dump-ir DIR` wrote")
    files = sorted(p for p in folder.glob("[0-9][0-9]-*.ir"))
    if not files:
        raise BonsaicError(f"--opt-dir {folder}: no NN-pass.ir files in it",
                           hint="give the folder `bonsaic opt --dump-ir DIR` wrote")
    rows = []
    for path in files:
        stats = load_ir(path).stats()
        rows.append({"file": path.name, "pass": path.stem.split("-", 1)[1],
                     **{key: stats[key] for key in ("neurons", "states", "edges", "nonzero_biases")}})
    return rows


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: a diverged loss becomes null (a gap in the curve)."""
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def loss_curves(path: Path) -> dict[str, Any]:
    """The evaluations (step, mse, reg, accuracy, sparsity per restart) and events of a loss log."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise BonsaicError(f"cannot read the loss log {path}: {err.strerror}") from None
    records, events = [], []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise BonsaicError(f"{path}:{number}:{err.colno}: not a JSON line: {err.msg}",
                               hint="give the MODEL.loss.jsonl that `bonsaic train` wrote") from None
        if not isinstance(record, dict):
            continue
        if "event" in record:
            events.append({"step": record.get("step"), "event": str(record["event"])})
        elif "step" in record and "mse" in record:
            records.append({key: _finite(record.get(key)) for key in ("step", "mse", "reg", "accuracy", "sparsity")})
    if not records:
        raise BonsaicError(f"{path}: no evaluations in this loss log",
                           hint="give the MODEL.loss.jsonl that `bonsaic train` wrote")
    return {"records": records, "events": events}


def gather(graph: Graph, *, title: str, program: Any | None = None, verdict: Any | None = None,
           bool_program: str | None = None, bool_note: str | None = None, svg: str = "",
           opt_dir: Path | None = None, loss_log: Path | None = None, sample_length: int = SAMPLE_LENGTH,
           seed: int = 0) -> ReportData:
    """Everything the page needs. ``program`` is the compiled embedded spec (None without one),
    ``verdict`` the verifier's result (None when the report was asked not to verify)."""
    sample = sample_sequence(program, len(graph.inputs), sample_length, seed)
    sequences: dict[str, Any] = {"sample": sample.tolist()}
    verdict_data = verdict_json(verdict) if verdict is not None else None
    if verdict_data and verdict_data["counterexample"]:
        sequences["counterexample"] = verdict_data["counterexample"]["inputs"]
    spec_data = spec_json(graph, program)
    if program is not None and spec_data["table"] is None and spec_data["note"] and "preloaded" in spec_data["note"]:
        spec_data["expected"] = {name: expected_outputs(program, np.array(seq, dtype=np.float64).reshape(len(seq), -1))
                                 for name, seq in sequences.items()}
    payload = {
        "title": title,
        "bonsaic": __version__,
        "graph": graph_json(graph),
        "spec": spec_data,
        "verdict": verdict_data,
        "bool": bool_program,
        "bool_note": bool_note,
        "sequences": sequences,
        "passes": opt_table(opt_dir) if opt_dir is not None else None,
        "loss": loss_curves(loss_log) if loss_log is not None else None,
    }
    return ReportData(title, payload, svg)
