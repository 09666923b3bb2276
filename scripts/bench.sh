#!/usr/bin/env bash
# Benchmarks (not tests): each scripts/bench-<name>.sh prints medians and
# ratios against a baseline measured in the same run.
#   scripts/bench.sh            run every benchmark
#   scripts/bench.sh recordings run scripts/bench-recordings.sh only
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
names=("$@")
if ((${#names[@]} == 0)); then
  for f in scripts/bench-*.sh; do [[ -e "$f" ]] && names+=("$(basename "$f" .sh | sed 's/^bench-//')"); done
fi
((${#names[@]})) || { echo "no benchmarks yet"; exit 0; }
for n in "${names[@]}"; do
  echo "==== benchmark: $n"
  "scripts/bench-$n.sh"
done
