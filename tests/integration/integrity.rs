//! Issue 7 §2: no silent wrong value. A swapped header key, a file copied
//! over another environment's, ambiguous key variables, ciphertext in
//! disguise, a keys file as a target, a hidden header, and writes that
//! ignore the schema: each is refused with a clear error, files untouched.

use crate::support::{assert_no_secret, stdout, Project};

#[test]
fn a_swapped_header_key_is_refused_by_writers_and_reported_by_check() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    let pinned = p.header_key(".env");
    assert!(p
        .read("envsafe.toml")
        .contains(&format!("public_key = \"{pinned}\"")));
    p.envsafe(&["set", "API_TOKEN", "v1-secret"])
        .assert()
        .success();
    let (_, attacker) = p.swap_header_key(".env");
    let before = p.snapshot();
    let line = p.header_line(".env");
    let expected = format!(
        "error: .env:{line}:1: the header's public key {attacker} is not the key pinned for `development` in envsafe.toml ({pinned})\n\
         help: someone changed the header's key: restore it from git history (`git log -p -- FILE`); a deliberate key change updates `public_key` in envsafe.toml in the same reviewed commit\n"
    );
    for args in [
        &["set", "NEW_TOKEN", "x"][..],
        &["encrypt"],
        &["unset", "API_TOKEN"],
    ] {
        p.envsafe(args).assert().code(4).stderr(expected.clone());
    }
    assert_eq!(p.snapshot(), before);
    p.write(
        "envsafe.toml",
        &format!(
            "{}\n[vars.SESSION_KEY]\ngenerate = \"hex:16\"\n",
            p.read("envsafe.toml")
        ),
    );
    let before_gen = p.snapshot();
    p.envsafe(&["generate"]).assert().code(4).stderr(expected);
    assert_eq!(p.snapshot(), before_gen);
    let out = p.envsafe(&["check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8(out.stdout).unwrap().contains(&format!(
        "error[key-pin] development: the header's public key {attacker} is not the key pinned for `development` in envsafe.toml ({pinned})\n  --> .env:{line}\n"
    )));
}

#[test]
fn zero_config_writers_refuse_a_header_their_key_does_not_belong_to() {
    let p = Project::new();
    p.envsafe(&["set", "API_TOKEN", "v1-secret"])
        .assert()
        .success();
    let (mine, attacker) = p.swap_header_key(".env");
    let before = p.snapshot();
    let line = p.header_line(".env");
    p.envsafe(&["set", "NEW_TOKEN", "x"]).assert().code(4).stderr(format!(
        "error: .env:{line}:1: the header's public key {attacker} is not the public key of your private key for `development` ({mine})\n\
         help: someone changed the header's key: restore it from git history (`git log -p -- FILE`); a deliberate key change updates `public_key` in envsafe.toml in the same reviewed commit\n"
    ));
    assert_eq!(p.snapshot(), before);
    // Without the private key, a writer has only the header to go by.
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    p.envsafe(&["set", "NEW_TOKEN", "x"]).assert().success();
}

#[test]
fn a_file_copied_over_another_environment_is_refused() {
    let p = Project::new();
    p.envsafe(&["init", "-e", "development", "-e", "production"])
        .assert()
        .success();
    p.envsafe(&["set", "API_TOKEN", "dev-value"])
        .assert()
        .success();
    std::fs::copy(p.file(".env"), p.file(".env.production")).unwrap();
    let line = p.header_line(".env.production");
    let expected = format!(
        "error: .env.production:{line}:1: this file belongs to environment `development` (its header says so), not `production`\n\
         help: was a file copied over another? restore it from git, or select `-e development` if that is what you meant\n"
    );
    for args in [
        &["-e", "production", "get", "API_TOKEN"][..],
        &["-e", "production", "run", "--", "true"],
        &["-e", "production", "set", "X_TOKEN", "x"],
    ] {
        let out = p.envsafe(args).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_no_secret(&out, &["dev-value"]);
        assert_eq!(String::from_utf8(out.stderr).unwrap(), expected);
    }
    let dev_key = p.private_key("development");
    p.envsafe(&["run", "--", "true"])
        .env("ENVSAFE_PRIVATE_KEY_PRODUCTION", dev_key)
        .env("ENVSAFE_ENV", "production")
        .assert()
        .code(1);
}

#[test]
fn ambiguous_or_unknown_key_variables_are_usage_errors() {
    let p = Project::new();
    p.envsafe(&["init", "-e", "development", "-e", "production"])
        .assert()
        .success();
    p.envsafe(&["run", "--", "true"])
        .env("ENVSAFE_PRIVATE_KEY_DEVELOPMENT", "a")
        .env("ENVSAFE_PRIVATE_KEY_PRODUCTION", "b")
        .assert()
        .code(2)
        .stderr(
            "error: ENVSAFE_PRIVATE_KEY_DEVELOPMENT, ENVSAFE_PRIVATE_KEY_PRODUCTION are all set: which environment is meant?\n\
             help: choose one with `-e NAME` or ENVSAFE_ENV, or unset the others\n",
        );
    p.envsafe(&["get"])
        .env("ENVSAFE_PRIVATE_KEY_PRODUCTON", "b")
        .assert()
        .code(2)
        .stderr(
            "error: ENVSAFE_PRIVATE_KEY_PRODUCTON is set but names no known environment (known: development, production)\n\
             help: choose one with `-e NAME` or ENVSAFE_ENV, or unset the others\n",
        );
    // -e decides; the variables are then only keys.
    p.envsafe(&["-e", "development", "run", "--", "true"])
        .env(
            "ENVSAFE_PRIVATE_KEY_DEVELOPMENT",
            p.private_key("development"),
        )
        .env("ENVSAFE_PRIVATE_KEY_PRODUCTION", "b")
        .assert()
        .success();
}

#[test]
fn ciphertext_in_disguise_never_reaches_the_command() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "API_TOKEN", "the-real-token"])
        .assert()
        .success();
    let text = p.read(".env");
    let line = text
        .lines()
        .position(|l| l.starts_with("API_TOKEN="))
        .unwrap()
        + 1;
    let sealed = p.sealed_value(".env", "API_TOKEN");
    let help_envsafe = "help: an envsafe value must be written `NAME=\"envsafe:v1:…\"` exactly as envsafe wrote it (no single quotes, no spaces): restore the line from git, or set it again with `envsafe set`\n";
    for disguised in [format!("'{sealed}'"), format!("\" {sealed}\"")] {
        p.write(".env", &text.replace(&format!("\"{sealed}\""), &disguised));
        p.envsafe(&["run", "--", "echo", "must not run"])
            .assert()
            .code(4)
            .stdout("")
            .stderr(format!(
                "error: .env:{line}: `API_TOKEN` holds an envsafe-encrypted value that envsafe cannot open here\n{help_envsafe}"
            ));
    }
    // A dotenvx value in an envsafe file fails closed too.
    let dotenvx = "encrypted:BDqDBibm4wsYqMpCjTQ6BsDHmMadg9K3dAt+Z9HPMfLEIRVz50hmLXPXRuDBXaJi/LwWYEVUNiq0HISrslzQPaoyS8Lotg3gFWJTsNCdOWnqpjF2xNUX2RQiP05kAbEXM6MWVjDr";
    p.write(".env", &format!("{text}OLD_SECRET=\"{dotenvx}\"\n"));
    let n = text.lines().count() + 1;
    p.envsafe(&["get"]).assert().code(4).stdout("").stderr(format!(
        "error: .env:{n}: `OLD_SECRET` holds a dotenvx-encrypted value (`encrypted:…`) that envsafe cannot open here\n\
         help: dotenvx values need dotenvx's key: decrypt it with dotenvx and store it with `envsafe set`\n"
    ));
    // In a plain dotenv file (one being migrated) it is left out, with a warning.
    p.write(
        "legacy.env",
        &format!("PLAIN=1\nOLD_SECRET=\"{dotenvx}\"\n"),
    );
    let env = p
        .envsafe(&["-f", "legacy.env", "run", "--", "env"])
        .assert()
        .success()
        .stderr("warning: legacy.env:2: OLD_SECRET holds a dotenvx-encrypted value; left out (envsafe cannot open it)\n")
        .get_output()
        .stdout
        .clone();
    let env = String::from_utf8(env).unwrap();
    assert!(env.contains("PLAIN=1\n") && !env.contains("OLD_SECRET"));
    // `set --plain` refuses ciphertext.
    p.write(".env", &text);
    p.envsafe(&["set", "--plain", "PUBLIC_URL", &sealed])
        .assert()
        .code(3)
        .stderr(
            "error: `PUBLIC_URL` was not stored: it is already ciphertext (an envsafe-encrypted value): give the plaintext [ciphertext]\n\
             help: give the decrypted value (`envsafe get PUBLIC_URL` prints it)\n",
        );
}

#[test]
fn keys_files_are_never_rewritten_as_env_files() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["-f", ".env.keys", "encrypt"])
        .assert()
        .code(2)
        .stderr(
            "error: .env.keys: is a keys file: envsafe never rewrites one as an env file\n\
             help: pass the env file with `-f`, and the keys file with `--keys-file`\n",
        );
    std::fs::copy(p.file(".env.keys"), p.file("backup.txt")).unwrap();
    let before_backup = p.snapshot();
    for args in [
        &["-f", "backup.txt", "encrypt"][..],
        &["-f", "backup.txt", "set", "A", "1"],
        &["-f", "backup.txt", "decrypt"],
        &[
            "-f",
            "backup.txt",
            "unset",
            "ENVSAFE_PRIVATE_KEY_DEVELOPMENT",
        ],
    ] {
        p.envsafe(args).assert().code(2).stderr(
            "error: backup.txt: holds private keys: envsafe never rewrites a keys file as an env file\n\
             help: pass the env file with `-f`, and the keys file with `--keys-file`\n",
        );
    }
    assert_eq!(p.snapshot(), before_backup);
    // The keys file a new key would go to is not an env file either.
    p.envsafe(&[
        "--keys-file",
        "other.env",
        "-f",
        "other.env",
        "set",
        "X_TOKEN",
        "x",
    ])
    .assert()
    .code(2)
    .stderr(
        "error: other.env: is also the keys file new private keys go to (--keys-file)\n\
             help: pass the env file with `-f`, and the keys file with `--keys-file`\n",
    );
    assert!(!p.file("other.env").exists());
}

#[test]
fn a_header_below_comments_or_with_cr_endings_is_found() {
    for (what, transform) in [
        (
            "comment and blank line above",
            (|t: &str| format!("# my notes\n\n{t}")) as fn(&str) -> String,
        ),
        ("CR-only line endings", |t: &str| t.replace('\n', "\r")),
    ] {
        let p = Project::new();
        p.envsafe(&["set", "API_TOKEN", "first-value"])
            .assert()
            .success();
        let keys = p.read(".env.keys");
        p.write(".env", &transform(&p.read(".env")));
        p.envsafe(&["set", "SECOND_TOKEN", "second-value"])
            .assert()
            .success();
        assert_eq!(p.read(".env.keys"), keys, "{what}: no new keypair");
        assert_eq!(p.read(".env").matches("#@envsafe").count(), 1, "{what}");
        assert_eq!(
            stdout(&mut p.envsafe(&["get", "API_TOKEN"])),
            "first-value\n"
        );
        assert_eq!(
            stdout(&mut p.envsafe(&["get", "SECOND_TOKEN"])),
            "second-value\n"
        );
    }
    // Sealed values and no header at all: an error, never a new keypair.
    let p = Project::new();
    p.envsafe(&["set", "API_TOKEN", "first-value"])
        .assert()
        .success();
    let kept: String = p
        .read(".env")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    p.write(".env", &kept);
    let before = p.snapshot();
    p.envsafe(&["set", "SECOND_TOKEN", "x"])
        .assert()
        .code(4)
        .stderr(
            "error: .env: `API_TOKEN` is encrypted in a file without an envsafe header\n\
         help: restore the `#@envsafe public-key=…` header line from git history\n",
        );
    assert_eq!(p.snapshot(), before);
}

const SCHEMA: &str = "
[vars.PORT]
type = \"port\"
secret = false

[vars.SIGNING_SALT]
generate = \"hex:16\"

[vars.DB_PASSWORD]
min_length = 12
";

fn schema_project() -> Project {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.append("envsafe.toml", SCHEMA);
    p
}

#[test]
fn writes_follow_the_schema() {
    let p = schema_project();
    // `encrypt` leaves `secret = false` variables plain.
    p.append(".env", "PORT=8080\nDB_PASSWORD=hunter2hunter2\n");
    p.envsafe(&["encrypt"])
        .assert()
        .success()
        .stderr("encrypted 1 value(s) in .env; 1 public value(s) kept plain (`secret = false`)\n");
    assert!(p.read(".env").contains("\nPORT=8080\n"));
    p.envsafe(&["check"]).assert().success();
    // `set --plain` of a secret is refused; `set` of a public value is plain.
    p.envsafe(&["set", "--plain", "DB_PASSWORD", "correct-horse-battery"])
        .assert()
        .code(2)
        .stderr(
            "error: `DB_PASSWORD` is secret (by its name): it is stored encrypted, never plain\n\
             help: drop --plain; or, if it is not secret, declare [vars.DB_PASSWORD] secret = false\n",
        );
    p.envsafe(&["set", "PORT", "8081"])
        .assert()
        .success()
        .stderr("set PORT in .env (plain: `secret = false` in envsafe.toml)\n");
    // `generate` seals a random value whatever its name.
    p.envsafe(&["generate"]).assert().success();
    assert!(p.read(".env").contains("SIGNING_SALT=\"envsafe:v1:"));
    // Values are checked before anything is written; the rule, never the value.
    let before = p.snapshot();
    for (args, stderr) in [
        (
            &["set", "DB_PASSWORD", "hunter2"][..],
            "error: `DB_PASSWORD` was not stored: it must be at least 12 characters long, is 7 [min-length]\n\
             help: fix the value; the rule is [vars.DB_PASSWORD] in envsafe.toml\n",
        ),
        (
            &["set", "PORT", "99999"],
            "error: `PORT` was not stored: it must be a port number (1-65535) (type = \"port\") [type]\n\
             help: fix the value; the rule is [vars.PORT] in envsafe.toml\n",
        ),
    ] {
        let out = p.envsafe(args).output().unwrap();
        assert_eq!(out.status.code(), Some(3));
        assert_no_secret(&out, &["hunter2", "99999"]);
        assert_eq!(String::from_utf8(out.stderr).unwrap(), stderr);
    }
    p.envsafe(&["set", "DB_PASSWORD"])
        .write_stdin("")
        .assert()
        .code(2)
        .stderr(
            "error: `DB_PASSWORD`: the value is empty\n\
             help: nothing was read; pass --allow-empty to store an empty value on purpose\n",
        );
    p.envsafe(&["set", "DB_PASSWORD"])
        .write_stdin("abc\0defghijklmnop")
        .assert()
        .code(3)
        .stderr(
            "error: `DB_PASSWORD` was not stored: it contains a NUL byte, which no environment variable can hold [nul]\n\
             help: remove the NUL byte (binary data: `encode = \"base64\"` with from_file)\n",
        );
    assert_eq!(p.snapshot(), before);
    p.envsafe(&["set", "--allow-empty", "OPTIONAL_TOKEN"])
        .write_stdin("")
        .assert()
        .success();
}

#[test]
fn run_warns_by_name_about_a_plain_secret_in_an_encrypted_file() {
    let p = Project::new();
    p.envsafe(&["set", "API_TOKEN", "sealed-value"])
        .assert()
        .success();
    p.append(".env", "LEAKY_TOKEN=plain-leak-value\n");
    let n = p.read(".env").lines().count();
    let out = p.envsafe(&["run", "--", "true"]).output().unwrap();
    assert!(out.status.success());
    assert_no_secret(&out, &["plain-leak-value", "sealed-value"]);
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        format!("warning: .env:{n}: LEAKY_TOKEN is secret but stored plain in an encrypted file; encrypt it: `envsafe -f .env encrypt`\n")
    );
}
