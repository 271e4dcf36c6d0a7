//! Deploy targets (DESIGN §7) with the real binary: `push` to recording
//! stand-ins for flyctl and gh (tests/integration/bin/, each parsing its
//! input with the platform's rules and scanning every process's argv),
//! `export` read back by the real docker compose v2 and cross-checked with
//! the real kubectl, the push ledger, refusals, `check --target`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{failure, stdout, Project};

/// Values no platform should lose a byte of.
const NASTY: &[(&str, &str)] = &[
    (
        "DATABASE_URL",
        "postgres://u:p@db.internal:5432/app?sslmode=require",
    ),
    ("ORY_PROJECT_API_KEY", "ory_pat_$HOME\"q'#x\\y"),
    ("PASSWORD", "pa$word with spaces # not a comment"),
    (
        "CERT",
        "-----BEGIN CERT-----\nMIIB line\n  indented\n-----END CERT-----",
    ),
];

fn bin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/bin")
}

/// PATH with the recording stand-ins first.
fn path_with_stand_ins() -> String {
    format!(
        "{}:{}",
        bin_dir().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// A project with environment `production` holding `values` (sealed) and
/// `extra` appended to envsafe.toml.
fn project(values: &[(&str, &str)], extra: &str) -> Project {
    let p = Project::new();
    p.envsafe(&["init", "-e", "production"]).assert().success();
    for (name, value) in values {
        let args = if value.is_empty() {
            vec!["-e", "production", "set", "--allow-empty", name]
        } else {
            vec!["-e", "production", "set", name]
        };
        p.envsafe(&args)
            .write_stdin(format!("{value}\n"))
            .assert()
            .success();
    }
    let mut config = p.read("envsafe.toml");
    config.push_str(extra);
    p.write("envsafe.toml", &config);
    p
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const FLY: &str = r#"
[targets.fly-server]
kind = "fly"
app = "moltnet"
env = "production"
vars = ["DATABASE_URL", "ORY_API_KEY", "PASSWORD", "CERT"]
map = { ORY_API_KEY = "ORY_PROJECT_API_KEY" }
"#;

fn fly_push(p: &Project, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = p.envsafe(args);
    cmd.env("PATH", path_with_stand_ins())
        .env("FLY_RECORD", p.file("fly-record.jsonl"))
        .env("FLY_STATE_DIR", p.path());
    cmd
}

/// `envsafe ARGS` with the recording gh first on PATH.
fn gh_run<'a>(p: &'a Project) -> impl Fn(&[&str]) -> assert_cmd::Command + 'a {
    move |args: &[&str]| {
        let mut cmd = p.envsafe(args);
        cmd.env("PATH", path_with_stand_ins())
            .env("GH_RECORD", p.file("gh.jsonl"))
            .env("GH_STATE_DIR", p.path());
        cmd
    }
}

#[test]
fn fly_push_sends_the_mapped_names_on_stdin_only() {
    let p = project(NASTY, FLY);
    // --dry-run: names only, nothing run.
    let out =
        stdout(fly_push(&p, &["push", "fly-server", "--dry-run"]).env("PATH", "/usr/bin:/bin"));
    assert!(out.contains("ORY_API_KEY ← ORY_PROJECT_API_KEY"), "{out}");
    assert!(out.contains("DATABASE_URL"), "{out}");
    for (_, v) in NASTY {
        assert!(!out.contains(v));
    }
    assert!(!p.file("fly-record.jsonl").exists());

    let out = fly_push(&p, &["push", "fly-server"])
        .assert()
        .success()
        .get_output()
        .clone();
    crate::support::assert_no_secret(&out, &NASTY.iter().map(|(_, v)| *v).collect::<Vec<_>>());
    let recs = records(&p.file("fly-record.jsonl"));
    let import: Vec<&Value> = recs.iter().filter(|r| r["argv"][1] == "import").collect();
    assert_eq!(import.len(), 1, "one batch: {recs:?}");
    let rec = import[0];
    assert_eq!(
        rec["argv"],
        serde_json::json!(["secrets", "import", "--app", "moltnet"])
    );
    let got = rec["secrets"].as_object().unwrap();
    let want = [
        ("DATABASE_URL", NASTY[0].1),
        ("ORY_API_KEY", NASTY[1].1),
        ("PASSWORD", NASTY[2].1),
        ("CERT", NASTY[3].1),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for (name, value) in want {
        assert_eq!(got[name].as_str(), Some(value), "{name}");
    }
    assert_eq!(
        rec["cmdline_hits"],
        serde_json::json!([]),
        "a value in some argv"
    );

    // The ledger: nothing to do now; a changed value is named, not shown.
    let out = stdout(&mut fly_push(&p, &["diff", "fly-server"]));
    assert!(out.lines().all(|l| l.starts_with("= ")), "{out}");
    fly_push(&p, &["push", "--check", "fly-server"])
        .assert()
        .success();
    p.envsafe(&["-e", "production", "set", "PASSWORD"])
        .write_stdin("new-password\n")
        .assert()
        .success();
    let err = failure(&mut fly_push(&p, &["push", "--check", "fly-server"]), 3);
    assert!(err.contains("out of date: fly-server"), "{err}");
    let out = stdout(&mut fly_push(&p, &["diff", "fly-server"]));
    assert!(
        out.contains("~ PASSWORD  (changed since the last push)"),
        "{out}"
    );
    assert!(out.contains("= ORY_API_KEY ← ORY_PROJECT_API_KEY"), "{out}");
    assert!(!out.contains("new-password"));
    fly_push(&p, &["push", "fly-server"]).assert().success();
    fly_push(&p, &["push", "--check", "fly-server"])
        .assert()
        .success();
}

#[test]
fn fly_refuses_what_flyctl_would_mangle() {
    let long = "x".repeat(70 * 1024);
    // (name, value, flyctl version, what the refusal says)
    let cases: &[(&str, &str, &str, &str)] = &[
        ("CR", "a\rb", "0.4.14", "carriage return"),
        ("LONG", &long, "0.4.14", "64 KiB"),
        // Quoted or not, the `#` is read as a comment.
        ("HASH", "\"#\"", "0.4.14", "#"),
    ];
    for (name, value, version, why) in cases {
        let p = project(
            &[(name, value)],
            &format!(
                "\n[targets.fly]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"{name}\"]\n"
            ),
        );
        let err = failure(
            fly_push(&p, &["push", "fly"]).env("FAKE_FLY_VERSION", version),
            3,
        );
        assert!(err.contains(&format!("`{name}` refused")), "{err}");
        assert!(err.contains(why), "{name}: {err}");
        assert!(
            !p.file("fly-record.jsonl").exists(),
            "{name}: something was sent"
        );
    }
    // A multi-line value goes in flyctl's `"""` block, read back exactly by
    // the recording flyctl (the old flyctl too).
    let p = project(
        &[("CERT", NASTY[3].1)],
        "\n[targets.fly]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"CERT\"]\n",
    );
    fly_push(&p, &["push", "fly"])
        .env("FAKE_FLY_VERSION", "0.1.0")
        .assert()
        .success();
    let recs = records(&p.file("fly-record.jsonl"));
    assert_eq!(recs[0]["secrets"]["CERT"].as_str(), Some(NASTY[3].1));
}

#[test]
fn fly_lists_names_the_platform_has_that_the_target_does_not() {
    let p = project(&NASTY[..1], "\n[targets.fly]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"DATABASE_URL\"]\n");
    fly_push(&p, &["push", "fly"]).assert().success();
    // Someone set another secret by hand.
    let mut state: Value = serde_json::from_str(&p.read("a.json")).unwrap();
    let secrets = state["secrets"].as_object_mut().unwrap();
    let extra = secrets.values().next().unwrap().clone();
    secrets.insert("HAND_MADE".into(), extra);
    p.write("a.json", &state.to_string());
    let out = stdout(&mut fly_push(&p, &["diff", "fly"]));
    assert!(out.contains("? HAND_MADE  (on the platform only"), "{out}");
    // Not envsafe's: never stale for `push --check`, never removed.
    fly_push(&p, &["push", "--check", "fly"]).assert().success();
    assert!(out.contains("= DATABASE_URL"), "{out}");
    let out = stdout(&mut fly_push(&p, &["diff", "fly", "--local"]));
    assert!(!out.contains("HAND_MADE"), "{out}");
}

#[test]
fn github_gets_one_call_per_secret_with_the_value_on_stdin() {
    let extra = "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nenvironment = \"prod\"\nvars = [\"DATABASE_URL\", \"PASSWORD\", \"CERT\"]\n";
    let p = project(NASTY, extra);
    let run = gh_run(&p);
    run(&["push", "gh"]).assert().success();
    let recs = records(&p.file("gh.jsonl"));
    assert_eq!(recs.len(), 3);
    for (rec, (name, value)) in recs.iter().zip([NASTY[0], NASTY[2], NASTY[3]]) {
        assert_eq!(
            rec["argv"],
            serde_json::json!(["secret", "set", name, "--repo", "o/r", "--env", "prod"])
        );
        assert_eq!(rec["value"].as_str(), Some(value));
        assert_eq!(rec["cmdline_hits"], serde_json::json!([]));
    }
    let out = stdout(&mut run(&["diff", "gh"]));
    assert_eq!(
        out.lines().filter(|l| l.starts_with("= ")).count(),
        3,
        "{out}"
    );
    // gh strips a trailing newline: refused before anything is sent.
    p.envsafe(&["-e", "production", "set", "PASSWORD"])
        .write_stdin("ends-with-newline\n\n")
        .assert()
        .success();
    let err = failure(&mut run(&["push", "gh"]), 3);
    assert!(
        err.contains("`PASSWORD` refused") && err.contains("gh strips"),
        "{err}"
    );
    assert_eq!(records(&p.file("gh.jsonl")).len(), 3);
}

/// The environment docker compose v2 gives service `s`.
fn compose_environment(dir: &Path) -> serde_json::Map<String, Value> {
    let compose = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/docker-compose");
    assert!(
        compose.exists(),
        "run `bash tests/setup.sh` (docker compose v2)"
    );
    let out = std::process::Command::new(compose)
        .args(["config", "--format", "json"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["services"]["s"]["environment"]
        .as_object()
        .unwrap()
        .iter()
        // `config` escapes `$` as `$$` in what it prints.
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().replace("$$", "$").into()))
        .collect()
}

#[test]
fn dotenv_target_reads_back_in_docker_compose() {
    let mut values = NASTY.to_vec();
    values.extend([
        ("BRACES", "${HOME} and ${UNSET:-default} and $$"),
        ("EDGES", "  leading and trailing  "),
        ("EMPTY", ""),
        ("BACKSLASHES", "\\n is not a newline \\\\ \\"),
    ]);
    let names: Vec<String> = values.iter().map(|(n, _)| format!("\"{n}\"")).collect();
    let extra = format!(
        "\n[targets.legacy]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"deploy/app.env\"\nvars = [{}]\n",
        names.join(", ")
    );
    let p = project(&values, &extra);
    p.write(".gitignore", ".env.keys\ndeploy/\n");
    p.write(
        "deploy/docker-compose.yml",
        "services:\n  s:\n    image: busybox\n    env_file: app.env\n",
    );
    p.envsafe(&["export", "legacy"]).assert().success();
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(p.file("deploy/app.env"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let env = compose_environment(&p.file("deploy"));
    for (name, value) in &values {
        assert_eq!(env[*name].as_str(), Some(*value), "{name}");
    }
    // Written again with a file in the way of nothing: no temp file left.
    p.envsafe(&["export", "legacy"]).assert().success();
    let left: Vec<_> = std::fs::read_dir(p.file("deploy"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

#[test]
fn k8s_manifest_matches_kubectl_from_the_secrets_directory() {
    let extra = "
[targets.files]
kind = \"compose-secrets\"
env = \"production\"
dir = \"secrets\"
vars = [\"DATABASE_URL\", \"ORY_PROJECT_API_KEY\", \"PASSWORD\", \"CERT\"]

[targets.kube]
kind = \"k8s\"
env = \"production\"
namespace = \"prod\"
name = \"app\"
vars = [\"DATABASE_URL\", \"ORY_PROJECT_API_KEY\", \"PASSWORD\", \"CERT\"]
";
    let p = project(NASTY, extra);
    p.envsafe(&["export", "files"]).assert().success();
    use std::os::unix::fs::PermissionsExt;
    for (name, value) in NASTY {
        let file = p.file(&format!("secrets/{name}"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), *value);
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{name}");
    }
    let manifest: Value =
        serde_json::from_str(&stdout(&mut p.envsafe(&["export", "kube"]))).unwrap();
    assert_eq!(manifest["kind"], "Secret");
    assert_eq!(manifest["metadata"]["namespace"], "prod");
    let out = std::process::Command::new("kubectl")
        .args(["create", "secret", "generic", "app", "--from-file"])
        .arg(p.file("secrets"))
        .args(["--dry-run=client", "-o", "json"])
        .output()
        .expect("kubectl is installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let from_files: Value = serde_json::from_slice(&out.stdout).unwrap();
    let data = from_files["data"].as_object().unwrap();
    let string_data = manifest["stringData"].as_object().unwrap();
    assert_eq!(data.len(), string_data.len());
    use base64::Engine;
    for (name, b64) in data {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap())
            .unwrap();
        assert_eq!(
            Some(String::from_utf8(decoded).unwrap().as_str()),
            string_data[name].as_str(),
            "{name}"
        );
    }
    // push: the manifest on kubectl's stdin.
    let kubectl = p.file("kubectl-stand-in");
    std::fs::write(
        &kubectl,
        format!(
            "#!/bin/sh\n[ \"$*\" = \"apply --server-side --field-manager=envsafe -f -\" ] || exit 9\ncat > {}\n",
            p.file("applied.json").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).unwrap();
    p.envsafe(&["push", "kube"])
        .env("ENVSAFE_KUBECTL", &kubectl)
        .assert()
        .success();
    let applied: Value = serde_json::from_str(&p.read("applied.json")).unwrap();
    assert_eq!(applied, manifest);
}

#[test]
fn target_config_errors_show_the_line() {
    let cases: &[(&str, &str)] = &[
        (
            "[targets.t]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"X\"]\nmap = { X = \"NOPE\" }\n",
            "`X` comes from `NOPE`, which [vars] does not declare",
        ),
        (
            "[targets.t]\nkind = \"github\"\nenv = \"production\"\nvars = [\"GITHUB_TOKEN\"]\n",
            "must not start with `GITHUB_`",
        ),
        (
            "[targets.t]\nkind = \"fly\"\nenv = \"production\"\nvars = [\"X\"]\n",
            "a fly target needs `app`",
        ),
        (
            "[targets.t]\nkind = \"json\"\napp = \"a\"\nenv = \"production\"\nvars = [\"X\"]\n",
            "a json target takes no `app`",
        ),
        (
            "[targets.t]\nkind = \"k8s\"\nenv = \"production\"\nvars = [\"X\"]\nmap = { Y = \"X\" }\n",
            "`Y` is not in vars",
        ),
        (
            "[targets.t]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"X\", \"A-B\"]\n",
            "`A-B` may hold only letters, digits and `_`",
        ),
    ];
    for (target, message) in cases {
        let p = Project::new();
        p.write(
            "envsafe.toml",
            &format!("[environments.production]\n\n[vars.X]\nsecret = true\n\n{target}"),
        );
        let err = failure(&mut p.envsafe(&["ls"]), 1);
        assert!(err.contains(message), "{target}: {err}");
        assert!(err.contains("envsafe.toml:"), "no place: {err}");
    }
}

#[test]
fn check_target_is_a_preflight_and_push_sends_nothing_invalid() {
    let extra = r#"
[vars.DATABASE_URL]
type = "url"

[vars.API_KEY]
secret = true

[targets.fly]
kind = "fly"
app = "a"
env = "production"
vars = ["DATABASE_URL", "KEY"]
map = { KEY = "API_KEY" }
"#;
    let p = project(&[("DATABASE_URL", "not a url")], extra);
    let out = p
        .envsafe(&["check", "--target", "fly"])
        .assert()
        .code(3)
        .get_output()
        .clone();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("DATABASE_URL"), "{text}");
    assert!(
        text.contains("target `fly` sends `API_KEY` (sent as `KEY`)"),
        "{text}"
    );
    assert!(!text.contains("not a url"));
    let err = failure(&mut fly_push(&p, &["push", "fly"]), 3);
    assert!(err.contains("nothing was sent"), "{err}");
    assert!(!p.file("fly-record.jsonl").exists());
    p.envsafe(&["-e", "production", "set", "DATABASE_URL"])
        .write_stdin("https://db.example.com\n")
        .assert()
        .success();
    p.envsafe(&["-e", "production", "set", "API_KEY"])
        .write_stdin("k\n")
        .assert()
        .success();
    p.envsafe(&["check", "--target", "fly"]).assert().success();
    // The deployer's shell never stands in for a file value.
    let p2 = project(&[], "\n[targets.fly]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"FROM_SHELL\"]\n");
    let err = failure(fly_push(&p2, &["push", "fly"]).env("FROM_SHELL", "x"), 3);
    assert!(err.contains("does not set"), "{err}");
}

#[test]
fn generate_force_names_the_targets_holding_the_old_value() {
    let extra = r#"
[vars.SESSION_SECRET]
secret = true
generate = "hex:16"

[targets.fly]
kind = "fly"
app = "a"
env = "production"
vars = ["SESSION_SECRET"]

[targets.other]
kind = "json"
env = "production"
path = "out.json"
vars = ["SESSION_SECRET"]
"#;
    let p = project(&[], extra);
    p.envsafe(&["-e", "production", "generate"])
        .assert()
        .success();
    fly_push(&p, &["push", "fly"]).assert().success();
    let out = p
        .envsafe(&["-e", "production", "generate", "--force", "SESSION_SECRET"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("target(s) fly still hold the old value"),
        "{err}"
    );
    assert!(!err.contains("other"), "never pushed: {err}");
}

#[test]
fn file_targets_never_write_over_envsafes_own_files_or_outside_the_project() {
    let dotenv = |path: &str| {
        format!("\n[targets.t]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"{path}\"\nvars = [\"DATABASE_URL\"]\n")
    };
    for path in [
        ".env.production",
        "./.env.production",
        ".env.keys",
        "envsafe.toml",
        ".envsafe/x",
        "mirror/link",
    ] {
        let p = project(&NASTY[..1], &dotenv(path));
        std::fs::create_dir_all(p.file("mirror")).unwrap();
        std::os::unix::fs::symlink(p.file(".env.production"), p.file("mirror/link")).unwrap();
        let before = p.snapshot();
        let err = failure(&mut p.envsafe(&["export", "t"]), 2);
        let why = if path == "mirror/link" {
            "is a symlink"
        } else {
            "would write plaintext over"
        };
        assert!(err.contains(why), "{path}: {err}");
        assert_eq!(p.snapshot(), before, "{path}");
    }
    for path in ["../outside.env", "/tmp/abs.env"] {
        let p = project(&NASTY[..1], &dotenv(path));
        let err = failure(&mut p.envsafe(&["ls"]), 1);
        assert!(err.contains("targets.t.path must"), "{path}: {err}");
    }
    let p = project(
        &NASTY[..1],
        "\n[targets.t]\nkind = \"compose-secrets\"\nenv = \"production\"\ndir = \".\"\nvars = [\"DATABASE_URL\"]\n",
    );
    failure(&mut p.envsafe(&["export", "t"]), 2);
}

#[test]
fn compose_raw_format_refuses_what_it_cannot_hold_and_json_shows_names_only() {
    let extra = "
[targets.raw]
kind = \"dotenv\"
env = \"production\"
path = \"deploy/raw.env\"
format = \"raw\"
vars = [\"PASSWORD\", \"CERT\"]

[targets.fly]
kind = \"fly\"
app = \"a\"
env = \"production\"
vars = [\"PASSWORD\", \"CERT\"]
";
    let p = project(NASTY, extra);
    let err = failure(&mut p.envsafe(&["export", "raw"]), 3);
    assert!(
        err.contains("`CERT` refused") && err.contains("newline"),
        "{err}"
    );
    assert!(!err.contains("MIIB"), "{err}");
    assert!(!p.file("deploy/raw.env").exists());
    // Machine-readable output: names, never values.
    let secrets: Vec<&str> = NASTY.iter().map(|(_, v)| *v).collect();
    for args in [
        vec!["--json", "push", "--dry-run", "fly"],
        vec!["--json", "diff", "fly", "--local"],
        vec!["--json", "push", "--check", "fly"],
        vec!["--json", "check", "--target", "fly"],
    ] {
        let out = fly_push(&p, &args).output().unwrap();
        crate::support::assert_no_secret(&out, &secrets);
        let json: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stdout)));
        assert!(json.is_object(), "{args:?}");
    }
}

/// Review: a symlink committed in the project (git stores symlinks) must
/// never lead a file target outside it, nor its state directory.
#[test]
fn symlinks_in_the_project_never_lead_a_file_target_outside() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("victim"), "original\n").unwrap();
    for (kind_key, rel) in [
        ("path", "deploy/victim"),  // a symlinked parent, existing file
        ("path", "deploy/new.env"), // a symlinked parent, new file
        ("path", "linked.env"),     // a symlinked file
        ("dir", "deploy/secrets"),  // compose-secrets under a symlinked parent
        ("dir", "real"),            // a symlinked file inside the directory
    ] {
        let kind = if kind_key == "dir" {
            "compose-secrets"
        } else {
            "dotenv"
        };
        let p = project(
            &NASTY[..1],
            &format!("\n[targets.t]\nkind = \"{kind}\"\nenv = \"production\"\n{kind_key} = \"{rel}\"\nvars = [\"DATABASE_URL\"]\n"),
        );
        std::os::unix::fs::symlink(outside.path(), p.file("deploy")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("victim"), p.file("linked.env")).unwrap();
        std::fs::create_dir(p.file("real")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("victim"), p.file("real/DATABASE_URL"))
            .unwrap();
        let err = failure(&mut p.envsafe(&["export", "t"]), 2);
        assert!(err.contains("is a symlink"), "{rel}: {err}");
        assert_eq!(
            std::fs::read_to_string(outside.path().join("victim")).unwrap(),
            "original\n",
            "{rel}"
        );
        assert!(!outside.path().join("new.env").exists(), "{rel}");
        assert!(!outside.path().join("secrets").exists(), "{rel}");
    }
    // The ledger's directory.
    let p = project(&NASTY[..1], "\n[targets.t]\nkind = \"json\"\nenv = \"production\"\npath = \"out.json\"\nvars = [\"DATABASE_URL\"]\n");
    std::fs::create_dir(p.file(".envsafe")).unwrap();
    std::os::unix::fs::symlink(outside.path(), p.file(".envsafe/state")).unwrap();
    let err = failure(&mut p.envsafe(&["export", "t"]), 1);
    assert!(err.contains("not a directory"), "{err}");
    assert!(!outside.path().join("ledger.key").exists());
}

#[test]
fn file_targets_never_write_over_tracked_files() {
    for path in [".gitignore", "src/main.rs"] {
        let p = project(&NASTY[..1], &format!("\n[targets.t]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"{path}\"\nvars = [\"DATABASE_URL\"]\n"));
        p.write("src/main.rs", "fn main() {}\n");
        p.git(&["add", "-A"]);
        let before = p.read(path);
        let err = failure(&mut p.envsafe(&["export", "t"]), 2);
        assert!(err.contains("git"), "{path}: {err}");
        assert_eq!(p.read(path), before);
    }
}

#[test]
fn the_deployers_shell_never_shapes_a_pushed_value() {
    let p = project(
        &[],
        "\n[targets.j]\nkind = \"json\"\nenv = \"production\"\nvars = [\"API_URL\"]\n",
    );
    p.write(
        "env.public",
        "API_URL=https://${DEPLOY_HOST:-example.com}/api\n",
    );
    let config = p.read("envsafe.toml").replace(
        "files = [\".env.production\"]",
        "files = [\"env.public\", \".env.production\"]",
    );
    p.write("envsafe.toml", &config);
    let out = stdout(
        p.envsafe(&["export", "j"])
            .env("DEPLOY_HOST", "evil.example"),
    );
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["API_URL"], "https://example.com/api", "{out}");
}

#[test]
fn push_removes_what_it_pushed_before_and_the_target_dropped() {
    let fly = "\n[targets.fly]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"DATABASE_URL\", \"PASSWORD\"]\n";
    let files = "\n[targets.files]\nkind = \"compose-secrets\"\nenv = \"production\"\ndir = \"secrets\"\nvars = [\"DATABASE_URL\", \"PASSWORD\"]\n";
    let gh = "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nvars = [\"DATABASE_URL\", \"PASSWORD\"]\n";
    let p = project(NASTY, &format!("{fly}{files}{gh}"));
    let run = |args: &[&str]| {
        let mut cmd = fly_push(&p, args);
        cmd.env("GH_RECORD", p.file("gh.jsonl"))
            .env("GH_STATE_DIR", p.path());
        cmd
    };
    run(&["push", "fly", "files", "gh"]).assert().success();
    assert!(p.file("secrets/PASSWORD").exists());
    let config = p.read("envsafe.toml").replace(
        "vars = [\"DATABASE_URL\", \"PASSWORD\"]",
        "vars = [\"DATABASE_URL\"]",
    );
    p.write("envsafe.toml", &config);
    for t in ["fly", "files", "gh"] {
        let out = stdout(&mut run(&["diff", t, "--local"]));
        assert!(out.contains("- PASSWORD"), "{t}: {out}");
        failure(&mut run(&["push", "--check", t]), 3);
    }
    let out = stdout(&mut run(&["push", "--dry-run", "fly"]));
    assert!(!out.contains("PASSWORD"), "{out}");
    let out = run(&["push", "fly", "files", "gh"])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("removed PASSWORD"));
    let fly_state: Value = serde_json::from_str(&p.read("a.json")).unwrap();
    assert!(
        fly_state["secrets"].get("PASSWORD").is_none(),
        "{fly_state}"
    );
    assert!(!p.file("secrets/PASSWORD").exists());
    assert!(p.file("secrets/DATABASE_URL").exists());
    let deleted = records(&p.file("gh.jsonl"));
    assert!(
        deleted.iter().any(|r| r["deleted"] == "PASSWORD"),
        "{deleted:?}"
    );
    for t in ["fly", "files", "gh"] {
        run(&["push", "--check", t]).assert().success();
    }
}

#[test]
fn the_ledger_belongs_to_one_destination_and_sees_missing_files() {
    let extra = "\n[targets.fly]\nkind = \"fly\"\napp = \"staging-app\"\nenv = \"production\"\nvars = [\"DATABASE_URL\"]\n\n[targets.file]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"deploy/app.env\"\nvars = [\"DATABASE_URL\"]\n";
    let p = project(&NASTY[..1], extra);
    fly_push(&p, &["push", "fly", "file"]).assert().success();
    fly_push(&p, &["push", "--check", "fly", "file"])
        .assert()
        .success();
    p.write(
        "envsafe.toml",
        &p.read("envsafe.toml").replace("staging-app", "prod-app"),
    );
    let err = failure(&mut fly_push(&p, &["push", "--check", "fly"]), 3);
    assert!(err.contains("out of date: fly"), "{err}");
    std::fs::remove_file(p.file("deploy/app.env")).unwrap();
    let out = stdout(&mut fly_push(&p, &["diff", "file"]));
    assert!(
        out.contains("+ DATABASE_URL  (missing on the target)"),
        "{out}"
    );
}

#[test]
fn flyctls_version_is_asked_on_every_push() {
    // `""x"` needs flyctl's one-line `"""` form: v0.3.226 or later.
    let p = project(&[("Q_TOKEN", "\"\"x\"")], "\n[targets.fly]\nkind = \"fly\"\napp = \"a\"\nenv = \"production\"\nvars = [\"Q_TOKEN\"]\n");
    fly_push(&p, &["push", "fly"])
        .env("FAKE_FLY_VERSION", "0.4.14")
        .assert()
        .success();
    let err = failure(
        fly_push(&p, &["push", "fly"]).env("FAKE_FLY_VERSION", "0.3.100"),
        3,
    );
    assert!(
        err.contains("`Q_TOKEN` refused") && err.contains("v0.3.100"),
        "{err}"
    );
    let recs = records(&p.file("fly-record.jsonl"));
    assert_eq!(recs.iter().filter(|r| r["argv"][1] == "import").count(), 1);
    // Exported without a flyctl: said which flyctl it is for.
    let out = p
        .envsafe(&["export", "fly"])
        .env("PATH", "/usr/bin:/bin")
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(String::from_utf8_lossy(&out.stderr).contains("no flyctl found"));
}

#[test]
fn a_hostile_number_of_target_variables_is_refused() {
    let names: Vec<String> = (0..60_000).map(|i| format!("\"V{i}\"")).collect();
    let p = Project::new();
    p.write(
        "envsafe.toml",
        &format!(
            "[targets.t]\nkind = \"json\"\nenv = \"x\"\nvars = [{}]\n",
            names.join(", ")
        ),
    );
    let err = failure(&mut p.envsafe(&["ls"]), 1);
    assert!(err.contains("more than 10000 names"), "{err}");
}

#[test]
fn renaming_a_github_secret_by_case_never_deletes_it() {
    let p = project(&NASTY[..1], "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nvars = [\"db_url\"]\nmap = { db_url = \"DATABASE_URL\" }\n");
    let run = gh_run(&p);
    run(&["push", "gh"]).assert().success();
    p.write(
        "envsafe.toml",
        &p.read("envsafe.toml").replace("db_url", "DB_URL"),
    );
    run(&["push", "gh"]).assert().success();
    let recs = records(&p.file("gh.jsonl"));
    assert!(recs.iter().all(|r| r.get("deleted").is_none()), "{recs:?}");
    // A ledger edited to name something no platform takes is never acted on.
    let ledger = p
        .read(".envsafe/state/gh.json")
        .replace("\"DB_URL\"", "\"--repo\"");
    p.write(".envsafe/state/gh.json", &ledger);
    run(&["push", "gh"]).assert().success();
    assert!(records(&p.file("gh.jsonl"))
        .iter()
        .all(|r| r.get("deleted").is_none()));
}

// ---- From the second adversarial review (each failed at 235d955) ----

/// A ledger name is not checked when read: a compose-secrets removal of
/// `../x` or `/abs` deletes files outside the target's directory (the
/// environment's own env file included).
#[test]
fn a_tampered_ledger_never_removes_files_outside_a_compose_secrets_dir() {
    let files = "\n[targets.files]\nkind = \"compose-secrets\"\nenv = \"production\"\ndir = \"secrets\"\nvars = [\"DATABASE_URL\"]\n";
    let p = project(&NASTY[..1], files);
    p.envsafe(&["push", "files"]).assert().success();
    let mut ledger: Value = serde_json::from_str(&p.read(".envsafe/state/files.json")).unwrap();
    let record = ledger["names"]["DATABASE_URL"].clone();
    ledger["names"]["../.env.production"] = record;
    p.write(".envsafe/state/files.json", &ledger.to_string());
    let _ = p.envsafe(&["push", "files"]).output().unwrap();
    assert!(
        p.file(".env.production").exists(),
        "a ledger name `../.env.production` deleted the environment's env file"
    );
}

/// GitHub names are case-insensitive: renaming `PASSWORD` to `password`
/// sets the same secret, then deletes it as "dropped".
#[test]
fn github_rename_by_case_never_deletes_the_secret_just_set() {
    let gh = "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nvars = [\"PASSWORD\"]\n";
    let p = project(NASTY, gh);
    let run = gh_run(&p);
    run(&["push", "gh"]).assert().success();
    let config = p.read("envsafe.toml").replace(
        "vars = [\"PASSWORD\"]\n",
        "vars = [\"password\"]\nmap = { password = \"PASSWORD\" }\n",
    );
    p.write("envsafe.toml", &config);
    run(&["push", "gh"]).assert().success();
    let deleted = records(&p.file("gh.jsonl"));
    assert!(
        !deleted.iter().any(|r| r["deleted"] == "PASSWORD"),
        "push set `password` (= PASSWORD on GitHub), then deleted it: {deleted:?}"
    );
}

/// `--config ./envsafe.toml` makes the root `.`: `kept()` compares
/// `./.git/config` with `.git` lexically and lets it through.
#[test]
fn config_given_as_dot_slash_still_protects_git_and_envsafe_files() {
    for path in [".git/config", ".envsafe/state/ledger.key"] {
        let dotenv = format!("\n[targets.t]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"{path}\"\nvars = [\"DATABASE_URL\"]\n");
        let p = project(&NASTY[..1], &dotenv);
        std::process::Command::new("git")
            .args(["init", "-q"])
            .current_dir(p.path())
            .status()
            .unwrap();
        let before = std::fs::read(p.file(path)).ok();
        let _ = p
            .envsafe(&["--config", "./envsafe.toml", "export", "t"])
            .output()
            .unwrap();
        assert_eq!(
            std::fs::read(p.file(path)).ok(),
            before,
            "{path} was overwritten"
        );
    }
}

/// A name dropped from the target and already gone from the platform
/// (deleted by hand): every later push fails, for good.
#[test]
fn a_removal_already_done_on_the_platform_does_not_fail_every_push() {
    let gh = "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nvars = [\"DATABASE_URL\", \"PASSWORD\"]\n";
    let p = project(NASTY, gh);
    let run = gh_run(&p);
    run(&["push", "gh"]).assert().success();
    let state = p.file("o_r#.json");
    let mut names: Value = serde_json::from_str(&p.read("o_r#.json")).unwrap();
    names.as_object_mut().unwrap().remove("PASSWORD");
    std::fs::write(&state, names.to_string()).unwrap();
    let config = p.read("envsafe.toml").replace(
        "vars = [\"DATABASE_URL\", \"PASSWORD\"]",
        "vars = [\"DATABASE_URL\"]",
    );
    p.write("envsafe.toml", &config);
    run(&["push", "gh"]).assert().success();
}

// ---- From the third adversarial review (each failed at 8276923) ----

/// A compose-secrets entry may be named `.gitignore`: `paths::check` looks
/// at the directory's own name only, so the directory's `.gitignore` (`*`)
/// is replaced by a secret value and every secret file there becomes
/// committable.
#[test]
fn a_compose_secrets_entry_never_overwrites_the_dirs_gitignore() {
    let files = "\n[targets.files]\nkind = \"compose-secrets\"\nenv = \"production\"\ndir = \"secrets\"\nvars = [\"DATABASE_URL\", \".gitignore\"]\nmap = { \".gitignore\" = \"PASSWORD\" }\n";
    let p = project(NASTY, files);
    p.write("secrets/.gitignore", "*\n");
    let _ = p.envsafe(&["push", "files"]).output().unwrap();
    assert_eq!(
        p.read("secrets/.gitignore"),
        "*\n",
        "secrets/.gitignore was replaced by a secret value"
    );
}

/// Two targets with one destination (same repo): a name moved from one to
/// the other is set by the first and deleted by the second, in one push
/// that exits 0.
#[test]
fn a_name_moved_between_targets_of_one_destination_is_never_deleted() {
    let gh = "\n[targets.ci]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nvars = [\"DATABASE_URL\", \"PASSWORD\"]\n\n[targets.deploy]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nvars = [\"CERT\"]\n";
    let p = project(NASTY, gh);
    let run = gh_run(&p);
    run(&["push", "ci", "deploy"]).assert().success();
    let config = p
        .read("envsafe.toml")
        .replace(
            "vars = [\"DATABASE_URL\", \"PASSWORD\"]",
            "vars = [\"DATABASE_URL\"]",
        )
        .replace("vars = [\"CERT\"]", "vars = [\"CERT\", \"PASSWORD\"]");
    p.write("envsafe.toml", &config);
    let _ = run(&["push", "deploy", "ci"]).output().unwrap();
    let names: Value = serde_json::from_str(&p.read("o_r#.json")).unwrap();
    assert!(
        names.get("PASSWORD").is_some(),
        "PASSWORD, which target `deploy` sends, is gone from the repository: {names}"
    );
}

/// Protection of `.git` and tracked files covers only the repository that
/// holds the project root: a nested repository's `.git/config`, or a file
/// it tracks, is overwritten with plaintext.
#[test]
fn a_nested_repositorys_git_dir_and_tracked_files_are_never_overwritten() {
    for path in ["tools/lib/.git/config", "tools/lib/config.env"] {
        let dotenv = format!("\n[targets.t]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"{path}\"\nvars = [\"DATABASE_URL\"]\n");
        let p = project(&NASTY[..1], &dotenv);
        p.git(&["init", "-q", "tools/lib"]);
        p.write("tools/lib/config.env", "HOST=db\n");
        p.git(&["-C", "tools/lib", "add", "config.env"]);
        p.git(&["-C", "tools/lib", "commit", "-qm", "lib"]);
        let before = p.read(path);
        let _ = p.envsafe(&["export", "t"]).output().unwrap();
        assert_eq!(p.read(path), before, "{path} was overwritten");
    }
}

/// A github target without `repo` never removes a dropped name (by
/// design), but keeps it in the ledger: `diff` says "the next push removes
/// it" and `push --check` exits 3 after every push, for good.
#[test]
fn an_unpinned_target_is_up_to_date_after_a_push() {
    let gh = "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nvars = [\"DATABASE_URL\", \"PASSWORD\"]\n";
    let p = project(NASTY, gh);
    let run = gh_run(&p);
    run(&["push", "gh"]).assert().success();
    let config = p.read("envsafe.toml").replace(
        "vars = [\"DATABASE_URL\", \"PASSWORD\"]",
        "vars = [\"DATABASE_URL\"]",
    );
    p.write("envsafe.toml", &config);
    run(&["push", "gh"]).assert().success();
    run(&["push", "--check", "gh"]).assert().success();
}

/// After a failed `gh secret delete`, the names "removed" are those that
/// appear anywhere in an earlier successful delete's argv: a dropped secret
/// named like an argv word (`secret`, the `--env` name) leaves the ledger
/// though it is still on GitHub, and `diff` then calls it foreign.
#[test]
fn a_failed_github_removal_keeps_every_name_not_removed() {
    let gh = "\n[targets.gh]\nkind = \"github\"\nenv = \"production\"\nrepo = \"o/r\"\nvars = [\"DATABASE_URL\", \"PASSWORD\", \"secret\"]\nmap = { secret = \"CERT\" }\n";
    let p = project(NASTY, gh);
    let run = gh_run(&p);
    run(&["push", "gh"]).assert().success();
    p.write(
        "gh-faildel",
        &format!(
            "#!/bin/sh\nif [ \"$1 $2 $3\" = \"secret delete secret\" ]; then exit 1; fi\nexec {} \"$@\"\n",
            bin_dir().join("gh").display()
        ),
    );
    std::fs::set_permissions(
        p.file("gh-faildel"),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let config = p
        .read("envsafe.toml")
        .replace(
            "vars = [\"DATABASE_URL\", \"PASSWORD\", \"secret\"]",
            "vars = [\"DATABASE_URL\"]",
        )
        .replace("map = { secret = \"CERT\" }\n", "");
    p.write("envsafe.toml", &config);
    let out = run(&["push", "gh"])
        .env("ENVSAFE_GH", p.file("gh-faildel"))
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ledger: Value = serde_json::from_str(&p.read(".envsafe/state/gh.json")).unwrap();
    assert!(
        ledger["names"].get("secret").is_some(),
        "`secret` is still on GitHub but left the ledger: {ledger}"
    );
}

#[test]
fn an_unreadable_git_index_refuses_the_write_and_state_stays_private() {
    let p = project(&NASTY[..1], "\n[targets.t]\nkind = \"dotenv\"\nenv = \"production\"\npath = \"config.env\"\nvars = [\"DATABASE_URL\"]\n");
    p.write("config.env", "KEEP=1\n");
    p.git(&["add", "-A"]);
    p.git(&["update-index", "--split-index"]);
    let err = failure(&mut p.envsafe(&["export", "t"]), 1);
    assert!(err.contains("cannot tell whether git tracks"), "{err}");
    assert!(err.contains("help:"), "{err}");
    assert_eq!(p.read("config.env"), "KEEP=1\n");
    // A state directory made by someone else is made private on use.
    use std::os::unix::fs::PermissionsExt;
    let p = project(&NASTY[..1], "\n[targets.j]\nkind = \"json\"\nenv = \"production\"\npath = \"out.json\"\nvars = [\"DATABASE_URL\"]\n");
    p.write(".envsafe/state/.gitignore", "*\n");
    std::fs::set_permissions(
        p.file(".envsafe/state"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    p.envsafe(&["export", "j"]).assert().success();
    let mode = std::fs::metadata(p.file(".envsafe/state"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700);
}
