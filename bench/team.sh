#!/usr/bin/env bash
# Team keys (age): what linking age costs at start-up, what unlocking the
# environment key from a team key file costs, and what `rotate` costs.
#
# 1. Start-up, BASE binary (before age) against NEW, interleaved in one loop
#    (bench/abtime.py: base, new, new, base, …), same projects, same HOME:
#    `--version` and `keygen` (the binary alone), `run -- true` with 100
#    encrypted values sealed in one batch (bench/run.sh's project, key in
#    .env.keys; target: new within 3% of base), and the same 100 values
#    stored by 100 × `set` (one ephemeral key, so one X25519, per value).
#    Skipped when no BASE binary is given.
# 2. Team-file unlock, NEW binary: an environment with 20 X25519 recipients
#    (.envsafe/development.age), `run -- true` with 100 values. With no
#    .env.keys, the key comes from the team file, opened with the identity
#    in $HOME/.config/envsafe/identity.txt (0600; no ~/.ssh keys, no
#    ENVSAFE_* variables: that one identity is all that is loaded), of the
#    LAST recipient added (the worst case: its stanza is tried last) and of
#    the FIRST; against the same project with the key in .env.keys, in the
#    same interleaved loop. Target: team <= 1.5x the .env.keys run.
# 3. `rotate -e x`, NEW binary: 10 files x 1,000 values in one environment,
#    against the work it cannot avoid: `decrypt --stdout -f FILE` for each
#    file plus `encrypt -f COPY` of each file's plaintext, 20 commands summed.
#    Interleaved (rotate, baseline, rotate, …); before each timed side the
#    project is copied afresh from a template and synced, outside the
#    timing. Target: rotate <= 3x the baseline.
#
# Each figure: the medians, the median of the per-pair differences, and the
# ratio of the medians.
#
# Usage: bash bench/team.sh [BASE_BINARY] [NEW_BINARY]
#   NEW_BINARY defaults to this tree, installed like bench/run.sh does
#   (`cargo install --locked --path .`, .cargo/config.toml's static build).
#   RUNS (default 2000) pairs per start-up figure; ROTATE_ITERS (default 30).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-2000}
ROTATE_ITERS=${ROTATE_ITERS:-30}
unset RUSTFLAGS CARGO_ENCODED_RUSTFLAGS
while read -r var; do unset "$var"; done < <(compgen -e | grep '^ENVSAFE_' || true)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Both binaries are copied into $WORK, so that both are in the page cache
# the same way (BENCHMARKS.md: how a binary came into the cache changes
# its start-up by up to 0.2 ms) and have the same name.
mkdir -p "$WORK/base" "$WORK/new"
BASE=
if [ -n "${1:-}" ]; then cp "$1" "$WORK/base/envsafe"; BASE=$WORK/base/envsafe; fi
# NEW's helper, envsafe-team (team files, rotate), goes beside it.
if [ -n "${2:-}" ]; then
  cp "$2" "$WORK/new/envsafe"
  if [ -f "$(dirname "$2")/envsafe-team" ]; then cp "$(dirname "$2")/envsafe-team" "$WORK/new/"; fi
else
  cargo install --locked --quiet --path . --root "$WORK/install"
  cp "$WORK/install/bin/envsafe" "$WORK/install/bin/envsafe-team" "$WORK/new/"
  echo "NEW built from $(git rev-parse --short HEAD)$(git diff --quiet HEAD || echo ' (with uncommitted changes)')"
fi
NEW=$WORK/new/envsafe
# Projects are made with the base binary when there is one (the older format).
MAKER=${BASE:-$NEW}

# A HOME with nothing in it: no identity, no ~/.ssh.
export HOME=$WORK/home-empty
mkdir -p "$HOME"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }

# ab LABEL RUNS DIR A… ::: B…: prints A's and B's medians, the median
# per-pair difference (B - A) and B / A. Sets RATIO.
ab() {
  local label=$1 runs=$2 dir=$3 a b diff
  shift 3
  read -r a b diff < <(cd "$dir" && python3 "$ROOT/bench/abtime.py" "$runs" ::: "$@")
  RATIO=$(ratio "$a" "$b")
  printf '  %-52s %8s ms  %8s ms  %7s ms  %6sx\n' "$label" "$a" "$b" "$diff" "$RATIO"
}
head_line() { printf '  %-52s %11s  %11s  %10s  %7s\n' "" "$1" "$2" "per pair" "ratio"; }
verdict() { # RATIO TARGET: "met" or "MISSED by X%"
  awk -v r="$1" -v t="$2" 'BEGIN { if (r <= t) printf "met (%.3f <= %s)\n", r, t;
                                    else printf "MISSED: %.3f > %s, by %.1f%%\n", r, t, (r / t - 1) * 100 }'
}

make_plain() { # N PREFIX: N lines NAME=value on stdout
  python3 -c "import sys; n=int(sys.argv[1]); p=sys.argv[2]; sys.stdout.write(''.join(f'{p}{i}=value-number-{i}\n' for i in range(n)))" "$1" "$2"
}

# A project as `envsafe init` makes it, 100 values sealed in one batch.
make_project() { # DIR
  mkdir -p "$1"
  ( cd "$1" && git init -q && "$MAKER" -q init && make_plain 100 VAR_ >> .env && "$MAKER" -q encrypt )
}

new_identity() { # FILE: an age identity (age-keygen's format)
  if command -v age-keygen >/dev/null; then age-keygen -o "$1" 2>/dev/null
  else "$NEW" keygen > "$1"; fi
  chmod 600 "$1"
}
recipient_of() { sed -n 's/^# public key: //p' "$1"; }

echo "$(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for b in ${BASE:+"$BASE"} "$NEW"; do
  printf '%s: %s bytes (%s)\n' "$(basename "$(dirname "$b")")" "$(stat -c %s "$b")" \
    "$(size -A "$b" 2>/dev/null | awk '$1 ~ /^\.(text|rodata|data\.rel\.ro)$/ { printf "%s %d  ", $1, $2 }')"
done

# --- 1. start-up: base against new -------------------------------------------
if [ -n "$BASE" ]; then
  echo
  echo "1. Start-up, base vs new ($RUNS interleaved pairs; 500 for the 100-set project)"
  make_project "$WORK/p100"
  mkdir -p "$WORK/p100set" && ( cd "$WORK/p100set" && git init -q && "$BASE" -q init
    for i in $(seq 0 99); do printf 'value-number-%d' "$i" | "$BASE" -q set "VAR_$i"; done )
  head_line base new
  ab "--version" "$RUNS" "$WORK" "$BASE" --version ::: "$NEW" --version
  ab "keygen" "$RUNS" "$WORK" "$BASE" keygen ::: "$NEW" keygen
  ab "run -- true, 100 values (one batch, .env.keys)" "$RUNS" "$WORK/p100" \
    "$BASE" run -- true ::: "$NEW" run -- true
  echo "  -> target new <= 1.03x base: $(verdict "$RATIO" 1.03)"
  ab "run -- true, 100 values (100 x set, .env.keys)" 500 "$WORK/p100set" \
    "$BASE" run -- true ::: "$NEW" run -- true
fi

# --- 2. team-file unlock -------------------------------------------------------
echo
echo "2. Team-file unlock, new binary, 20 X25519 recipients, run -- true, 100 values ($RUNS pairs)"
make_project "$WORK/keyed"
mkdir -p "$WORK/ids"
for i in $(seq 1 20); do
  new_identity "$WORK/ids/$i.txt"
  "$NEW" -q -C "$WORK/keyed" recipients add "$(recipient_of "$WORK/ids/$i.txt")"
done
[ "$(grep -c '^    "age1' "$WORK/keyed/envsafe.toml")" = 20 ] || { echo "expected 20 recipients" >&2; exit 1; }
cp -a "$WORK/keyed" "$WORK/team" && rm "$WORK/team/.env.keys"
for who in first:1 last:20; do
  h=$WORK/home-${who%%:*}
  mkdir -p "$h/.config/envsafe" && chmod 700 "$h/.config" "$h/.config/envsafe"
  cp "$WORK/ids/${who#*:}.txt" "$h/.config/envsafe/identity.txt" && chmod 600 "$h/.config/envsafe/identity.txt"
  # It really is the team file that opens it, with that identity.
  [ "$(HOME=$h "$NEW" -C "$WORK/team" run -- printenv VAR_99)" = value-number-99 ]
done
head_line ".env.keys" "team file"
for who in last first; do
  # Both sides with the same HOME: the only difference is .env.keys.
  HOME=$WORK/home-$who ab "identity of the $who recipient added" "$RUNS" "$WORK" \
    "$NEW" -C keyed run -- true ::: "$NEW" -C team run -- true
  echo "  -> target team <= 1.5x .env.keys: $(verdict "$RATIO" 1.5)"
done

# --- 3. rotate -------------------------------------------------------------------
echo
echo "3. rotate -e x, 10 files x 1000 values, new binary ($ROTATE_ITERS interleaved iterations)"
T=$WORK/rotate-template
mkdir -p "$T/env" "$T/plain"
( cd "$T" && git init -q && "$MAKER" -q init -e x && rm .env.x
  files=$(for i in $(seq 0 9); do printf '"env/x%d.env", ' "$i"; done)
  sed -i "s|^files = .*|files = [${files%, }]|" envsafe.toml
  for i in $(seq 0 9); do
    make_plain 1000 "VAR_${i}_" > "env/x$i.env"
    "$MAKER" -q -e x encrypt -f "env/x$i.env"
    "$NEW" -e x decrypt --stdout -f "env/x$i.env" > "plain/x$i.env"   # the copies to re-encrypt
  done
  [ "$(grep -c 'envsafe:v1:' env/*.env | awk -F: '{ s += $2 } END { print s }')" = 10000 ] )
# Sanity: rotate works on a copy, and the values are still there after it.
cp -a "$T" "$WORK/rotate-check" && ( cd "$WORK/rotate-check" && "$NEW" -q -e x rotate \
  && [ "$("$NEW" -e x get VAR_9_999)" = value-number-999 ] \
  && ! cmp -s envsafe.toml "$T/envsafe.toml" )
python3 - "$T" "$WORK/rotate-run" "$NEW" "$ROTATE_ITERS" <<'PY'
import os, shutil, statistics, subprocess, sys, time

template, work, envsafe, iters = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
devnull = os.open(os.devnull, os.O_WRONLY)
rotate = [[envsafe, "-q", "-e", "x", "rotate"]]
baseline = [[envsafe, "-e", "x", "decrypt", "--stdout", "-f", f"env/x{i}.env"] for i in range(10)] + \
           [[envsafe, "-q", "-e", "x", "encrypt", "-f", f"plain/x{i}.env"] for i in range(10)]

def fresh():  # outside the timing
    os.chdir("/")
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", template, work], check=True)
    os.sync()
    os.chdir(work)

def timed(cmds):  # ms for the commands, one after the other (as abtime.py spawns)
    fresh()
    total = 0
    for argv in cmds:
        start = time.perf_counter_ns()
        pid = os.posix_spawn(argv[0], argv, os.environ,
                             file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, status = os.waitpid(pid, 0)
        total += time.perf_counter_ns() - start
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"{' '.join(argv)} failed")
    return total / 1e6

for _ in range(3):  # warm-up
    timed(rotate), timed(baseline)
r, b = [], []
for _ in range(iters):
    r.append(timed(rotate))
    b.append(timed(baseline))
mr, mb = statistics.median(r), statistics.median(b)
md = statistics.median(y - x for x, y in zip(b, r))
print(f"  {'':52s} {'baseline':>11s}  {'rotate':>11s}  {'per pair':>10s}  {'ratio':>7s}")
print(f"  {'rotate vs 10 decrypt --stdout + 10 encrypt':52s} {mb:8.3f} ms  {mr:8.3f} ms  {md:+7.3f} ms  {mr / mb:6.3f}x")
print(f"  (rotate min/max {min(r):.2f}/{max(r):.2f} ms; baseline {min(b):.2f}/{max(b):.2f} ms)")
ok = mr / mb <= 3
print(f"  -> target rotate <= 3x baseline: " + (f"met ({mr / mb:.3f} <= 3)" if ok else f"MISSED: {mr / mb:.3f} > 3, by {(mr / mb / 3 - 1) * 100:.1f}%"))
PY
echo
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
