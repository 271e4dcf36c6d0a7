#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora at run time (bench/fuzz.sh calls it).

Usage: build_seeds.py CONFORMANCE_DIR OUT_DIR  (run from the repository root)

Sources: the conformance corpora (dotenv fixture files, the inline `content`
of each */cases.json case, the dotenvx and sops encrypted fixtures) when
CONFORMANCE_DIR exists, plus tests/vectors/*.json and examples/quickstart.
Nothing is copied into the repository: OUT_DIR (fuzz/seeds) is git-ignored.
"""

import hashlib
import json
import pathlib
import shutil
import sys

conformance = pathlib.Path(sys.argv[1])
out = pathlib.Path(sys.argv[2])
seeds = {
    t: {} for t in ("dotenv_parse", "envelope_open", "config_load", "hook_scan", "team_file")
}


def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    seeds[target][hashlib.sha1(data).hexdigest()] = data


def dotenv(path, data):
    """A dotenv file: parse it, scan it as staged at `path`, open its values."""
    add("dotenv_parse", data)
    add("hook_scan", path.encode() + b"\0" + data)
    for line in data.decode(errors="replace").splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            add("envelope_open", line.removeprefix("export ").strip())


if conformance.is_dir():
    suites = ["motdotla-dotenv", "dotenvx", "compose-go", "dotenvy"]
    for suite in suites:
        for f in sorted((conformance / suite / "fixtures").rglob("*")):
            if f.is_file():
                dotenv(str(f.relative_to(conformance / suite)), f.read_bytes())
        cases = json.loads((conformance / suite / "cases.json").read_text())["cases"]
        for case in cases:
            content = case.get("input", {}).get("content")
            if isinstance(content, str):
                dotenv(".env", content.encode())
    encrypted = [conformance / "dotenvx" / "encrypted", conformance / "sops"]
    for top in filter(pathlib.Path.is_dir, encrypted):
        for f in sorted(top.rglob("*")):
            if f.is_file() and (f.name.startswith(".env") or f.name.endswith(".env")):
                dotenv(str(f.relative_to(top)), f.read_bytes())
else:
    print(f"note: {conformance} not found; seeds from the repository only")

quickstart = pathlib.Path("examples/quickstart")
for name in (".env", "env.public", "DEMO.env.keys"):
    f = quickstart / name
    if f.is_file():
        dotenv(str(f), f.read_bytes())
config = (quickstart / "envsafe.toml").read_bytes()
add("config_load", config)
# The quickstart uses few of the schema's fields: one more variable that
# uses the rest (DESIGN §6), with a value to check against it.
tour = b"""
[settings]
strict = true

[hook]
allow = ["examples/**", "*.sample"]

[vars.PAYMENT_KEY]
type = "string"
secret = true
required_in = ["development"]
required_if = { LOG_LEVEL = "debug" }
min_length = 24
max_length = 128
pattern = "pk_(?:live|test)_[A-Za-z0-9]{24,99}"
generate = "alnum:32"
rotation = "manual"
description = "payment provider key"
"""
add("config_load", config + tour)
add("config_load", config + tour + b"\0pk_test_0000000000000000000000000000")
# Deploy targets (DESIGN §7): every kind and its keys.
targets = b"""
[targets.fly-server]
kind = "fly"
app = "moltnet"
stage = true
env = "production"
vars = ["PAYMENT_KEY", "ORY_API_KEY"]
map = { ORY_API_KEY = "PAYMENT_KEY" }

[targets.legacy]
kind = "dotenv"
env = "production"
path = "deploy/app.env"
format = "raw"
vars = ["PAYMENT_KEY"]

[targets.files]
kind = "compose-secrets"
env = "production"
dir = "secrets"
vars = ["PAYMENT_KEY"]

[targets.kube]
kind = "k8s"
env = "production"
namespace = "prod"
name = "app"
vars = ["PAYMENT_KEY"]

[targets.gh]
kind = "github"
env = "production"
repo = "o/r"
environment = "prod"
vars = ["PAYMENT_KEY"]

[targets.out]
kind = "json"
env = "production"
vars = ["PAYMENT_KEY"]
"""
add("config_load", config + tour + targets)

for f in sorted(pathlib.Path("tests/vectors").glob("*.json")):
    v = json.loads(f.read_text())
    name = v.get("name", "A")
    add("envelope_open", f"{name}={v['sealed']}")
    if "plaintext" in v:
        add("envelope_open", f"{name}={v['plaintext']}")
        add("config_load", config + b"\0" + v["plaintext"].encode())
    if "private_key" in v:
        add("hook_scan", f"deploy/ci.env\0ENVSAFE_PRIVATE_KEY_CI={v['private_key']}\n")
        add("hook_scan", f"notes.md\0key: {v['private_key']}\n")

# team_file: age files to the fixed key (tests/vectors/basic.json's), made
# by the real `age` CLI when it is installed, and recipient entries.
FUZZ_RECIPIENT = "age1u47xjh4jccfur0j5ads4xslg9d4f2nuggzd28tgl5uuaqpqlrgnqs9klux"
if shutil.which("age"):
    import subprocess

    for armor in (["-a"], []):
        for extra in ([], ["-r", "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"]):
            made = subprocess.run(
                ["age", "-r", FUZZ_RECIPIENT, *extra, *armor],
                input=b"# envsafe environment key: x\nAGE-SECRET-KEY-1QQQ\n",
                capture_output=True,
                check=False,
            )
            if made.returncode == 0:
                add("team_file", made.stdout)
for entry in (
    FUZZ_RECIPIENT,
    FUZZ_RECIPIENT + " kim",
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJb9Gv0f0I8v2hznz9DRDdJQkBAjam5YgRO8CbyjRPLK bob",
    "age1envsafetest1569cqhscglwc6clvp7q365tqxr4zlmy4pvye5eyjt60d9dnd9wxqkc4taf dave",
):
    add("team_file", entry)

shutil.rmtree(out, ignore_errors=True)
for target, files in seeds.items():
    (out / target).mkdir(parents=True)
    for digest, data in files.items():
        (out / target / digest).write_bytes(data)
    print(f"seeds: {target}: {len(files)}")
