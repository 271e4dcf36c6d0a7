//! Interop with the real `age` CLI (Debian package `age`): our keys are age
//! keys, in both directions.

use std::process::Command;

use crate::support::{stdout, Project};

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (is the `age` package installed?)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn an_age_keygen_key_works_as_an_environment_key() {
    let p = Project::new();
    run(Command::new("age-keygen")
        .args(["-o", "id.txt"])
        .current_dir(p.path()));
    let id = p.read("id.txt");
    let public = id
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .unwrap();
    let secret = id
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap();
    // A file whose header names age-keygen's public key: set needs only that.
    p.write(
        ".env",
        &format!("#@envsafe public-key={public} env=development\n"),
    );
    p.envsafe(&["set", "TOKEN", "from-age"]).assert().success();
    let mut get = p.envsafe(&["get", "TOKEN"]);
    assert_eq!(stdout(get.env("ENVSAFE_PRIVATE_KEY", secret)), "from-age\n");
}

#[test]
fn an_envsafe_keygen_key_decrypts_age_files() {
    let p = Project::bare_dir();
    let pair = stdout(&mut p.envsafe(&["keygen"]));
    p.write("key.txt", &pair);
    let public = pair
        .lines()
        .next()
        .unwrap()
        .strip_prefix("# public key: ")
        .unwrap();
    p.write("msg.txt", "hello age\n");
    run(Command::new("age")
        .args(["-r", public, "-o", "msg.age", "msg.txt"])
        .current_dir(p.path()));
    let out = run(Command::new("age")
        .args(["-d", "-i", "key.txt", "msg.age"])
        .current_dir(p.path()));
    assert_eq!(out, "hello age\n");
}
