#!/usr/bin/env bash
# The README's main job on a bundled example: set up, check the spec, train a network, optimise it with
# verified passes, emit readable code (boolean logic, Python, a Graphviz picture, a Mealy machine, a VCD
# waveform) and an interactive HTML report.
# Usage: bash scripts/demo.sh [SPEC] [OUTDIR]      (defaults: examples/delay2.bns, out/)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"
SPEC="${1:-examples/delay2.bns}"
OUT="${2:-out}"
NAME="$(basename "$SPEC" .bns)"
B=".venv/bin/bonsaic"
mkdir -p "$OUT"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. check the task spec"
$B check "$SPEC"

step "2. train (tinygrad, CPU) -> $OUT/$NAME.ir"
$B train "$SPEC" -o "$OUT/$NAME.ir"    # the spec's own settings; the defaults where it gives none (delay2 gives none)

step "3. verify the trained network against its spec"
$B verify "$OUT/$NAME.ir"
$B stats "$OUT/$NAME.ir"

step "4. optimise with the default verified pipeline -> $OUT/$NAME.opt.ir (per-pass IR in $OUT/$NAME.passes/)"
$B opt "$OUT/$NAME.ir" --stats --dump-ir "$OUT/$NAME.passes" -o "$OUT/$NAME.opt.ir"
$B stats "$OUT/$NAME.opt.ir"

step "5. emit code"
$B opt "$OUT/$NAME.opt.ir" -p dce --emit py -o "$OUT/${NAME}_net.py"
$B opt "$OUT/$NAME.opt.ir" -p dce --emit bool -o "$OUT/${NAME}_bool.py"
$B opt "$OUT/$NAME.opt.ir" -p dce --emit dot -o "$OUT/$NAME.dot"
$B opt "$OUT/$NAME.opt.ir" -p dce --emit dot --render svg -o "$OUT/$NAME.svg"
$B opt "$OUT/$NAME.opt.ir" -p dce --emit mealy -o "$OUT/$NAME.mealy.dot"
$B opt "$OUT/$NAME.opt.ir" -p dce --emit rnnviz -o "$OUT/$NAME.rnnviz.json"
$B simulate "$OUT/$NAME.opt.ir" --random 1000 --seed 3 --vcd "$OUT/$NAME.vcd"
cat "$OUT/${NAME}_bool.py"

step "6. run the decompiled program on sampled sequences and compare with the spec"
$B sample "$SPEC" --count 200 --length 30 --seed 7 > "$OUT/$NAME.samples.jsonl"
.venv/bin/python "$OUT/${NAME}_bool.py" < "$OUT/$NAME.samples.jsonl" > "$OUT/$NAME.bool-out.jsonl"
.venv/bin/python - "$OUT/$NAME.samples.jsonl" "$OUT/$NAME.bool-out.jsonl" <<'PY'
import json, sys
want = [json.loads(l)["outputs"] for l in open(sys.argv[1])]
got = [json.loads(l)["outputs"] for l in open(sys.argv[2])]
bad = sum(w != g for w, g in zip(want, got)) + abs(len(want) - len(got))
print(f"decompiled program vs spec: {len(want) - bad}/{len(want)} sequences identical")
sys.exit(1 if bad else 0)
PY

step "7. the interactive report -> $OUT/$NAME.report.html (open it in a browser)"
$B report "$OUT/$NAME.opt.ir" -o "$OUT/$NAME.report.html" --opt-dir "$OUT/$NAME.passes" --loss-log "$OUT/$NAME.loss.jsonl"

step "done: $OUT/$NAME.report.html (interactive), $OUT/${NAME}_bool.py, $OUT/${NAME}_net.py, $OUT/$NAME.svg (picture), $OUT/$NAME.mealy.dot, $OUT/$NAME.vcd, $OUT/$NAME.opt.ir"
