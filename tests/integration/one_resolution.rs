//! `get`, `run`, `run --strict` and `check` see the same values: one
//! resolution (DESIGN §8), where the process wins unless `--override`,
//! also inside expansions, and the schema validates what `run` passes.

use crate::support::{stdout, Project};

const URL_SCHEMA: &str = "[vars.URL]\ntype = \"url\"\n\n[vars.HOST]\n";

/// `.env` builds URL from HOST; the shell sets HOST to something else.
fn shadowed_host() -> Project {
    let p = Project::new();
    p.write("envsafe.toml", URL_SCHEMA)
        .write(".env", "HOST=good.example\nURL=http://${HOST}/x\n");
    p
}

#[test]
fn get_run_and_check_agree_when_the_process_shadows_an_expanded_variable() {
    let p = shadowed_host();
    let bad = "bad host";
    // What run passes: the shell's HOST, and URL expanded with it.
    let passed = stdout(
        p.envsafe(&["run", "--", "printenv", "URL"])
            .env("HOST", bad),
    );
    assert_eq!(passed, "http://bad host/x\n");
    // get --process shows exactly that.
    let shown = stdout(p.envsafe(&["get", "--process", "URL"]).env("HOST", bad));
    assert_eq!(shown, passed);
    // run --strict validates that same value, and refuses to start.
    let strict = p
        .envsafe(&["run", "--strict", "--", "echo", "started"])
        .env("HOST", bad)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(3));
    assert!(strict.stdout.is_empty(), "the command must not start");
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(
        err.contains("error[type] development: URL must be a URL (scheme://host…) (type = \"url\")\n  --> .env:2"),
        "{err}"
    );
    // check says the same.
    let check = p.envsafe(&["check"]).env("HOST", bad).output().unwrap();
    assert_eq!(check.status.code(), Some(3));
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(
        out.contains(
            "error[type] development: URL must be a URL (scheme://host…) (type = \"url\")"
        ),
        "{out}"
    );
    // Without the shell's HOST, all of them agree on the file's values.
    let good = stdout(&mut p.envsafe(&["run", "--strict", "--", "printenv", "URL"]));
    assert_eq!(good, "http://good.example/x\n");
    assert_eq!(stdout(&mut p.envsafe(&["get", "URL"])), good);
    p.envsafe(&["check"]).assert().success();
}

#[test]
fn override_keeps_the_files_values_for_run_get_and_expansion() {
    let p = shadowed_host();
    let passed = stdout(
        p.envsafe(&["run", "--override", "--strict", "--", "printenv", "URL"])
            .env("HOST", "bad host"),
    );
    assert_eq!(passed, "http://good.example/x\n");
    // `get` shows the `--override` view, and names what the shell overrides.
    let out = p
        .envsafe(&["get", "URL", "HOST"])
        .env("HOST", "bad host")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "URL=http://good.example/x\nHOST=good.example\n"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("HOST is also set in this shell"));
}

#[test]
fn a_variable_only_the_shell_sets_is_expanded_and_validated_the_same_everywhere() {
    // The repro: HOST is not in any file.
    let p = Project::new();
    p.write("envsafe.toml", URL_SCHEMA)
        .write(".env", "URL=http://${HOST}/x\n");
    for args in [&["run", "--strict", "--", "true"][..], &["check"][..]] {
        let out = p.envsafe(args).env("HOST", "bad host").output().unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
    }
    assert_eq!(
        stdout(p.envsafe(&["get", "URL"]).env("HOST", "bad host")),
        "http://bad host/x\n"
    );
    p.envsafe(&["check"])
        .env("HOST", "good.example")
        .assert()
        .success();
}

#[test]
fn a_process_value_that_breaks_the_schema_is_what_strict_and_check_see() {
    let p = Project::new();
    p.write("envsafe.toml", "[vars.PORT]\ntype = \"port\"\n")
        .write(".env", "PORT=8080\n");
    let strict = p
        .envsafe(&["run", "--strict", "--", "echo", "started"])
        .env("PORT", "notaport")
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(3));
    assert!(strict.stdout.is_empty());
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(
        err.contains(
            "error[type] development: PORT must be a port number (1-65535) (type = \"port\") \
             (the value set in the process environment)"
        ),
        "{err}"
    );
    let check = p
        .envsafe(&["check"])
        .env("PORT", "notaport")
        .output()
        .unwrap();
    assert_eq!(check.status.code(), Some(3));
    // Without --strict, run warns and starts with the shell's value.
    let run = p
        .envsafe(&["run", "--", "printenv", "PORT"])
        .env("PORT", "notaport")
        .output()
        .unwrap();
    assert!(run.status.success());
    assert_eq!(String::from_utf8_lossy(&run.stdout), "notaport\n");
    assert!(String::from_utf8_lossy(&run.stderr).contains("error[type] development: PORT"));
    // --override validates (and passes) the file's value.
    p.envsafe(&["run", "--override", "--strict", "--", "true"])
        .env("PORT", "notaport")
        .assert()
        .success();
}

#[test]
fn sealed_values_are_opened_once_and_validated_with_the_same_precedence() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[vars.DB_PASSWORD]\nmin_length = 12\n\n[vars.DB_URL]\ntype = \"url\"\nsecret = false\n",
    );
    p.envsafe(&["set", "DB_PASSWORD"])
        .write_stdin("correct-horse-battery")
        .assert()
        .success();
    p.append(".env", "DB_URL=\"postgres://app:${DB_PASSWORD}@db/app\"\n");
    let url = stdout(&mut p.envsafe(&["run", "--strict", "--", "printenv", "DB_URL"]));
    assert_eq!(url, "postgres://app:correct-horse-battery@db/app\n");
    assert_eq!(stdout(&mut p.envsafe(&["get", "DB_URL"])), url);
    // The shell's short password is what run would use: strict and check refuse.
    for args in [&["run", "--strict", "--", "true"][..], &["check"][..]] {
        let out = p
            .envsafe(args)
            .env("DB_PASSWORD", "short")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{args:?}");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            text.contains("error[min-length] development: DB_PASSWORD"),
            "{text}"
        );
        assert!(!text.contains("correct-horse"), "{text}");
    }
}

#[test]
fn run_sums_up_many_undeclared_variables_and_check_lists_each() {
    let p = Project::new();
    p.write("envsafe.toml", "[vars.A]\n")
        .write(".env", "A=1\nB=2\nC=3\nD=4\nE=5\n");
    let run = p.envsafe(&["run", "--", "true"]).output().unwrap();
    assert!(run.status.success());
    assert_eq!(
        String::from_utf8_lossy(&run.stderr),
        "warning[unknown] development: 4 variables are not declared in envsafe.toml (B, C, D, …)\n  \
         help: `envsafe check` lists each with its place; declare them as [vars.NAME]\n"
    );
    let check = stdout(&mut p.envsafe(&["check"]));
    for (line, name) in [(2, "B"), (3, "C"), (4, "D"), (5, "E")] {
        assert!(
            check.contains(&format!(
                "warning[unknown] development: {name} is not declared in envsafe.toml\n  --> .env:{line}\n"
            )),
            "{check}"
        );
    }
    // A few are named one by one.
    p.write(".env", "A=1\nB=2\n");
    let run = p.envsafe(&["run", "--", "true"]).output().unwrap();
    assert!(String::from_utf8_lossy(&run.stderr).starts_with(
        "warning[unknown] development: B is not declared in envsafe.toml\n  --> .env:2\n"
    ));
}
