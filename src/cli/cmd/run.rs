//! `envsafe run -- COMMAND`: load, fail closed, exec.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use envsafe::load::{self, LoadOptions, Loaded};
use envsafe::schema::{Checker, Secrets};

use crate::cli::report::Failure;
use crate::cli::{CmdResult, Ctx};

/// An environment whose files are all missing is an error, not an empty run.
pub fn require_some_file(env: &str, files: &[PathBuf], loaded: &Loaded) -> CmdResult {
    if !files.is_empty() && loaded.missing.len() == files.len() {
        return Err(envsafe::Error::NoFiles {
            env: env.into(),
            files: files.iter().map(|f| f.display().to_string()).collect(),
        }
        .into());
    }
    Ok(())
}

/// Finds `program` on PATH as execvp would, with a `stat` per directory.
/// Letting exec search would copy the whole (large) environment into the
/// kernel once per failed directory.
fn resolve(program: &OsString) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    if program.as_encoded_bytes().contains(&b'/') {
        return Some(PathBuf::from(program));
    }
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// With a schema (or --strict): check the environment first. --strict
/// refuses to start on any finding; otherwise findings are warnings and
/// `default` / `from_file` values fill unset variables.
fn apply_schema(
    ctx: &Ctx,
    env: &str,
    files: &[PathBuf],
    loaded: &mut Loaded,
    override_process: bool,
    strict: bool,
) -> CmdResult {
    let config = &ctx.project.config;
    if config.vars.is_empty() && !strict {
        return Ok(());
    }
    let keys = ctx.keys();
    let report = Checker::new(config).check_env(
        env,
        files,
        Secrets {
            keys: Some(&keys),
            required: false,
        },
    )?;
    if strict && !report.findings.is_empty() {
        for f in &report.findings {
            ctx.ui.error(&format!("{}\n", super::check::render(f)));
        }
        return Err(Failure::Validation(format!(
            "refusing to start: {} schema finding(s) in environment `{env}` (--strict)",
            report.findings.len()
        )));
    }
    for f in &report.findings {
        ctx.ui.warn(&super::check::render(f));
    }
    let is_set = |name: &str| !override_process && std::env::var_os(name).is_some();
    for name in envsafe::schema::apply_defaults(config, &ctx.project.root, loaded, &is_set)? {
        ctx.ui
            .detail(&format!("{name}: from the schema (default / from_file)"));
    }
    Ok(())
}

pub fn run(ctx: &Ctx, override_process: bool, strict: bool, command: Vec<OsString>) -> CmdResult {
    let env = ctx.env()?;
    let files = ctx.files(&env)?;
    let mut loaded = load::load(&env, &files, &ctx.keys(), LoadOptions { override_process })?;
    require_some_file(&env, &files, &loaded)?;
    apply_schema(ctx, &env, &files, &mut loaded, override_process, strict)?;
    for m in &loaded.missing {
        ctx.ui
            .warn(&format!("{} does not exist (skipped)", m.display()));
    }
    let program = command[0].to_string_lossy().into_owned();
    let Some(resolved) = resolve(&command[0]) else {
        return Err(Failure::Exec {
            code: 127,
            message: format!("command not found: {program}"),
        });
    };
    let mut cmd = std::process::Command::new(resolved);
    cmd.arg0(&command[0]);
    cmd.args(&command[1..]);
    let mut applied = 0;
    for (name, value) in &loaded.vars {
        if !override_process && std::env::var_os(name).is_some() {
            ctx.ui.detail(&format!("{name}: kept the process value"));
            continue;
        }
        if value.expose().contains('\0') {
            return Err(envsafe::Error::NulInValue {
                path: files.last().cloned().unwrap_or_default(),
                name: name.clone(),
            }
            .into());
        }
        cmd.env(name, value.expose());
        applied += 1;
    }
    ctx.ui.detail(&format!(
        "environment {env}: {applied} variable(s) from {} file(s)",
        files.len() - loaded.missing.len()
    ));
    let err = cmd.exec();
    Err(match err.kind() {
        std::io::ErrorKind::NotFound => Failure::Exec {
            code: 127,
            message: format!("command not found: {program}"),
        },
        std::io::ErrorKind::PermissionDenied => Failure::Exec {
            code: 126,
            message: format!("cannot execute {program}: permission denied"),
        },
        _ => Failure::Exec {
            code: 126,
            message: format!("cannot execute {program}: {err}"),
        },
    })
}
