//! Transactions and recovery on a real directory (the kill tests, which
//! run the binary, are in tests/integration/transaction.rs).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::journal::{self, Entry, COMMIT_LINE};
use super::{recover, Recovered, Transaction, JOURNAL_NAME};
use crate::Error;

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn write_mode(path: &Path, text: &str, mode: u32) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Names in `dir` that envsafe leaves only when something went wrong.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(crate::fsutil::TEMP_PREFIX) || n == JOURNAL_NAME)
        .collect()
}

/// A journal as a killed commit leaves it: `(target, temp contents)`
/// pairs, temporary files written, committed or not.
fn plant(root: &Path, files: &[(&str, Option<&str>)], committed: bool) -> Vec<Entry> {
    let root = fs::canonicalize(root).unwrap();
    let entries: Vec<Entry> = (files.iter().enumerate())
        .map(|(i, (target, _))| Entry {
            target: root.join(target),
            temp_name: PathBuf::from(format!(".envsafe-tmp-test-{i}")),
            mode: 0o640,
        })
        .collect();
    for (e, (_, temp)) in entries.iter().zip(files) {
        if let Some(text) = temp {
            write_mode(&e.temp(), text, 0o600);
        }
    }
    let mut text = journal::render(&entries);
    if committed {
        text.extend_from_slice(COMMIT_LINE);
    }
    let path = root.join(JOURNAL_NAME);
    fs::write(&path, text).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    entries
}

#[test]
fn a_transaction_writes_every_file_with_its_mode_and_through_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join("real")).unwrap();
    write_mode(&root.join("a.env"), "A=old\n", 0o640);
    fs::write(root.join("real/b.env"), "B=old\n").unwrap();
    std::os::unix::fs::symlink("real/b.env", root.join("b.env")).unwrap();
    let (a, b, keys) = (
        root.join("a.env"),
        root.join("b.env"),
        root.join(".env.keys"),
    );
    let mut txn = Transaction::begin(root, &[&a, &b, &keys]).unwrap();
    assert!(txn.is_empty());
    txn.stage(&a, b"A=new\n", None).unwrap();
    txn.stage(&b, b"B=first\n", None).unwrap();
    txn.stage(&b, b"B=new\n", None).unwrap();
    txn.stage(&keys, b"K=new\n", Some(0o600)).unwrap();
    assert_eq!(
        fs::read_to_string(&a).unwrap(),
        "A=old\n",
        "nothing before commit"
    );
    txn.commit().unwrap();
    assert_eq!(fs::read_to_string(&a).unwrap(), "A=new\n");
    assert_eq!(mode(&a), 0o640, "an existing file keeps its mode");
    assert!(fs::symlink_metadata(&b).unwrap().file_type().is_symlink());
    assert_eq!(
        fs::read_to_string(root.join("real/b.env")).unwrap(),
        "B=new\n"
    );
    assert_eq!(mode(&keys), 0o600);
    assert_eq!(leftovers(root), Vec::<String>::new());
    assert_eq!(leftovers(&root.join("real")), Vec::<String>::new());
}

#[test]
fn a_transaction_dropped_uncommitted_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.env");
    fs::write(&a, "A=old\n").unwrap();
    let mut txn = Transaction::begin(dir.path(), &[&a]).unwrap();
    txn.stage(&a, b"A=new\n", None).unwrap();
    drop(txn);
    assert_eq!(fs::read_to_string(&a).unwrap(), "A=old\n");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn recovery_rolls_a_committed_journal_forward_and_a_prepared_one_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    assert_eq!(recover(root).unwrap(), Recovered::Nothing);
    fs::write(root.join("a.env"), "A=old\n").unwrap();
    fs::write(root.join("b.env"), "B=old\n").unwrap();

    // Killed after the commit point, with `a.env` already renamed.
    plant(root, &[("a.env", None), ("b.env", Some("B=new\n"))], true);
    fs::write(root.join("a.env"), "A=new\n").unwrap();
    let before = mode(&root.join("a.env"));
    assert_eq!(recover(root).unwrap(), Recovered::RolledForward);
    assert_eq!(fs::read_to_string(root.join("b.env")).unwrap(), "B=new\n");
    assert_eq!(
        mode(&root.join("a.env")),
        before,
        "a journal never changes the mode of a file it has no temporary file for"
    );
    assert_eq!(mode(&root.join("b.env")), 0o640);
    assert_eq!(leftovers(root), Vec::<String>::new());

    // Killed before it: the temporary files go, the files stay.
    plant(
        root,
        &[("a.env", Some("A=newer\n")), ("b.env", None)],
        false,
    );
    assert_eq!(recover(root).unwrap(), Recovered::RolledBack);
    assert_eq!(fs::read_to_string(root.join("a.env")).unwrap(), "A=new\n");
    assert_eq!(leftovers(root), Vec::<String>::new());

    // Killed while the journal was being created: an empty one.
    write_mode(&root.join(JOURNAL_NAME), "", 0o600);
    assert_eq!(recover(root).unwrap(), Recovered::RolledBack);
    assert_eq!(leftovers(root), Vec::<String>::new());
}

#[test]
fn a_garbage_or_public_journal_is_an_error_naming_it_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(JOURNAL_NAME);
    write_mode(&path, "{\"files\": []}\n", 0o600);
    let err = recover(dir.path()).unwrap_err();
    assert!(matches!(err, Error::Journal { .. }));
    assert_eq!(
        err.to_string(),
        format!(
            "{}: not a usable envsafe journal: line 1: not an envsafe journal",
            path.display()
        )
    );
    assert!(err.help().unwrap().contains("then delete it"));
    assert!(path.exists(), "never deleted silently");
    write_mode(&path, "envsafe-journal 1\nend\n", 0o644);
    assert_eq!(
        recover(dir.path()).unwrap_err().to_string(),
        format!(
            "{}: not a usable envsafe journal: mode 644, where envsafe writes its journal 0600",
            path.display()
        )
    );
}

#[test]
fn a_write_whose_temporary_files_a_pending_journal_needs_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join("sub")).unwrap();
    let entries = plant(root, &[("sub/a.env", Some("A=new\n"))], true);
    let err = crate::fsutil::atomic_write(&root.join("sub/other.env"), b"X=1\n", None).unwrap_err();
    assert!(matches!(err, Error::PendingJournal { .. }), "{err}");
    assert!(entries[0].temp().exists(), "the stale-temp cleanup kept it");
    // Elsewhere, writes go on.
    crate::fsutil::atomic_write(&root.join("c.env"), b"C=1\n", None).unwrap();
    // A transaction there finishes it first.
    let a = root.join("sub/a.env");
    let mut txn = Transaction::begin(root, &[&a]).unwrap();
    assert_eq!(fs::read_to_string(&a).unwrap(), "A=new\n");
    txn.stage(&a, b"A=newer\n", None).unwrap();
    txn.commit().unwrap();
    assert_eq!(fs::read_to_string(&a).unwrap(), "A=newer\n");
    assert_eq!(leftovers(&root.join("sub")), Vec::<String>::new());
}
