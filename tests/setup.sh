#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, skipping what is there:
# the `age` CLI (interop tests) and the real dotenvx (parser differential test).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq age >/dev/null
fi
if [ ! -d tests/dotenvx/node_modules/@dotenvx/dotenvx ]; then
  npm ci --prefix tests/dotenvx --no-audit --no-fund --loglevel=error >/dev/null
fi
if ! python3 -c "import nacl, cryptography" 2>/dev/null; then
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore pynacl cryptography
fi
if ! command -v pre-commit >/dev/null; then
  python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore pre-commit
fi
