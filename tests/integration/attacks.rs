//! Found by an adversarial review of the hardening (issue 7): each test is
//! one attack that got through, now refused.

use crate::hook::{add, assert_refused, commit, commit_all, git, hooked};
use crate::support::{assert_no_secret, stdout, Project};

fn project() -> Project {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "DB_PASSWORD", "hunter2-secret-42"])
        .assert()
        .success();
    p
}

#[test]
fn from_file_never_reads_keys_fifos_or_devices() {
    let p = project();
    let config = p.read("envsafe.toml");
    let with = |target: &str| {
        p.write(
            "envsafe.toml",
            &format!("{config}\n[vars.BANNER]\nsecret = false\nfrom_file = \"{target}\"\n"),
        )
    };
    with(".env.keys");
    let key = p.private_key("development");
    let out = p
        .envsafe(&["run", "--", "sh", "-c", "echo \"$BANNER\""])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_no_secret(&out, &[&key]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: .env.keys: holds private keys: a `from_file` value never comes from a keys file\n\
         help: pass the env file with `-f`, and the keys file with `--keys-file`\n"
    );
    std::fs::copy(p.file(".env.keys"), p.file("banner.txt")).unwrap();
    with("banner.txt");
    p.envsafe(&["get", "BANNER"]).assert().code(2);
    with("/dev/zero");
    p.envsafe(&["get", "BANNER"])
        .timeout(std::time::Duration::from_secs(20))
        .assert()
        .code(1)
        .stderr("error: /dev/zero: is a device, not a regular file\nhelp: envsafe reads only regular files (or symlinks to them)\n");
    std::fs::write(p.file("nul.txt"), b"a\0b").unwrap();
    with("nul.txt");
    p.envsafe(&["get", "BANNER"]).assert().code(1).stderr(
        "error: nul.txt: value of `BANNER` contains a NUL byte\n\
         help: an environment variable cannot hold a NUL byte: use `encode = \"base64\"`\n",
    );
}

#[test]
fn a_keys_file_listed_as_an_env_file_is_refused() {
    let p = project();
    p.replace_in(
        "envsafe.toml",
        "files = [\".env\"]",
        "files = [\".env.keys\", \".env\"]",
    );
    p.append(".env", "LOGTAG=${ENVSAFE_PRIVATE_KEY_DEVELOPMENT}\n");
    let key = p.private_key("development");
    let out = p
        .envsafe(&["run", "--", "sh", "-c", "echo $LOGTAG"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_no_secret(&out, &[&key]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: .env.keys: holds private keys: a keys file is never loaded as an env file\n\
         help: pass the env file with `-f`, and the keys file with `--keys-file`\n"
    );
}

#[test]
fn a_required_message_is_never_expanded() {
    let p = project();
    p.append(".env", "LEAK=${NOPE:?$DB_PASSWORD}\n");
    let n = p.read(".env").lines().count();
    for args in [&["get"][..], &["run", "--", "true"], &["check", "--json"]] {
        let out = p.envsafe(args).output().unwrap();
        assert_no_secret(&out, &["hunter2"]);
    }
    p.envsafe(&["get"]).assert().code(1).stderr(format!(
        "error: .env:{n}:6: `LEAK`: `NOPE` is unset or empty: $DB_PASSWORD\n\
         help: set that variable, or give a default: `${{NAME:-default}}`\n"
    ));
    // A keys file's values are never expanded at all.
    let key = p.private_key("development");
    p.write_private(
        ".env.keys",
        &format!("ENVSAFE_PRIVATE_KEY_DEVELOPMENT=${{X:?{key}}}\n"),
    );
    let out = p.envsafe(&["get"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4));
    assert_no_secret(&out, &[&key]);
}

#[test]
fn the_hook_checks_a_project_in_a_subdirectory() {
    let p = hooked();
    std::fs::create_dir_all(p.file("services/api")).unwrap();
    // A project of its own in a subdirectory: envsafe.toml there.
    p.write("services/api/envsafe.toml", "");
    p.envsafe(&["-C", "services/api", "init"])
        .assert()
        .success();
    p.envsafe(&[
        "-C",
        "services/api",
        "set",
        "DB_PASSWORD",
        "dbsecret-123456",
    ])
    .assert()
    .success();
    p.replace_in(
        "services/api/envsafe.toml",
        "files = [\".env\"]",
        "files = [\"config.txt\", \".env\"]",
    );
    commit_all(&p, "init");
    p.write(
        "services/api/config.txt",
        "STRIPE_SECRET=sk_live_abcdef123\n",
    );
    add(&p, ".");
    // git runs the hook at the top of the repository.
    assert_refused(
        &commit(&p, "leak"),
        "error: services/api/config.txt:1 STRIPE_SECRET: is secret but stored in plain text [secret-plain]",
        "sk_live",
    );
}

#[test]
fn a_header_cannot_name_an_environment_nobody_pinned() {
    let p = project();
    let attacker = p.fresh_public_key();
    let pinned = p.header_key(".env");
    p.replace_in(
        ".env",
        &format!("public-key={pinned} env=development"),
        &format!("public-key={attacker} env=staging"),
    );
    let line = p.header_line(".env");
    let before = p.snapshot();
    p.envsafe(&["-f", ".env", "set", "NEW_TOKEN", "v"])
        .assert()
        .code(4)
        .stderr(format!(
            "error: .env:{line}:1: environment `staging` is not declared in envsafe.toml, so no key is pinned for it\n\
             help: declare it with `envsafe init -e staging`, or restore the file's header from git\n"
        ));
    assert_eq!(p.snapshot(), before);
    let out = p.envsafe(&["check"]).output().unwrap();
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .contains("[undeclared-env] development: the header names environment `staging`"));
    // Zero-config: the key held for the file's own environment decides.
    let z = Project::new();
    z.envsafe(&["set", "DB_PASSWORD", "x1234567"])
        .assert()
        .success();
    let mine = z.header_key(".env");
    z.replace_in(
        ".env",
        &format!("public-key={mine} env=development"),
        &format!("public-key={attacker} env=staging"),
    );
    z.envsafe(&["-f", ".env", "set", "NEW_TOKEN", "v"])
        .assert()
        .code(4);
}

#[test]
fn a_decrypted_secret_renamed_or_moved_is_caught_by_value() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "MY_CRED", "verysecretvalue123"])
        .assert()
        .success();
    add(&p, ".");
    assert!(commit(&p, "init").status.success());
    // Renamed while decrypted.
    p.write(
        ".env",
        &p.read(".env")
            .lines()
            .map(|l| {
                if l.starts_with("MY_CRED=") {
                    "MYCRED=verysecretvalue123\n".to_string()
                } else {
                    format!("{l}\n")
                }
            })
            .collect::<String>(),
    );
    add(&p, ".env");
    assert_refused(
        &commit(&p, "rename"),
        "MY_CRED: the staged text contains the value of secret MY_CRED (development) [secret-value]",
        "verysecretvalue123",
    );
    assert!(git(&p, &["checkout", "-q", "HEAD", "--", ".env"])
        .status
        .success());
    // Moved to another file, the env file deleted.
    p.write("settings.ini", "cred = verysecretvalue123\n");
    assert!(git(&p, &["rm", "-q", ".env"]).status.success());
    add(&p, "settings.ini");
    assert_refused(
        &commit(&p, "move"),
        "error: settings.ini:1 MY_CRED:",
        "verysecretvalue123",
    );
}

#[test]
fn ciphertext_from_the_process_environment_is_refused() {
    let p = project();
    let sealed = p.sealed_value(".env", "DB_PASSWORD");
    p.envsafe(&["run", "--", "sh", "-c", "echo \"$DB_PASSWORD\""])
        .env("DB_PASSWORD", &sealed)
        .assert()
        .code(4)
        .stdout("")
        .stderr(
            "error: the process environment: `DB_PASSWORD` holds an envsafe-encrypted value that envsafe cannot open here\n\
             help: the shell or container set it to the encrypted text (compose `env_file:` on an envsafe file?): unset it there, or use `run --override`\n",
        );
    assert_eq!(
        stdout(
            p.envsafe(&[
                "run",
                "--override",
                "--",
                "sh",
                "-c",
                "echo \"$DB_PASSWORD\""
            ])
            .env("DB_PASSWORD", &sealed)
        ),
        "hunter2-secret-42\n"
    );
}

#[test]
fn zero_config_keys_not_named_for_the_environment_still_guard_the_header() {
    let p = Project::new();
    p.envsafe(&["set", "DB_PASSWORD", "x1234567"])
        .assert()
        .success();
    let key = p.private_key("development");
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    p.swap_header_key(".env");
    p.envsafe(&["set", "NEW_TOKEN", "v"])
        .env("ENVSAFE_PRIVATE_KEY", &key)
        .assert()
        .code(4);
    p.write_private("id.txt", &format!("# created: now\n{key}\n"));
    p.envsafe(&["--keys-file", "id.txt", "set", "NEW_TOKEN", "v"])
        .assert()
        .code(4);
}

#[test]
fn a_config_of_another_user_above_the_directory_is_not_used() {
    let p = Project::bare_dir();
    p.write(
        "up/envsafe.toml",
        "[environments.development]\nfiles = [\".env\"]\n",
    );
    std::fs::create_dir_all(p.file("up/victim/proj")).unwrap();
    let config = p.file("up/envsafe.toml");
    let chown = std::process::Command::new("chown")
        .args(["65534:65534", config.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(
        chown.success(),
        "the test runs as root to hand the file to another user"
    );
    let out = p
        .envsafe(&["-C", "up/victim/proj", "set", "DB_PASSWORD", "s3cret-val"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stderr).unwrap();
    assert!(
        text.ends_with("envsafe.toml belongs to another user (uid 65534): not used\n\
             help: run envsafe inside your own project (a git repository), or name the config with `--config PATH` if you trust it\n"),
        "{text}"
    );
    assert!(!p.file("up/.env").exists());
}

#[test]
fn set_refuses_what_no_environment_variable_can_hold_and_never_echoes_words() {
    let p = project();
    let big = "a".repeat(200_000);
    p.envsafe(&["set", "BIG_VALUE"])
        .write_stdin(big)
        .assert()
        .code(3)
        .stderr(
            "error: `BIG_VALUE` was not stored: it is larger than 128 KiB, the most one environment variable can hold (Linux) [too-large]\n\
             help: fix the value; the rule is [vars.BIG_VALUE] in envsafe.toml\n",
        );
    p.envsafe(&["set", "X_TOKEN", "my", "pass-word-part"])
        .assert()
        .code(2)
        .stderr(
            "error: `set` takes a name and one value (the extra argument is not shown: it may be part of a secret)\n\
             help: quote the value (`envsafe set NAME 'two words'`), or give it on stdin\n",
        );
    // A value that starts with `-` is the value, not a flag.
    p.envsafe(&["set", "DB_PASSWORD", "-e=sekritval"])
        .assert()
        .success();
    assert_eq!(
        stdout(&mut p.envsafe(&["get", "DB_PASSWORD"])),
        "-e=sekritval\n"
    );
}

#[test]
fn the_hook_lets_an_example_file_through_and_allow_never_covers_a_secret_value() {
    let p = hooked();
    p.envsafe(&["init"]).assert().success();
    p.append("envsafe.toml",
        "\n[vars.API_URL]\ntype = \"url\"\nsecret = false\nrequired = true\n\n[vars.DB_PASSWORD]\nmin_length = 12\n\n[hook]\nallow = [\"docs/**\"]\n",
    );
    p.envsafe(&["set", "DB_PASSWORD", "correct-horse-battery"])
        .assert()
        .success();
    p.envsafe(&["set", "API_URL", "https://api.example.com"])
        .assert()
        .success();
    p.envsafe(&["example"]).assert().success();
    commit_all(&p, "example");
    p.write(
        "docs/setup.md",
        "Use correct-horse-battery as the password.\n",
    );
    add(&p, "docs");
    assert_refused(
        &commit(&p, "docs"),
        "docs/setup.md:1 DB_PASSWORD: the staged text contains the value of secret DB_PASSWORD",
        "correct-horse-battery",
    );
}

#[test]
fn the_hook_sees_env_files_by_any_spelling() {
    let p = hooked();
    p.write("README.md", "x\n");
    add(&p, ".");
    assert!(commit(&p, "first").status.success());
    for name in [
        ".env-prod",
        ".env_prod",
        ".env~",
        ".ENV",
        "a.Env",
        "app.env.local",
        "env",
        ".flaskenv",
    ] {
        p.write(name, "DB_PASSWORD=hunter2hunter2\n");
        add(&p, name);
        let o = commit(&p, "bad");
        assert_eq!(o.status.code(), Some(1), "{name}");
        assert!(git(&p, &["rm", "-q", "--cached", name]).status.success());
        std::fs::remove_file(p.file(name)).unwrap();
    }
}
