"""The hand-written corpus: every class of bad input issue 23 found, with the answer bonsaic must give.

A case writes its files into a fresh directory, runs one command and expects an exit code and a
phrase of the message; files named in ``unchanged`` must keep their bytes. A case whose exit code or
message differs counts as a failure (for an expected error: a silent acceptance). The cases are built
in code, not stored, because several are megabytes of nesting.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tests import DELAY1_FIXTURE
from tests.fuzz.harness import FAST_VERIFY, Outcome, run
from tests.fuzz.mutations import ROOT, embed_spec

DELAY1_SPEC = (ROOT / "examples/delay1.bns").read_text()
DELAY1_IR = (ROOT / "tests/fuzz/seeds/delay1.ir").read_text()
GRAPH_JSON = (ROOT / "tests/importers/fixtures/seed_delay1_graph.json").read_text()


@dataclass(frozen=True)
class Case:
    """Files (name -> text), the command (``{d}`` is the case's directory), and what must happen."""

    files: dict[str, str]
    argv: list[str]
    exit_code: int
    says: str = ""
    unchanged: tuple[str, ...] = ()
    timeout: float = 120.0
    extra: Callable[[Path], None] | None = field(default=None, compare=False)


def _ir(spec: str) -> str:
    return embed_spec(DELAY1_IR, spec)


def _weight(value: str, state_weight: str = "0.00017183") -> str:
    return DELAY1_IR.replace("1.569628*x - 0.00017183*c0.s0", f"{value}*x - {state_weight}*c0.s0", 1)


_BIG_STATE = ("input x\noutput y\nstate a: 0..2000000000 = 0\nstate b: 0..2000000000 = 0\nstep {\n    y = false\n"
              "    a = (a + 1) % 2000000000\n    b = x ? (b + a) % 2000000000 : b\n}\n")
_ALWAYS_FALSE = ("bonsai-ir 1\nact L = linear\ninput x\nneuron n = L(0.5*x - 1)\noutput y = n\n")
_RANGE = "input x\noutput y\nstate s: 0..3 = 0\nstep {\n    y = x\n    s = s + 1\n}\n"
_DEAD_END = ("input x\noutput y\nstate s: 0..3 = 0\nconstraint (s < 2 or x) and (s < 2 or not x)\n"
             "step {\n    y = x\n    if s < 3 { s = s + 1 }\n}\n")
_NO_INPUT = DELAY1_SPEC.replace("step {", "constraint x and not x\nstep {")
_TRAIN = DELAY1_FIXTURE.read_text().replace("length = 20", "length = 20\n    steps = 1")  # the fixture's settings


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


CASES: dict[str, Case] = {
    # deep nesting
    "3000 nested ?:": Case({"t.bns": "input x\noutput y\nstep { y = " + "x ? " * 3000 + "true" + " : false" * 3000
                            + " }\n"}, ["check", "{d}/t.bns"], 2, "levels deep"),
    "1500 nested if": Case({"t.bns": "input x\noutput y\nstep {\n" + "if x {\n" * 1500 + "y = true\n"
                            + "} else { y = false }\n" * 1500 + "}\n"}, ["check", "{d}/t.bns"], 2, "levels deep"),
    "100000 nested JSON arrays": Case({"n.json": _deep_json(100_000), "t.bns": DELAY1_SPEC},
                                      ["import", "rnnviz", "{d}/n.json", "--spec", "{d}/t.bns", "-o", "{d}/o.ir"],
                                      2, "too deeply"),
    # IR files that are not networks
    "IR of comments only": Case({"m.ir": "# a comment\n# another\n"}, ["stats", "{d}/m.ir"], 2, "only comments"),
    "IR of comments only (snap)": Case({"m.ir": "# a comment\n"}, ["snap", "{d}/m.ir", "-o", "{d}/o.ir"], 2,
                                       "only comments"),
    # non-finite and overflowing numbers
    "NaN weight": Case({"m.ir": _weight("nan")}, ["snap", "{d}/m.ir", "-o", "{d}/o.ir"], 2, "non-finite"),
    "inf weight": Case({"m.ir": _weight("inf")}, ["opt", "{d}/m.ir", "-o", "{d}/o.ir", "-q"], 2, "non-finite"),
    "1e999 weight": Case({"m.ir": _weight("1e999")}, ["verify", "{d}/m.ir"], 2, "non-finite"),
    "NaN initial state": Case({"m.ir": DELAY1_IR.replace("= 0.54937315 <-", "= nan <-")}, ["stats", "{d}/m.ir"], 2,
                              "non-finite"),
    "weights near the float maximum (snap)": Case({"m.ir": _weight("1.7e308", "1.7e308")},
                                                 ["snap", "{d}/m.ir", "-o", "{d}/o.ir", "--budget", "300"], 1),
    "weights near the float maximum (opt)": Case({"m.ir": _weight("1.7e308", "1.7e308")}, ["opt", "{d}/m.ir", "-o", "{d}/o.ir",
                                                                                 "-q"], 1, "not finite"),
    "rnn-viz integer of 400 digits": Case({"n.json": GRAPH_JSON.replace('"outputDim": 4', '"outputDim": 1' + "0" * 400),
                                           "t.bns": DELAY1_SPEC},
                                          ["import", "rnnviz", "{d}/n.json", "--spec", "{d}/t.bns", "-o", "{d}/o.ir"],
                                          2, "too large"),
    "rnn-viz outputDim 10^9": Case({"n.json": GRAPH_JSON.replace('"outputDim": 4', '"outputDim": 1000000000'),
                                    "t.bns": DELAY1_SPEC},
                                   ["import", "rnnviz", "{d}/n.json", "--spec", "{d}/t.bns", "-o", "{d}/o.ir"], 2,
                                   "too large", timeout=10),
    "invalid JSON escape in the spec name": Case({"m.ir": DELAY1_IR.replace('spec "delay1"', r'spec "d\q"')},
                                                 ["stats", "{d}/m.ir"], 2, "not a valid quoted string"),
    # resource limits
    "batch 10^11": Case({"t.bns": _TRAIN.replace("batch = 256", "batch = 100000000000")}, ["train", "{d}/t.bns"],
                        2, "at most"),
    "length 10^10": Case({"t.bns": _TRAIN.replace("length = 20", "length = 10000000000")},
                         ["train", "{d}/t.bns"], 2, "at most"),
    "10^8 outputs per cell": Case({"t.bns": _TRAIN.replace("outputs = 4", "outputs = 100000000")},
                                  ["train", "{d}/t.bns"], 2, "at most"),
    "restarts 10^6": Case({"t.bns": _TRAIN}, ["train", "{d}/t.bns", "--restarts", "1000000"], 2, "restarts"),
    "state_noise 1e300": Case({"t.bns": _TRAIN.replace("steps = 1", "steps = 1\n    state_noise = 1e300")},
                              ["train", "{d}/t.bns"], 2, "at most"),
    "a run that does not fit in memory": Case({"t.bns": _TRAIN.replace("batch = 256", "batch = 1048576").replace(
        "length = 20", "length = 5000")}, ["train", "{d}/t.bns"], 2, "of memory"),
    "2000 stacked cells": Case({"t.bns": _TRAIN.replace(
        "    cell(outputs = 4, states = 2, activation = interpolated_ameo(factor = 0.5, leakyness = 0.1))",
        "\n".join(["    cell(outputs = 2, states = 1)"] * 2000))}, ["train", "{d}/t.bns"], 2, "more than"),
    "sample of 10^9 sequences": Case({"t.bns": DELAY1_SPEC}, ["sample", "{d}/t.bns", "--count", "1000000000",
                                                              "--length", "1000"], 2, "of memory"),
    "verify with sequences of 10^9 steps": Case({"m.ir": DELAY1_IR}, ["verify", "{d}/m.ir", "--long-length",
                                                                      "1000000000"], 2, "of memory"),
    "endless input": Case({}, ["check", "/dev/zero"], 2, "input size limit", timeout=30),
    "endless model": Case({}, ["stats", "/dev/zero"], 2, "input size limit", timeout=30),
    # hangs on huge spec state spaces
    "verify, spec with 4e18 states": Case({"m.ir": _ALWAYS_FALSE + 'spec "big"\n'
                                           + "\n".join(f"| {line}" for line in _BIG_STATE.split("\n")) + "\nend\n"},
                                          ["verify", "{d}/m.ir", "-q"], 0, "cut short", timeout=240),
    # embedded specs as strict as spec files
    "embedded spec with a syntax error": Case({"m.ir": _ir(DELAY1_SPEC.replace("y = previous", "y = = previous"))},
                                              ["stats", "{d}/m.ir"], 2, "in the embedded spec"),
    "embedded constraint admitting no input": Case({"m.ir": _ir(_NO_INPUT)}, ["verify", "{d}/m.ir", *FAST_VERIFY],
                                                   2, "admits no input"),
    "embedded spec with a reachable dead end": Case({"m.ir": _ir(_DEAD_END)}, ["verify", "{d}/m.ir", *FAST_VERIFY],
                                                    2, "admits no input"),
    "embedded spec leaving its range at step 4": Case({"m.ir": _ir(_RANGE)}, ["simulate", "{d}/m.ir", "--seq", "1"],
                                                      2, "outside its range"),
    "embedded spec leaving its range (verify)": Case({"m.ir": _ir(_RANGE)}, ["verify", "{d}/m.ir", *FAST_VERIFY], 2,
                                                     "outside its range"),
    # nothing lost
    "train over a user's task.jsonl": Case({"task.bns": _TRAIN, "task.loss.jsonl": '{"inputs": [[1]]}\n'},
                                           ["train", "{d}/task.bns"], 2, "not written by bonsaic",
                                           unchanged=("task.loss.jsonl",)),
    "opt -o equal to its input": Case({"m.ir": DELAY1_IR}, ["opt", "{d}/m.ir", "-o", "{d}/m.ir", "-q"], 2,
                                      "overwrite the input", unchanged=("m.ir",)),
    "opt -o equal to --spec": Case({"m.ir": DELAY1_IR, "t.bns": DELAY1_SPEC},
                                   ["opt", "{d}/m.ir", "--spec", "{d}/t.bns", "-o", "{d}/t.bns", "-q"], 2,
                                   "overwrite the input", unchanged=("t.bns",)),
    "import -o equal to its input": Case({"n.json": GRAPH_JSON, "t.bns": DELAY1_SPEC},
                                         ["import", "rnnviz", "{d}/n.json", "--spec", "{d}/t.bns", "-o", "{d}/n.json"],
                                         2, "overwrite the input", unchanged=("n.json",)),
    "snap over a user's file": Case({"m.ir": DELAY1_IR, "notes.txt": "my notes\n"},
                                    ["snap", "{d}/m.ir", "-o", "{d}/notes.txt"], 2, "not written by bonsaic",
                                    unchanged=("notes.txt",)),
}


def run_case(case: Case, work: Path) -> list[Outcome]:
    """Run ``case`` in the directory ``work``; a wrong exit code or message makes the outcome a crash."""
    for name, text in case.files.items():
        (work / name).write_text(text)
    argv = [arg.replace("{d}", str(work)) for arg in case.argv]
    watch = [work / name for name in case.unchanged] + [work / name for name in case.files
                                                        if name.endswith((".bns", ".json"))]
    outcome = run(argv, watch=watch, timeout=case.timeout)
    if outcome.acceptable and (outcome.exit_code != case.exit_code or case.says not in outcome.stderr + outcome.stdout):
        outcome.stderr = f"expected exit {case.exit_code} saying {case.says!r}, got exit {outcome.exit_code}:\n" \
                         + outcome.stderr
        outcome.kind = "crash"
    return [outcome]


def corpus_json() -> str:
    """The corpus's names, commands and expectations (for docs)."""
    return json.dumps({name: {"argv": case.argv, "exit": case.exit_code, "says": case.says}
                       for name, case in CASES.items()}, indent=1)
