"""Which commands each kind of input goes through, and the oracles that judge them together.

An input is written into a fresh directory and handed to every command that reads that kind of file.
Besides "no crash, no hang, no lost file" (:mod:`tests.fuzz.harness`), one differential oracle
catches silent acceptance: a spec that ``bonsaic check`` rejects must be rejected by every command
reading a model that embeds it, and one that ``check`` accepts must not be (the embedded spec is
checked exactly as strictly as a spec file).
"""

from __future__ import annotations

from pathlib import Path

from tests.fuzz.harness import FAST_VERIFY, Outcome, run
from tests.fuzz.mutations import ROOT, embed_spec

DELAY1_SPEC = ROOT / "examples/delay1.bns"
DELAY1_IR = ROOT / "tests/fuzz/seeds/delay1.ir"
SEQUENCE = "1,-1,1,1,-1"


def spec_runs(text: str, work: Path, timeout: float = 60.0) -> list[Outcome]:
    """``check`` and ``sample`` on the spec, and ``stats`` on a model embedding it (differential)."""
    spec = work / "task.bns"
    spec.write_text(text, encoding="utf-8", errors="surrogatepass")
    model = work / "embedded.ir"
    model.write_text(embed_spec(DELAY1_IR.read_text(), text), encoding="utf-8", errors="surrogatepass")
    watch = [spec, model]
    checked = run(["check", str(spec)], watch=watch, timeout=timeout)
    sampled = run(["sample", str(spec), "--count", "2", "--length", "6"], watch=watch, timeout=timeout)
    embedded = run(["stats", str(model)], watch=watch, timeout=timeout)
    outcomes = [checked, sampled, embedded]
    if checked.kind in ("ok", "clean") and embedded.kind in ("ok", "clean") and checked.kind != embedded.kind \
            and "\r" not in text:  # a lone CR is a line break to the IR's lexer, not to the spec's
        embedded.kind = "crash"
        embedded.stderr = (f"silent acceptance or over-rejection: check said {checked.kind}, stats on the "
                           f"embedding model said {embedded.kind}\ncheck: {checked.stderr}\nstats: {embedded.stderr}")
    return outcomes


def ir_runs(text: str, work: Path, timeout: float = 60.0) -> list[Outcome]:
    """``stats``, ``simulate``, a small ``verify`` and ``snap`` on the model; outputs go to new files,
    and once on top of the input itself (which must be refused)."""
    model = work / "model.ir"
    model.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = work / "out.ir"
    watch = [model]
    return [
        run(["stats", str(model)], watch=watch, timeout=timeout),
        run(["simulate", str(model), "--seq", SEQUENCE], watch=watch, timeout=timeout),
        run(["verify", str(model), "-q", *FAST_VERIFY], watch=watch, timeout=timeout),
        run(["snap", str(model), "-o", str(out), "--budget", "200"], watch=watch, replaceable=[out],
            timeout=timeout),
        run(["opt", str(model), "-o", str(model), "-q"], watch=watch, timeout=timeout),  # refused: an input
    ]


def rnnviz_runs(text: str, work: Path, timeout: float = 60.0) -> list[Outcome]:
    """``import rnnviz`` with the delay1 spec, then ``stats`` on what it wrote (if it wrote anything)."""
    source = work / "network.json"
    source.write_text(text, encoding="utf-8", errors="surrogatepass")
    out = work / "imported.ir"
    imported = run(["import", "rnnviz", str(source), "--spec", str(DELAY1_SPEC), "-o", str(out)],
                   watch=[source], replaceable=[out], timeout=timeout)
    if imported.exit_code == 0 and out.is_file():
        return [imported, run(["stats", str(out)], watch=[source, out], timeout=timeout)]
    return [imported]
