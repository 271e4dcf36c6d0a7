#!/usr/bin/env bash
# Times the real binary: `envsafe run -- true` against bare `true` with 100
# and 10,000 encrypted values, and `set` in a 10,000-value file (fsync
# included). Prints the medians; needs hyperfine (Debian package).
# Usage: bash bench/run.sh [RUNS]   (default 200 runs per command)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-200}
command -v hyperfine >/dev/null || { echo "bench/run.sh needs hyperfine: apt-get install hyperfine" >&2; exit 1; }
# The shipped build: static (no dynamic loader at start-up, ~0.6 ms here)
# plus the cfgs of .cargo/config.toml (RUSTFLAGS replaces that file's flags).
HOST=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-C target-feature=+crt-static --cfg chacha20_force_soft --cfg poly1305_force_soft" \
  cargo build --release --quiet --target "$HOST"
BIN=$PWD/target/$HOST/release/envsafe
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

make_project() { # dir, n
  mkdir -p "$1"
  ( cd "$1"
    python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write(''.join(f'VAR_{i}=value-number-{i}\n' for i in range(n)))" "$2" > .env
    "$BIN" -q encrypt )
}

median_ms() { # hyperfine json, command index
  python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results'][int(sys.argv[2])]; print(f\"{r['median']*1000:.3f}\")" "$1" "$2"
}

echo "envsafe $("$BIN" --version | cut -d' ' -f2), $(nproc) cores, $RUNS runs per command"
for n in 100 10000; do
  make_project "$WORK/p$n" "$n"
  ( cd "$WORK/p$n"
    hyperfine -N --warmup 20 --runs "$RUNS" --export-json "$WORK/run$n.json" \
      "true" "$BIN --version" "$BIN run -- true" >/dev/null )
  bare=$(median_ms "$WORK/run$n.json" 0)
  start=$(median_ms "$WORK/run$n.json" 1)
  with=$(median_ms "$WORK/run$n.json" 2)
  python3 - "$n" "$bare" "$start" "$with" <<'PY'
import sys
n, bare, start, run = int(sys.argv[1]), *map(float, sys.argv[2:])
print(f"run -- true, {n:5d} encrypted values: median {run:7.3f} ms, bare true {bare:.3f} ms"
      f" -> adds {run - bare:.3f} ms   (envsafe --version alone: {start:.3f} ms)")
PY
done
( cd "$WORK/p10000"
  hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/set.json" \
    "$BIN -q set VAR_5000 new-value" >/dev/null )
printf 'set in a 10000-value file (fsync included): median %s ms\n' "$(median_ms "$WORK/set.json" 0)"
