//! `hook install` / `hook uninstall`: our `pre-commit` and
//! `pre-merge-commit` scripts in the repository's hooks directory
//! (`core.hooksPath` if set; a merge of a branch committed with
//! `--no-verify` is checked too). An existing hook is kept, renamed
//! `<hook>.envsafe-chained`, and run after ours; uninstall puts it back.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil;

const MARK: &str = "# envsafe hook";
/// The mark of hooks installed by earlier versions.
const LEGACY_MARK: &str = "# envsafe pre-commit hook";

/// Whether a hook's text is one envsafe installed.
fn is_ours(text: &str) -> bool {
    text.contains(MARK) || text.contains(LEGACY_MARK)
}
/// The hooks envsafe installs.
pub const HOOKS: [&str; 2] = ["pre-commit", "pre-merge-commit"];

/// What `install` / `uninstall` did to one hook.
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

fn chained_name(hook: &str) -> String {
    format!("{hook}.envsafe-chained")
}

fn script(envsafe: &Path, hook: &str) -> String {
    format!(
        "#!/bin/sh\n\
         {MARK} ({hook}): installed by `envsafe hook install`, removed by `envsafe hook uninstall`.\n\
         # Checks what is staged for plaintext secrets and private keys.\n\
         envsafe=$(command -v envsafe || echo '{}')\n\
         \"$envsafe\" hook run || exit $?\n\
         chained=\"$(dirname \"$0\")/{}\"\n\
         if [ -x \"$chained\" ]; then exec \"$chained\" \"$@\"; fi\n",
        envsafe.display(),
        chained_name(hook),
    )
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn install_one(dir: &Path, name: &str, envsafe: &Path) -> Result<Installed> {
    let hook = dir.join(name);
    let _lock = fsutil::DirLock::for_file(&hook)?;
    let existing = fsutil::read_optional(&hook).ok().flatten();
    if existing.as_deref().is_some_and(is_ours) {
        return Ok(Installed::AlreadyThere { hook });
    }
    let chained = dir.join(chained_name(name));
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
    fsutil::atomic_write(&hook, script(envsafe, name).as_bytes(), Some(0o755))?;
    Ok(Installed::Done {
        hook,
        chained: has_existing,
    })
}

/// Installs the hooks; `envsafe` is this binary, used when `envsafe` is not
/// on PATH at commit time.
pub fn install(envsafe: &Path) -> Result<Vec<Installed>> {
    let dir = hooks_dir()?;
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    HOOKS
        .iter()
        .map(|name| install_one(&dir, name, envsafe))
        .collect()
}

fn uninstall_one(dir: &Path, name: &str) -> Result<Installed> {
    let hook = dir.join(name);
    let _lock = fsutil::DirLock::for_file(&hook)?;
    match fsutil::read_optional(&hook)? {
        Some(text) if is_ours(&text) => {}
        _ => return Ok(Installed::NotInstalled { hook }),
    }
    let chained = dir.join(chained_name(name));
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

/// Removes our hooks and restores the ones they chained, if any.
pub fn uninstall() -> Result<Vec<Installed>> {
    let dir = hooks_dir()?;
    HOOKS.iter().map(|name| uninstall_one(&dir, name)).collect()
}
