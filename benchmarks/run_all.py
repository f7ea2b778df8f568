"""Run every benchmark and write one results table: ``benchmarks/RESULTS.md``.

Usage (one command, after ``bash scripts/setup.sh``)::

    .venv/bin/python benchmarks/run_all.py            # full run
    .venv/bin/python benchmarks/run_all.py --quick    # smaller sizes, for a smoke test
    .venv/bin/python benchmarks/run_all.py train opt  # only some benchmarks

Each ``benchmarks/bench_<name>.py`` exposes ``main(quick: bool = False) -> str`` returning a markdown
section with numbers it measured in this run; this script only collects them, with the machine they ran
on and the command that reproduces them.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip() or "uncommitted"
    except OSError:
        commit = "unknown"
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}, commit {commit}")


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", HERE / f"bench_{name}.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def main() -> int:
    available = sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help=f"subset of {available}")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke test)")
    parser.add_argument("-o", "--output", default=str(HERE / "RESULTS.md"))
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(available))
    if unknown:
        parser.error(f"unknown benchmark(s) {unknown}; choose from {available}")
    names = args.names or available
    sections = [
        "# Benchmark results\n",
        f"Machine: {_machine()}.  ",
        f"Command: `.venv/bin/python benchmarks/run_all.py{' --quick' if args.quick else ''}"
        f"{' ' + ' '.join(args.names) if args.names else ''}` "
        f"({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}).\n",
    ]
    failed = 0
    for name in names:
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        start = time.perf_counter()
        try:
            sections.append(_load(name).main(quick=args.quick).rstrip() + "\n")
        except Exception as exc:  # a failing benchmark is reported, not hidden
            failed += 1
            sections.append(f"## {name}\n\nFAILED: {type(exc).__name__}: {exc}\n")
        print(f"[bench] {name} done in {time.perf_counter() - start:.1f} s", file=sys.stderr, flush=True)
    Path(args.output).write_text("\n".join(sections))
    print(f"wrote {args.output}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
