//! The JSON Schema of envsafe.toml in schemas/ is generated from the serde
//! types; this fails when the committed file is stale. Regenerate with
//! `UPDATE_SNAPSHOTS=1 cargo test --test integration schemas`. README's table of
//! finding codes is checked against `diag::Code` the same way.

use std::path::PathBuf;

#[test]
fn committed_json_schema_is_current() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("schemas/envsafe.schema.json");
    let schema = schemars::schema_for!(envsafe::config::Config);
    let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "schemas/envsafe.schema.json is stale: run UPDATE_SNAPSHOTS=1 cargo test --test integration schemas"
    );
}

/// README's table of finding codes lists every code with its description,
/// in order, and nothing else.
#[test]
fn readme_lists_every_finding_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme
        .split("## Finding codes")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a `## Finding codes` section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    let want: Vec<String> = envsafe::diag::Code::ALL
        .iter()
        .map(|c| format!("| `{}` | {} |", c.name(), c.description()))
        .collect();
    assert_eq!(rows, want, "update README's `## Finding codes` table");
}
