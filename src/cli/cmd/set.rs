//! `envsafe set` and `envsafe unset`: change one variable.

use std::io::{IsTerminal, Read};

use envsafe::SecretValue;

use super::{file_env, plain_target, secret_target};
use crate::cli::report::Failure;
use crate::cli::{CmdResult, Ctx};

/// The value from stdin: a hidden prompt on a terminal, else all of stdin
/// without one trailing newline.
fn read_value(name: &str) -> Result<SecretValue, Failure> {
    let io_err = |source| envsafe::Error::Io {
        path: "<stdin>".into(),
        source,
    };
    if std::io::stdin().is_terminal() {
        let v = rpassword::prompt_password(format!("value for {name}: ")).map_err(io_err)?;
        return Ok(SecretValue::new(v));
    }
    let mut buf = String::new();
    std::io::stdin().read_to_string(&mut buf).map_err(io_err)?;
    let buf = SecretValue::new(buf);
    let v = buf.expose();
    let v = v
        .strip_suffix('\n')
        .map_or(v, |v| v.strip_suffix('\r').unwrap_or(v));
    Ok(SecretValue::from(v))
}

pub fn set(ctx: &Ctx, name: &str, value: Option<String>, plain: bool) -> CmdResult {
    if !envsafe::dotenv::is_valid_name(name) {
        return Err(envsafe::Error::InvalidName { name: name.into() }.into());
    }
    if ctx.global.file.len() > 1 {
        return Err(Failure::Usage {
            message: "`set` writes one file (-f given more than once)".into(),
            help: "pass a single -f PATH".into(),
        });
    }
    let env = ctx.env()?;
    let path = if plain {
        plain_target(ctx, &env)?
    } else {
        secret_target(ctx, &env)?
    };
    let value = match value {
        Some(v) => SecretValue::new(v),
        None => read_value(name)?,
    };
    let header_env = file_env(ctx, &path, &env);
    let out =
        ctx.with_sink(|sink| envsafe::write::set(&path, &header_env, name, &value, plain, sink))?;
    let shown = path.display();
    if let Some(key) = &out.new_key {
        ctx.ui
            .status(&format!("created a keypair for {header_env}: {key}"));
        let (keys_file, _) = ctx.sink();
        let ignored = if out.added_gitignore {
            "; added to .gitignore"
        } else {
            ""
        };
        ctx.ui.status(&format!(
            "private key written to {} (mode 0600{ignored}): never commit it",
            keys_file.display()
        ));
    }
    if out.plain_left > 0 {
        ctx.ui.warn(&format!(
            "{shown} still holds {} plain value(s); run `envsafe encrypt -f {shown}`",
            out.plain_left
        ));
    }
    if ctx.global.file.is_empty() {
        for later in shadowing_files(ctx, &env, &path, name)? {
            ctx.ui.warn(&format!(
                "{name} is also set in {0}, which loads later and wins; \
                 remove it there with `envsafe -f {0} unset {name}`",
                later.display()
            ));
        }
    }
    let how = if plain { "plain" } else { "encrypted" };
    ctx.ui.status(&format!("set {name} in {shown} ({how})"));
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "name": name, "file": path, "encrypted": !plain,
            "created_file": out.created_file, "new_public_key": out.new_key,
        }));
    }
    Ok(())
}

/// Files of `env` loaded after `path` that also define `name`.
fn shadowing_files(
    ctx: &Ctx,
    env: &str,
    path: &std::path::Path,
    name: &str,
) -> Result<Vec<std::path::PathBuf>, Failure> {
    let files = ctx.files(env)?;
    let Some(at) = files.iter().position(|f| f == path) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for later in &files[at + 1..] {
        if let Some(text) = envsafe::fsutil::read_optional(later)? {
            let doc = envsafe::dotenv::Document::parse(later, text)?;
            if doc.get(name).is_some() {
                out.push(later.clone());
            }
        }
    }
    Ok(out)
}

pub fn unset(ctx: &Ctx, name: &str) -> CmdResult {
    let env = ctx.env()?;
    let mut removed = Vec::new();
    for path in ctx.files(&env)? {
        if !path.exists() {
            continue;
        }
        match envsafe::write::unset(&path, name) {
            Ok(_) => removed.push(path),
            Err(envsafe::Error::NotSet { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if removed.is_empty() {
        return Err(envsafe::Error::NotSetInEnv {
            env,
            name: name.into(),
        }
        .into());
    }
    for p in &removed {
        ctx.ui
            .status(&format!("removed {name} from {}", p.display()));
    }
    if ctx.ui.json {
        ctx.ui
            .json(&serde_json::json!({ "name": name, "files": removed }));
    }
    Ok(())
}
