//! Writes of several files as one: a [`Transaction`] locks their
//! directories, stages new contents, and commits all or none through a
//! small journal in the git directory (`.git/envsafe-journal`; outside a
//! repository `<root>/.envsafe-journal`: paths, never values); after a kill -9, the next command's [`recover`] finishes the
//! commit or rolls it back. `decrypt` of several files uses it
//! (`write::decrypt_files`); a key rotation stages its env files, the keys
//! file and envsafe.toml in one.

mod journal;
mod recover;
#[cfg(test)]
mod tests;
mod transaction;

pub(crate) use recover::refuse_pending;
pub use recover::{recover, Recovered, JOURNAL_NAME};
pub use transaction::Transaction;

/// Numbered points of a commit (`commit:N`) or a recovery (`recover:N`)
/// where a debug build kills itself with SIGKILL when
/// `ENVSAFE_TEST_CRASH_AT` names the point: the kill tests' hook. Release
/// builds have no crash points.
pub(crate) struct Crash {
    #[cfg_attr(not(debug_assertions), allow(dead_code))]
    phase: &'static str,
    step: usize,
}

impl Crash {
    pub fn new(phase: &'static str) -> Self {
        Self { phase, step: 0 }
    }

    /// The next crash point.
    pub fn point(&mut self) {
        self.step += 1;
        #[cfg(debug_assertions)]
        if std::env::var_os(crate::env_vars::ENVSAFE_TEST_CRASH_AT)
            .is_some_and(|at| at.to_str() == Some(&format!("{}:{}", self.phase, self.step)))
        {
            let me = rustix::process::getpid();
            let _ = rustix::process::kill_process(me, rustix::process::Signal::KILL);
        }
    }
}
