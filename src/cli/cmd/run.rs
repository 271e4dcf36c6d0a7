//! `envsafe run -- COMMAND`: load, fail closed, exec.

use std::ffi::OsString;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use envsafe::load::{self, LoadOptions, Loaded};

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

pub fn run(ctx: &Ctx, override_process: bool, command: Vec<OsString>) -> CmdResult {
    let env = ctx.env()?;
    let files = ctx.files(&env)?;
    let loaded = load::load(&env, &files, &ctx.keys(), LoadOptions { override_process })?;
    require_some_file(&env, &files, &loaded)?;
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
