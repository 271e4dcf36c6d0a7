//! The everyday loop, run as a new user would: init, set, commit, clone, run.

use crate::support::{stdout, Project};

fn init_with_db_and_port() -> Project {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "DATABASE_URL"])
        .write_stdin("postgres://app:s3cret@db:5432/app\n")
        .assert()
        .success();
    p.envsafe(&["set", "--plain", "PORT", "8080"])
        .assert()
        .success();
    p
}

#[test]
fn new_user_flow_runs_from_a_fresh_clone_with_only_the_env_var() {
    let p = init_with_db_and_port();
    let env = p.read(".env");
    assert!(!env.contains("s3cret"), "plaintext in the committed file");
    assert!(env.contains("DATABASE_URL=\"envsafe:v1:"));
    assert!(env.contains("\nPORT=8080\n"));
    assert_eq!(
        p.read(".gitignore")
            .lines()
            .filter(|l| *l == ".env.keys")
            .count(),
        1
    );
    p.git(&["add", "-A"]);
    p.git(&["commit", "-qm", "init"]);
    assert!(!p.git(&["ls-files"]).contains(".env.keys"));
    let key = p.private_key("development");

    let clone = Project::bare_dir();
    clone.git(&["clone", "-q", p.path().to_str().unwrap(), "."]);
    assert!(!clone.file(".env.keys").exists());
    let out = stdout(
        clone
            .envsafe(&["run", "--", "sh", "-c", "echo $PORT $DATABASE_URL"])
            .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &key),
    );
    assert_eq!(out, "8080 postgres://app:s3cret@db:5432/app\n");
}

#[test]
fn keys_file_is_private_and_holds_the_key() {
    use std::os::unix::fs::PermissionsExt;
    let p = init_with_db_and_port();
    let mode = std::fs::metadata(p.file(".env.keys"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(p.private_key("development").starts_with("AGE-SECRET-KEY-1"));
}

#[test]
fn set_needs_only_the_public_key() {
    let p = init_with_db_and_port();
    let key = p.private_key("development");
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    p.envsafe(&["set", "API_TOKEN", "tok"]).assert().success();
    let out = stdout(
        p.envsafe(&["get", "API_TOKEN"])
            .env("ENVSAFE_PRIVATE_KEY", &key),
    );
    assert_eq!(out, "tok\n");
}

#[test]
fn set_in_a_10000_value_file_changes_exactly_one_line() {
    let p = Project::new();
    let mut plain = String::new();
    for i in 0..10_000 {
        plain.push_str(&format!("VAR_{i}=value-{i}\n"));
    }
    p.write(".env", &plain);
    p.envsafe(&["encrypt"]).assert().success();
    let before = p.read(".env");
    p.envsafe(&["set", "VAR_5000", "new"]).assert().success();
    let after = p.read(".env");
    let (b, a): (Vec<_>, Vec<_>) = (before.lines().collect(), after.lines().collect());
    assert_eq!(b.len(), a.len());
    let changed: Vec<_> = b.iter().zip(&a).filter(|(x, y)| x != y).collect();
    assert_eq!(changed.len(), 1);
    assert!(changed[0].1.starts_with("VAR_5000=\"envsafe:v1:"));
    p.envsafe(&["set", "NEW_ONE", "x"]).assert().success();
    let appended = p.read(".env");
    assert_eq!(appended.lines().count(), a.len() + 1);
    assert!(appended.starts_with(&after));
}

#[test]
fn get_formats() {
    let p = init_with_db_and_port();
    p.envsafe(&["set", "QUOTE"])
        .write_stdin("it's \"x\"\nline2")
        .assert()
        .success();
    assert_eq!(stdout(&mut p.envsafe(&["get", "PORT"])), "8080\n");
    assert_eq!(
        stdout(&mut p.envsafe(&["get", "PORT", "QUOTE", "--format", "shell"])),
        "export PORT='8080'\nexport QUOTE='it'\\''s \"x\"\nline2'\n"
    );
    assert_eq!(
        stdout(&mut p.envsafe(&["get", "PORT", "QUOTE"])),
        "PORT=8080\nQUOTE=\"it's \\\"x\\\"\\nline2\"\n"
    );
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["get", "--json"]))).unwrap();
    assert_eq!(json["DATABASE_URL"], "postgres://app:s3cret@db:5432/app");
    assert_eq!(json["QUOTE"], "it's \"x\"\nline2");
}

#[test]
fn encrypt_then_decrypt_keeps_comments_and_values() {
    let p = Project::new();
    let src = "# database\nexport DB_PASSWORD = \"p@ss w0rd$\" # rotate monthly\n\nAPI_KEY='a$b'\nEMPTY=\n";
    p.write(".env", src);
    p.envsafe(&["encrypt"]).assert().success();
    let enc = p.read(".env");
    assert!(enc.contains("# database\nexport DB_PASSWORD = \"envsafe:v1:"));
    assert!(enc.contains("\" # rotate monthly\n\nAPI_KEY=\"envsafe:v1:"));
    assert!(!enc.contains("p@ss"));
    let shown = stdout(&mut p.envsafe(&["decrypt", "--stdout"]));
    assert_eq!(p.read(".env"), enc, "--stdout must not change the file");
    assert!(shown.contains("export DB_PASSWORD = 'p@ss w0rd$' # rotate monthly\n"));
    p.envsafe(&["decrypt"]).assert().success();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["get", "--json"]))).unwrap();
    assert_eq!(json["DB_PASSWORD"], "p@ss w0rd$");
    assert_eq!(json["API_KEY"], "a$b");
    assert_eq!(json["EMPTY"], "");
}

#[test]
fn encrypt_refuses_a_value_that_uses_expansion() {
    let p = Project::new();
    p.write(".env", "HOST=db\nURL=postgres://${HOST}/app\n");
    let before = p.snapshot();
    p.envsafe(&["encrypt"])
        .assert()
        .code(1)
        .stderr(
            "error: .env:2:5: `URL` uses `${…}` expansion and cannot be encrypted as is\n\
             help: encrypted values are literal: write the final value, or use single quotes for a literal `$`\n",
        );
    assert_eq!(p.snapshot(), before);
}

#[test]
fn unset_removes_every_assignment() {
    let p = init_with_db_and_port();
    p.envsafe(&["unset", "PORT"]).assert().success();
    assert!(!p.read(".env").contains("PORT"));
    p.envsafe(&["unset", "PORT"])
        .assert()
        .code(1)
        .stderr("error: `PORT` is not set in environment `development`\nhelp: `envsafe ls` lists the variables of each file\n");
}

#[test]
fn run_process_env_wins_unless_override_and_later_files_win() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[environments.development]\nfiles = [\"env.public\", \".env\"]\n",
    );
    p.write(
        "env.public",
        "PORT=1\nHOST=localhost\nURL=http://${HOST}:${PORT}\n",
    );
    p.envsafe(&["set", "PORT", "2"]).assert().success();
    let key = p.private_key("development");
    let show = ["run", "--", "sh", "-c", "echo $PORT $URL"];
    assert_eq!(stdout(&mut p.envsafe(&show)), "2 http://localhost:1\n");
    assert_eq!(
        stdout(p.envsafe(&show).env("PORT", "9")),
        "9 http://localhost:9\n"
    );
    let mut over = p.envsafe(&["run", "--override", "--", "sh", "-c", "echo $PORT"]);
    assert_eq!(stdout(over.env("PORT", "9")), "2\n");
    // The key may come from the environment instead of the keys file.
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let mut from_env = p.envsafe(&show);
    assert_eq!(
        stdout(from_env.env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &key)),
        "2 http://localhost:1\n"
    );
}

#[test]
fn the_environment_is_chosen_by_which_key_is_set() {
    let p = Project::new();
    p.envsafe(&["-e", "production", "set", "MODE", "prod"])
        .assert()
        .success();
    p.envsafe(&["set", "MODE", "dev"]).assert().success();
    assert!(p.read(".env.production").contains("env=production"));
    let prod = p.private_key("production");
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let mut cmd = p.envsafe(&["run", "--", "sh", "-c", "echo $MODE"]);
    assert_eq!(
        stdout(cmd.env("ENVSAFE_PRIVATE_KEY_PRODUCTION", &prod)),
        "prod\n"
    );
    let mut cmd = p.envsafe(&["get", "MODE"]);
    cmd.env("ENVSAFE_PRIVATE_KEY", &prod)
        .env("ENVSAFE_ENV", "production");
    assert_eq!(stdout(&mut cmd), "prod\n");
}

#[test]
fn run_passes_the_exit_code_and_reports_a_missing_command() {
    let p = init_with_db_and_port();
    p.envsafe(&["run", "--", "sh", "-c", "exit 7"])
        .assert()
        .code(7);
    p.envsafe(&["run", "--", "no-such-command-xyz"])
        .assert()
        .code(127)
        .stderr(
            "error: command not found: no-such-command-xyz\n\
             help: check the name; a command without `/` is searched on PATH\n",
        );
    p.envsafe(&["run"]).assert().code(2);
}

#[test]
fn special_values_survive_set_and_run() {
    let p = init_with_db_and_port();
    let tricky = "a b#c $HOME ${X} 'q' \"d\" \\ ✓\nsecond line";
    p.envsafe(&["set", "TRICKY"])
        .write_stdin(tricky)
        .assert()
        .success();
    p.envsafe(&["set", "--plain", "PLAIN_TRICKY"])
        .write_stdin(tricky)
        .assert()
        .success();
    let out = stdout(&mut p.envsafe(&[
        "run",
        "--",
        "sh",
        "-c",
        "printf '%s|%s' \"$TRICKY\" \"$PLAIN_TRICKY\"",
    ]));
    assert_eq!(out, format!("{tricky}|{tricky}"));
}

#[test]
fn ls_lists_names_and_states_without_keys() {
    let p = init_with_db_and_port();
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["ls", "--json"]))).unwrap();
    let vars = &json[0]["vars"];
    assert_eq!(json[0]["env"], "development");
    assert_eq!(vars[0]["name"], "DATABASE_URL");
    assert_eq!(vars[0]["encrypted"], true);
    assert_eq!(vars[1]["name"], "PORT");
    assert_eq!(vars[1]["encrypted"], false);
    let text = stdout(&mut p.envsafe(&["ls"]));
    assert!(
        text.contains("  DATABASE_URL  encrypted\n  PORT          plain\n"),
        "{text}"
    );
}

#[test]
fn set_on_a_plain_file_adds_a_header_and_keypair_like_dotenvx() {
    let p = Project::new();
    p.write(".env.ci", "# ci\nCI=true\n");
    p.envsafe(&["-f", ".env.ci", "set", "TOKEN", "t"])
        .assert()
        .success()
        .stderr(predicates::str::contains(
            "warning: .env.ci still holds 1 plain value(s); run `envsafe encrypt -f .env.ci`",
        ));
    let text = p.read(".env.ci");
    assert!(text.starts_with("#/-------------------[envsafe encrypted file]"));
    assert!(text.contains("env=ci\n# ci\nCI=true\nTOKEN=\"envsafe:v1:"));
    assert!(p
        .read(".env.keys")
        .contains("ENVSAFE_PRIVATE_KEY_CI=AGE-SECRET-KEY-1"));
}

#[test]
fn keygen_prints_an_age_keypair() {
    let p = Project::bare_dir();
    let out = stdout(&mut p.envsafe(&["keygen"]));
    let mut lines = out.lines();
    assert!(lines.next().unwrap().starts_with("# public key: age1"));
    assert!(lines.next().unwrap().starts_with("AGE-SECRET-KEY-1"));
}

#[test]
fn concurrent_sets_all_land() {
    let p = init_with_db_and_port();
    let children: Vec<_> = (0..16)
        .map(|i| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("envsafe"))
                .args(["-q", "set", &format!("PARALLEL_{i}"), &format!("v{i}")])
                .current_dir(p.path())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["get", "--json"]))).unwrap();
    for i in 0..16 {
        assert_eq!(json[format!("PARALLEL_{i}")], format!("v{i}"));
    }
    let leftovers: Vec<_> = std::fs::read_dir(p.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".envsafe-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[test]
fn set_warns_when_a_later_file_shadows_the_value() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[environments.development]\nfiles = [\"env.public\", \".env\"]\n",
    );
    p.write("env.public", "PORT=1\n");
    p.envsafe(&["set", "PORT", "2"]).assert().success();
    p.envsafe(&["set", "--plain", "PORT", "3"])
        .assert()
        .success()
        .stderr(
            "warning: PORT is also set in .env, which loads later and wins; \
         remove it there with `envsafe -f .env unset PORT`\nset PORT in env.public (plain)\n",
        );
    assert_eq!(p.read("env.public"), "PORT=3\n");
}

#[test]
fn global_flags_work_before_and_after_the_command_name() {
    let p = Project::new();
    p.envsafe(&["-e", "production", "-q", "set", "A", "1"])
        .assert()
        .success()
        .stderr("");
    p.envsafe(&["set", "-e", "production", "--quiet", "B", "2"])
        .assert()
        .success()
        .stderr("");
    assert!(p.read(".env.production").contains("\nB=\"envsafe:v1:"));
    // -f before and after add up; --json after the name applies.
    p.envsafe(&["--plain", "set", "X", "1"]).assert().code(2);
    p.write("one.env", "A=1\n").write("two.env", "B=2\n");
    let json: serde_json::Value = serde_json::from_str(&stdout(
        &mut p.envsafe(&["-f", "one.env", "get", "-f", "two.env", "--json"]),
    ))
    .unwrap();
    assert_eq!(json, serde_json::json!({ "A": "1", "B": "2" }));
    // A value given after the name wins: -C after points elsewhere.
    let other = Project::new();
    other.write(".env", "WHERE=other\n");
    let out = stdout(&mut p.envsafe(&[
        "-C",
        "/nonexistent",
        "get",
        "-C",
        other.path().to_str().unwrap(),
        "WHERE",
    ]));
    assert_eq!(out, "other\n");
}

#[test]
fn a_wrong_key_listed_first_is_skipped() {
    let p = init_with_db_and_port();
    let right = p.private_key("development");
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let other = stdout(&mut p.envsafe(&["keygen"]))
        .lines()
        .nth(1)
        .unwrap()
        .to_owned();
    let out = stdout(
        p.envsafe(&["run", "--", "sh", "-c", "echo $DATABASE_URL"])
            .env(
                "ENVSAFE_PRIVATE_KEY_DEVELOPMENT",
                format!("{other},{right}"),
            ),
    );
    assert_eq!(out, "postgres://app:s3cret@db:5432/app\n");
}
