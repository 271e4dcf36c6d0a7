#!/usr/bin/env bash
# Times the binary users install (the README's `cargo install --locked --path .`,
# here into a temporary --root): `envsafe run -- true` with 100 and 10,000
# encrypted values (10,000 also with a schema, and the ratio of the two),
# `envsafe --version`, `set` in a 10,000-value file (fsync included) and
# `check` on 5 environments x 1,000 variables. Each is timed in
# an interleaved loop with bare `true` (bench/abtime.py: true, envsafe, true,
# envsafe, …, so the machine's drift lands on both) and printed as medians and
# as a ratio to bare `true` from the same loop.
# Usage: bash bench/run.sh [RUNS]   (default 2000 runs per command)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${1:-2000}
# The shipped build is .cargo/config.toml's (static, portable ChaCha20/Poly1305);
# RUSTFLAGS in the environment would replace those flags.
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cargo install --locked --quiet --path . --root "$WORK/install"
BIN=$WORK/install/bin/envsafe

make_project() { # dir, n
  mkdir -p "$1"
  ( cd "$1"
    python3 -c "import sys; n=int(sys.argv[1]); sys.stdout.write(''.join(f'VAR_{i}=value-number-{i}\n' for i in range(n)))" "$2" > .env
    "$BIN" -q encrypt )
}

# ab LABEL RUNS DIR CMD…: CMD against bare `true`, interleaved, in DIR.
ab() {
  local label=$1 runs=$2 dir=$3 bare with added
  shift 3
  read -r bare with added < <(cd "$dir" && python3 "$ROOT/bench/abtime.py" "$runs" ::: true ::: "$@")
  LAST=$added
  printf '%-58s median %7s ms = %5sx bare true (%s ms), adds %s ms\n' "$label:" "$with" \
    "$(awk -v a="$bare" -v b="$with" 'BEGIN { printf "%.2f", b / a }')" "$bare" "$added"
}

echo "envsafe $("$BIN" --version | cut -d' ' -f2), $(nproc) cores, $RUNS runs per command"
ab "envsafe --version (starting the process at all)" "$RUNS" "$WORK" "$BIN" --version
for n in 100 10000; do
  make_project "$WORK/p$n" "$n"
  ab "run -- true, $n encrypted values" "$RUNS" "$WORK/p$n" "$BIN" run -- true
done
without_schema=$LAST
# The same 10,000 values with a schema (one `[vars.*]` entry: the other
# 9,999 are reported unknown, so every finding is built and printed): the
# values are read, opened and validated in one pass, not two (issue 8).
mkdir -p "$WORK/s10000" && cp "$WORK/p10000/.env" "$WORK/p10000/.env.keys" "$WORK/s10000/"
printf '[vars.VAR_1]\ntype = "string"\nmin_length = 3\n' > "$WORK/s10000/envsafe.toml"
ab "run -- true, 10000 encrypted values, a schema" "$RUNS" "$WORK/s10000" "$BIN" run -- true 2>/dev/null
printf '%-58s %s (target <= 1.2)\n' "10000 values, a schema / none (time added over true):" \
  "$(awk -v a="$without_schema" -v b="$LAST" 'BEGIN { printf "%.2f", b / a }')"
ab "set in a 10000-value file (fsync included)" "$RUNS" "$WORK/p10000" "$BIN" -q set VAR_5000 new-value

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
  "$BIN" check -q )
ab "check, 5 environments x 1000 variables (plain values)" "$(( RUNS / 20 > 10 ? RUNS / 20 : 10 ))" "$WORK/check" "$BIN" -q check

# Last, as it changes the state of the page cache: the same binary once its
# cached pages are dropped and read back by exec, as after a reboot. (Here
# the copy `cargo install` writes is cached in large folios, mapped with
# fewer page faults; exec reads it back in 4 KiB pages: ~0.15-0.2 ms slower.)
python3 -c "import os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)" "$BIN"
ab "run -- true, 100 values, binary re-read from disk by exec" "$RUNS" "$WORK/p100" "$BIN" run -- true
