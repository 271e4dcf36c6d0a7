//! git: what is staged (the index — never the working tree), the checks
//! the pre-commit hook makes on it, and installing the hook.

mod allow;
pub mod blob;
mod index;
mod install;
mod scan;
mod secret_values;

pub use allow::allowed;
pub use install::{install, uninstall, Installed};
pub use scan::{scan_staged, StagedScan};

use git2::Repository;

use crate::error::Result;

/// The repository of the working directory, honouring GIT_DIR and friends.
/// (What is staged comes from `git` itself, which also honours
/// `GIT_INDEX_FILE`: `git commit -a` commits from a temporary index.)
fn open() -> Result<Repository> {
    Ok(Repository::open_from_env()?)
}
