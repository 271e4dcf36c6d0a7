//! `envsafe set` and `envsafe unset`: change one variable.

use std::io::{IsTerminal, Read};

use envsafe::write::SetOptions;
use envsafe::SecretValue;

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
    let mut buf = Vec::new();
    let read = std::io::stdin().read_to_end(&mut buf).map_err(io_err);
    let buf = zeroize::Zeroizing::new(buf);
    read?;
    let Ok(text) = std::str::from_utf8(&buf) else {
        return Err(envsafe::Error::ValueRejected {
            name: name.into(),
            rule: envsafe::diag::Code::Utf8,
            message: "is not valid UTF-8".into(),
        }
        .into());
    };
    let v = text
        .strip_suffix('\n')
        .map_or(text, |v| v.strip_suffix('\r').unwrap_or(v));
    Ok(SecretValue::from(v))
}

pub fn set(ctx: &Ctx, name: &str, value: Option<String>, opts: SetOptions) -> CmdResult {
    if !envsafe::dotenv::is_valid_name(name) {
        return Err(envsafe::Error::invalid_name(name).into());
    }
    if ctx.global.file.len() > 1 {
        return Err(Failure::Usage {
            message: "`set` writes one file (-f given more than once)".into(),
            help: "pass a single -f PATH".into(),
        });
    }
    let sel = ctx.selection()?;
    let files = ctx.files(&sel.name)?;
    let value = match value {
        Some(v) => SecretValue::new(v),
        None => read_value(name)?,
    };
    let done = ctx.with_writer(&sel, |w| {
        envsafe::write::set_var(&files, name, &value, opts, w)
    })?;
    let out = &done.outcome;
    let shown = done.path.display();
    if let Some(key) = &out.new_key {
        ctx.ui
            .status(&format!("created a keypair for {}: {key}", sel.name));
        let ignored = if out.added_gitignore {
            "; added to .gitignore"
        } else {
            ""
        };
        ctx.ui.status(&format!(
            "private key written to {} (mode 0600{ignored}): never commit it",
            ctx.keys_file().display()
        ));
        if out.pinned {
            ctx.ui.status("public key pinned in envsafe.toml");
        }
    }
    if out.plain_left > 0 {
        ctx.ui.warn(&format!(
            "{shown} still holds {} plain value(s); run `envsafe encrypt -f {shown}`",
            out.plain_left
        ));
    }
    if ctx.global.file.is_empty() {
        for later in shadowing_files(&files, &done.path, name)? {
            ctx.ui.warn(&format!(
                "{name} is also set in {0}, which loads later and wins; \
                 remove it there with `envsafe -f {0} unset {name}`",
                later.display()
            ));
        }
    }
    let how = if done.plain && !opts.plain {
        format!("plain: {}", done.placement.why)
    } else if done.plain {
        "plain".to_string()
    } else {
        "encrypted".to_string()
    };
    ctx.ui.status(&format!("set {name} in {shown} ({how})"));
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "name": name, "file": done.path, "encrypted": !done.plain,
            "created_file": out.created_file, "new_public_key": out.new_key,
        }));
    }
    Ok(())
}

/// Files of `files` loaded after `path` that also define `name`.
fn shadowing_files(
    files: &[std::path::PathBuf],
    path: &std::path::Path,
    name: &str,
) -> Result<Vec<std::path::PathBuf>, Failure> {
    let Some(at) = files.iter().position(|f| f == path) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for later in &files[at + 1..] {
        if envsafe::project::names_in(std::slice::from_ref(later))?
            .iter()
            .any(|n| n == name)
        {
            out.push(later.clone());
        }
    }
    Ok(out)
}

pub fn unset(ctx: &Ctx, name: &str) -> CmdResult {
    let sel = ctx.selection()?;
    let mut removed = Vec::new();
    for path in ctx.files(&sel.name)? {
        if !path.exists() {
            continue;
        }
        match ctx.with_writer(&sel, |w| envsafe::write::unset(&path, name, w)) {
            Ok(_) => removed.push(path),
            Err(envsafe::Error::NotSet { .. }) => {}
            Err(e) => return Err(e.into()),
        }
    }
    if removed.is_empty() {
        return Err(envsafe::Error::NotSetInEnv {
            env: sel.name,
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
