//! Help texts are part of the interface: each is compared with its snapshot
//! in tests/snapshots/help/. After a deliberate change, regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test --test integration help`.

use std::path::PathBuf;

use crate::support::{stdout, Project};

const COMMANDS: &[&str] = &[
    "",
    "init",
    "keygen",
    "set",
    "unset",
    "get",
    "encrypt",
    "decrypt",
    "ls",
    "check",
    "generate",
    "example",
    "status",
    "hook",
    "hook run",
    "hook install",
    "run",
    "rotate",
    "recipients",
    "recipients add",
    "recipients remove",
    "identity",
    "identity new",
    "keys",
    "keys export",
    "export",
    "push",
    "diff",
];

#[test]
fn help_texts_match_their_snapshots() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/help");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let p = Project::bare_dir();
    let mut stale = Vec::new();
    for cmd in COMMANDS {
        let mut args: Vec<&str> = cmd.split_whitespace().collect();
        args.push("--help");
        let text = stdout(p.envsafe(&args).env("COLUMNS", "100"));
        let file = dir.join(format!(
            "{}.txt",
            if cmd.is_empty() { "envsafe" } else { cmd }
        ));
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&file, &text).unwrap();
        } else if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
            stale.push(file.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "help changed; review and run with UPDATE_SNAPSHOTS=1: {stale:?}"
    );
}
