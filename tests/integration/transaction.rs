//! `decrypt` of two files is one transaction: killed with SIGKILL at any
//! point (a crash point of the debug build, or a real kill -9 from
//! outside), the next command leaves both files old or both new, and no
//! temporary file or journal behind.

use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;
use std::time::Instant;

use crate::support::{stdout, Project};

/// The journal of a project in a git repository: in the git directory,
/// where no checkout can put one.
const JOURNAL: &str = ".git/envsafe-journal";
/// Outside a repository: at the project root.
const ROOT_JOURNAL: &str = ".envsafe-journal";
const FILES: [&str; 2] = [".env", ".env.local"];

/// A project whose one environment loads two encrypted files, and the
/// bytes of both before and after `decrypt`; the files are left encrypted.
fn two_file_project(values: usize) -> (Project, Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let p = Project::new();
    p.write(
        "envsafe.toml",
        "[environments.development]\nfiles = [\".env\", \".env.local\"]\n",
    );
    p.envsafe(&["init"]).assert().success();
    for (i, file) in FILES.iter().enumerate() {
        let text: String = (0..values)
            .map(|n| format!("F{i}_V{n}_TOKEN=value-{i}-{n}\n"))
            .collect();
        let existing = std::fs::read_to_string(p.file(file)).unwrap_or_default();
        p.write(file, &format!("{existing}{text}"));
        p.envsafe(&["-f", file, "encrypt"]).assert().success();
    }
    let old = files(&p);
    p.envsafe(&["decrypt"]).assert().success();
    let new = files(&p);
    assert_ne!(old, new);
    restore(&p, &old);
    (p, old, new)
}

fn files(p: &Project) -> Vec<Vec<u8>> {
    FILES
        .iter()
        .map(|f| std::fs::read(p.file(f)).unwrap())
        .collect()
}

fn restore(p: &Project, contents: &[Vec<u8>]) {
    for (file, bytes) in FILES.iter().zip(contents) {
        std::fs::write(p.file(file), bytes).unwrap();
    }
}

/// The next command sees one value of each file, whichever pair is there.
fn next_command(p: &Project) {
    let out = stdout(&mut p.envsafe(&["get", "F0_V0_TOKEN", "F1_V0_TOKEN"]));
    assert!(
        out.contains("value-0-0") && out.contains("value-1-0"),
        "{out}"
    );
}

/// Both files old or both new; no temporary file, no journal.
fn assert_whole(p: &Project, old: &[Vec<u8>], new: &[Vec<u8>], what: &str) -> bool {
    let now = files(p);
    assert!(
        now == old || now == new,
        "{what}: one file old and one new, or neither"
    );
    let left: Vec<String> = std::fs::read_dir(p.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".envsafe-tmp-") || n == ROOT_JOURNAL)
        .collect();
    assert!(left.is_empty(), "{what}: left behind: {left:?}");
    assert!(!p.file(JOURNAL).exists(), "{what}: the journal is left");
    now == new
}

/// `decrypt` with `ENVSAFE_TEST_CRASH_AT=at`; true when it was killed.
fn decrypt_killed_at(p: &Project, at: &str) -> bool {
    let status = p
        .envsafe_std(&["decrypt"])
        .env("ENVSAFE_TEST_CRASH_AT", at)
        .stderr(Stdio::null())
        .status()
        .unwrap();
    if status.success() {
        return false;
    }
    assert_eq!(status.signal(), Some(9), "{at}: killed by SIGKILL");
    true
}

#[test]
fn a_decrypt_killed_at_any_crash_point_leaves_both_files_old_or_both_new() {
    if !cfg!(debug_assertions) {
        return; // crash points exist in debug builds only
    }
    let (p, old, new) = two_file_project(3);
    // Two files: the journal, two temporary files, the commit point
    // (step 4), two renames, the journal's removal.
    let mut step = 1;
    while decrypt_killed_at(&p, &format!("commit:{step}")) {
        assert!(
            p.file(JOURNAL).exists(),
            "step {step}: the journal is there"
        );
        next_command(&p);
        let is_new = assert_whole(&p, &old, &new, &format!("step {step}"));
        assert_eq!(
            is_new,
            step >= 4,
            "step {step}: rolled forward after the commit point"
        );
        restore(&p, &old);
        step += 1;
    }
    assert_eq!(step, 8, "every crash point was reached");
    assert_whole(&p, &old, &new, "no kill");
}

#[test]
fn a_recovery_killed_midway_is_finished_by_the_command_after() {
    if !cfg!(debug_assertions) {
        return;
    }
    let (p, old, new) = two_file_project(2);
    // Before the commit point (rolled back), at it, and with one file renamed.
    for commit_step in [3, 4, 5] {
        let mut step = 1;
        loop {
            assert!(decrypt_killed_at(&p, &format!("commit:{commit_step}")));
            let recovery = p
                .envsafe_std(&["ls"])
                .env("ENVSAFE_TEST_CRASH_AT", format!("recover:{step}"))
                .stdout(Stdio::null())
                .status()
                .unwrap();
            next_command(&p);
            let what = format!("commit step {commit_step}, recovery step {step}");
            let is_new = assert_whole(&p, &old, &new, &what);
            assert_eq!(is_new, commit_step >= 4, "{what}");
            restore(&p, &old);
            if recovery.success() {
                break;
            }
            assert_eq!(recovery.signal(), Some(9), "{what}");
            step += 1;
        }
        let points = if commit_step >= 4 { 4 } else { 2 };
        assert_eq!(
            step, points,
            "commit step {commit_step}: every recovery point"
        );
    }
}

#[test]
fn a_real_kill_9_at_any_moment_leaves_both_files_old_or_both_new() {
    let (p, old, new) = two_file_project(200);
    let start = Instant::now();
    p.envsafe(&["decrypt"]).assert().success();
    let took = start.elapsed();
    restore(&p, &old);
    // Kill moments spread over the whole run (a fixed pseudo-random walk,
    // so a failure can be replayed).
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let (mut olds, mut news, mut journals) = (0, 0, 0);
    for round in 0..40 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let at = took.mul_f64((seed >> 11) as f64 / (1u64 << 53) as f64 * 1.2);
        let mut child = p
            .envsafe_std(&["decrypt"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        let _ = child.kill(); // SIGKILL
        child.wait().unwrap();
        journals += usize::from(p.file(JOURNAL).exists());
        next_command(&p);
        let what = format!("round {round}, killed after {at:?} of {took:?}");
        if assert_whole(&p, &old, &new, &what) {
            news += 1;
        } else {
            olds += 1;
        }
        restore(&p, &old);
    }
    eprintln!(
        "kill -9 rounds: {olds} left both old, {news} both new; {journals} mid-commit (a journal to finish)"
    );
}

#[test]
fn a_decrypt_that_fails_on_the_second_file_changes_neither() {
    let (p, old, _) = two_file_project(2);
    let sealed = p.sealed_value(".env.local", "F1_V1_TOKEN");
    let other = p.sealed_value(".env.local", "F1_V0_TOKEN");
    p.replace_in(".env.local", &sealed, &other);
    let before = p.snapshot();
    p.envsafe(&["decrypt"]).assert().code(4);
    assert_eq!(p.snapshot(), before);
    assert_eq!(files(&p)[0], old[0]);
}

#[test]
fn a_journal_envsafe_cannot_use_is_an_error_and_is_kept() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.write_private(JOURNAL, "{\"files\": [\".env\"]}\n");
    for args in [&["ls"][..], &["get", "X"], &["set", "X", "1"]] {
        p.envsafe(args).assert().code(1).stdout("").stderr(
            "error: .git/envsafe-journal: not a usable envsafe journal: line 1: not an envsafe journal\n\
             help: a write of several files was interrupted, or this file is not envsafe's: \
             check that the files it names hold what you expect (restore any from git), \
             then delete it\n",
        );
    }
    assert!(p.file(JOURNAL).exists(), "never deleted silently");
}

#[test]
fn a_write_under_another_projects_pending_journal_waits_for_it() {
    let p = Project::bare_dir();
    p.write(".env", "OUTER=1\n");
    p.write("inner/.env", "A=old\n");
    p.write("inner/.envsafe-tmp-killed", "A=new\n");
    let root = std::fs::canonicalize(p.path()).unwrap();
    p.write_private(
        ROOT_JOURNAL,
        &format!(
            "envsafe-journal 1\nwrite 644 .envsafe-tmp-killed {}\nend\ncommit\n",
            root.join("inner/.env").display()
        ),
    );
    // In `inner` (a project of its own), a write would remove the
    // temporary file the journal above still needs.
    p.envsafe(&["-C", "inner", "set", "--plain", "B", "1"])
        .assert()
        .code(1)
        .stderr(format!(
            "error: {}: a write of several files here was interrupted and is not finished (journal {})\n\
             help: run any envsafe command in {} first: it finishes the interrupted write\n",
            root.join("inner").display(),
            root.join(ROOT_JOURNAL).display(),
            root.display(),
        ));
    assert_eq!(p.read("inner/.env"), "A=old\n");
    p.envsafe(&["ls"]).assert().success();
    assert_eq!(p.read("inner/.env"), "A=new\n");
    assert!(!p.file(ROOT_JOURNAL).exists());
    p.envsafe(&["-C", "inner", "set", "--plain", "B", "1"])
        .assert()
        .success();
    assert_eq!(p.read("inner/.env"), "A=new\nB=1\n");
}

/// A journal in the checkout (committed by someone, or left by an older
/// envsafe) is not the project's journal: in a repository the journal
/// lives in the git directory, which no clone or pull writes.
#[test]
fn a_journal_committed_to_the_repository_is_never_acted_on() {
    let p = Project::new();
    p.envsafe(&["init"]).assert().success();
    p.envsafe(&["set", "--plain", "PORT", "8080"])
        .assert()
        .success();
    let before = p.snapshot();
    // What a hostile repository would ship: a committed-looking journal
    // that swaps envsafe.toml, and one file outside the project.
    let root = std::fs::canonicalize(p.path()).unwrap();
    p.write(
        ".envsafe-tmp-a",
        "[environments.development]\npublic_key = \"age1attacker\"\n",
    );
    p.write(
        ROOT_JOURNAL,
        &format!(
            "envsafe-journal 1\nwrite 644 .envsafe-tmp-a {}\nwrite 6777 .envsafe-tmp-b {}\nend\ncommit\n",
            root.join("envsafe.toml").display(),
            root.parent().unwrap().join("outside").display()
        ),
    );
    for mode in [0o644, 0o600] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p.file(ROOT_JOURNAL), std::fs::Permissions::from_mode(mode))
            .unwrap();
        assert_eq!(stdout(&mut p.envsafe(&["get", "PORT"])), "8080\n");
        p.envsafe(&["ls"]).assert().success();
    }
    // Nor does it hold up a write.
    p.envsafe(&["set", "--plain", "PORT", "8080"])
        .assert()
        .success();
    let after: Vec<_> = p
        .snapshot()
        .into_iter()
        .filter(|(path, _)| !path.to_string_lossy().contains("envsafe-"))
        .collect();
    let before: Vec<_> = before
        .into_iter()
        .filter(|(path, _)| !path.to_string_lossy().contains("envsafe-"))
        .collect();
    assert_eq!(after, before, "nothing changed");
}

/// Outside a repository the journal is at the root, where anyone who
/// ships the directory could put one: its targets must stay inside the
/// project, on canonical paths, with plain permission bits.
#[test]
fn a_planted_journal_cannot_reach_outside_the_project_or_set_odd_modes() {
    let p = Project::bare_dir();
    p.write("proj/.env", "A=1\n");
    p.write("outside.txt", "mine\n");
    p.write("proj/.envsafe-tmp-x", "owned\n");
    let root = std::fs::canonicalize(p.path()).unwrap();
    std::os::unix::fs::symlink(&root, p.file("proj/up")).unwrap();
    let cases = [
        (
            format!(
                "write 644 .envsafe-tmp-x {}",
                root.join("outside.txt").display()
            ),
            "is outside the project",
        ),
        (
            format!(
                "write 644 .envsafe-tmp-x {}",
                root.join("proj/up/outside.txt").display()
            ),
            "is not a canonical path",
        ),
        (
            format!(
                "write 4755 .envsafe-tmp-x {}",
                root.join("proj/.env").display()
            ),
            "has more than permission bits",
        ),
    ];
    for (line, why) in cases {
        p.write_private(
            "proj/.envsafe-journal",
            &format!("envsafe-journal 1\n{line}\nend\ncommit\n"),
        );
        let out = p.envsafe(&["-C", "proj", "ls"]).output().unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{why}: {err}");
        assert_eq!(p.read("outside.txt"), "mine\n");
        assert_eq!(p.read("proj/.env"), "A=1\n");
    }
}
