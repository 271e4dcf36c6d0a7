//! `diff TARGET` and `push --check`: each name to add, change, keep or
//! remove, from the push ledger (keyed hashes: no remote value is read)
//! and, where the platform lists its names (`flyctl secrets list`, `gh
//! secret list`), from the platform. After `generate --force`, which
//! targets still hold a replaced value.

use std::ffi::OsString;
use std::path::Path;

use serde::Serialize;

use super::ledger::Ledger;
use super::load::Loaded;
use super::{commands, files, platform};
use crate::error::Result;

/// What a push would do to one name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Never pushed, or missing on the platform.
    Add,
    /// Pushed, and the value changed since.
    Change,
    /// Pushed with this value.
    Keep,
    /// Pushed before, no longer in the target's `vars`: the next push
    /// removes it.
    Remove,
    /// On the platform, never pushed by envsafe: left alone.
    Foreign,
}

/// One name's line in a diff.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub change: Change,
    /// The name on the target.
    pub name: String,
    /// The source variable (none for a name only the target has).
    pub source: Option<String>,
    /// Why, in a few words ("never pushed", "on the platform only").
    pub why: &'static str,
    /// When it was last pushed (seconds since the epoch).
    pub pushed_at: Option<u64>,
}

/// A target's diff.
#[derive(Debug, Serialize)]
pub struct Diff {
    pub target: String,
    pub lines: Vec<Line>,
    /// Whether the platform's own list was read.
    pub platform_listed: bool,
    /// Why it was not, when it could have been.
    pub note: Option<String>,
}

impl Diff {
    /// A push would change something.
    pub fn stale(&self) -> bool {
        self.lines
            .iter()
            .any(|l| !matches!(l.change, Change::Keep | Change::Foreign))
    }
}

/// The names the platform holds, for kinds that list them; without the
/// platform's CLI, `None` and a note saying so.
fn platform_names(t: &Loaded, note: &mut Option<String>) -> Result<Option<Vec<String>>> {
    let Some(cli) = commands::list(&t.config) else {
        return Ok(None);
    };
    let Some(program) = cli.tool.find() else {
        *note = Some(format!(
            "{} not found: compared with the push ledger only",
            cli.tool.name()
        ));
        return Ok(None);
    };
    let args: Vec<OsString> = cli.args.iter().map(OsString::from).collect();
    let out = platform::output(&t.target, &program, &args)?;
    platform::names_in_list(&t.target, &out).map(Some)
}

/// Compares `t` with its ledger, and with the platform's names when
/// `ask_platform` (and the kind lists them).
pub fn diff(root: &Path, t: &Loaded, ask_platform: bool) -> Result<Diff> {
    let ledger = Ledger::read(root, &t.target, &t.config.destination(&t.target))?;
    let mut note = ledger.moved_from().map(|was| {
        format!(
            "the destination changed since the last push (was: {was}): nothing is pushed here yet"
        )
    });
    let remote = if ask_platform {
        platform_names(t, &mut note)?
    } else {
        None
    };
    let kind = t.config.kind;
    let key = |n: &str| super::names::key(kind, n);
    let remote_keys: Option<std::collections::HashSet<String>> =
        remote.as_ref().map(|r| r.iter().map(|n| key(n)).collect());
    let on_platform = |name: &str| remote_keys.as_ref().is_none_or(|r| r.contains(&key(name)));
    let mut lines = Vec::new();
    for e in &t.entries {
        let pushed_at = ledger.names().get(&e.name).map(|p| p.at);
        let (change, why) = match ledger.same(&e.name, &e.value) {
            None => (Change::Add, "never pushed"),
            Some(_) if !on_platform(&e.name) || !files::present(root, t, &e.name) => {
                (Change::Add, "missing on the target")
            }
            Some(true) => (Change::Keep, "unchanged since the last push"),
            Some(false) => (Change::Change, "changed since the last push"),
        };
        lines.push(Line {
            change,
            name: e.name.clone(),
            source: Some(e.source.clone()),
            why,
            pushed_at,
        });
    }
    let sent: std::collections::HashSet<String> = t.entries.iter().map(|e| key(&e.name)).collect();
    let pushed: std::collections::HashSet<String> = ledger.names().keys().map(|n| key(n)).collect();
    let listed = |name: &str| sent.contains(&key(name));
    for (name, pushed) in ledger.names() {
        if !listed(name) {
            lines.push(Line {
                change: Change::Remove,
                name: name.clone(),
                source: Some(pushed.source.clone()),
                why: "pushed before, no longer in the target: the next push removes it",
                pushed_at: Some(pushed.at),
            });
        }
    }
    for name in remote.iter().flatten() {
        let known = listed(name) || pushed.contains(&key(name));
        if !known {
            lines.push(Line {
                change: Change::Foreign,
                name: name.clone(),
                source: None,
                why: "on the platform only, not pushed by envsafe: left alone",
                pushed_at: None,
            });
        }
    }
    Ok(Diff {
        target: t.target.clone(),
        lines,
        platform_listed: remote.is_some(),
        note,
    })
}

/// The targets of `env` that were sent one of `sources` (by the ledger):
/// after those values are replaced, they hold the old ones until pushed.
pub fn holding(
    root: &Path,
    targets: &std::collections::BTreeMap<String, super::TargetConfig>,
    env: &str,
    sources: &[String],
) -> Vec<String> {
    targets
        .iter()
        .filter(|(_, t)| t.env == env)
        .filter(|(name, t)| {
            let Ok(ledger) = Ledger::read(root, name, &t.destination(name)) else {
                return false;
            };
            t.entries().any(|(target_name, source)| {
                sources.iter().any(|s| s == source) && ledger.names().contains_key(target_name)
            })
        })
        .map(|(name, _)| name.clone())
        .collect()
}
