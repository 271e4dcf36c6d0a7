//! `hook install` / `hook uninstall`: our pre-commit script in the
//! repository's hooks directory (`core.hooksPath` if set). An existing hook
//! is kept, renamed `pre-commit.envsafe-chained`, and run after ours;
//! uninstall puts it back.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil;

const MARK: &str = "# envsafe pre-commit hook";
const CHAINED: &str = "pre-commit.envsafe-chained";

/// What `install` / `uninstall` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// Written; `chained` is the hook that was there before, if any.
    Done {
        hook: PathBuf,
        chained: bool,
    },
    AlreadyThere {
        hook: PathBuf,
    },
    /// Uninstall: nothing of ours was there.
    NotInstalled {
        hook: PathBuf,
    },
}

fn hooks_dir() -> Result<PathBuf> {
    let repo = super::open()?;
    if let Ok(path) = repo.config()?.get_path("core.hooksPath") {
        let base = repo.workdir().unwrap_or_else(|| repo.path()).to_path_buf();
        return Ok(if path.is_absolute() {
            path
        } else {
            base.join(path)
        });
    }
    Ok(repo.commondir().join("hooks"))
}

fn script(envsafe: &Path) -> String {
    format!(
        "#!/bin/sh\n\
         {MARK}: installed by `envsafe hook install`, removed by `envsafe hook uninstall`.\n\
         # Checks what is staged for plaintext secrets and private keys.\n\
         envsafe=$(command -v envsafe || echo '{}')\n\
         \"$envsafe\" hook run || exit $?\n\
         chained=\"$(dirname \"$0\")/{CHAINED}\"\n\
         if [ -x \"$chained\" ]; then exec \"$chained\" \"$@\"; fi\n",
        envsafe.display()
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Installs the hook; `envsafe` is this binary, used when `envsafe` is not
/// on PATH at commit time.
pub fn install(envsafe: &Path) -> Result<Installed> {
    let dir = hooks_dir()?;
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let hook = dir.join("pre-commit");
    let _lock = fsutil::DirLock::for_file(&hook)?;
    let existing = fsutil::read_optional(&hook).ok().flatten();
    if existing.as_deref().is_some_and(|t| t.contains(MARK)) {
        return Ok(Installed::AlreadyThere { hook });
    }
    let chained = dir.join(CHAINED);
    let has_existing = hook.exists();
    if has_existing {
        if chained.exists() {
            return Err(Error::Git {
                message: format!(
                    "{} and {} both exist; move one away first",
                    hook.display(),
                    chained.display()
                ),
            });
        }
        std::fs::rename(&hook, &chained).map_err(io(&hook))?;
    }
    fsutil::atomic_write(&hook, script(envsafe).as_bytes(), Some(0o755))?;
    Ok(Installed::Done {
        hook,
        chained: has_existing,
    })
}

/// Removes our hook and restores the one it chained, if any.
pub fn uninstall() -> Result<Installed> {
    let dir = hooks_dir()?;
    let hook = dir.join("pre-commit");
    let _lock = fsutil::DirLock::for_file(&hook)?;
    match fsutil::read_optional(&hook)? {
        Some(text) if text.contains(MARK) => {}
        _ => return Ok(Installed::NotInstalled { hook }),
    }
    let chained = dir.join(CHAINED);
    let had_chained = chained.exists();
    if had_chained {
        std::fs::rename(&chained, &hook).map_err(io(&chained))?;
    } else {
        std::fs::remove_file(&hook).map_err(io(&hook))?;
    }
    Ok(Installed::Done {
        hook,
        chained: had_chained,
    })
}
