//! Every failure the core promises: exact stderr, the DESIGN exit code, and
//! no file changed.

use crate::support::Project;

/// A project with one encrypted and one plain value, and its public key.
fn project() -> (Project, String) {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "DATABASE_URL", "postgres://secret@db/app"])
        .assert()
        .success();
    p.envsafe(&["set", "--plain", "PORT", "8080"])
        .assert()
        .success();
    let public = p.header_key(".env");
    (p, public)
}

/// The report for a value that fails authentication.
fn auth_failure(line: usize, col: usize, name: &str) -> String {
    format!(
        "error: .env:{line}:{col}: `{name}` could not be decrypted: authentication failed\n\
         help: the value was changed, moved from another variable, or sealed to another key; \
         set it again with `envsafe set`\n"
    )
}

fn line_of(p: &Project, name: &str) -> usize {
    p.read(".env")
        .lines()
        .position(|l| l.starts_with(&format!("{name}=")))
        .unwrap()
        + 1
}

#[test]
fn wrong_key_lists_what_was_tried() {
    let (p, public) = project();
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    let other = String::from_utf8(p.envsafe(&["keygen"]).output().unwrap().stdout).unwrap();
    let other = other.lines().nth(1).unwrap().to_owned();
    let before = p.snapshot();
    p.envsafe(&["run", "--", "true"])
        .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", &other)
        .assert()
        .code(4)
        .stdout("")
        .stderr(format!(
            "error: no private key found for environment `development` (public key {public})\n  \
             tried:\n    \
             - environment variable ENVSAFE_PRIVATE_KEY_DEVELOPMENT (no matching key)\n    \
             - environment variable ENVSAFE_PRIVATE_KEY (not set)\n    \
             - keys file .env.keys (no such file)\n    \
             - the OS keyring (service envsafe) (no entry for {public})\n    \
             - team key file .envsafe/development.age (not found)\n\
             help: set ENVSAFE_PRIVATE_KEY_DEVELOPMENT to the private key, or add it to .env.keys \
             (ask a key holder); in a team, give an admin your recipient (`envsafe identity show`) \
             to add with `envsafe recipients add`\n"
        ));
    assert_eq!(p.snapshot(), before);
}

#[test]
fn tampered_value_fails_closed() {
    let (p, _) = project();
    let text = p.read(".env");
    let start = text.find("envsafe:v1:").unwrap() + 40;
    let mut bytes = text.into_bytes();
    bytes[start] = if bytes[start] == b'A' { b'B' } else { b'A' };
    p.write(".env", &String::from_utf8(bytes).unwrap());
    let before = p.snapshot();
    let line = line_of(&p, "DATABASE_URL");
    p.envsafe(&["run", "--", "echo", "must not run"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(auth_failure(line, 14, "DATABASE_URL"));
    assert_eq!(p.snapshot(), before);
}

#[test]
fn value_moved_to_another_name_fails() {
    let (p, _) = project();
    p.write(
        ".env",
        &p.read(".env").replace("DATABASE_URL=", "OTHER_URL="),
    );
    let before = p.snapshot();
    let line = line_of(&p, "OTHER_URL");
    p.envsafe(&["get", "OTHER_URL"])
        .assert()
        .code(4)
        .stdout("")
        .stderr(auth_failure(line, 11, "OTHER_URL"));
    assert_eq!(p.snapshot(), before);
}

#[test]
fn malformed_line_names_file_line_col_and_masks_the_value() {
    let (p, _) = project();
    p.write(
        ".env",
        &format!("{}API_KEY=\"sk_live_123\nNEXT=1\n", p.read(".env")),
    );
    let before = p.snapshot();
    let line = line_of(&p, "API_KEY");
    for args in [
        &["run", "--", "true"][..],
        &["set", "X", "1"],
        &["encrypt"],
        &["get"],
    ] {
        p.envsafe(args).assert().code(1).stdout("").stderr(format!(
            "error: .env:{line}:9: unterminated double-quoted value\n  |\n{line} | API_KEY=\"***********\n  |         ^\n\
             help: fix the line, or quote the value (single quotes keep it literal)\n"
        ));
    }
    assert_eq!(p.snapshot(), before);
}

#[test]
fn corrupted_envelope_says_what_is_wrong() {
    let (p, _) = project();
    p.write(
        ".env",
        &p.read(".env").replace("envsafe:v1:", "envsafe:v9:"),
    );
    let line = line_of(&p, "DATABASE_URL");
    p.envsafe(&["get"]).assert().code(4).stderr(format!(
        "error: .env:{line}:14: `DATABASE_URL` could not be decrypted: unknown format version `v9` (a newer envsafe wrote it)\n\
         help: the value was changed, moved from another variable, or sealed to another key; set it again with `envsafe set`\n"
    ));
}

#[test]
fn group_readable_keys_file_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let (p, _) = project();
    std::fs::set_permissions(p.file(".env.keys"), std::fs::Permissions::from_mode(0o644)).unwrap();
    p.envsafe(&["get", "DATABASE_URL"]).assert().code(4).stdout("").stderr(
        "error: .env.keys: keys file is readable by others (mode 644)\nhelp: run `chmod 600 .env.keys`\n",
    );
}

#[test]
fn an_environment_without_files_is_an_error() {
    let p = Project::new();
    p.envsafe(&["run", "--", "true"]).assert().code(1).stderr(
        "error: no env file found for environment `development` (looked for .env)\n\
         help: create one with `envsafe init` or `envsafe set NAME`, or pass -e / -f\n",
    );
}

#[test]
fn bad_names_and_unknown_environments_are_usage_errors() {
    let (p, _) = project();
    p.envsafe(&["set", "BAD NAME", "x"])
        .assert()
        .code(2)
        .stderr(
            "error: invalid variable name `BAD…`: a name cannot contain spaces\n\
         help: `envsafe ls` lists the variables; `envsafe set NAME` takes the value on stdin\n",
        );
    p.envsafe(&["-e", "staging", "get"])
        .assert()
        .code(2)
        .stderr("error: unknown environment `staging`\nhelp: known environments: development\n");
}

#[test]
fn bad_toml_names_the_place() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[environments.development]\nfiles = \".env\"\n",
    );
    p.envsafe(&["ls"]).assert().code(1).stderr(
        "error: envsafe.toml:2:9: invalid type: string \".env\", expected a sequence\n  |\n2 | files = \".env\"\n  |         ^\n\
         help: fix envsafe.toml at the place shown\n",
    );
}

/// Colour (anstream): `--color always` paints the heads even under
/// NO_COLOR, which the default honours; `--color never` paints nothing.
#[test]
fn colour_follows_the_flag_and_no_color() {
    let p = Project::bare_dir();
    let plain = "error: no env file found for environment `development` (looked for .env)\n\
                 help: create one with `envsafe init` or `envsafe set NAME`, or pass -e / -f\n";
    p.envsafe(&["get", "NOPE"]).assert().code(1).stderr(plain);
    p.envsafe(&["--color", "never", "get", "NOPE"])
        .assert()
        .code(1)
        .stderr(plain);
    let painted = plain
        .replacen("error", "\x1b[1m\x1b[31merror\x1b[0m", 1)
        .replacen("help", "\x1b[1m\x1b[36mhelp\x1b[0m", 1);
    p.envsafe(&["--color", "always", "get", "NOPE"])
        .assert()
        .code(1)
        .stderr(painted);
}
