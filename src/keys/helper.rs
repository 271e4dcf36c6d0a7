//! `envsafe-team`, the helper that links age. `envsafe` does not (the
//! relocations age brings cost every start-up ~4%: BENCHMARKS.md), so its
//! lookup step 4 asks the helper to open a team file, and its team
//! commands (`rotate`, `recipients`, `identity`, `keys`) exec the helper.
//!
//! Unlock protocol: `envsafe-team --unlock-team-file PATH ENV
//! [--no-prompt]`, the
//! environment's `recipients` entries on stdin (one per line; public, for
//! the stanza order); stdout `key` then the key line, or `none` then why,
//! or `error` then why (a damaged file), exit 0 either way. Passphrase prompts go to the terminal (stderr and
//! `/dev/tty` are inherited). No secret is ever in an argument.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::KeyLookup;
use crate::error::Result;
use crate::SecretValue;

/// The helper's file name, beside `envsafe`.
pub const HELPER: &str = "envsafe-team";
/// Its first argument for an unlock.
pub const UNLOCK_FLAG: &str = "--unlock-team-file";
/// After PATH and ENV: ask no passphrase.
pub const NO_PROMPT: &str = "--no-prompt";

/// The helper beside the running executable (never searched on PATH: a
/// relative or writable PATH entry would choose what opens team files).
pub fn helper_path() -> Option<PathBuf> {
    let beside = std::env::current_exe().ok()?.with_file_name(HELPER);
    beside.is_file().then_some(beside)
}

/// The key in the team file at `path` for `env`, from the helper; or why
/// not (the helper's reason, or that it is missing or failed).
pub(super) fn unlock(
    path: &Path,
    env: &str,
    lookup: &KeyLookup,
) -> Result<std::result::Result<SecretValue, String>> {
    let Some(exe) = helper_path() else {
        return Ok(Err(format!(
            "{HELPER} is not installed beside envsafe (it opens team key files)"
        )));
    };
    let mut cmd = Command::new(&exe);
    cmd.arg(UNLOCK_FLAG).arg(path).arg(env);
    if lookup.prompt.is_none() {
        // The caller asks nobody (the hook): neither may the helper.
        cmd.arg(NO_PROMPT);
    }
    let child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => return Ok(Err(format!("{HELPER} could not start: {e}"))),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let entries = lookup.team_recipients.get(env).cloned().unwrap_or_default();
        // A helper that exits early closes the pipe: its answer says why.
        let _ = stdin.write_all(entries.join("\n").as_bytes());
    }
    let mut out = zeroize::Zeroizing::new(Vec::new());
    if let Some(stdout) = child.stdout.take() {
        let _ = stdout.take(64 * 1024).read_to_end(&mut out);
    }
    let status = child.wait();
    if !status.as_ref().is_ok_and(|s| s.success()) {
        return Ok(Err(format!("{HELPER} failed")));
    }
    let text = String::from_utf8_lossy(&out);
    let mut lines = text.lines();
    Ok(match (lines.next(), lines.next()) {
        (Some("key"), Some(key)) => Ok(SecretValue::new(key.to_owned())),
        (Some("none"), why) => Err(why.unwrap_or("no reason given").to_owned()),
        (Some("error"), why) => {
            return Err(crate::Error::TeamFile {
                path: path.to_path_buf(),
                why: why.unwrap_or("damaged").to_owned(),
            })
        }
        _ => Err(format!("{HELPER} gave no answer")),
    })
}

/// The helper's side: opens the team file at `path` for `env` in this
/// process, `entries` (stdin: the environment's recipients, one per line)
/// giving the stanza order, and returns the answer to print (`key`,
/// `none` or `error`, then one line).
pub fn serve(
    path: &Path,
    env: &str,
    entries: &str,
    prompt: Option<super::Prompter>,
) -> SecretValue {
    super::team::unlock_in_process();
    let mut lookup = KeyLookup {
        prompt,
        ..KeyLookup::default()
    };
    let entries = entries.lines().map(str::to_owned).collect();
    lookup.team_recipients.insert(env.to_owned(), entries);
    let one_line = |s: &str| s.replace('\n', " ");
    SecretValue::new(match lookup.team.unlock(path, env, &lookup) {
        Ok(Ok(mut keys)) => format!("key\n{}\n", keys.pop().unwrap_or_default().expose()),
        Ok(Err(why)) => format!("none\n{}\n", one_line(&why)),
        // A damaged file: `envsafe` shows the reason as its own error.
        Err(crate::Error::TeamFile { why, .. }) => format!("error\n{}\n", one_line(&why)),
        Err(e) => format!("error\n{}\n", one_line(&e.to_string())),
    })
}
