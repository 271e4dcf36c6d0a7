//! Writing the file kinds: a `dotenv`, `json` or `k8s` target's `path`
//! (0600, atomically, parent directories made 0700), a `compose-secrets`
//! target's `dir` (one file per variable, all or none; files of names
//! pushed before and dropped since are removed). Where they may go is
//! checked at load (`paths.rs`).

use std::path::{Path, PathBuf};

use super::config::Kind;
use super::load::Loaded;
use super::Encoded;
use crate::error::Result;
use crate::fsutil::{self, io_err, PRIVATE_MODE};

/// The file or directory target `t` writes.
pub(crate) fn output(root: &Path, t: &Loaded) -> Option<PathBuf> {
    let c = &t.config;
    let rel = match c.kind {
        Kind::ComposeSecrets => c.dir.as_deref(),
        Kind::Dotenv | Kind::Json | Kind::K8s => c.path.as_deref(),
        Kind::Fly | Kind::Github => None,
    }?;
    Some(root.join(rel))
}

/// Whether everything `t` writes is there (for `diff`): its file, or each
/// variable's file.
pub(crate) fn present(root: &Path, t: &Loaded, name: &str) -> bool {
    match output(root, t) {
        Some(dir) if t.config.kind == Kind::ComposeSecrets => dir.join(name).is_file(),
        Some(file) => file.is_file(),
        None => true,
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))
}

/// A note when `path`, inside a git repository, is not git-ignored: it
/// holds plaintext values.
fn unignored(root: &Path, path: &Path, is_dir: bool, notes: &mut Vec<String>) {
    let dir = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let Ok(repo) = git2::Repository::discover(dir) else {
        return;
    };
    let Some(workdir) = repo.workdir() else {
        return;
    };
    let (Ok(workdir), Ok(abs)) = (std::fs::canonicalize(workdir), std::fs::canonicalize(path))
    else {
        return;
    };
    let Ok(mut rel) = abs.strip_prefix(&workdir).map(Path::to_path_buf) else {
        return;
    };
    if is_dir {
        rel.push("any"); // a pattern `dir/` ignores what is in it
    }
    if !repo.is_path_ignored(&rel).unwrap_or(true) {
        notes.push(format!(
            "{} holds plaintext values and is not git-ignored: add it to .gitignore",
            path.display()
        ));
    }
}

/// Writes `t` (its `text`, or its values one file each); removes the files
/// of `dropped` names (compose-secrets). Returns where it wrote.
pub(crate) fn write(
    root: &Path,
    t: &Loaded,
    text: Option<&Encoded>,
    dropped: &[String],
    notes: &mut Vec<String>,
) -> Result<String> {
    let out = output(root, t).expect("a file target has a path or dir");
    if t.config.kind == Kind::ComposeSecrets {
        create_private_dir(&out)?;
        let paths: Vec<PathBuf> = t.entries.iter().map(|e| out.join(&e.name)).collect();
        let mut tx = crate::edit::Transaction::begin(root, &paths)?;
        for (e, path) in t.entries.iter().zip(&paths) {
            tx.stage(path, e.value.expose().as_bytes(), Some(PRIVATE_MODE))?;
        }
        tx.commit()?;
        for name in dropped {
            let file = out.join(name);
            if std::fs::symlink_metadata(&file).is_ok_and(|m| m.is_file()) {
                std::fs::remove_file(&file).map_err(io_err(&file))?;
            }
        }
        unignored(root, &out, true, notes);
        return Ok(out.display().to_string());
    }
    let text = text.expect("the kinds with a path have one text");
    create_private_dir(&fsutil::parent_dir(&out))?;
    fsutil::atomic_write(&out, text.as_bytes(), Some(PRIVATE_MODE))?;
    unignored(root, &out, false, notes);
    Ok(out.display().to_string())
}
