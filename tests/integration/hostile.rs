//! Issue 7 §4: a committed file is read by every teammate's `run` and
//! hook, so hostile input must give a located error, never a crash, a hang
//! or gigabytes of memory. Each repro runs the real binary under a time
//! limit far above what the fixed code needs (milliseconds) and far below
//! what the old code took (seconds to minutes, or an abort).

use std::time::Duration;

use crate::hook::{add, hooked};
use crate::support::{stdout, Project};

const LIMIT: Duration = Duration::from_secs(20);

const EXPAND_HELP: &str = "help: expansion is limited (32 levels, 1 MiB per value, 4 MiB in all): write the value out, or single-quote it to keep it literal\n";

#[test]
fn deep_nesting_is_a_located_error_not_a_stack_overflow() {
    let p = Project::bare_dir();
    let depth = 30_000;
    // `${U:-${U:-…x}}` with U unset: the 33rd `${` is where it stops.
    p.write(
        ".env",
        &format!("A=1\nB={}x{}\n", "${U:-".repeat(depth), "}".repeat(depth)),
    );
    p.envsafe(&["get"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "error: .env:2:{}: `B`: `${{…}}` nested deeper than 32 levels\n{EXPAND_HELP}",
            3 + 32 * 5
        ));
    // With U set, the defaults are never expanded: no error, and fast.
    p.write(
        ".env",
        &format!("U=1\nB={}x{}\n", "${U:-".repeat(depth), "}".repeat(depth)),
    );
    p.envsafe(&["get", "B"])
        .timeout(LIMIT)
        .assert()
        .success()
        .stdout("1\n");
}

#[test]
fn an_expansion_bomb_is_a_located_error_not_gigabytes() {
    let p = Project::bare_dir();
    // ~220 bytes: each line repeats the previous variable ten times.
    let names = ["A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K"];
    let mut text = String::from("A=xxxxxxxxxxxxxxxxxxxx\n");
    for w in names.windows(2) {
        text.push_str(&format!("{}={}\n", w[1], format!("${}", w[0]).repeat(10)));
    }
    p.write(".env", &text);
    p.envsafe(&["run", "--", "true"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stderr(format!(
            "error: .env:6:13: `F`: the expanded value is larger than 1 MiB\n{EXPAND_HELP}"
        ));
    // Breadth: many values, each well under the limit.
    let mut wide = String::from("A=xxxxxxxxxxxxxxxxxxxx\n");
    for w in names[..5].windows(2) {
        wide.push_str(&format!("{}={}\n", w[1], format!("${}", w[0]).repeat(10)));
    }
    for i in 0..200 {
        wide.push_str(&format!("X{i}=$E$E$E$E$E\n"));
    }
    p.write(".env", &wide);
    p.envsafe(&["get"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stderr(format!(
            "error: .env:9:4: `X3`: expansion adds more than 4 MiB to this environment's values\n{EXPAND_HELP}"
        ));
}

#[test]
fn hostile_schema_patterns_are_bounded() {
    let p = Project::new();
    p.write(".env", "A=aaaa\n");
    let long = "a".repeat(25_000);
    p.write("envsafe.toml", &format!("[vars.A]\npattern = \"{long}\"\n"));
    p.envsafe(&["check"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stderr(format!(
            "error: envsafe.toml:2:11: vars.A.pattern is longer than 1024 bytes (25000)\n  |\n2 | pattern = \"{}\n  |           ^\n\
             help: fix envsafe.toml at the place shown\n",
            &long[..149]
        ));
    p.write(
        "envsafe.toml",
        "[vars.A]\npattern = \"((a{100}){100}){100}\"\n",
    );
    p.envsafe(&["check"]).timeout(LIMIT).assert().code(1).stderr(
        "error: envsafe.toml:2:11: vars.A.pattern is not a valid regular expression: compiled regex exceeded size limit\n  |\n2 | pattern = \"((a{100}){100}){100}\"\n  |           ^\n\
         help: fix envsafe.toml at the place shown\n",
    );
    // The worst pattern within the bounds on the longest value matched,
    // and a value too long to match at all.
    p.write(
        "envsafe.toml",
        &format!(
            "[vars.A]\nsecret = false\npattern = \"{}\"\n",
            "(a|aa)*".repeat(100)
        ),
    );
    p.write(".env", &format!("A={}b\n", "a".repeat(4000)));
    p.envsafe(&["check"]).timeout(LIMIT).assert().code(3);
    p.write(".env", &format!("A={}\n", "a".repeat(1_000_000)));
    let out = p.envsafe(&["check"]).timeout(LIMIT).assert().code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.starts_with("error[pattern] development: A is longer than 4096 bytes, too long to match against its pattern\n"),
        "{text}"
    );
    // Many patterns at the limits, fed by expansion (under 1 KB of files):
    // the matching budget stops it, with an error per variable left.
    let mut toml = String::from("[environments.development]\nfiles = [\".env\"]\n");
    let mut env = format!("X={}\nY={}\n", "a".repeat(128), "$X".repeat(30));
    for i in 0..80 {
        toml.push_str(&format!(
            "[vars.A{i}]\nsecret = false\npattern = '(?:.*){{20}}x'\n"
        ));
        env.push_str(&format!("A{i}=$Y\n"));
    }
    p.write("envsafe.toml", &toml);
    p.write(".env", &env);
    let out = p.envsafe(&["check"]).timeout(LIMIT).assert().code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("was not matched against its pattern: more than 256 KiB of values were already matched in this run"),
        "{text}"
    );
}

#[test]
fn a_hostile_allow_glob_is_matched_in_linear_time() {
    let p = hooked();
    p.write(
        "envsafe.toml",
        "[hook]\nallow = [\"*a*a*a*a*a*a*a*a*a*a*a*b\", \"**/a/**/a/**/a/**/a/**/b\"]\n",
    );
    let deep = format!("{}/{}", vec!["a"; 60].join("/"), "a".repeat(60));
    p.write(&deep, "x\n");
    p.write(&"a".repeat(100), "y\n");
    add(&p, ".");
    p.envsafe(&["hook", "run"])
        .timeout(LIMIT)
        .assert()
        .success();
}

#[test]
fn fifos_devices_and_huge_files_are_refused() {
    let p = Project::bare_dir();
    let fifo = p.file(".env");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    p.envsafe(&["get"]).timeout(LIMIT).assert().code(1).stderr(
        "error: .env: is a FIFO (named pipe), not a regular file\n\
         help: envsafe reads only regular files (or symlinks to them)\n",
    );
    std::fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &fifo).unwrap();
    p.envsafe(&["run", "--", "true"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stderr(
            "error: .env: is a device, not a regular file\n\
             help: envsafe reads only regular files (or symlinks to them)\n",
        );
    std::fs::remove_file(&fifo).unwrap();
    let big = std::fs::File::create(&fifo).unwrap();
    big.set_len(65 << 20).unwrap(); // sparse: 65 MiB of NULs
    p.envsafe(&["get"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stderr("error: .env: larger than 64 MiB\nhelp: is this the file you meant?\n");
}

#[test]
fn symlinked_env_and_keys_files_are_written_through() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    std::fs::create_dir(p.file("shared")).unwrap();
    for name in [".env", ".env.keys"] {
        std::fs::rename(p.file(name), p.file(&format!("shared/{name}"))).unwrap();
        std::os::unix::fs::symlink(format!("shared/{name}"), p.file(name)).unwrap();
    }
    p.envsafe(&["set", "API_TOKEN", "through-the-link"])
        .assert()
        .success();
    p.envsafe(&["init", "-e", "production"]).assert().success();
    for name in [".env", ".env.keys"] {
        let meta = std::fs::symlink_metadata(p.file(name)).unwrap();
        assert!(meta.file_type().is_symlink(), "{name} is still a symlink");
    }
    assert!(p.read("shared/.env").contains("API_TOKEN=\"envsafe:v1:"));
    assert!(p
        .read("shared/.env.keys")
        .contains("ENVSAFE_PRIVATE_KEY_PRODUCTION="));
    assert_eq!(
        stdout(&mut p.envsafe(&["get", "API_TOKEN"])),
        "through-the-link\n"
    );
    // A symlink to nowhere is refused, not replaced.
    std::os::unix::fs::symlink("missing/target.env", p.file("dangling.env")).unwrap();
    p.envsafe(&["-f", "dangling.env", "set", "X_TOKEN", "x"])
        .assert()
        .code(1)
        .stderr(
            "error: dangling.env: a symlink whose target does not exist\n\
             help: create the file it points to, or replace the symlink with a file\n",
        );
    assert!(std::fs::symlink_metadata(p.file("dangling.env"))
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn status_is_linear_and_invalid_utf8_has_a_line() {
    let p = Project::new();
    let text: String = (0..100_000)
        .map(|i| format!("VAR_{i}_TOKEN=plain-secret-{i}\n"))
        .collect();
    p.write(".env", &text);
    let out = p.envsafe(&["status"]).timeout(LIMIT).assert().success();
    let table = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(table.lines().count(), 100_001);
    assert!(!table.contains("plain-secret"));
    std::fs::write(p.file(".env"), b"A=1\nB=caf\xe9\n").unwrap();
    p.envsafe(&["get"])
        .assert()
        .code(1)
        .stderr("error: .env:2:6: not valid UTF-8\nhelp: save the file as UTF-8\n");
}

/// The shapes the fuzzers found (bench/fuzz.sh, BENCHMARKS.md), each on the
/// path that crashed: the schema checker (`check`, the hook) and the
/// pattern compiler.
#[test]
fn fuzzer_findings_stay_fixed() {
    let p = Project::new();
    // A variable redefined from itself (the fuzzer's bomb): ×8, ×45, ×43.
    let mut bomb = format!("VAL={}\n", "x".repeat(100));
    for n in [8, 45, 43] {
        bomb.push_str(&format!("VAL={}\n", "$VAL".repeat(n)));
    }
    p.write(".env", &bomb);
    let out = p.envsafe(&["check"]).timeout(LIMIT).assert().code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        text.contains("[expand] development: VAL the expanded value is larger than 1 MiB"),
        "{text}"
    );
    // 10,000 levels of `${A:-…}` through the checker (a stack overflow under ASan).
    p.write(
        ".env",
        &format!("X={}x{}\n", "${A:-".repeat(10_000), "}".repeat(10_000)),
    );
    let out = p.envsafe(&["check"]).timeout(LIMIT).assert().code(3);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("nested deeper than 32 levels"), "{text}");
    // 30,000 unterminated `${`: an error at the first, not a quadratic scan.
    p.write(".env", &format!("X={}\n", "${".repeat(30_000)));
    p.envsafe(&["get"]).timeout(LIMIT).assert().code(1).stderr(
        "error: .env:1:3: `X`: unterminated `${`\n\
         help: close it with `}`, or write `\\$` for a literal `$`\n",
    );
    // Patterns whose matcher would take gigabytes or minutes.
    p.write(".env", "A=aaaa\n");
    for pattern in [
        format!("(?:{}){{1000}}", "()".repeat(100)),
        "(?:(?:a?){1000}){100}".to_string(),
    ] {
        p.write(
            "envsafe.toml",
            &format!("[vars.A]\nsecret = false\npattern = \"{pattern}\"\n"),
        );
        let out = p.envsafe(&["check"]).timeout(LIMIT).assert().code(1);
        let text = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(
            text.contains("compiled regex exceeded size limit"),
            "{text}"
        );
    }
}

/// Choosing the file a write goes to looks at each file's first lines: a
/// FIFO among the environment's files is never waited on; reading the
/// environment refuses it.
#[test]
fn a_fifo_among_the_files_never_hangs_a_write() {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[environments.development]\nfiles = [\".env\", \".env.local\"]\n",
    );
    assert!(std::process::Command::new("mkfifo")
        .arg(p.file(".env.local"))
        .status()
        .unwrap()
        .success());
    p.envsafe(&["set", "A_TOKEN", "1"])
        .timeout(LIMIT)
        .assert()
        .success();
    assert!(p.read(".env").contains("A_TOKEN=\"envsafe:v1:"));
    p.envsafe(&["decrypt", "--stdout"])
        .timeout(LIMIT)
        .assert()
        .success();
    p.envsafe(&["get", "A_TOKEN"])
        .timeout(LIMIT)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "is a FIFO (named pipe), not a regular file",
        ));
}
