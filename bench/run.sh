#!/usr/bin/env bash
# Times the real binary: `envsafe run -- true` against bare `true` with 100
# and 10,000 encrypted values (an interleaved A/B loop, bench/abtime.py), and
# `set` in a 10,000-value file, fsync included (hyperfine, Debian package).
# Prints the medians.
# Usage: bash bench/run.sh [RUNS]   (default 2000 runs per command)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-2000}
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
  # Interleaved A/B loop: `true`, `envsafe run -- true`, `true`, … so drift
  # between batches does not land on one side (hyperfine runs them in blocks).
  read -r bare with added < <(cd "$WORK/p$n" && python3 "$OLDPWD/bench/abtime.py" "$RUNS" ::: true ::: "$BIN" run -- true)
  read -r _ start _ < <(cd "$WORK/p$n" && python3 "$OLDPWD/bench/abtime.py" "$RUNS" ::: true ::: "$BIN" --version)
  printf 'run -- true, %5d encrypted values: median %7s ms, bare true %s ms -> adds %s ms   (envsafe --version alone: %s ms)\n' \
    "$n" "$with" "$bare" "$added" "$start"
done
( cd "$WORK/p10000"
  hyperfine -N --warmup 5 --runs "$RUNS" --export-json "$WORK/set.json" \
    "$BIN -q set VAR_5000 new-value" >/dev/null )
printf 'set in a 10000-value file (fsync included): median %s ms\n' "$(median_ms "$WORK/set.json" 0)"

# check: 5 environments x 1,000 variables, each with a schema rule (issue 3).
mkdir -p "$WORK/check" && ( cd "$WORK/check"
  python3 - <<'PY'
envs = ["development", "staging", "production", "test", "ci"]
kinds = [("int", "42"), ("port", "8080"), ("bool", "true"), ("hex", "00ff"), ("url", "https://example.com/x"),
         ("email", "a@example.com"), ("json", "'{\"a\":1}'"), ("string", "plain"), ("base64", "aGVsbG8=")]
with open("envsafe.toml", "w") as f:
    for e in envs:
        f.write(f'[environments.{e}]\nfiles = [".env.{e}"]\n\n')
    for i in range(1000):
        kind, _ = kinds[i % len(kinds)]
        f.write(f'[vars.VAR_{i}]\ntype = "{kind}"\nsecret = false\nrequired = true\n')
        if i % 10 == 0:
            f.write('pattern = ".+"\n')
        f.write("\n")
for e in envs:
    with open(f".env.{e}", "w") as f:
        for i in range(1000):
            f.write(f"VAR_{i}={kinds[i % len(kinds)][1]}\n")
PY
  "$BIN" check -q
  hyperfine -N --warmup 3 --runs "$(( RUNS / 20 > 10 ? RUNS / 20 : 10 ))" --export-json "$WORK/check.json" "$BIN -q check" >/dev/null )
printf 'check, 5 environments x 1000 variables (plain values): median %s ms\n' "$(median_ms "$WORK/check.json" 0)"
