//! Issue 7 §1: no secret in any error, output, child environment, core
//! file, temporary file or truncated stdout. Each test runs the real
//! binary on the repro and checks the exact stderr and that no byte of a
//! value is printed.

use std::io::Write;
use std::process::Stdio;

use crate::support::{assert_no_secret, stdout, Project};

/// A project with `.env` (header, one sealed value) and its private key.
fn project() -> (Project, String) {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "API_TOKEN", "tok-1234567890"])
        .assert()
        .success();
    let key = p.private_key("development");
    (p, key)
}

fn line_count(p: &Project, file: &str) -> usize {
    p.read(file).lines().count()
}

#[test]
fn a_token_pasted_on_its_own_line_is_never_echoed() {
    let (p, _) = project();
    let token = "ghp_a1B2c3D4e5F6g7H8i9J0kLmNoPqRsTuVwXyZ01";
    p.append(".env", &format!("{token}\n"));
    let n = line_count(&p, ".env");
    let out = p.envsafe(&["get"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_no_secret(&out, &[token, "ghp_"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: .env:{n}:{col}: not a `NAME=value` line (no `=`)\n  |\n{n} | {stars}\n  | {pad}^\n\
             help: write `NAME=value`; a line starting with `#` is a comment\n",
            col = token.len() + 1,
            stars = "*".repeat(token.len()),
            pad = " ".repeat(token.len()),
        )
    );
}

#[test]
fn colon_and_space_separated_lines_show_only_the_name() {
    for (line, col, shown) in [
        ("API_KEY: sk_live_51Habc", 8, "API_KEY****************"),
        ("SECRET_TOKEN value123abc", 14, "SECRET_TOKEN************"),
    ] {
        let (p, _) = project();
        p.append(".env", &format!("{line}\n"));
        let n = line_count(&p, ".env");
        let out = p.envsafe(&["run", "--", "true"]).output().unwrap();
        assert_no_secret(&out, &["sk_live_51Habc", "value123abc"]);
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!(
                "error: .env:{n}:{col}: not a `NAME=value` line (no `=`)\n  |\n{n} | {shown}\n  | {}^\n\
                 help: write `NAME=value`; a line starting with `#` is a comment\n",
                " ".repeat(col - 1)
            )
        );
    }
}

#[test]
fn later_lines_of_a_multi_line_value_are_masked_whole() {
    let (p, _) = project();
    p.append(".env",
        "CERT=\"-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\" tail\n",
    );
    let n = line_count(&p, ".env");
    let out = p.envsafe(&["get"]).output().unwrap();
    assert_no_secret(&out, &["MIIEvQ", "PRIVATE KEY", "tail"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: .env:{n}:28: unexpected text after the closing quote\n  |\n{n} | {}\n  |                            ^\n\
             help: fix the line, or quote the value (single quotes keep it literal)\n",
            "*".repeat(31)
        )
    );
}

#[test]
fn a_keys_file_error_shows_no_line_and_keygen_output_is_a_keys_file() {
    let (p, key) = project();
    // `envsafe keygen > k.txt` then `--keys-file k.txt`: an age identity file.
    let generated = stdout(&mut p.envsafe(&["keygen"]));
    p.write_private("k.txt", &generated);
    let out = p
        .envsafe(&["--keys-file", "k.txt", "get", "API_TOKEN"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "a key of another environment");
    let generated_key = generated.lines().nth(1).unwrap();
    assert_no_secret(&out, &[generated_key, &generated_key[16..40]]);
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("    - keys file k.txt (no matching key)\n"));
    // age-keygen layout with the environment's own key opens the values.
    p.write_private(
        "id.txt",
        &format!("# created: now\n# public key: age1x\n{key}\n"),
    );
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let value = stdout(&mut p.envsafe(&["--keys-file", "id.txt", "get", "API_TOKEN"]));
    assert_eq!(value, "tok-1234567890\n");
    // A malformed keys file: place and message, never a line of it.
    p.write_private(
        "bad.keys",
        &format!("ENVSAFE_PRIVATE_KEY_DEVELOPMENT={key}\n{key} oops\n"),
    );
    let out = p
        .envsafe(&["--keys-file", "bad.keys", "get"])
        .output()
        .unwrap();
    assert_no_secret(&out, &[&key, &key[16..40]]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!(
            "error: bad.keys:2:{}: not a `NAME=value` line (no `=`)\n\
             help: a keys file holds `ENVSAFE_PRIVATE_KEY_<ENV>=AGE-SECRET-KEY-1…` lines, or is age-keygen output\n",
            key.len() + 2
        )
    );
}

#[test]
fn a_committed_symlink_to_a_credentials_file_does_not_print_it() {
    let (p, _) = project();
    p.write(
        "home/.git-credentials",
        "https://alice:ghp_Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0FeDcBa@github.com\n",
    );
    std::fs::remove_file(p.file(".env")).unwrap();
    std::os::unix::fs::symlink(p.file("home/.git-credentials"), p.file(".env")).unwrap();
    let out = p.envsafe(&["run", "--", "true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_no_secret(&out, &["ghp_", "alice", "github"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: .env:1:6: not a `NAME=value` line (no `=`)\n  |\n1 | *****************************************************************\n  |      ^\n\
         help: write `NAME=value`; a line starting with `#` is a comment\n"
    );
}

#[test]
fn set_name_with_a_value_in_it_does_not_echo_the_value() {
    let (p, _) = project();
    let out = p
        .envsafe(&["set", "STRIPE_KEY=sk_live_4eC39HqLyjWDarjtT1zdp7dc"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_no_secret(&out, &["sk_live", "4eC39"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: invalid variable name `STRIPE_KEY…`: a name cannot contain `=` (was a value given with it?)\n\
         help: give the name alone; the value goes on stdin (or the hidden prompt): `envsafe set NAME`\n"
    );
}

#[test]
fn run_never_hands_the_keys_to_the_command() {
    let (p, key) = project();
    p.append(
        ".env",
        "REF=\"${ENVSAFE_PRIVATE_KEY_DEVELOPMENT}${ENVSAFE_PRIVATE_KEY}\"\n",
    );
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let env = stdout(
        p.envsafe(&["run", "--", "env"])
            .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &key)
            .env("ENVSAFE_PRIVATE_KEY", &key)
            .env("ENVSAFE_IDENTITY", "/home/me/id.txt"),
    );
    assert!(!env.contains("ENVSAFE_"), "{env}");
    assert!(!env.contains(&key), "{env}");
    assert!(env.contains("API_TOKEN=tok-1234567890\n"));
    assert!(env.contains("REF=\n"), "{env}");
}

/// Starts `sh -c 'ulimit -c unlimited; exec ARGS'` in `p` with stdin held
/// open, aborts it (SIGABRT: a crash that dumps core), and says whether a
/// core file appeared.
fn aborted_dumps_core(p: &Project, args: &str) -> bool {
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -c unlimited; exec {args}"))
        .current_dir(p.path())
        .env("HOME", p.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"partial-secret-").unwrap();
    stdin.flush().unwrap();
    // Wait until it is blocked reading stdin (the secret is in memory).
    let pid = child.id();
    for _ in 0..200 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if stat.contains(") S ") && !exe.ends_with("sh") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::process::Command::new("kill")
        .args(["-ABRT", &pid.to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    drop(stdin);
    let found = std::fs::read_dir(p.path())
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("core"));
    for e in std::fs::read_dir(p.path()).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with("core") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    found
}

#[test]
fn a_crash_while_secrets_are_in_memory_writes_no_core_file() {
    let (p, _) = project();
    // The machine does write core files here (kernel.core_pattern = core):
    // `cat` in the same situation leaves one.
    assert!(
        aborted_dumps_core(&p, "cat"),
        "core dumps must be on for this test (kernel.core_pattern = core in the working directory)"
    );
    let envsafe = assert_cmd::cargo::cargo_bin("envsafe");
    assert!(!aborted_dumps_core(
        &p,
        &format!("'{}' set API_TOKEN", envsafe.display())
    ));
}

#[test]
fn temporary_files_are_private_cleaned_up_and_ignored() {
    let (p, _) = project();
    // What a writer killed with -9 leaves: a full plaintext temp file.
    p.write(".envsafe-tmp-Ab12Cd", "API_TOKEN=tok-1234567890\n");
    let status = p.git(&["status", "--porcelain", "--ignored"]);
    assert!(
        status.contains("!! .envsafe-tmp-Ab12Cd"),
        "git ignores envsafe's temporary files: {status}"
    );
    p.envsafe(&["set", "OTHER_TOKEN", "x1"]).assert().success();
    assert!(
        !p.file(".envsafe-tmp-Ab12Cd").exists(),
        "the next writer removes it"
    );
    // `decrypt` writes plaintext into a temporary file: it must never be
    // readable by others, even when the file it replaces is 0644. Watch the
    // directory while a large file is decrypted and encrypted again.
    let text: String = (0..10_000)
        .map(|i| format!("V{i}_TOKEN=value-{i}\n"))
        .collect();
    p.write("big.env", &text);
    p.envsafe(&["-f", "big.env", "encrypt"]).assert().success();
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watcher = {
        let (dir, done) = (p.path().to_path_buf(), done.clone());
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                for e in std::fs::read_dir(&dir).unwrap().flatten() {
                    if e.file_name().to_string_lossy().starts_with(".envsafe-tmp-") {
                        if let Ok(meta) = e.metadata() {
                            seen.push(
                                std::os::unix::fs::PermissionsExt::mode(&meta.permissions())
                                    & 0o777,
                            );
                        }
                    }
                }
            }
            seen
        })
    };
    for _ in 0..5 {
        p.envsafe(&["-f", "big.env", "decrypt"]).assert().success();
        p.envsafe(&["-f", "big.env", "encrypt"]).assert().success();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let modes = watcher.join().unwrap();
    assert!(!modes.is_empty(), "the watcher saw the temporary files");
    assert!(
        modes.iter().all(|m| *m == 0o600),
        "temporary file modes (octal): {:?}",
        modes.iter().map(|m| format!("{m:o}")).collect::<Vec<_>>()
    );
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(p.file("big.env")).unwrap().permissions(),
    );
    assert_eq!(mode & 0o777, 0o644, "the file keeps its own mode");
}

#[test]
fn a_full_disk_on_stdout_fails_the_command() {
    let (p, _) = project();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = p
        .envsafe_std(&["get", "--format", "dotenv"])
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error: <stdout>: No space left on device (os error 28)\n\
         help: free some space, or write somewhere else\n"
    );
    // A closed pipe is not an error: `envsafe get | head -c1`.
    let sh = format!(
        "'{}' get --format dotenv | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}",
        assert_cmd::cargo::cargo_bin("envsafe").display()
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &sh])
        .current_dir(p.path())
        .env("HOME", p.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "0\n");
}
