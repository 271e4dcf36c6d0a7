#!/usr/bin/env bash
# Runs every cargo-fuzz target in fuzz/ for SECONDS each (default 300) and
# prints one line per target: executions, executions per second, crashes.
# Exits 1 when any target crashed, timed out (10 s for one input) or ran out
# of memory (one allocation over 256 MiB, or 2 GiB in all); the reproducers
# are in fuzz/artifacts/<target>/, the logs in fuzz/logs/.
#
#   bench/fuzz.sh [SECONDS]
#   FUZZ_RUNS=10000000 bench/fuzz.sh 3600   # stop each target after N executions
#   FUZZ_ARGS="-use_value_profile=1" bench/fuzz.sh 60   # extra libFuzzer flags
#   FUZZ_SANITIZER=address bench/fuzz.sh     # AddressSanitizer (~4x slower)
#   FUZZ_TARGETS="team_file config_load" bench/fuzz.sh 60   # some targets only
#
# envsafe forbids `unsafe` code, so the targets look for panics, aborts,
# stack overflows, timeouts and memory blow-ups, which libFuzzer catches
# without a sanitizer; the default build (`-s none`) runs 4-5x faster than
# AddressSanitizer's.
#
# Seeds are built at run time into fuzz/seeds/ (git-ignored) from
# ../shared/conformance when it exists, tests/vectors and examples/quickstart
# (fuzz/build_seeds.py); what a run discovers accumulates in fuzz/corpus/.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-300}
SANITIZER=${FUZZ_SANITIZER:-none}
TARGETS=(${FUZZ_TARGETS:-dotenv_parse envelope_open config_load hook_scan team_file})
read -ra EXTRA <<<"${FUZZ_ARGS:-}"
[ -n "${FUZZ_RUNS:-}" ] && EXTRA+=("-runs=$FUZZ_RUNS")

# Per-target flags. dotenv_parse inputs may be long from the start (no
# slow length ramp): deep `${…}` nesting needs a few KiB of balanced braces.
# (hook_scan keeps the ramp: at full length it runs 4x slower.)
target_flags() {
  case $1 in
    dotenv_parse) echo "-max_len=65536 -len_control=0" ;;
    hook_scan) echo "-max_len=65536" ;;
    *) echo "-max_len=8192" ;;
  esac
}

if ! cargo +nightly --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi

if command -v python3 >/dev/null; then
  python3 fuzz/build_seeds.py ../shared/conformance fuzz/seeds
else
  echo "note: no python3; fuzzing from fuzz/corpus only" >&2
fi
for t in "${TARGETS[@]}"; do
  mkdir -p "fuzz/seeds/$t" "fuzz/corpus/$t" "fuzz/artifacts/$t"
done
mkdir -p fuzz/logs

# Release with debug assertions: what `fuzz run` uses.
cargo +nightly fuzz build -s "$SANITIZER"

artifacts() {
  find "fuzz/artifacts/$1" -type f \
    \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) | sort
}

summary=()
failed=0
for t in "${TARGETS[@]}"; do
  echo "== $t: ${SECONDS_EACH}s" >&2
  before=$(artifacts "$t")
  log="fuzz/logs/$t.log"
  status=0
  read -ra flags <<<"$(target_flags "$t")"
  [ -f "fuzz/dict/$t.dict" ] && flags+=("-dict=fuzz/dict/$t.dict")
  cargo +nightly fuzz run -s "$SANITIZER" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
    -print_final_stats=1 "${flags[@]}" "${EXTRA[@]}" \
    >"$log" 2>&1 || status=$?
  new=$(comm -13 <(echo "$before") <(artifacts "$t") | grep -c . || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  line=$(printf '%-14s executions %10s  exec/s %7s  crashes %s' \
    "$t" "${execs:-?}" "${rate:-?}" "$new")
  if [ "$new" -gt 0 ]; then
    failed=1
    line+="  ($(comm -13 <(echo "$before") <(artifacts "$t") | tr '\n' ' '))"
  elif [ "$status" -ne 0 ]; then
    failed=1
    line+="  (exit $status, no artifact: see $log)"
  fi
  summary+=("$line")
done

echo
printf '%s\n' "${summary[@]}"
exit "$failed"
