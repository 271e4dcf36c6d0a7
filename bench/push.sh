#!/usr/bin/env bash
# Deploy targets: what `push` costs over the work it cannot avoid.
#
# A project with 100 encrypted values (bench/run.sh's shape) and two targets
# sending all 100: `fly` (app `bench`) and `k8s`. The platform CLIs are stub
# programs that read stdin whole and exit (the fly stub answers `version`
# too): the figure is envsafe's share, not a platform's.
#
#   A: sh -c 'envsafe get --format json VAR_0 … VAR_99 | STUB'
#   B: sh -c 'envsafe push TARGET'        (STUB run by envsafe, values on stdin)
#
# Interleaved in one run (bench/abtime.py: A, B, B, A, …), the same project,
# the same binary; medians, the median per-pair difference, B / A.
# Target (issue 10): push <= 1.5x the get-and-pipe baseline.
#
# Usage: bash bench/push.sh [BINARY]   (default: this tree, installed like
#   bench/run.sh does: `cargo install --locked --path .`); RUNS (default 1000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-1000}
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
while read -r var; do unset "$var"; done < <(compgen -e | grep '^ENVSAFE_' || true)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin"
if [ -n "${1:-}" ]; then
  cp "$1" "$WORK/bin/envsafe"
else
  cargo install --locked --quiet --path . --root "$WORK/install"
  cp "$WORK/install/bin/envsafe" "$WORK/bin/"
  echo "built from $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
fi
E=$WORK/bin/envsafe
export HOME=$WORK/home && mkdir -p "$HOME"

# The stubs: POSIX sh, read stdin whole, exit 0.
printf '#!/bin/sh\n[ "$1" = version ] && { echo "flyctl v0.4.14 linux/amd64 Commit: bench BuildDate: 2026-01-01T00:00:00Z"; exit 0; }\ncat >/dev/null\n' > "$WORK/bin/flyctl"
printf '#!/bin/sh\ncat >/dev/null\n' > "$WORK/bin/stub"
chmod +x "$WORK/bin/flyctl" "$WORK/bin/stub"
export ENVSAFE_FLYCTL=$WORK/bin/flyctl ENVSAFE_KUBECTL=$WORK/bin/stub

P=$WORK/p
mkdir -p "$P" && cd "$P" && git init -q && "$E" -q init
python3 - >> .env <<'PY'
import sys
# Single-quoted: literal `$`, `#` and `"` in every value (what platforms mangle).
sys.stdout.write("".join(f"VAR_{i}='value-number-{i}-$x#y\"z'\n" for i in range(100)))
PY
"$E" -q encrypt
names=$(python3 -c "print(', '.join(f'\"VAR_{i}\"' for i in range(100)))")
cat >> envsafe.toml <<TOML

[targets.fly]
kind = "fly"
app = "bench"
env = "development"
vars = [$names]

[targets.kube]
kind = "k8s"
env = "development"
vars = [$names]
TOML
list=$(python3 -c "print(' '.join(f'VAR_{i}' for i in range(100)))")
# It really sends 100 values.
[ "$("$E" push --dry-run fly 2>/dev/null | wc -l)" = 100 ]
"$E" -q push fly kube

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $RUNS interleaved pairs"
printf '  %-44s %11s  %11s  %10s  %7s\n' "" "get | stub" "push" "per pair" "ratio"
for t in ${BENCH_TARGETS:-fly kube}; do
  read -r a b diff < <(python3 "$ROOT/bench/abtime.py" "$RUNS" \
    ::: sh -c "\"$E\" get --format json $list | \"$WORK/bin/stub\"" \
    ::: sh -c "\"$E\" -q push $t")
  ratio=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.3f", b / a }')
  printf '  %-44s %8s ms  %8s ms  %7s ms  %6sx\n' "push $t, 100 values" "$a" "$b" "$diff" "$ratio"
  awk -v r="$ratio" 'BEGIN { if (r <= 1.5) printf "  -> target push <= 1.5x: met (%.3f)\n", r;
                             else printf "  -> target push <= 1.5x: MISSED (%.3f)\n", r }'
done
