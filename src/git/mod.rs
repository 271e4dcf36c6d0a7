//! git: what is staged (the index, via git2 — never the working tree), the
//! checks the pre-commit hook makes on it, and installing the hook.

mod allow;
mod install;
mod scan;

pub use allow::allowed;
pub use install::{install, uninstall, Installed};
pub use scan::{scan_staged, StagedScan};

use git2::Repository;

use crate::error::Result;

/// The repository of the working directory, honouring GIT_DIR and friends;
/// and the index git is committing from (`GIT_INDEX_FILE`, which `git commit
/// -a` and `git commit PATH` set to a temporary index, else the repo's).
fn open() -> Result<(Repository, Option<git2::Index>)> {
    let repo = Repository::open_from_env()?;
    if repo.is_bare() {
        return Ok((repo, None));
    }
    let index = match std::env::var_os("GIT_INDEX_FILE") {
        Some(path) => git2::Index::open(std::path::Path::new(&path))?,
        None => repo.index()?,
    };
    Ok((repo, Some(index)))
}
