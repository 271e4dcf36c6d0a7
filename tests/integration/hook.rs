//! The pre-commit hook on real repositories with real `git commit`s: each
//! check blocks its case and lets the fixed case through; the index, not
//! the working tree, is what counts.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::{stdout, Project};

/// A real-looking age private key (from `envsafe keygen`).
pub(crate) fn age_key(p: &Project) -> String {
    stdout(&mut p.envsafe(&["keygen"]))
        .lines()
        .nth(1)
        .unwrap()
        .to_owned()
}

fn envsafe_dir() -> String {
    let bin = assert_cmd::cargo::cargo_bin("envsafe");
    bin.parent().unwrap().display().to_string()
}

/// `git ARGS` with envsafe on PATH and a clean envsafe environment.
pub(crate) fn git(p: &Project, args: &[&str]) -> Output {
    let path = format!(
        "{}:{}",
        envsafe_dir(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("git");
    cmd.args(args)
        .current_dir(p.path())
        .env("PATH", path)
        .env("NO_COLOR", "1");
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("ENVSAFE_") {
            cmd.env_remove(&k);
        }
    }
    for (k, v) in [
        ("GIT_AUTHOR_NAME", "t"),
        ("GIT_AUTHOR_EMAIL", "t@example.com"),
        ("GIT_COMMITTER_NAME", "t"),
        ("GIT_COMMITTER_EMAIL", "t@example.com"),
    ] {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub(crate) fn hooked() -> Project {
    let p = Project::new();
    p.envsafe(&["hook", "install"]).assert().success();
    p
}

pub(crate) fn commit(p: &Project, msg: &str) -> Output {
    git(p, &["commit", "-q", "-m", msg])
}

pub(crate) fn add(p: &Project, path: &str) {
    assert!(git(p, &["add", path]).status.success());
}

/// Stages everything and commits it; the hook must let it through.
pub(crate) fn commit_all(p: &Project, msg: &str) {
    add(p, ".");
    let o = commit(p, msg);
    assert!(o.status.success(), "{msg}: {}", err(&o));
}

/// A commit or merge git refused (the hook's exit 3 makes git exit 1):
/// its stderr names `finding` and never shows `secret`.
pub(crate) fn assert_refused(o: &Output, finding: &str, secret: &str) {
    let e = err(o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains(finding), "{e}");
    assert!(!e.contains(secret), "a secret in the output: {e}");
}

pub(crate) fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn each_check_blocks_its_case_and_passes_the_fix() {
    let p = hooked();
    p.write("README.md", "hello\n");
    add(&p, "README.md");
    assert!(commit(&p, "first").status.success(), "first commit");
    let key = age_key(&p);
    let cases: Vec<(&str, String, String, &str)> = vec![
        (
            ".env.keys",
            format!("ENVSAFE_PRIVATE_KEY_DEVELOPMENT={key}\n"),
            String::new(),
            "keys-file",
        ),
        (
            "deploy/values.yaml",
            format!("image: app\nkey: {key}\n"),
            "image: app\n".into(),
            "private-key",
        ),
        (
            "ci.sh",
            format!("export ENVSAFE_PRIVATE_KEY_CI=\"{key}\"\n"),
            "export ENVSAFE_PRIVATE_KEY_CI=\"$CI_KEY\"\n".into(),
            "private-key",
        ),
        (
            ".env",
            "PORT=1\nSTRIPE_SECRET=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n".into(),
            "PORT=1\n".into(),
            "secret-plain",
        ),
        (
            "prod.env",
            "DB_PASSWORD=hunter2hunter2\n".into(),
            "DB_HOST=db\n".into(),
            "secret-plain",
        ),
    ];
    for (path, bad, good, rule) in cases {
        p.write(path, &bad);
        add(&p, path);
        let o = commit(&p, "bad");
        assert_eq!(
            o.status.code(),
            Some(1),
            "{path}: git commit must be refused"
        );
        let e = err(&o);
        assert!(e.contains(&format!("[{rule}]")), "{path}: {e}");
        assert!(
            !e.contains(&key) && !e.contains("sk_live") && !e.contains("hunter2"),
            "a secret in the output: {e}"
        );
        if good.is_empty() {
            assert!(git(&p, &["rm", "-q", "--cached", path]).status.success());
            p.write(".gitignore", &format!("{path}\n"));
            add(&p, ".gitignore");
        } else {
            p.write(path, &good);
            add(&p, path);
        }
        let o = commit(&p, "good");
        assert!(o.status.success(), "{path} fixed: {}", err(&o));
    }
}

#[test]
fn header_files_malformed_values_and_the_schema() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "TOKEN", "t0ken-value"])
        .assert()
        .success();
    p.write(
        "envsafe.toml",
        &format!(
            "{}\n[vars.PORT]\ntype = \"port\"\nsecret = false\n",
            p.read("envsafe.toml")
        ),
    );
    add(&p, ".");
    assert!(commit(&p, "init").status.success());
    let good = p.read(".env");
    for (bad, rule) in [
        (
            format!("{good}DB_PASSWORD=plain-in-an-encrypted-file\n"),
            "secret-plain",
        ),
        (
            format!("{good}API_TOKEN=\"envsafe:v1:not*base64\"\n"),
            "malformed-value",
        ),
        (format!("{good}PORT=http\n"), "type"),
        (format!("{good}BROKEN LINE\n"), "syntax"),
    ] {
        p.write(".env", &bad);
        add(&p, ".env");
        let o = commit(&p, "bad");
        assert_eq!(o.status.code(), Some(1));
        assert!(
            err(&o).contains(&format!("[{rule}]")),
            "{rule}: {}",
            err(&o)
        );
        assert!(!err(&o).contains("plain-in-an-encrypted-file"));
    }
    p.write(".env", &format!("{good}PORT=8080\n"));
    add(&p, ".env");
    assert!(commit(&p, "fixed").status.success());
}

#[test]
fn the_index_counts_not_the_working_tree() {
    let p = hooked();
    p.write(".env", "API_KEY=plaintext-secret-value\n");
    add(&p, ".env");
    p.write(".env", "PORT=1\n"); // fixed on disk, not re-staged
    assert_eq!(commit(&p, "x").status.code(), Some(1));
    add(&p, ".env");
    p.write(".env", "API_KEY=plaintext-secret-value\n"); // dirty on disk only
    let o = commit(&p, "clean staged version");
    assert!(o.status.success(), "{}", err(&o));
    // `git commit -a` stages the tracked change into a temporary index.
    assert_eq!(
        git(&p, &["commit", "-q", "-a", "-m", "all"]).status.code(),
        Some(1)
    );
    // --no-verify still works.
    assert!(git(
        &p,
        &["commit", "-q", "-a", "--no-verify", "-m", "deliberate"]
    )
    .status
    .success());
}

#[test]
fn renames_deletions_binary_crlf_and_check_staged() {
    let p = hooked();
    let key = age_key(&p);
    p.write("notes.txt", &format!("{key}\n"));
    add(&p, "notes.txt");
    assert!(git(&p, &["commit", "-q", "--no-verify", "-m", "leak"])
        .status
        .success());
    assert!(git(&p, &["mv", "notes.txt", "moved.txt"]).status.success());
    assert_eq!(commit(&p, "rename keeps the key").status.code(), Some(1));
    assert!(git(&p, &["rm", "-q", "--cached", "moved.txt"])
        .status
        .success());
    let o = commit(&p, "deleting it is fine");
    assert!(o.status.success(), "{}", err(&o));
    std::fs::write(
        p.file("blob.bin"),
        [b"\x00\x01binary\n".as_slice(), key.as_bytes()].concat(),
    )
    .unwrap();
    add(&p, "blob.bin");
    assert_eq!(commit(&p, "binary").status.code(), Some(1));
    assert!(git(&p, &["rm", "-q", "--cached", "blob.bin"])
        .status
        .success());
    p.write(".env", "A=1\r\nSTRIPE_SECRET_KEY=sk_test_crlf\r\n");
    add(&p, ".env");
    let out = p.envsafe(&["check", "--staged"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "error: .env:2 STRIPE_SECRET_KEY: is secret but stored in plain text [secret-plain]\n  \
         help: move it to the encrypted file: `envsafe set STRIPE_SECRET_KEY` (value on stdin), then `envsafe -f .env unset STRIPE_SECRET_KEY`\n"
    );
    // The hook prints the same finding.
    assert!(err(&commit(&p, "crlf")).contains(
        "error: .env:2 STRIPE_SECRET_KEY: is secret but stored in plain text [secret-plain]"
    ));
}

#[test]
fn submodules_worktrees_and_bare_repositories() {
    let p = hooked();
    let other = Project::new();
    other.write("f", "x\n");
    other.git(&["add", "f"]);
    other.git(&["commit", "-qm", "o"]);
    let url = other.path().display().to_string();
    let o = git(
        &p,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &url,
            "sub",
        ],
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = commit(&p, "submodule");
    assert!(o.status.success(), "{}", err(&o));
    // A linked worktree shares the hooks.
    let wt = Project::bare_dir();
    let wt_path = wt.path().join("wt");
    assert!(
        git(&p, &["worktree", "add", "-q", wt_path.to_str().unwrap()])
            .status
            .success()
    );
    std::fs::write(wt_path.join(".env"), "GITHUB_TOKEN=ghp_plaintextvalue\n").unwrap();
    let in_wt = |args: &[&str]| {
        let mut c = Command::new("git");
        c.args(args).current_dir(&wt_path).env(
            "PATH",
            format!("{}:{}", envsafe_dir(), std::env::var("PATH").unwrap()),
        );
        c.env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@e")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@e");
        c.output().unwrap()
    };
    assert!(in_wt(&["add", ".env"]).status.success());
    assert_eq!(in_wt(&["commit", "-q", "-m", "wt"]).status.code(), Some(1));
    // A bare repository has nothing staged.
    let bare = Project::bare_dir();
    bare.git(&["init", "-q", "--bare", "."]);
    bare.envsafe(&["hook", "run"])
        .env("GIT_DIR", bare.path())
        .assert()
        .success();
}

#[test]
fn allow_list_lets_a_demo_key_through() {
    let p = hooked();
    let key = age_key(&p);
    p.write(
        "examples/demo/DEMO.env.keys",
        &format!("ENVSAFE_PRIVATE_KEY_DEVELOPMENT={key}\n"),
    );
    add(&p, "examples");
    assert_eq!(commit(&p, "demo").status.code(), Some(1));
    p.write("envsafe.toml", "[hook]\nallow = [\"examples/**\"]\n");
    // The allow list counts as staged, not as it is in the working tree.
    assert_eq!(commit(&p, "demo").status.code(), Some(1));
    add(&p, "envsafe.toml");
    let o = commit(&p, "demo");
    assert!(o.status.success(), "{}", err(&o));
    // In a project below the repository's top, patterns are relative to it.
    p.write(
        "app/envsafe.toml",
        "[hook]\nallow = [\"fixtures/*.keys\"]\n",
    );
    p.write("app/fixtures/demo.keys", &format!("{key}\n"));
    add(&p, "app");
    let hook = p.envsafe(&["-C", "app", "hook", "run"]).output().unwrap();
    assert!(hook.status.success(), "{}", err(&hook));
}

#[test]
fn install_chains_an_existing_hook_and_uninstall_restores_it() {
    let p = Project::new();
    let original = "#!/bin/sh\ntouch chained-hook-ran\n";
    p.write(".git/hooks/pre-commit", original);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        p.file(".git/hooks/pre-commit"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    p.envsafe(&["hook", "install"]).assert().success();
    p.envsafe(&["hook", "install"])
        .assert()
        .success()
        .stderr(predicates::str::contains("already installed"));
    p.write("a.txt", "a\n");
    add(&p, "a.txt");
    assert!(commit(&p, "a").status.success());
    assert!(
        p.file("chained-hook-ran").exists(),
        "the previous hook must still run"
    );
    p.envsafe(&["hook", "uninstall"]).assert().success();
    assert_eq!(p.read(".git/hooks/pre-commit"), original);
    // core.hooksPath is respected.
    p.git(&["config", "core.hooksPath", "githooks"]);
    p.envsafe(&["hook", "install"]).assert().success();
    assert!(p.read("githooks/pre-commit").contains("hook run"));
    assert!(
        !Path::new(&p.file(".git/hooks/pre-commit")).exists()
            || p.read(".git/hooks/pre-commit") == original
    );
}

#[test]
fn the_pre_commit_framework_runs_envsafe() {
    let p = Project::new();
    let entry = format!("{}/envsafe hook run", envsafe_dir());
    p.write(
        ".pre-commit-config.yaml",
        &format!("repos:\n- repo: local\n  hooks:\n  - id: envsafe\n    name: envsafe\n    entry: {entry}\n    language: system\n    pass_filenames: false\n    always_run: true\n"),
    );
    add(&p, ".pre-commit-config.yaml");
    let home = p.path().join(".pre-commit-home");
    let run = |args: &[&str]| {
        Command::new(crate::support::venv_tool("pre-commit"))
            .args(args)
            .current_dir(p.path())
            .env("PRE_COMMIT_HOME", &home)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    envsafe_dir(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .output()
            .expect("pre-commit is installed (bash tests/setup.sh)")
    };
    assert!(run(&["install"]).status.success());
    p.write(".env", "SENDGRID_API_KEY=SG.plaintext-value\n");
    add(&p, ".env");
    let o = commit(&p, "through pre-commit");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let shown = format!("{}{}", String::from_utf8_lossy(&o.stdout), err(&o));
    assert!(shown.contains("[secret-plain]"), "{shown}");
    // And through the repository's own .pre-commit-hooks.yaml.
    let o = run(&["try-repo", env!("CARGO_MANIFEST_DIR"), "envsafe"]);
    let shown = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        !o.status.success() && shown.contains("[secret-plain]"),
        "{shown}"
    );
}

#[test]
fn required_variables_are_checked_only_with_require() {
    let p = hooked();
    p.write("envsafe.toml", "[vars.DATABASE_URL]\nrequired = true\n");
    p.write(".env", "PORT=1\n");
    add(&p, ".");
    let o = commit(&p, "no DATABASE_URL yet");
    assert!(o.status.success(), "{}", err(&o));
    p.write(".env", "PORT=2\n");
    add(&p, ".env");
    let out = p.envsafe(&["hook", "run", "--require"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("error: (development) DATABASE_URL: is required but not set [missing]"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p.envsafe(&["check", "--staged"]).assert().success();
}
