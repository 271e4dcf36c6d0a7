//! [`Transaction`]: new contents for several files (env files, a keys
//! file, envsafe.toml) staged under the locks of their directories, then
//! committed all or none through the journal.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use super::journal::{self, Entry, COMMIT_LINE};
use super::recover::{self, journal_path};
use super::Crash;
use crate::error::{Error, Result};
use crate::fsutil::{self, io_err, DirLock, PRIVATE_MODE};

/// Writes to several files that land all or none, even across a kill -9:
/// [`begin`](Self::begin) locks, [`stage`](Self::stage) collects new
/// contents, [`commit`](Self::commit) writes them. Dropped uncommitted, it
/// writes nothing.
pub struct Transaction {
    /// The journal (`recover::journal_path`).
    journal: PathBuf,
    /// The directories locked (canonical), and their locks.
    locked: Vec<PathBuf>,
    locks: Vec<DirLock>,
    staged: Vec<Staged>,
}

struct Staged {
    /// The path as the caller named it, for errors.
    shown: PathBuf,
    /// Absolute, symlinks resolved.
    target: PathBuf,
    contents: Zeroizing<Vec<u8>>,
    mode: u32,
}

/// The canonical directory of `path`, if it resolves.
fn canonical_dir(path: &Path) -> Option<PathBuf> {
    fs::canonicalize(fsutil::parent_dir(path)).ok()
}

fn invalid(path: &Path, why: &'static str) -> Error {
    Error::Io {
        path: path.to_path_buf(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidInput, why),
    }
}

impl Transaction {
    /// Locks the directories of `paths` (and of their symlinks' targets)
    /// and of `root`, where the journal goes, all in one order; first
    /// finishes a transaction a kill interrupted, and then removes the
    /// temporary files killed writers left. Name every file the
    /// transaction may write, and lock nothing else before: the caller
    /// then reads them under the locks, and two transactions never wait
    /// on each other in a cycle.
    pub fn begin<P: AsRef<Path>>(root: &Path, paths: &[P]) -> Result<Self> {
        let journal = journal_path(root);
        let root_dir = fsutil::parent_dir(&journal);
        let mut dirs = vec![fs::canonicalize(&root_dir).map_err(io_err(&root_dir))?];
        for path in paths.iter().map(AsRef::as_ref) {
            // A directory that does not resolve is the caller's read error.
            dirs.extend(canonical_dir(path));
            if let Ok(target) = fsutil::write_target(path) {
                dirs.extend(canonical_dir(&target));
            }
        }
        dirs.sort();
        dirs.dedup();
        loop {
            recover::recover(root)?;
            let locks = fsutil::lock_dirs(dirs.clone())?;
            // None, unless a commit began and was killed since `recover`.
            if recover::read(&journal)?.is_none() {
                for dir in &dirs {
                    fsutil::remove_stale_temps(dir)?;
                }
                return Ok(Self {
                    journal,
                    locked: dirs,
                    locks,
                    staged: Vec::new(),
                });
            }
        }
    }

    /// Stages `contents` as the new contents of `path`, with `mode` (else
    /// the file's own mode; a new file gets 0644). A symlink is written
    /// through to its target. Staging a file again replaces what was
    /// staged. A path `begin` was not given is locked now, out of order.
    pub fn stage(&mut self, path: &Path, contents: &[u8], mode: Option<u32>) -> Result<()> {
        use std::os::unix::ffi::OsStrExt;
        let target = fsutil::write_target(path)?;
        let name = target
            .file_name()
            .ok_or_else(|| invalid(path, "not a file name"))?;
        let dir = fsutil::parent_dir(&target);
        let dir = fs::canonicalize(&dir).map_err(io_err(&dir))?;
        let target = dir.join(name);
        if target.as_os_str().as_bytes().contains(&b'\n') {
            return Err(invalid(
                path,
                "a transaction cannot write a path with a line break",
            ));
        }
        for dir in canonical_dir(path).into_iter().chain([dir]) {
            if !self.locked.contains(&dir) {
                self.locks.push(DirLock::for_dir(&dir)?);
                self.locked.push(dir.clone());
                fsutil::remove_stale_temps(&dir)?;
            }
        }
        let staged = Staged {
            shown: path.to_path_buf(),
            mode: fsutil::final_mode(&target, mode) & 0o7777,
            target,
            contents: Zeroizing::new(contents.to_vec()),
        };
        match self.staged.iter_mut().find(|s| s.target == staged.target) {
            Some(old) => *old = staged,
            None => self.staged.push(staged),
        }
        Ok(())
    }

    /// Nothing is staged.
    pub fn is_empty(&self) -> bool {
        self.staged.is_empty()
    }

    /// Writes every staged file, all or none. The journal lists each
    /// target and its temporary file before any temporary file exists;
    /// each temporary file is written (0600) and fsynced; `commit` is
    /// appended to the journal (the commit point); the temporary files are
    /// renamed over their targets and given their modes; the journal is
    /// removed. A kill before the commit point is rolled back by the next
    /// command, one after it rolled forward ([`recover`](super::recover)).
    /// An error before the commit point leaves every file as it was; one
    /// after it leaves the journal for the next command to finish.
    pub fn commit(self) -> Result<()> {
        if self.staged.is_empty() {
            return Ok(());
        }
        let entries: Vec<Entry> = (self.staged.iter())
            .map(|s| Entry {
                target: s.target.clone(),
                temp_name: fsutil::temp_name().into(),
                mode: s.mode,
            })
            .collect();
        let mut crash = Crash::new("commit");
        let mut journal = self.create_journal(&journal::render(&entries))?;
        crash.point();
        let mut files = Vec::with_capacity(entries.len());
        for (s, e) in self.staged.iter().zip(&entries) {
            match fsutil::write_temp(&e.temp(), &s.contents, &s.shown) {
                Ok(file) => files.push(file),
                Err(err) => return Err(self.roll_back(&entries[..files.len()], err)),
            }
            crash.point();
        }
        recover::sync_dirs(&entries);
        if let Err(source) = journal
            .write_all(COMMIT_LINE)
            .and_then(|()| journal.sync_all())
        {
            let err = Error::Io {
                path: self.journal.clone(),
                source,
            };
            return Err(self.roll_back(&entries, err));
        }
        crash.point();
        for ((s, e), file) in self.staged.iter().zip(&entries).zip(&files) {
            fsutil::install(file, &e.temp(), &e.target, e.mode, &s.shown)?;
            crash.point();
        }
        recover::sync_dirs(&entries);
        crash.point();
        recover::remove_journal(&self.journal)
    }

    /// Creates the journal (0600; it must not exist) holding `prepared`,
    /// durably.
    fn create_journal(&self, prepared: &[u8]) -> Result<File> {
        use std::os::unix::fs::OpenOptionsExt;
        let path = &self.journal;
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(PRIVATE_MODE)
            .open(path)
            .map_err(io_err(path))?;
        if let Err(source) = file.write_all(prepared).and_then(|()| file.sync_all()) {
            let _ = fs::remove_file(path);
            return Err(Error::Io {
                path: path.clone(),
                source,
            });
        }
        fsutil::sync_dir(&fsutil::parent_dir(path));
        Ok(file)
    }

    /// Undoes a commit that failed before its commit point: removes the
    /// temporary files it created, then the journal. Returns `err`.
    fn roll_back(&self, created: &[Entry], err: Error) -> Error {
        for e in created {
            let _ = fs::remove_file(e.temp());
        }
        let _ = fs::remove_file(&self.journal);
        err
    }
}
