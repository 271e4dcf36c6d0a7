//! Issue 7 §5: output that tells the truth. A syntax error is reported as
//! itself, not as its consequences; no project is an error, not an empty
//! success; a mistyped flag is a usage error; `get` shows what `run` gives.

use crate::support::{stdout, Project};

const SCHEMA: &str = "[environments.development]\nfiles = [\".env\"]\n\n\
[vars.PORT]\ntype = \"port\"\nsecret = false\nrequired = true\n\n\
[vars.LOG_LEVEL]\nsecret = false\ndefault = \"info\"\n";

#[test]
fn a_syntax_error_is_reported_not_its_consequences() {
    let p = Project::new();
    p.write("envsafe.toml", SCHEMA);
    p.write(".env", "BROKEN LINE\nPORT=8080\n");
    p.envsafe(&["status"]).assert().code(3).stdout("").stderr(
        "error[syntax] development: not a `NAME=value` line (no `=`) (column 8)\n  --> .env:1\n  \
         help: write `NAME=value`; a line starting with `#` is a comment\n\
         error: status: 1 file(s) do not parse; fix them first\n",
    );
    p.envsafe(&["check"]).assert().code(3).stdout(
        "error[syntax] development: not a `NAME=value` line (no `=`) (column 8)\n  --> .env:1\n  \
         help: write `NAME=value`; a line starting with `#` is a comment\n",
    );
}

#[test]
fn outside_any_project_ls_status_and_check_fail() {
    let p = Project::bare_dir();
    std::fs::create_dir(p.file("empty")).unwrap();
    let dir = p.file("empty").canonicalize().unwrap();
    for cmd in ["ls", "status", "check"] {
        p.envsafe(&["-C", "empty", cmd])
            .assert()
            .code(1)
            .stdout("")
            .stderr(format!(
                "error: no envsafe project in {} (no envsafe.toml, no .env files)\n\
                 help: run `envsafe init` here, run from the project (or `-C DIR`), or name a file with `-f PATH`\n",
                dir.display()
            ));
    }
}

#[test]
fn a_mistyped_flag_before_the_command_is_a_usage_error() {
    let p = Project::new();
    p.envsafe(&["set", "--plain", "PORT", "1"])
        .assert()
        .success();
    p.envsafe(&["run", "--overide", "--", "true"])
        .assert()
        .code(2)
        .stderr(
            "error: unexpected argument '--overide' found\n\n  \
             tip: a similar argument exists: '--override'\n  \
             tip: to pass '--overide' as a value, use '-- --overide'\n\n\
             Usage: envsafe run [OPTIONS] -- <COMMAND>...\n\n\
             For more information, try '--help'.\n",
        );
    // After `--`, anything is the command.
    p.envsafe(&["run", "--", "sh", "-c", "echo $PORT"])
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn get_shows_what_run_gives() {
    let p = Project::new();
    p.write("envsafe.toml", SCHEMA);
    p.write(".env", "PORT=8080\n");
    // The schema default is part of what `run` gives, so `get` shows it.
    assert_eq!(stdout(&mut p.envsafe(&["get", "LOG_LEVEL"])), "info\n");
    assert_eq!(
        stdout(&mut p.envsafe(&["run", "--", "sh", "-c", "echo $LOG_LEVEL"])),
        "info\n"
    );
    assert_eq!(
        stdout(&mut p.envsafe(&["get", "--format", "dotenv"])),
        "PORT=8080\nLOG_LEVEL=info\n"
    );
    // A shell variable wins in `run`: `get` says so, and `--process` shows it.
    p.envsafe(&["get", "PORT"])
        .env("PORT", "9999")
        .assert()
        .success()
        .stdout("8080\n")
        .stderr(
            "warning: PORT is also set in this shell: `envsafe run` passes the shell's value (`run --override` passes this one)\n",
        );
    p.envsafe(&["get", "--process", "PORT"])
        .env("PORT", "9999")
        .assert()
        .success()
        .stdout("9999\n")
        .stderr("");
    assert_eq!(
        stdout(
            p.envsafe(&["run", "--", "sh", "-c", "echo $PORT"])
                .env("PORT", "9999")
        ),
        "9999\n"
    );
}
