//! Removing what `push` sent before and a target no longer sends: which
//! names (not another target's at the same destination), whether they are
//! still on the platform (a name already gone counts as removed), and the
//! platform commands (`commands::remove`); what could not be removed stays
//! in the ledger.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;

use super::commands;
use super::config::TargetConfig;
use super::ledger::Pushed;
use super::load::Loaded;
use super::names;
use super::platform;
use crate::error::{Error, Result};

/// The names other targets of `targets` send to `t`'s destination: never
/// removed as `t`'s dropped names (a name moved between two targets of one
/// repository is still wanted there).
pub(crate) fn shared_names(
    targets: &BTreeMap<String, TargetConfig>,
    t: &Loaded,
) -> HashSet<String> {
    let destination = t.config.destination(&t.target);
    targets
        .iter()
        .filter(|(name, c)| **name != t.target && c.destination(name) == destination)
        .flat_map(|(_, c)| c.entries().map(|(n, _)| names::key(c.kind, n)))
        .collect()
}

/// The names the platform holds now (fly, github: their lists; k8s: the
/// Secret's keys), for the kinds `push` removes names from.
fn names_there(t: &Loaded) -> Result<Option<Vec<String>>> {
    let (cli, json) = match (
        commands::list(&t.config),
        commands::k8s_keys(&t.target, &t.config),
    ) {
        (Some(cli), _) => (cli, true),
        (None, Some(cli)) => (cli, false),
        (None, None) => return Ok(None),
    };
    let program = cli.tool.require(&t.target)?;
    let args: Vec<OsString> = cli.args.iter().map(OsString::from).collect();
    let out = platform::output(&t.target, &program, &args)?;
    if json {
        platform::names_in_list(&t.target, &out).map(Some)
    } else {
        Ok(Some(out.lines().map(str::to_owned).collect()))
    }
}

/// Removes `dropped` names from the platform: those still there (one
/// already gone counts as removed). Returns the names it could not remove
/// (they stay in the ledger: `diff` keeps listing them), and why.
pub(crate) fn remove_dropped(
    t: &Loaded,
    dropped: &BTreeMap<String, Pushed>,
    output: platform::Output<'_>,
) -> (BTreeMap<String, Pushed>, Option<Error>) {
    if dropped.is_empty() || commands::remove(&t.target, &t.config, &["X".into()]).is_empty() {
        return (BTreeMap::new(), None);
    }
    let there = match names_there(t) {
        Ok(there) => there,
        Err(e) => return (dropped.clone(), Some(e)),
    };
    let kind = t.config.kind;
    let there: Option<std::collections::HashSet<String>> =
        there.map(|list| list.iter().map(|n| super::names::key(kind, n)).collect());
    let present: Vec<String> = dropped
        .keys()
        .filter(|n| {
            there
                .as_ref()
                .is_none_or(|set| set.contains(&names::key(kind, n)))
        })
        .cloned()
        .collect();
    let mut removed: Vec<&String> = Vec::new();
    for (cli, names) in commands::remove(&t.target, &t.config, &present) {
        let result = cli.tool.require(&t.target).and_then(|program| {
            let args: Vec<OsString> = cli.args.iter().map(OsString::from).collect();
            platform::run(&t.target, &program, &args, output)
        });
        if let Err(e) = result {
            // What this command and those after it were to remove stays.
            let kept = present
                .iter()
                .filter(|n| !removed.contains(n))
                .map(|n| (n.clone(), dropped[n].clone()))
                .collect();
            return (kept, Some(e));
        }
        removed.extend(present.iter().filter(|n| names.contains(n)));
    }
    (BTreeMap::new(), None)
}
