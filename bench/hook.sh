#!/usr/bin/env bash
# The pre-commit hook's cost against git's own cost of finding what is
# staged: a generated repository of N files (default 1,000 and 100,000, in
# 100-file directories), 5 files staged (3 modified, one of them an env file; 2 new
# file), then `envsafe hook run` vs `git diff --cached --name-only`, timed
# interleaved (bench/abtime.py). Needs python3 and git.
# Usage: bash bench/hook.sh [N…]
set -euo pipefail
cd "$(dirname "$0")/.."
HOST=$(rustc -vV | sed -n 's/^host: //p')
RUSTFLAGS="-C target-feature=+crt-static --cfg chacha20_force_soft --cfg poly1305_force_soft" \
  cargo build --release --quiet --target "$HOST"
BIN=$PWD/target/$HOST/release/envsafe
AB=$PWD/bench/abtime.py
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

[ $# -gt 0 ] || set -- 1000 100000
for n in "$@"; do
  repo=$WORK/repo$n
  mkdir -p "$repo" && cd "$repo" && git init -q . && git config gc.auto 0 && git config maintenance.auto false
  python3 - "$n" <<'PY'
import os, sys
n = int(sys.argv[1])
for i in range(n):
    d = f"src/d{i // 100:04d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:06d}.txt", "w") as f:
        f.write(f"file {i}\nline two\n")
with open(".env", "w") as f:
    f.write("PORT=8080\nLOG_LEVEL=info\n")
PY
  git add -A >/dev/null && git commit -q -m "generated" >/dev/null
  for i in 1 2; do echo "changed" >> "src/d0000/f00000$i.txt"; done
  echo "HOST=localhost" >> .env
  echo "new" > src/new1.txt && echo "new" > src/new2.txt
  git add src/d0000 .env src/new1.txt src/new2.txt
  staged=$(git diff --cached --name-only | wc -l)
  index_kb=$(( $(stat -c %s .git/index) / 1024 ))
  "$BIN" hook run
  runs=$(( n > 10000 ? 100 : 500 ))
  read -r git_ms hook_ms _ < <(python3 "$AB" "$runs" ::: git diff --cached --name-only ::: "$BIN" hook run)
  ratio=$(python3 -c "print(f'{$hook_ms/$git_ms:.2f}')")
  printf '%6d files (index %d KiB), %d staged: git diff --cached --name-only %s ms, envsafe hook run %s ms (%sx)\n' \
    "$n" "$index_kb" "$staged" "$git_ms" "$hook_ms" "$ratio"
  cd - >/dev/null
done
