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
    let sel = envsafe::write::check_set(ctx, name)?;
    let value = match value {
        Some(v) => SecretValue::new(v),
        None => read_value(name)?,
    };
    let done = envsafe::write::set(ctx, &sel, name, &value, opts)?;
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
        let place = out.key_stored_in.as_deref().unwrap_or_default();
        ctx.ui.status(&format!(
            "private key written to {place} (mode 0600{ignored}): never commit it"
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
    for later in &done.shadowed_by {
        ctx.ui.warn(&format!(
            "{name} is also set in {0}, which loads later and wins; \
             remove it there with `envsafe -f {0} unset {name}`",
            later.display()
        ));
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

pub fn unset(ctx: &Ctx, name: &str) -> CmdResult {
    let removed = envsafe::write::unset_var(ctx, name)?;
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
