#!/usr/bin/env bash
# `bonsaic opt MODEL --emit bool` with two commits' code on the same models, interleaved, ROUNDS rounds:
# wall time per run, exit code, and whether the two wrote the same program and the same messages.
# Usage: bash benchmarks/opt_two_commits.sh BEFORE AFTER ROUNDS MODEL.ir...   (commits, e.g. f2b959f main)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
before=$1 after=$2 rounds=$3; shift 3
work="$(mktemp -d)"
for side in "$before" "$after"; do git -C "$ROOT" worktree add -q --detach "$work/$side" "$side"; done
trap 'for side in "$before" "$after"; do git -C "$ROOT" worktree remove --force "$work/$side"; done' EXIT
for round in $(seq "$rounds"); do
  for model in "$@"; do
    name="$(basename "$model" .ir)"
    for side in "$before" "$after"; do
      start=$(date +%s.%N)
      rc=0
      PYTHONPATH="$work/$side" "$ROOT/.venv/bin/python" -c "from bonsaic.cli.main import main; main()" \
        opt "$model" --emit bool -q -o "$work/out-$side-$name.py" --force > /dev/null 2> "$work/err-$side-$name.txt" || rc=$?
      printf '%s %s %s rc=%s %.1f s\n' "$round" "$name" "$side" "$rc" "$(echo "$(date +%s.%N) - $start" | bc)"
    done
  done
done
for model in "$@"; do
  name="$(basename "$model" .ir)"
  same=yes
  cmp -s "$work/err-$before-$name.txt" "$work/err-$after-$name.txt" || same=no
  if [ -e "$work/out-$before-$name.py" ] || [ -e "$work/out-$after-$name.py" ]; then
    cmp -s "$work/out-$before-$name.py" "$work/out-$after-$name.py" || same=no
  fi
  echo "$name: same output and messages: $same"
done
