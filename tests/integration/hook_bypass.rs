//! Issue 7 §3: the ways past the pre-commit hook, each now closed, on real
//! repositories with real commits and merges: env-like files anywhere,
//! values sealed in HEAD and plain now, the schema and allow list from the
//! index, merges, secrets caught by value; and no false alarm on
//! placeholders.

use crate::hook::{add, age_key, assert_refused, commit, commit_all, err, git, hooked};
use crate::support::Project;

/// `check --staged` output lines that start a finding.
fn findings(p: &Project) -> Vec<String> {
    let out = p.envsafe(&["check", "--staged"]).output().unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("error: "))
        .map(str::to_owned)
        .collect()
}

fn first_commit(p: &Project) {
    p.write("README.md", "hello\n");
    commit_all(p, "first");
}

#[test]
fn env_like_files_anywhere_are_checked_whatever_files_lists() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    first_commit(&p);
    for path in [
        "apps/web/.env",
        "backup/.env",
        "development.env",
        "config/env.local",
    ] {
        p.write(path, "DB_HOST=db\nDB_PASSWORD=hunter2hunter2\n");
        add(&p, path);
        assert_eq!(
            findings(&p),
            vec![format!(
                "error: {path}:2 DB_PASSWORD: is secret but stored in plain text [secret-plain]"
            )]
        );
        let o = commit(&p, "bad");
        assert_eq!(o.status.code(), Some(1), "{path}");
        assert!(!err(&o).contains("hunter2"));
        assert!(git(&p, &["rm", "-q", "--cached", path]).status.success());
        std::fs::remove_file(p.file(path)).unwrap();
    }
    // .envrc is shell: its assignments are read line by line, references pass.
    p.write(
        ".envrc",
        "use nix\nexport DB_PASSWORD=hunter2hunter2\nexport API_TOKEN=\"$(pass show api)\"\nPATH_add bin\n",
    );
    add(&p, ".envrc");
    assert_eq!(
        findings(&p),
        vec![
            "error: .envrc:2 DB_PASSWORD: is secret but stored in plain text [secret-plain]"
                .to_string()
        ]
    );
    p.write(".envrc", "use nix\nexport API_TOKEN=\"$(pass show api)\"\n");
    add(&p, ".envrc");
    assert!(findings(&p).is_empty());
    // .env.example: a non-empty secret value is a leak; an empty one is the point.
    p.write(".env.example", "DB_PASSWORD=hunter2hunter2\n");
    add(&p, ".env.example");
    assert_eq!(
        findings(&p),
        vec![
            "error: .env.example:1 DB_PASSWORD: is secret but stored in plain text [secret-plain]"
                .to_string()
        ]
    );
    p.write(".env.example", "DB_PASSWORD=\n");
    add(&p, ".env.example");
    assert!(commit(&p, "example").status.success());
}

#[test]
fn decrypt_then_commit_all_is_blocked_whatever_the_names() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "GREETING", "hello-there"])
        .assert()
        .success();
    p.envsafe(&["set", "--plain", "PORT", "8080"])
        .assert()
        .success();
    first_commit(&p);
    p.envsafe(&["decrypt"]).assert().success();
    let o = git(&p, &["commit", "-a", "-q", "-m", "oops"]);
    let line = p
        .read(".env")
        .lines()
        .position(|l| l.starts_with("GREETING="))
        .unwrap()
        + 1;
    assert_refused(
        &o,
        &format!(
            "error: .env:{line} GREETING: is encrypted in HEAD but plain in what is staged [unsealed]\n  help: encrypt it again: `envsafe -f .env encrypt` (or `git checkout HEAD -- .env`)\n"
        ),
        "hello-there",
    );
    p.envsafe(&["encrypt"]).assert().success();
    let o = git(&p, &["commit", "-a", "-q", "-m", "re-encrypted"]);
    assert!(o.status.success(), "{}", err(&o));
}

#[test]
fn the_schema_and_the_allow_list_are_read_from_the_index() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    first_commit(&p);
    let line = p.read(".env").lines().count() + 1;
    p.write(
        ".env",
        &format!("{}DB_PASSWORD=hunter2hunter2\n", p.read(".env")),
    );
    add(&p, ".env");
    let blocked = vec![format!(
        "error: .env:{line} DB_PASSWORD: is secret but stored in plain text [secret-plain]"
    )];
    // Declared public, or allowed, only in the working tree: the staged
    // envsafe.toml says neither, so the commit is still refused.
    let config = p.read("envsafe.toml");
    for extra in [
        "\n[vars.DB_PASSWORD]\nsecret = false\n",
        "\n[hook]\nallow = [\".env\"]\n",
    ] {
        p.write("envsafe.toml", &format!("{config}{extra}"));
        assert_eq!(findings(&p), blocked);
        assert_eq!(commit(&p, "bad").status.code(), Some(1));
        add(&p, "envsafe.toml");
        assert!(findings(&p).is_empty(), "{extra}: staged, it counts");
        p.write("envsafe.toml", &config);
        add(&p, "envsafe.toml");
    }
}

#[test]
fn a_merge_of_an_unchecked_branch_is_checked() {
    let p = hooked();
    first_commit(&p);
    assert!(git(&p, &["checkout", "-q", "-b", "feature"])
        .status
        .success());
    p.write(
        "apps/.env",
        "STRIPE_SECRET=sk_live_4eC39HqLyjWDarjtT1zdp7dc\n",
    );
    add(&p, "apps/.env");
    assert!(git(&p, &["commit", "-q", "--no-verify", "-m", "skip"])
        .status
        .success());
    assert!(git(&p, &["checkout", "-q", "main"]).status.success());
    p.write("NOTES.md", "notes\n");
    add(&p, "NOTES.md");
    assert!(commit(&p, "main moves on").status.success());
    assert!(p.file(".git/hooks/pre-merge-commit").exists());
    let o = git(&p, &["merge", "-q", "--no-ff", "-m", "merge", "feature"]);
    assert!(!o.status.success(), "the merge commit is refused");
    assert!(
        err(&o).contains(
            "error: apps/.env:1 STRIPE_SECRET: is secret but stored in plain text [secret-plain]"
        ),
        "{}",
        err(&o)
    );
    assert!(!err(&o).contains("sk_live"));
}

#[test]
fn a_secret_pasted_anywhere_is_caught_by_its_value() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "API_TOKEN", "tok_9f8e7d6c5b4a"])
        .assert()
        .success();
    p.envsafe(&["set", "PIN_CODE", "1234"]).assert().success(); // too short to search
    first_commit(&p);
    p.write(
        "src/config.py",
        "import os\n\nTOKEN = \"tok_9f8e7d6c5b4a\"  # TODO env\nPIN = 1234\n",
    );
    add(&p, "src/config.py");
    let out = p.envsafe(&["check", "--staged"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "error: src/config.py:3 API_TOKEN: the staged text contains the value of secret API_TOKEN (development) [secret-value]\n  \
         help: remove it; read it at run time instead (`envsafe run -- …` sets API_TOKEN)\n"
    );
    let o = commit(&p, "pasted");
    assert_eq!(o.status.code(), Some(1));
    assert!(!err(&o).contains("tok_9f8e7d6c5b4a"));
    // Without a key at hand there is nothing to compare with.
    std::fs::rename(p.file(".env.keys"), p.file("keys.bak")).unwrap();
    assert!(findings(&p).is_empty());
}

#[test]
fn placeholders_are_not_key_material() {
    let p = hooked();
    first_commit(&p);
    p.write(
        "deploy/README.env.sample",
        "ENVSAFE_PRIVATE_KEY_PRODUCTION=<paste-your-key-here>\n",
    );
    p.write(
        "docker-compose.yml",
        "services:\n  app:\n    environment:\n      ENVSAFE_PRIVATE_KEY_FILE: /run/secrets/k\n      - ENVSAFE_PRIVATE_KEY_FILE=/run/secrets/k\n",
    );
    commit_all(&p, "docs");
    // A real key is still caught, whatever the case.
    let key = age_key(&p);
    p.write("notes.txt", &format!("old key: {}\n", key.to_lowercase()));
    add(&p, "notes.txt");
    assert_eq!(
        findings(&p),
        vec!["error: notes.txt:1: private key material [private-key]".to_string()]
    );
}

#[test]
fn a_swapped_header_key_and_temporary_files_are_blocked() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "API_TOKEN", "v"]).assert().success();
    first_commit(&p);
    p.swap_header_key(".env");
    add(&p, ".env");
    let f = findings(&p);
    assert_eq!(f.len(), 1, "{f:?}");
    assert!(
        f[0].starts_with("error: .env:4: the header's public key"),
        "{f:?}"
    );
    assert!(f[0].ends_with("[key-pin]"), "{f:?}");
    assert!(git(&p, &["checkout", "-q", "HEAD", "--", ".env"])
        .status
        .success());
    p.write("sub/.envsafe-tmp-Zz9", "API_TOKEN=plaintext\n");
    assert!(git(&p, &["add", "-f", "sub/.envsafe-tmp-Zz9"])
        .status
        .success());
    assert_eq!(
        findings(&p),
        vec!["error: sub/.envsafe-tmp-Zz9: an envsafe temporary file is staged (a killed write left it; it may hold plaintext) [temp-file]".to_string()]
    );
}

/// A journal of an interrupted write is never committed: a teammate's
/// envsafe would act on it.
#[test]
fn a_journal_is_refused_like_a_temporary_file() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    first_commit(&p);
    p.write_private(".envsafe-journal", "envsafe-journal 1\nend\n");
    assert!(git(&p, &["add", "-f", ".envsafe-journal"]).status.success());
    assert_eq!(
        findings(&p),
        vec!["error: .envsafe-journal: an envsafe temporary file is staged (a killed write left it; it may hold plaintext) [temp-file]".to_string()]
    );
}

/// A sealed value under a malformed header, in a file no environment
/// lists, is reported as sealed without a usable header (and the header).
#[test]
fn a_sealed_value_under_a_broken_header_is_refused() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "DB_PASSWORD"])
        .write_stdin("hunter2-hunter2")
        .assert()
        .success();
    first_commit(&p);
    let sealed = p.sealed_value(".env", "DB_PASSWORD");
    p.write(
        "cfg/.env.staging",
        &format!("#@envsafe public-key=age1bogus env=staging\nDB_PASSWORD=\"{sealed}\"\n"),
    );
    add(&p, "cfg/.env.staging");
    let f = findings(&p);
    assert!(
        f.iter().any(|l| l.starts_with("error: cfg/.env.staging:2 DB_PASSWORD: is encrypted in a file without an envsafe header [no-header]")),
        "{f:?}"
    );
    let out = commit(&p, "broken header");
    assert_eq!(out.status.code(), Some(1), "{}", err(&out));
}

/// Shell files read leniently name the right line whatever the line
/// endings (a CRLF line used to count twice).
#[test]
fn lenient_reading_counts_crlf_lines_once() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    first_commit(&p);
    p.write(
        ".envrc",
        "use nix\r\nPATH_add bin\r\nexport DB_PASSWORD=hunter2hunter2\r\n",
    );
    add(&p, ".envrc");
    assert_eq!(
        findings(&p),
        vec![
            "error: .envrc:3 DB_PASSWORD: is secret but stored in plain text [secret-plain]"
                .to_string()
        ]
    );
}
