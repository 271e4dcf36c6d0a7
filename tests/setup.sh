#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, skipping what is there:
# - apt: the `age` CLI (interop tests); `ssh-keygen` (openssh-client) and
#   `keyctl` (keyutils) for the team tests; python3 if missing; python3-venv when
#   `python3 -m venv` cannot make a virtual environment (stock Debian, Ubuntu);
# - docker compose v2 (the targets test reads a dotenv target back with
#   `docker-compose config`): Debian 12's docker-compose package is v1 (Python,
#   which neither interpolates env files nor reads `\$`), so Debian 13's
#   package (2.26.1, needs only libc) is unpacked into target/tools/ (pinned
#   by SHA-256; no apt source is changed);
# - kubectl is expected on PATH (the targets test cross-checks manifests);
# - npm: the real dotenvx (parser differential test) into tests/dotenvx/node_modules;
# - a virtual environment, target/venv (git-ignored): tests/requirements.txt,
#   PyNaCl + cryptography (tests/vectors/verify.py) and pre-commit (the hook
#   test). Never the system Python, which Debian 12 and Ubuntu 23.04+ refuse
#   to `pip install` into (PEP 668); the tests run target/venv/bin/….
set -euo pipefail
cd "$(dirname "$0")/.."
apt_install() {
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq "$@" >/dev/null
}
if ! command -v age >/dev/null || ! command -v age-keygen >/dev/null; then
  apt_install age
fi
if ! command -v ssh-keygen >/dev/null || ! command -v keyctl >/dev/null; then
  apt_install openssh-client keyutils
fi
compose=target/tools/docker-compose
if [ ! -x "$compose" ]; then
  deb=docker-compose_2.26.1-4_amd64.deb
  sum=47681197cb2b1ab88206b42a1a92fc75f50d9530a6322d03494a473eed0408ea
  command -v curl >/dev/null || apt_install curl
  mkdir -p target/tools/unpack
  curl -fsSL -o "target/tools/$deb" "http://deb.debian.org/debian/pool/main/d/docker-compose/$deb"
  echo "$sum  target/tools/$deb" | sha256sum -c --quiet
  dpkg-deb -x "target/tools/$deb" target/tools/unpack
  mv target/tools/unpack/usr/libexec/docker/cli-plugins/docker-compose "$compose"
  rm -rf target/tools/unpack "target/tools/$deb"
fi
if [ ! -d tests/dotenvx/node_modules/@dotenvx/dotenvx ]; then
  npm ci --prefix tests/dotenvx --no-audit --no-fund --loglevel=error >/dev/null
fi
if ! command -v python3 >/dev/null; then # tests/vectors, bench/, ../shared/conformance
  apt_install python3 python3-venv
fi
venv=target/venv
if [ ! -x "$venv/bin/python3" ] || [ ! -x "$venv/bin/pre-commit" ] \
   || ! cmp -s tests/requirements.txt "$venv/requirements.txt"; then
  if ! "$venv/bin/python3" -m pip --version >/dev/null 2>&1; then # none yet, or broken
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >/dev/null 2>&1; then # Debian: no ensurepip without python3-venv
      rm -rf "$venv"
      apt_install python3-venv
      python3 -m venv "$venv"
    fi
  fi
  "$venv/bin/python3" -m pip install -q --disable-pip-version-check -r tests/requirements.txt
  cp tests/requirements.txt "$venv/requirements.txt"
fi
