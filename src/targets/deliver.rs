//! `export` and `push`: a loaded target encoded in its platform's form
//! (each encoder parses its output back first), then written (`dotenv`,
//! `compose-secrets`, `json`/`k8s` with a `path`: 0600, atomically) or sent
//! on a platform CLI's stdin. What was delivered goes to the push ledger.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::config::{DotenvFormat, Kind};
use super::ledger::Ledger;
use super::load::Loaded;
use super::platform::{self, Tool};
use super::{compose, fly, github, k8s, Encoded, Refused};
use crate::error::{Error, Result};
use crate::fsutil::{self, io_err, PRIVATE_MODE};

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

/// flyctl's version, from `flyctl version`; `None` with no flyctl (then
/// only a dry run may go on, encoding for the newest flyctl modelled).
fn fly_version(t: &Loaded, notes: &mut Vec<String>, need: bool) -> Result<fly::FlyVersion> {
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
    let out = platform::output(&t.target, &program, &["version".into()])?;
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
fn encode(t: &Loaded, notes: &mut Vec<String>, need_cli: bool) -> Result<Form> {
    let pairs = t.pairs();
    let c = &t.config;
    let form = match c.kind {
        Kind::Fly => {
            let version = fly_version(t, notes, need_cli)?;
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

/// Records in the ledger that `t`'s entries are now on the target.
fn record(root: &Path, t: &Loaded) -> Result<()> {
    let mut ledger = Ledger::read(root, &t.target)?;
    let sent: Vec<_> = t
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.source.as_str(), &e.value))
        .collect();
    ledger.record(root, &t.config.env, &sent)
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
    let form = encode(t, &mut notes, false)?;
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

/// `push TARGET`: sends the values (or, `dry_run`, checks them and says
/// what would be sent), then records them in the ledger.
pub fn push(
    root: &Path,
    t: &Loaded,
    dry_run: bool,
    output: platform::Output<'_>,
) -> Result<Delivered> {
    t.ready()?;
    let c = &t.config;
    let mut notes = Vec::new();
    let form = encode(t, &mut notes, !dry_run)?;
    let (tool, args): (Option<Tool>, Vec<String>) = match c.kind {
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
            (Some(Tool::Flyctl), args)
        }
        Kind::Github => {
            let mut args = vec!["secret".into(), "set".into(), "NAME".into()];
            if let Some(repo) = &c.repo {
                args.extend(["--repo".into(), repo.clone()]);
            }
            if let Some(env) = &c.environment {
                args.extend(["--env".into(), env.clone()]);
            }
            (Some(Tool::Gh), args)
        }
        Kind::K8s => (
            Some(Tool::Kubectl),
            vec!["apply".into(), "-f".into(), "-".into()],
        ),
        Kind::Json if c.path.is_none() => {
            return Err(Error::Usage {
                message: format!(
                    "target `{}` has no `path`: there is nowhere to push",
                    t.target
                ),
                help: format!(
                    "print it with `envsafe export {}`, or give the target a `path`",
                    t.target
                ),
            })
        }
        Kind::Dotenv | Kind::ComposeSecrets | Kind::Json => (None, Vec::new()),
    };
    let Some(tool) = tool else {
        let to = c
            .path
            .as_deref()
            .or(c.dir.as_deref())
            .map(|p| root.join(p).display().to_string())
            .unwrap_or_default();
        if dry_run {
            return Ok(delivered(t, to, true, notes));
        }
        let to = write_files(root, t, &form, &mut notes)?;
        record(root, t)?;
        return Ok(delivered(t, to, false, notes));
    };
    let to = format!("{} {}", tool.name(), args.join(" "));
    if dry_run {
        return Ok(delivered(t, to, true, notes));
    }
    let program = tool.require(&t.target)?;
    let mut args: Vec<OsString> = args.into_iter().map(OsString::from).collect();
    match form {
        Form::Text(text) => platform::send(&t.target, &program, &args, text.as_bytes(), output)?,
        Form::PerName => {
            for e in &t.entries {
                args[2] = e.name.clone().into();
                platform::send(
                    &t.target,
                    &program,
                    &args,
                    e.value.expose().as_bytes(),
                    output,
                )?;
            }
        }
    }
    record(root, t)?;
    Ok(delivered(t, to, false, notes))
}

/// `push T1 T2…`: every target checked and encoded first (a dry run of
/// each), then sent in order; a refusal anywhere sends nothing.
pub fn push_all(
    root: &Path,
    targets: &[Loaded],
    dry_run: bool,
    output: platform::Output<'_>,
) -> Result<Vec<Delivered>> {
    let checked = targets
        .iter()
        .map(|t| push(root, t, true, output))
        .collect::<Result<Vec<_>>>()?;
    if dry_run {
        return Ok(checked);
    }
    targets
        .iter()
        .map(|t| push(root, t, false, output))
        .collect()
}
