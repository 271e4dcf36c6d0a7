//! The schema as a new user meets it (issue 3): a ten-variable schema,
//! `generate`, `check`, every rule broken in turn, `run --strict`,
//! `example`, `status` — and no secret value in any output.

use crate::support::{stdout, Project};

const SCHEMA: &str = r#"
[environments.production]
files = ["env.public", ".env.production"]

[environments.test]
files = ["env.public", ".env.test"]

[vars.DATABASE_URL]
type = "url"
required = true
secret = true
description = "Postgres connection string"

[vars.PORT]
type = "port"
secret = false
min = 1024
default = 8080

[vars.LOG_LEVEL]
type = "enum"
values = ["debug", "info", "warn", "error"]
secret = false

[vars.ENCRYPTION_KEY]
type = "hex"
length = 64
generate = "hex:32"
rotation = "manual"
required = true

[vars.SESSION_SECRET]
type = "base64"
generate = "base64:32"
required = true

[vars.AUTH_ENABLED]
type = "bool"
secret = false

[vars.ORY_PROJECT_API_KEY]
required_if = { AUTH_ENABLED = "true" }

[vars.ADMIN_EMAIL]
type = "email"
secret = false
required_in = ["production"]

[vars.FEATURE_FLAGS]
type = "json"
secret = false

[vars.SENTRY_DSN]
type = "url"
secret = false
pattern = "https://.*"
"#;

const PUBLIC: &str = "PORT=8443\nLOG_LEVEL=info\nAUTH_ENABLED=true\nADMIN_EMAIL=ops@example.com\n\
                      FEATURE_FLAGS='{\"beta\":true}'\nSENTRY_DSN=https://sentry.example.com/1\n";

/// A project that passes `check`, and the secret values it holds.
fn passing() -> (Project, Vec<String>) {
    let p = Project::new();
    p.write("envsafe.toml", SCHEMA).write("env.public", PUBLIC);
    let mut secrets = Vec::new();
    for env in ["production", "test"] {
        let db = format!("postgres://app:{env}-db-pass@db/app");
        let ory = format!("ory_{env}_api_key_value");
        p.envsafe(&["-e", env, "set", "DATABASE_URL"])
            .write_stdin(db.clone())
            .assert()
            .success();
        p.envsafe(&["-e", env, "set", "ORY_PROJECT_API_KEY"])
            .write_stdin(ory.clone())
            .assert()
            .success();
        p.envsafe(&["-e", env, "generate"]).assert().success();
        secrets.extend([db, ory]);
        let json: serde_json::Value =
            serde_json::from_str(&stdout(&mut p.envsafe(&["-e", env, "get", "--json"]))).unwrap();
        for name in ["ENCRYPTION_KEY", "SESSION_SECRET"] {
            secrets.push(json[name].as_str().unwrap().to_owned());
        }
    }
    (p, secrets)
}

fn assert_no_secret(output: &str, secrets: &[String]) {
    for s in secrets {
        assert!(
            !output.contains(s.as_str()),
            "a secret value appeared in the output:\n{output}"
        );
    }
}

/// `set` refuses a value that breaks the schema (exit 3, the value never
/// shown); the value is then planted as an older envsafe could have.
fn refused_then_planted(p: &Project, name: &str, value: &str) {
    let out = p
        .envsafe(&["-e", "production", "set", name, value])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with(&format!("error: `{name}` was not stored: it ")),
        "{stderr}"
    );
    if value.len() >= 4 {
        assert!(!stderr.contains(value), "{stderr}");
    }
    p.plant_sealed(".env.production", name, value);
}

/// `check --json -e ENV`: the error findings as (name, rule).
fn errors(p: &Project, env: &str) -> Vec<(String, String)> {
    let out = p.envsafe(&["-e", env, "check", "--json"]).output().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn generate_makes_valid_distinct_secrets_and_check_passes() {
    let (p, secrets) = passing();
    let out = p.envsafe(&["check", "--decrypt"]).output().unwrap();
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{o}{e}");
    assert_eq!(
        e,
        "check passed: 0 error(s), 0 warning(s) in 2 environment(s)\n"
    );
    // ENCRYPTION_KEY and SESSION_SECRET of production and test differ.
    let generated = &secrets;
    assert_eq!(generated[2].len(), 64);
    assert_ne!(generated[2], generated[6]);
    assert_ne!(generated[3], generated[7]);
    // They were written encrypted, with the public key only.
    let prod = p.read(".env.production");
    assert!(
        prod.contains("ENCRYPTION_KEY=\"envsafe:v1:")
            && prod.contains("SESSION_SECRET=\"envsafe:v1:")
    );
    assert_no_secret(&prod, &secrets);
}

#[test]
fn breaking_each_rule_gives_one_finding_naming_variable_and_rule() {
    type Mutate = fn(&Project);
    let cases: &[(&str, Mutate, &str, &str)] = &[
        (
            "port type",
            |p| {
                p.write("env.public", &PUBLIC.replace("PORT=8443", "PORT=http"));
            },
            "PORT",
            "type",
        ),
        (
            "port min",
            |p| {
                p.write("env.public", &PUBLIC.replace("PORT=8443", "PORT=80"));
            },
            "PORT",
            "min",
        ),
        (
            "enum",
            |p| {
                p.write(
                    "env.public",
                    &PUBLIC.replace("LOG_LEVEL=info", "LOG_LEVEL=verbose"),
                );
            },
            "LOG_LEVEL",
            "type",
        ),
        (
            "email",
            |p| {
                p.write("env.public", &PUBLIC.replace("ops@example.com", "ops"));
            },
            "ADMIN_EMAIL",
            "type",
        ),
        (
            "json",
            |p| {
                p.write(
                    "env.public",
                    &PUBLIC.replace("'{\"beta\":true}'", "'{beta}'"),
                );
            },
            "FEATURE_FLAGS",
            "type",
        ),
        (
            "pattern",
            |p| {
                p.write(
                    "env.public",
                    &PUBLIC.replace("https://sentry", "http://sentry"),
                );
            },
            "SENTRY_DSN",
            "pattern",
        ),
        (
            "required_in",
            |p| {
                p.write(
                    "env.public",
                    &PUBLIC.replace("ADMIN_EMAIL=ops@example.com\n", ""),
                );
            },
            "ADMIN_EMAIL",
            "missing",
        ),
        (
            "required",
            |p| {
                p.envsafe(&["-e", "production", "unset", "DATABASE_URL"])
                    .assert()
                    .success();
            },
            "DATABASE_URL",
            "missing",
        ),
        (
            "required_if",
            |p| {
                p.envsafe(&["-e", "production", "unset", "ORY_PROJECT_API_KEY"])
                    .assert()
                    .success();
            },
            "ORY_PROJECT_API_KEY",
            "missing",
        ),
        (
            "hex length",
            |p| {
                refused_then_planted(p, "ENCRYPTION_KEY", "abcd");
            },
            "ENCRYPTION_KEY",
            "length",
        ),
        (
            "hex type",
            |p| {
                refused_then_planted(p, "ENCRYPTION_KEY", &"z".repeat(64));
            },
            "ENCRYPTION_KEY",
            "type",
        ),
        (
            "base64",
            |p| {
                refused_then_planted(p, "SESSION_SECRET", "***");
            },
            "SESSION_SECRET",
            "type",
        ),
        (
            "url",
            |p| {
                refused_then_planted(p, "DATABASE_URL", "not a url");
            },
            "DATABASE_URL",
            "type",
        ),
        (
            "secret stored plain",
            |p| {
                let prod = p.read(".env.production");
                let kept: String = prod
                    .lines()
                    .filter(|l| !l.starts_with("DATABASE_URL="))
                    .map(|l| format!("{l}\n"))
                    .collect();
                p.write(
                    ".env.production",
                    &format!("{kept}DATABASE_URL=postgres://x@db/app\n"),
                );
            },
            "DATABASE_URL",
            "secret-plain",
        ),
        (
            "public stored encrypted",
            |p| {
                p.write("env.public", &PUBLIC.replace("LOG_LEVEL=info\n", ""));
                p.plant_sealed(".env.production", "LOG_LEVEL", "info");
            },
            "LOG_LEVEL",
            "public-encrypted",
        ),
    ];
    for (what, mutate, name, rule) in cases {
        let (p, secrets) = passing();
        mutate(&p);
        assert_eq!(
            errors(&p, "production"),
            vec![((*name).to_owned(), (*rule).to_owned())],
            "case: {what}"
        );
        let out = p.envsafe(&["-e", "production", "check"]).output().unwrap();
        assert_eq!(out.status.code(), Some(3), "case: {what}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains(&format!("error[{rule}] production: {name} ")),
            "case {what}: {text}"
        );
        assert_no_secret(&text, &secrets);
    }
}

#[test]
fn check_without_keys_checks_structure_and_says_what_it_skipped() {
    let (p, _) = passing();
    std::fs::remove_file(p.file(".env.keys")).unwrap();
    p.envsafe(&["check"]).assert().success().stderr(
        "note: 8 encrypted value(s) not type-checked: no private key (use --decrypt to require one)\n\
         check passed: 0 error(s), 0 warning(s) in 2 environment(s)\n",
    );
    p.envsafe(&["-e", "production", "check", "--decrypt"])
        .assert()
        .code(4);
}

#[test]
fn run_strict_lists_every_missing_variable() {
    let (p, _) = passing();
    p.write(".env.production", "");
    let out = p
        .envsafe(&[
            "-e",
            "production",
            "run",
            "--strict",
            "--",
            "echo",
            "started",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty(), "the command must not start");
    let err = String::from_utf8_lossy(&out.stderr);
    for name in ["DATABASE_URL", "ENCRYPTION_KEY", "SESSION_SECRET"] {
        assert!(
            err.contains(&format!(
                "error[missing] production: {name} is required but not set"
            )),
            "{err}"
        );
    }
    assert!(err.ends_with("error: refusing to start: 4 schema finding(s) in environment `production` (--strict)\n"), "{err}");
}

#[test]
fn plain_run_warns_and_applies_defaults_and_from_file() {
    let (p, secrets) = passing();
    p.write("envsafe.toml", &format!("{SCHEMA}\n[vars.TLS_CERT]\nfrom_file = \"cert.pem\"\nencode = \"base64\"\nsecret = false\n"));
    p.write("cert.pem", "PEM");
    p.write(
        "env.public",
        &PUBLIC
            .replace("PORT=8443\n", "")
            .replace("LOG_LEVEL=info", "LOG_LEVEL=loud"),
    );
    let out = p
        .envsafe(&[
            "-e",
            "production",
            "run",
            "--",
            "sh",
            "-c",
            "echo $PORT $TLS_CERT",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "8080 UEVN\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with(
            "error[type] production: LOG_LEVEL must be one of: debug, info, warn, error"
        ),
        "{err}"
    );
    assert_no_secret(&err, &secrets);
}

#[test]
fn example_and_status_show_no_secret() {
    let (p, secrets) = passing();
    p.envsafe(&["example"]).assert().success();
    let example = p.read(".env.example");
    assert!(
        example.contains("# Postgres connection string (url, required, secret)\nDATABASE_URL=\n")
    );
    assert!(example.contains("\nPORT=8080\n"));
    assert_no_secret(&example, &secrets);
    p.envsafe(&["example"]).assert().success();
    assert_eq!(p.read(".env.example"), example, "example is stable");
    let status: serde_json::Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["status", "--json"]))).unwrap();
    assert_eq!(status["variables"]["DATABASE_URL"]["production"], "set");
    assert_eq!(status["variables"]["ADMIN_EMAIL"]["test"], "set"); // env.public is shared
    p.write("env.public", &PUBLIC.replace("PORT=8443\n", ""));
    let status: serde_json::Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["status", "--json"]))).unwrap();
    assert_eq!(status["variables"]["PORT"]["test"], "default");
    let table = stdout(&mut p.envsafe(&["status"]));
    assert!(
        table.starts_with("VARIABLE             production  test\n"),
        "{table}"
    );
    assert_no_secret(&table, &secrets);
}

#[test]
fn generate_refuses_manual_rotation_without_force_manual() {
    let (p, _) = passing();
    let before = p.read(".env.production");
    p.envsafe(&["-e", "production", "generate", "--force", "ENCRYPTION_KEY"]).assert().code(2).stderr(
        "error: production: ENCRYPTION_KEY has `rotation = \"manual\"`: data may depend on its value\n\
         help: add --force-manual to replace it anyway\n",
    );
    assert_eq!(p.read(".env.production"), before);
    p.envsafe(&["-e", "production", "generate", "--force", "SESSION_SECRET"])
        .assert()
        .success();
    p.envsafe(&[
        "-e",
        "production",
        "generate",
        "--force",
        "--force-manual",
        "ENCRYPTION_KEY",
    ])
    .assert()
    .success();
}

#[test]
fn generate_warns_when_environments_share_a_value() {
    let (p, _) = passing();
    let json: serde_json::Value = serde_json::from_str(&stdout(&mut p.envsafe(&[
        "-e",
        "production",
        "get",
        "--json",
    ])))
    .unwrap();
    let shared = json["SESSION_SECRET"].as_str().unwrap().to_owned();
    p.envsafe(&["-e", "test", "set", "SESSION_SECRET", &shared])
        .assert()
        .success();
    let out = p.envsafe(&["-e", "test", "generate"]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("warning: SESSION_SECRET has the same value in production and test"),
        "{err}"
    );
    assert!(!err.contains(&shared));
}

#[test]
fn config_errors_show_the_line() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[vars.PORT]\ntype = \"port\"\nsecrett = true\n",
    );
    p.envsafe(&["check"]).assert().code(1).stderr(
        "error: envsafe.toml:3:1: unknown field `secrett`, expected one of `secret`, `required`, `required_in`, `required_if`, `type`, `length`, `min_length`, `max_length`, `pattern`, `values`, `min`, `max`, `default`, `generate`, `rotation`, `description`, `from_file`, `encode`\n  |\n3 | secrett = true\n  | ^\nhelp: fix envsafe.toml at the place shown\n",
    );
    p.write("envsafe.toml", "[vars.PORT]\ntype = \"number\"\n");
    p.envsafe(&["check"])
        .assert()
        .code(1)
        .stderr(predicates::str::starts_with(
            "error: envsafe.toml:2:8: unknown variant `number`, expected one of `string`, `url`",
        ));
    p.write("envsafe.toml", "[vars.ID]\npattern = \"[a-z\"\n");
    p.envsafe(&["check"]).assert().code(1).stderr(
        "error: envsafe.toml:2:11: vars.ID.pattern is not a valid regular expression: non-empty character class has no closing bracket\n  |\n2 | pattern = \"[a-z\"\n  |           ^\nhelp: fix envsafe.toml at the place shown\n",
    );
    p.write("envsafe.toml", "[vars.KEY]\ngenerate = \"sha:32\"\n");
    p.envsafe(&["check"])
        .assert()
        .code(1)
        .stderr(predicates::str::starts_with(
            "error: envsafe.toml:2:12: `sha:32` is not hex:N, base64:N, urlsafe:N or alnum:N",
        ));
}

#[test]
fn broken_files_are_findings_not_crashes() {
    let (p, _) = passing();
    p.write(
        ".env.test",
        "#@envsafe public-key=age1nonsense env=test\nA=1\n",
    );
    p.write("env.public", &format!("{PUBLIC}not a line\n"));
    let out = p
        .envsafe(&["-e", "test", "check", "--json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"header") && rules.contains(&"syntax"),
        "{rules:?}"
    );
}
