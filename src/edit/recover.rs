//! Recovery of a transaction a kill interrupted: the next command finds the
//! journal and rolls the commit forward (its commit point was passed) or
//! back (it was not), under the locks of every directory the journal
//! names. Also the check that keeps a writer from removing the temporary
//! files a pending journal still needs.
//!
//! Where the journal is: in the git directory of the project
//! (`.git/envsafe-journal`), which no checkout, clone or pull can write;
//! outside a repository, `<root>/.envsafe-journal`. A journal is untrusted
//! input all the same: its targets must be canonical paths (no symlinked
//! directory on the way), inside the project unless it is in the git
//! directory, its modes plain permission bits (no setuid, setgid, sticky).

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::journal::{self, Entry, Journal};
use super::Crash;
use crate::error::{Error, Result};
use crate::fsutil::{self, io_err};

/// The journal's file name at the project root, outside a repository.
pub const JOURNAL_NAME: &str = ".envsafe-journal";

/// The journal's file name in the git directory.
const GIT_JOURNAL_NAME: &str = "envsafe-journal";

/// A journal lists paths only; a larger file is not one.
const JOURNAL_LIMIT: u64 = 1 << 20;

/// What [`recover`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recovered {
    /// There was no journal (the usual case: one failed `stat`).
    Nothing,
    /// The commit had not reached its commit point: its temporary files
    /// were removed, and every file is as it was before.
    RolledBack,
    /// The commit had passed its commit point: the renames it had not done
    /// were done, and every file is new.
    RolledForward,
}

/// The journal of the transactions rooted at `root`: in the git directory
/// of the repository `root` is in (the usual case costs one `stat`), else
/// at the root.
pub(crate) fn journal_path(root: &Path) -> PathBuf {
    match git_dir(root) {
        Some(dir) => dir.join(GIT_JOURNAL_NAME),
        None => root.join(JOURNAL_NAME),
    }
}

/// The git directory of the repository `root` is in: `.git` at the root or
/// above it (a directory, or a worktree's `gitdir:` file).
fn git_dir(root: &Path) -> Option<PathBuf> {
    if let Some(found) = git_dir_at(root) {
        return Some(found);
    }
    let dir = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let canonical = fs::canonicalize(dir).ok()?;
    canonical.ancestors().skip(1).find_map(git_dir_at)
}

/// The git directory whose `.git` is in `dir` itself: a directory, or a
/// worktree's `gitdir:` file.
fn git_dir_at(dir: &Path) -> Option<PathBuf> {
    let dot_git = dir.join(".git");
    let meta = fs::metadata(&dot_git).ok()?;
    if meta.is_dir() {
        return Some(dot_git);
    }
    let text = fs::read_to_string(&dot_git).ok()?;
    let linked = Path::new(text.strip_prefix("gitdir:")?.trim());
    let linked = dir.join(linked);
    linked.is_dir().then_some(linked)
}

/// Whether the journal at `path` lives in a git directory (written only by
/// envsafe, never by a checkout).
fn in_git_dir(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == GIT_JOURNAL_NAME)
}

/// Refuses an entry a hostile journal could use: a target whose directory
/// is not canonical (a symlink on the way), one outside `root` when the
/// journal is not in the git directory, a mode with more than permission
/// bits.
fn check_entry(journal: &Path, root_dir: &Path, entry: &Entry) -> Result<()> {
    if entry.mode & !0o777 != 0 {
        return Err(unusable(
            journal,
            format!(
                "mode {:o} for {} has more than permission bits",
                entry.mode,
                entry.target.display()
            ),
        ));
    }
    let dir = entry.dir();
    if dir.exists() && fs::canonicalize(dir).ok().as_deref() != Some(dir) {
        return Err(unusable(
            journal,
            format!(
                "{} is not a canonical path (a symlink on the way)",
                entry.target.display()
            ),
        ));
    }
    if !in_git_dir(journal) && !dir.starts_with(root_dir) {
        return Err(unusable(
            journal,
            format!("{} is outside the project", entry.target.display()),
        ));
    }
    Ok(())
}

fn unusable(path: &Path, problem: impl Into<String>) -> Error {
    Error::Journal {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// The journal at `path`: `None` when there is none, or when it belongs
/// to another user (never acted on: in a shared directory anyone could
/// plant one). One that is not a private regular file, or does not parse,
/// is an error.
pub(crate) fn read(path: &Path) -> Result<Option<Journal>> {
    use std::os::unix::fs::MetadataExt;
    let Some(meta) = crate::fsutil::found(fs::symlink_metadata(path), path)? else {
        return Ok(None);
    };
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Ok(None);
    }
    if !meta.file_type().is_file() {
        return Err(unusable(path, "not a regular file"));
    }
    if meta.mode() & 0o077 != 0 {
        let mode = meta.mode() & 0o777;
        return Err(unusable(
            path,
            format!("mode {mode:03o}, where envsafe writes its journal 0600"),
        ));
    }
    let Some(file) = fsutil::open_regular(path)? else {
        return Ok(None);
    };
    let bytes = fsutil::read_limited(path, file, JOURNAL_LIMIT)?;
    journal::parse(&bytes)
        .map(Some)
        .map_err(|problem| unusable(path, problem))
}

/// Finishes or rolls back a transaction a kill interrupted, if `root`
/// holds its journal; cheap when there is none (one failed `stat`).
/// Every command calls it once it knows the project root, so it sees
/// every file of a transaction old, or every file new.
pub fn recover(root: &Path) -> Result<Recovered> {
    let path = journal_path(root);
    let Some(mut journal) = read(&path)? else {
        return Ok(Recovered::Nothing);
    };
    let root_dir = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let root_dir = fs::canonicalize(root_dir).map_err(io_err(root_dir))?;
    for entry in &journal.entries {
        check_entry(&path, &root_dir, entry)?;
    }
    // The journal's directory is locked as the commit that wrote it did.
    let journal_dir = fsutil::parent_dir(&path);
    let journal_dir = fs::canonicalize(&journal_dir).map_err(io_err(&journal_dir))?;
    loop {
        let dirs = dirs(&journal_dir, &journal);
        let locks = fsutil::lock_dirs(dirs.clone())?;
        // Another process may have finished it meanwhile (or, rarely,
        // finished it and lost another one whose directories differ).
        let Some(now) = read(&path)? else {
            return Ok(Recovered::Nothing);
        };
        if self::dirs(&journal_dir, &now)
            .iter()
            .all(|d| dirs.contains(d))
        {
            for entry in &now.entries {
                check_entry(&path, &root_dir, entry)?;
            }
            let done = finish(&path, &now);
            drop(locks);
            return done;
        }
        drop(locks);
        journal = now;
    }
}

/// The directories a journal's recovery locks: the root's, and each
/// target's that still exists.
fn dirs(root_dir: &Path, journal: &Journal) -> Vec<PathBuf> {
    let targets = journal
        .entries
        .iter()
        .map(Entry::dir)
        .filter(|d| d.is_dir());
    std::iter::once(root_dir)
        .chain(targets)
        .map(Path::to_path_buf)
        .collect()
}

/// Rolls the journal's commit forward or back, then removes the journal.
/// The caller holds the locks; run again after a kill, it does the same.
fn finish(path: &Path, journal: &Journal) -> Result<Recovered> {
    let mut crash = Crash::new("recover");
    let done = if journal.committed {
        for entry in &journal.entries {
            roll_forward(entry)?;
            crash.point();
        }
        Recovered::RolledForward
    } else {
        for entry in &journal.entries {
            let temp = entry.temp();
            match fs::remove_file(&temp) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(Error::Io {
                        path: temp,
                        source: e,
                    })
                }
                _ => {}
            }
        }
        Recovered::RolledBack
    };
    sync_dirs(&journal.entries);
    crash.point();
    remove_journal(path)?;
    Ok(done)
}

/// Makes the renames into the entries' directories durable.
pub(crate) fn sync_dirs(entries: &[Entry]) {
    let mut dirs: Vec<&Path> = entries.iter().map(Entry::dir).collect();
    dirs.sort();
    dirs.dedup();
    dirs.iter().for_each(|d| fsutil::sync_dir(d));
}

/// Removes a finished journal, durably.
pub(crate) fn remove_journal(path: &Path) -> Result<()> {
    fs::remove_file(path).map_err(io_err(path))?;
    fsutil::sync_dir(&fsutil::parent_dir(path));
    Ok(())
}

/// Renames one temporary file over its target, unless the interrupted
/// commit already did. (Killed between the rename and the mode change, the
/// target keeps the temporary file's 0600: stricter, and left so, since a
/// journal is not trusted to change the mode of a file it did not write.)
fn roll_forward(entry: &Entry) -> Result<()> {
    let temp = entry.temp();
    match fs::symlink_metadata(&temp) {
        Ok(meta) if meta.file_type().is_file() => {
            let file = File::open(&temp).map_err(io_err(&temp))?;
            fsutil::install(&file, &temp, &entry.target, entry.mode, &entry.target)
        }
        Ok(_) => Err(Error::NotRegularFile {
            path: temp,
            what: "not a file envsafe wrote",
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(Error::Io { path: temp, source }),
    }
}

/// Refuses a write into `dir` while a journal of this user, in `dir` or a
/// directory above it, lists a file there: the stale-temp cleanup would
/// remove a temporary file the journal still needs, and the write would be
/// undone when the journal is finished. (A commit holds the lock of `dir`
/// until its journal is gone, so such a journal is one a kill left.)
pub(crate) fn refuse_pending(dir: &Path) -> Result<()> {
    let Ok(dir) = fs::canonicalize(dir) else {
        return Ok(());
    };
    // The journals `recover` would act on for a project rooted here or
    // above (never a journal a checkout holds inside a repository): each
    // level's `journal_path`, found in one walk (one `stat` per level).
    let levels: Vec<&Path> = dir.ancestors().collect();
    let mut nearest_git: Option<PathBuf> = None;
    let mut journals: Vec<PathBuf> = Vec::new();
    for above in levels.iter().rev() {
        if let Some(found) = git_dir_at(above) {
            nearest_git = Some(found);
        }
        let path = match &nearest_git {
            Some(git) => git.join(GIT_JOURNAL_NAME),
            None => above.join(JOURNAL_NAME),
        };
        if !journals.contains(&path) {
            journals.push(path);
        }
    }
    for path in journals {
        // One that cannot be read is `recover`'s error, in its own project.
        if let Ok(Some(journal)) = read(&path) {
            if journal.entries.iter().any(|e| e.dir() == dir) {
                return Err(Error::PendingJournal { dir, journal: path });
            }
        }
    }
    Ok(())
}
