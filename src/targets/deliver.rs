//! `export` and `push`: a loaded target encoded in its platform's form
//! (each encoder parses its output back first), then written (`files.rs`)
//! or sent on a platform CLI's stdin (`commands.rs`); names pushed before
//! and dropped from the target since are removed; the push ledger records
//! what is there now.

use std::collections::{BTreeMap, HashSet};
use std::ffi::OsString;
use std::path::Path;

use super::commands::{self, Cli};
use super::config::{DotenvFormat, Kind};
use super::ledger::{self, Ledger, Pushed};
use super::load::{self, Loaded};
use super::names;
use super::platform::{self, Asked, Started, Tool};
use super::remove;
use super::{compose, files, fly, github, k8s, Encoded, Refused};
use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// A target's platform form.
enum Form {
    /// One text (dotenv, json, a k8s manifest, flyctl's import input).
    Text(Encoded),
    /// One value per name (compose-secrets files; gh, one call each).
    PerName,
}

/// What `push` (or `export` to a file) did.
#[derive(Debug)]
pub struct Delivered {
    pub target: String,
    pub kind: Kind,
    /// (name on the target, source variable), in order.
    pub names: Vec<(String, String)>,
    /// Names pushed before and no longer in the target: removed (or, with
    /// `dry_run`, to be removed).
    pub removed: Vec<String>,
    /// Where: the command line run (no values), or the file or directory.
    pub to: String,
    /// Nothing was sent (`--dry-run`).
    pub dry_run: bool,
    /// Said along the way (a flyctl version assumed, a file not ignored).
    pub notes: Vec<String>,
}

/// What `export` produced.
#[derive(Debug)]
pub enum Exported {
    /// The form, to print, and what to say about it.
    Text(Encoded, Vec<String>),
    /// Written to the target's path or directory (recorded in the ledger).
    Written(Delivered),
}

fn refused(target: &str, r: Refused) -> Error {
    Error::TargetRefused {
        target: target.to_owned(),
        name: r.name,
        reason: r.reason,
    }
}

/// flyctl's version: the answer of a `flyctl version` started early, or
/// asked now; with no flyctl, only a dry run or an export goes on, for the
/// newest flyctl modelled (and says so).
fn fly_version(
    t: &Loaded,
    asked: Option<Asked>,
    notes: &mut Vec<String>,
    need: bool,
) -> Result<fly::FlyVersion> {
    let out = match asked {
        Some(a) => a.answer()?,
        None => match Tool::Flyctl.find() {
            Some(program) => platform::output(&t.target, &program, &["version".into()])?,
            None if !need => {
                let newest = fly::FlyVersion::SINGLE_QUOTES;
                notes.push(format!(
                    "no flyctl found: encoded for flyctl {newest} or later (an older one may \
                     misread it)"
                ));
                return Ok(newest);
            }
            None => return Err(Tool::Flyctl.require(&t.target).unwrap_err()),
        },
    };
    Ok(fly::FlyVersion::parse(&out).unwrap_or_else(|| {
        notes.push(
            "`flyctl version` printed no version envsafe reads: values are sent only in \
             forms every flyctl reads"
                .into(),
        );
        fly::FlyVersion::new(0, 0, 0)
    }))
}

/// Encodes `t` for its platform, every value checked.
fn encode(t: &Loaded, asked: Option<Asked>, notes: &mut Vec<String>, need: bool) -> Result<Form> {
    let pairs = t.pairs();
    let c = &t.config;
    let refuse = |r| refused(&t.target, r);
    Ok(match c.kind {
        Kind::Fly => {
            let version = fly_version(t, asked, notes, need)?;
            Form::Text(fly::encode(&pairs, version).map_err(refuse)?)
        }
        Kind::Dotenv => {
            let format = match c.format.unwrap_or_default() {
                DotenvFormat::Quoted => compose::ComposeFormat::Quoted,
                DotenvFormat::Raw => compose::ComposeFormat::Raw,
            };
            Form::Text(compose::encode(&pairs, format).map_err(refuse)?)
        }
        Kind::K8s => {
            let name = c.name.as_deref().unwrap_or(&t.target);
            Form::Text(k8s::encode(name, c.namespace.as_deref(), &pairs).map_err(refuse)?)
        }
        Kind::Json => Form::Text(k8s::json_object(&pairs).map_err(refuse)?),
        Kind::Github => {
            github::check(&pairs).map_err(refuse)?;
            Form::PerName
        }
        Kind::ComposeSecrets => Form::PerName,
    })
}

/// The ledger of `t` and the names it holds that `t` no longer sends and
/// no other target sends there (`shared`). For a destination left to the
/// machine's defaults, none: nothing is removed there (a note says so) and
/// the ledger forgets them.
fn ledger_of(
    root: &Path,
    t: &Loaded,
    shared: &HashSet<String>,
    notes: &mut Vec<String>,
) -> Result<(Ledger, Vec<String>)> {
    let old = Ledger::read(root, &t.target, &t.config.destination(&t.target))?;
    if let Some(was) = old.moved_from() {
        notes.push(format!(
            "the target's destination changed since the last push (was: {was}): everything is \
             sent, nothing is removed there"
        ));
    }
    // Only names the platform takes: a damaged or edited ledger must not
    // put `--flag` in a CLI's argv or `../file` in a path.
    let kind = t.config.kind;
    let sent: std::collections::HashSet<String> = t
        .entries
        .iter()
        .map(|e| names::key(kind, &e.name))
        .collect();
    let dropped: Vec<String> = old
        .names()
        .keys()
        .filter(|n| {
            let k = names::key(kind, n);
            !sent.contains(&k) && !shared.contains(&k) && names::on_target(kind, n).is_ok()
        })
        .cloned()
        .collect();
    let removes = !commands::remove(&t.target, &t.config, &["X".into()]).is_empty();
    if removes && !dropped.is_empty() && !t.config.pinned() {
        notes.push(format!(
            "{} not removed: the target leaves its destination to this machine's defaults \
             (give it `{}`)",
            dropped.join(", "),
            if kind == Kind::Github {
                "repo"
            } else {
                "context and namespace"
            }
        ));
        return Ok((old, Vec::new()));
    }
    Ok((old, dropped))
}

/// `t`'s next ledger: its entries as delivered, and `kept` (dropped names
/// whose removal failed).
fn next_ledger(root: &Path, t: &Loaded, kept: &BTreeMap<String, Pushed>) -> Result<ledger::Next> {
    let sent: Vec<_> = t
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.source.as_str(), &e.value))
        .collect();
    let destination = t.config.destination(&t.target);
    ledger::Next::new(root, &t.target, &t.config.env, &destination, &sent, kept)
}

fn delivered(
    t: &Loaded,
    to: String,
    removed: Vec<String>,
    dry_run: bool,
    notes: Vec<String>,
) -> Delivered {
    Delivered {
        target: t.target.clone(),
        kind: t.config.kind,
        names: t
            .entries
            .iter()
            .map(|e| (e.name.clone(), e.source.clone()))
            .collect(),
        removed,
        to,
        dry_run,
        notes,
    }
}

/// `export TARGET`: the form on stdout (`to_stdout`, or a k8s / json target
/// without `path`), else written to the target's path or directory.
pub fn export(ws: &Workspace, t: &Loaded, to_stdout: bool) -> Result<Exported> {
    let root = &ws.project.root;
    t.ready()?;
    let c = &t.config;
    let name = &t.target;
    if c.kind == Kind::Github {
        return Err(Error::Usage {
            message: format!(
                "target `{name}` is a github target: it has no file form (one `gh secret set` \
                 per secret)"
            ),
            help: format!("send it with `envsafe push {name}`"),
        });
    }
    if c.kind == Kind::ComposeSecrets && to_stdout {
        return Err(Error::Usage {
            message: format!("target `{name}` is one file per variable: there is nothing to print"),
            help: format!("write its directory with `envsafe export {name}`"),
        });
    }
    let mut notes = Vec::new();
    let form = encode(t, None, &mut notes, false)?;
    let text = match &form {
        Form::Text(text) => Some(text),
        Form::PerName => None,
    };
    if to_stdout || files::output(root, t).is_none() {
        return Ok(Exported::Text(
            text.expect("the kinds printed have one text").clone(),
            notes,
        ));
    }
    let shared = remove::shared_names(&ws.project.config.targets, t);
    let (_, dropped) = ledger_of(root, t, &shared, &mut notes)?;
    let ledger = next_ledger(root, t, &BTreeMap::new())?;
    let to = files::write(root, t, text, &dropped, &mut notes)?;
    ledger.commit()?;
    Ok(Exported::Written(delivered(t, to, dropped, false, notes)))
}

/// A target encoded and checked, ready to go.
struct Prepared<'a> {
    t: &'a Loaded,
    form: Form,
    /// The command that sends it (`None`: a file target).
    cli: Option<Cli>,
    /// Names pushed before that it no longer sends, with their records.
    dropped: BTreeMap<String, Pushed>,
    /// The last push's records (empty when it went elsewhere).
    old: BTreeMap<String, Pushed>,
    /// Where it goes, for the report.
    to: String,
    notes: Vec<String>,
}

fn prepare<'a>(
    ws: &Workspace,
    t: &'a Loaded,
    early: Early,
    dry_run: bool,
) -> Result<(Prepared<'a>, Option<Started>)> {
    let root = &ws.project.root;
    t.ready()?;
    let cli = commands::send(&t.target, &t.config)?;
    let mut notes = Vec::new();
    let form = encode(t, early.version, &mut notes, !dry_run)?;
    let shared = remove::shared_names(&ws.project.config.targets, t);
    let (old, dropped) = ledger_of(root, t, &shared, &mut notes)?;
    let dropped = dropped
        .into_iter()
        .map(|n| {
            let p = old.names()[&n].clone();
            (n, p)
        })
        .collect();
    let to = match (&cli, files::output(root, t)) {
        (Some(cli), _) => cli.shown(),
        (None, Some(out)) => out.display().to_string(),
        (None, None) => String::new(),
    };
    let prepared = Prepared {
        t,
        form,
        cli,
        dropped,
        old: old.names().clone(),
        to,
        notes,
    };
    Ok((prepared, early.send))
}

/// Sends (or writes) a prepared target, removes what it dropped, then
/// records it in the ledger. `started`: its CLI, already running.
fn deliver(
    root: &Path,
    p: Prepared<'_>,
    started: Option<Started>,
    output: platform::Output<'_>,
) -> Result<Delivered> {
    let Prepared {
        t,
        form,
        cli,
        dropped,
        old,
        mut to,
        mut notes,
    } = p;
    let ledger = next_ledger(root, t, &BTreeMap::new())?;
    let dropped_names: Vec<String> = dropped.keys().cloned().collect();
    let Some(cli) = cli else {
        let text = match &form {
            Form::Text(text) => Some(text),
            Form::PerName => None,
        };
        to = files::write(root, t, text, &dropped_names, &mut notes)?;
        ledger.commit()?;
        return Ok(delivered(t, to, dropped_names, false, notes));
    };
    let program = cli.tool.require(&t.target)?;
    let mut args: Vec<OsString> = cli.args.iter().map(OsString::from).collect();
    match form {
        Form::Text(text) => match started {
            Some(child) => child.finish(text.as_bytes())?,
            None => platform::send(&t.target, &program, &args, text.as_bytes(), output)?,
        },
        Form::PerName => {
            for (i, e) in t.entries.iter().enumerate() {
                args[2] = e.name.clone().into();
                let value = e.value.expose().as_bytes();
                if let Err(err) = platform::send(&t.target, &program, &args, value, output) {
                    // The ones before it are set: the ledger says so; the
                    // rest keep their old records (`diff` lists them).
                    drop(ledger);
                    let sent: Vec<_> = t.entries[..i]
                        .iter()
                        .map(|e| (e.name.as_str(), e.source.as_str(), &e.value))
                        .collect();
                    let mut kept = dropped;
                    for e in &t.entries[i..] {
                        if let Some(p) = old.get(&e.name) {
                            kept.insert(e.name.clone(), p.clone());
                        }
                    }
                    let destination = t.config.destination(&t.target);
                    let env = &t.config.env;
                    ledger::Next::new(root, &t.target, env, &destination, &sent, &kept)?
                        .commit()?;
                    return Err(err);
                }
            }
        }
    }
    let (kept, failed) = remove::remove_dropped(t, &dropped, output);
    if failed.is_some() || !kept.is_empty() {
        drop(ledger);
        next_ledger(root, t, &kept)?.commit()?;
    } else {
        ledger.commit()?;
    }
    if let Some(err) = failed {
        return Err(err);
    }
    let removed = dropped_names
        .into_iter()
        .filter(|n| !kept.contains_key(n))
        .collect();
    Ok(delivered(t, to, removed, false, notes))
}

/// What `push` did: nothing, because a target's variables are missing or
/// invalid (their findings), or the deliveries.
#[derive(Debug)]
pub enum PushOutcome {
    Invalid(Vec<Loaded>),
    Done(Vec<Delivered>),
}

/// A target's CLI processes started before its values are ready, so that
/// their start-up overlaps decrypting, as a shell pipeline's would.
#[derive(Default)]
struct Early {
    /// flyctl / kubectl, waiting for the values on stdin (killed unless
    /// they get them all: `Started`).
    send: Option<Started>,
    /// `flyctl version`.
    version: Option<Asked>,
}

fn start_early(ws: &Workspace, name: &str, output: platform::Output<'_>) -> Result<Early> {
    let c = load::config(ws, name)?;
    let Some(cli) = commands::send(name, c)? else {
        return Ok(Early::default());
    };
    // gh: one process per secret, each started with its value.
    let Some(program) = cli.tool.find().filter(|_| cli.tool != Tool::Gh) else {
        return Ok(Early::default());
    };
    let version = if cli.tool == Tool::Flyctl {
        Some(Asked::start(name, &program, &["version".into()])?)
    } else {
        None
    };
    let args: Vec<OsString> = cli.args.iter().map(OsString::from).collect();
    let send = Some(Started::start(name, &program, &args, output)?);
    Ok(Early { send, version })
}

/// `push T1 T2…`: every target loaded, checked and encoded first, then sent
/// in order (a refusal anywhere sends nothing); `dry_run` stops after the
/// checks and says what would be sent and removed.
pub fn push_all(
    ws: &Workspace,
    names: &[String],
    dry_run: bool,
    output: platform::Output<'_>,
) -> Result<PushOutcome> {
    let root = &ws.project.root;
    let mut unique: Vec<String> = Vec::new();
    for n in names {
        if !unique.contains(n) {
            unique.push(n.clone());
        }
    }
    let mut early = Vec::with_capacity(unique.len());
    for name in &unique {
        early.push(if dry_run {
            Early::default()
        } else {
            start_early(ws, name, output)?
        });
    }
    let targets = load::load_all(ws, &unique, load::Purpose::Send)?;
    if targets.iter().any(|t| !t.findings.is_empty()) {
        return Ok(PushOutcome::Invalid(targets));
    }
    let prepared = targets
        .iter()
        .zip(early)
        .map(|(t, e)| prepare(ws, t, e, dry_run))
        .collect::<Result<Vec<_>>>()?;
    if dry_run {
        return Ok(PushOutcome::Done(
            prepared
                .into_iter()
                .map(|(p, _)| {
                    let dropped = p.dropped.keys().cloned().collect();
                    delivered(p.t, p.to, dropped, true, p.notes)
                })
                .collect(),
        ));
    }
    let mut done = Vec::with_capacity(prepared.len());
    for (p, started) in prepared {
        done.push(deliver(root, p, started, output)?);
    }
    Ok(PushOutcome::Done(done))
}
