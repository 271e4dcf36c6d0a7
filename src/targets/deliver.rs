//! `export` and `push`: a loaded target encoded in its platform's form
//! (each encoder parses its output back first), then written (`dotenv`,
//! `compose-secrets`, `json`/`k8s` with a `path`: 0600, atomically) or sent
//! on a platform CLI's stdin. What was delivered goes to the push ledger.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::config::TargetConfig;
use super::config::{DotenvFormat, Kind};
use super::ledger;
use super::load;
use super::load::Loaded;
use super::platform::{self, Started, Tool};
use super::{compose, fly, github, k8s, Encoded, Refused};
use crate::error::{Error, Result};
use crate::fsutil::{self, io_err, PRIVATE_MODE};
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
    /// The form, to print.
    Text(Encoded),
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

/// flyctl's version, from `flyctl version` (remembered per flyctl binary);
/// with no flyctl, only a dry run goes on, for the newest flyctl modelled.
fn fly_version(
    root: &Path,
    t: &Loaded,
    notes: &mut Vec<String>,
    need: bool,
) -> Result<fly::FlyVersion> {
    let program = match Tool::Flyctl.find() {
        Some(p) => p,
        None if !need => {
            let newest = fly::FlyVersion::SINGLE_QUOTES;
            notes.push(format!(
                "no flyctl found: checked for flyctl v{}.{}.{} or later",
                newest.major, newest.minor, newest.patch
            ));
            return Ok(newest);
        }
        None => return Err(Tool::Flyctl.require(&t.target).unwrap_err()),
    };
    let out = platform::version(root, &t.target, &program)?;
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
fn encode(root: &Path, t: &Loaded, notes: &mut Vec<String>, need_cli: bool) -> Result<Form> {
    let pairs = t.pairs();
    let c = &t.config;
    let form = match c.kind {
        Kind::Fly => {
            let version = fly_version(root, t, notes, need_cli)?;
            Form::Text(fly::encode(&pairs, version).map_err(|r| refused(&t.target, r))?)
        }
        Kind::Dotenv => {
            let format = match c.format.unwrap_or_default() {
                DotenvFormat::Quoted => compose::ComposeFormat::Quoted,
                DotenvFormat::Raw => compose::ComposeFormat::Raw,
            };
            Form::Text(compose::encode(&pairs, format).map_err(|r| refused(&t.target, r))?)
        }
        Kind::K8s => {
            let name = c.name.as_deref().unwrap_or(&t.target);
            Form::Text(
                k8s::encode(name, c.namespace.as_deref(), &pairs)
                    .map_err(|r| refused(&t.target, r))?,
            )
        }
        Kind::Json => Form::Text(k8s::json_object(&pairs).map_err(|r| refused(&t.target, r))?),
        Kind::Github => {
            github::check(&pairs).map_err(|r| refused(&t.target, r))?;
            Form::PerName
        }
        Kind::ComposeSecrets => Form::PerName,
    };
    Ok(form)
}

fn names(t: &Loaded) -> Vec<(String, String)> {
    t.entries
        .iter()
        .map(|e| (e.name.clone(), e.source.clone()))
        .collect()
}

fn delivered(t: &Loaded, to: String, dry_run: bool, notes: Vec<String>) -> Delivered {
    Delivered {
        target: t.target.clone(),
        kind: t.config.kind,
        names: names(t),
        to,
        dry_run,
        notes,
    }
}

/// `t`'s next ledger: its entries, as delivered.
fn next_ledger(root: &Path, t: &Loaded) -> Result<ledger::Next> {
    let sent: Vec<_> = t
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.source.as_str(), &e.value))
        .collect();
    ledger::Next::new(root, &t.target, &t.config.env, &sent)
}

/// Records in the ledger that `t`'s entries are now on the target.
fn record(root: &Path, t: &Loaded) -> Result<()> {
    next_ledger(root, t)?.commit()
}

/// A note when `path`, inside a git repository, is not git-ignored: it
/// holds plaintext values.
fn unignored(root: &Path, path: &Path, notes: &mut Vec<String>) {
    let root = if root.as_os_str().is_empty() {
        Path::new(".")
    } else {
        root
    };
    let Ok(repo) = git2::Repository::discover(root) else {
        return;
    };
    let Some(workdir) = repo.workdir() else {
        return;
    };
    let (Ok(workdir), Ok(abs)) = (
        std::fs::canonicalize(workdir),
        std::fs::canonicalize(fsutil::parent_dir(path)),
    ) else {
        return;
    };
    let Some(name) = path.file_name() else {
        return;
    };
    let Ok(rel) = abs.join(name).strip_prefix(&workdir).map(Path::to_path_buf) else {
        return;
    };
    if !repo.is_path_ignored(&rel).unwrap_or(true) {
        notes.push(format!(
            "{} holds plaintext values and is not git-ignored: add it to .gitignore",
            path.display()
        ));
    }
}

/// Writes the file kinds: the form at `path`, or one file per name in
/// `dir` (all or none).
fn write_files(root: &Path, t: &Loaded, form: &Form, notes: &mut Vec<String>) -> Result<String> {
    let c = &t.config;
    if c.kind == Kind::ComposeSecrets {
        let dir = root.join(c.dir.as_deref().expect("checked at load"));
        create_private_dir(&dir)?;
        let paths: Vec<PathBuf> = t.entries.iter().map(|e| dir.join(&e.name)).collect();
        let mut tx = crate::edit::Transaction::begin(root, &paths)?;
        for (e, path) in t.entries.iter().zip(&paths) {
            tx.stage(path, e.value.expose().as_bytes(), Some(PRIVATE_MODE))?;
        }
        tx.commit()?;
        unignored(root, &dir.join(".envsafe-any"), notes);
        return Ok(dir.display().to_string());
    }
    let Form::Text(text) = form else {
        unreachable!("file kinds other than compose-secrets have one text")
    };
    let path = root.join(c.path.as_deref().expect("a file target has a path"));
    fsutil::atomic_write(&path, text.as_bytes(), Some(PRIVATE_MODE))?;
    unignored(root, &path, notes);
    Ok(path.display().to_string())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(io_err(dir))
}

/// `export TARGET`: the form on stdout (`to_stdout`, or a k8s / json target
/// without `path`), else written to the target's path or directory.
pub fn export(root: &Path, t: &Loaded, to_stdout: bool) -> Result<Exported> {
    t.ready()?;
    let c = &t.config;
    let mut notes = Vec::new();
    if c.kind == Kind::Github {
        return Err(Error::Usage {
            message: format!(
                "target `{}` is a github target: it has no file form (one `gh secret set` per secret)",
                t.target
            ),
            help: format!("send it with `envsafe push {}`", t.target),
        });
    }
    if c.kind == Kind::ComposeSecrets && to_stdout {
        return Err(Error::Usage {
            message: format!(
                "target `{}` is one file per variable: there is nothing to print",
                t.target
            ),
            help: format!("write its directory with `envsafe export {}`", t.target),
        });
    }
    let form = encode(root, t, &mut notes, false)?;
    let writes = matches!(c.kind, Kind::Dotenv | Kind::ComposeSecrets)
        || (matches!(c.kind, Kind::K8s | Kind::Json) && c.path.is_some());
    if to_stdout || !writes {
        let Form::Text(text) = form else {
            unreachable!("the kinds printed have one text")
        };
        return Ok(Exported::Text(text));
    }
    let to = write_files(root, t, &form, &mut notes)?;
    record(root, t)?;
    Ok(Exported::Written(delivered(t, to, false, notes)))
}

/// A target encoded and checked, ready to go.
struct Prepared<'a> {
    t: &'a Loaded,
    form: Form,
    /// The platform CLI and its arguments (`None`: a file target).
    cli: Option<(Tool, Vec<String>)>,
    /// Where it goes, for the report.
    to: String,
    notes: Vec<String>,
}

/// The CLI and arguments that deliver target `name` (no values among them).
fn command_line(name: &str, c: &TargetConfig) -> Result<Option<(Tool, Vec<String>)>> {
    Ok(match c.kind {
        Kind::Fly => {
            let mut args = vec![
                "secrets".into(),
                "import".into(),
                "--app".into(),
                c.app.clone().expect("checked at load"),
            ];
            if c.stage == Some(true) {
                args.push("--stage".into());
            }
            Some((Tool::Flyctl, args))
        }
        Kind::Github => {
            let mut args = vec!["secret".into(), "set".into(), "NAME".into()];
            if let Some(repo) = &c.repo {
                args.extend(["--repo".into(), repo.clone()]);
            }
            if let Some(env) = &c.environment {
                args.extend(["--env".into(), env.clone()]);
            }
            Some((Tool::Gh, args))
        }
        Kind::K8s => Some((Tool::Kubectl, vec!["apply".into(), "-f".into(), "-".into()])),
        Kind::Json if c.path.is_none() => {
            return Err(Error::Usage {
                message: format!("target `{name}` has no `path`: there is nowhere to push"),
                help: format!("print it with `envsafe export {name}`, or give the target a `path`"),
            })
        }
        Kind::Dotenv | Kind::ComposeSecrets | Kind::Json => None,
    })
}

fn prepare<'a>(root: &Path, t: &'a Loaded, dry_run: bool) -> Result<Prepared<'a>> {
    t.ready()?;
    let cli = command_line(&t.target, &t.config)?;
    let mut notes = Vec::new();
    let form = encode(root, t, &mut notes, !dry_run)?;
    let c = &t.config;
    let to = match &cli {
        Some((tool, args)) => format!("{} {}", tool.name(), args.join(" ")),
        None => c
            .path
            .as_deref()
            .or(c.dir.as_deref())
            .map(|p| root.join(p).display().to_string())
            .unwrap_or_default(),
    };
    Ok(Prepared {
        t,
        form,
        cli,
        to,
        notes,
    })
}

/// Sends (or writes) a prepared target, then records it in the ledger.
/// `started`: its CLI, already running (one text on stdin).
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
        mut to,
        mut notes,
    } = p;
    let ledger = next_ledger(root, t)?;
    match cli {
        None => to = write_files(root, t, &form, &mut notes)?,
        Some((tool, args)) => {
            let program = tool.require(&t.target)?;
            let mut args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
            match form {
                Form::Text(text) => match started {
                    Some(cli) => cli.finish(text.as_bytes())?,
                    None => platform::send(&t.target, &program, &args, text.as_bytes(), output)?,
                },
                Form::PerName => {
                    for (i, e) in t.entries.iter().enumerate() {
                        args[2] = e.name.clone().into();
                        let value = e.value.expose().as_bytes();
                        if let Err(err) = platform::send(&t.target, &program, &args, value, output)
                        {
                            // The ones before it are set: the ledger says
                            // so, and `diff` lists the rest as to push.
                            drop(ledger);
                            let sent: Vec<_> = t.entries[..i]
                                .iter()
                                .map(|e| (e.name.as_str(), e.source.as_str(), &e.value))
                                .collect();
                            ledger::Next::new(root, &t.target, &t.config.env, &sent)?.commit()?;
                            return Err(err);
                        }
                    }
                }
            }
        }
    }
    ledger.commit()?;
    Ok(delivered(t, to, false, notes))
}

/// What `push` did: nothing, because a target's variables are missing or
/// invalid (their findings), or the deliveries.
#[derive(Debug)]
pub enum PushOutcome {
    Invalid(Vec<Loaded>),
    Done(Vec<Delivered>),
}

/// The CLI of target `name`, started now when it takes one text on stdin
/// (flyctl, kubectl): its start-up then overlaps decrypting and encoding,
/// as a shell pipeline's would. It is killed if anything fails before the
/// values are ready (`Started`).
fn start_early(
    ws: &Workspace,
    name: &str,
    output: platform::Output<'_>,
) -> Result<Option<Started>> {
    let c = load::config(ws, name)?;
    let Some((tool, args)) = command_line(name, c)? else {
        return Ok(None);
    };
    if tool == Tool::Gh {
        return Ok(None); // one process per secret, each started with its value
    }
    let Some(program) = tool.find() else {
        return Ok(None); // reported when it is needed
    };
    let args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
    Started::start(name, &program, &args, output).map(Some)
}

/// `push T1 T2…`: every target loaded, checked and encoded first, then sent
/// in order (a refusal anywhere sends nothing); `dry_run` stops after the
/// checks and says what would be sent.
pub fn push_all(
    ws: &Workspace,
    names: &[String],
    dry_run: bool,
    output: platform::Output<'_>,
) -> Result<PushOutcome> {
    let root = &ws.project.root;
    let mut names: Vec<String> = names.to_vec();
    names.dedup();
    let mut started: Vec<Option<Started>> = Vec::new();
    if !dry_run {
        for name in &names {
            started.push(start_early(ws, name, output)?);
        }
    }
    let targets = load::load_all(ws, &names, load::Purpose::Send)?;
    if targets.iter().any(|t| !t.findings.is_empty()) {
        return Ok(PushOutcome::Invalid(targets));
    }
    let prepared = targets
        .iter()
        .map(|t| prepare(root, t, dry_run))
        .collect::<Result<Vec<_>>>()?;
    if dry_run {
        return Ok(PushOutcome::Done(
            prepared
                .into_iter()
                .map(|p| delivered(p.t, p.to, true, p.notes))
                .collect(),
        ));
    }
    started.resize_with(prepared.len(), || None);
    let mut done = Vec::with_capacity(prepared.len());
    for (p, cli) in prepared.into_iter().zip(started.drain(..)) {
        done.push(deliver(root, p, cli, output)?);
    }
    Ok(PushOutcome::Done(done))
}
