#!/usr/bin/env bash
# Builds envsafe and runs the bundled example: lists the files (no key
# needed), checks them against the schema in envsafe.toml, then runs a
# command with the decrypted environment — the way a deployed container
# does, with only ENVSAFE_PRIVATE_KEY_DEVELOPMENT set.
set -euo pipefail
cd "$(dirname "$0")"
# The README's install command, into target/quickstart rather than ~/.cargo:
# the binary bench/run.sh measures.
cargo install --locked --quiet --path ../.. --root ../../target/quickstart
envsafe=../../target/quickstart/bin/envsafe
# The DEMO key is committed on purpose; real keys never are.
ENVSAFE_PRIVATE_KEY_DEVELOPMENT=$(sed -n 's/^ENVSAFE_PRIVATE_KEY_DEVELOPMENT=//p' DEMO.env.keys)
export ENVSAFE_PRIVATE_KEY_DEVELOPMENT
"$envsafe" ls
echo
"$envsafe" check
echo
"$envsafe" run -- sh -c 'echo "app listening on $PUBLIC_URL (log level $LOG_LEVEL)"; echo "database: ${DATABASE_URL%%:*}://… (${#DATABASE_URL} characters), token: ${#API_TOKEN} characters"'
