//! `envsafe encrypt` and `envsafe decrypt`: a whole file in place.

use super::{file_env, secret_target};
use crate::cli::{CmdResult, Ctx};

pub fn encrypt(ctx: &Ctx) -> CmdResult {
    let env = ctx.env()?;
    let files = if ctx.global.file.is_empty() {
        vec![secret_target(ctx, &env)?]
    } else {
        ctx.global.file.clone()
    };
    let mut report = Vec::new();
    for path in files {
        let header_env = file_env(ctx, &path, &env);
        let out = ctx.with_sink(|sink| envsafe::write::encrypt(&path, &header_env, sink))?;
        if let Some(key) = &out.new_key {
            ctx.ui
                .status(&format!("created a keypair for {header_env}: {key}"));
        }
        ctx.ui.status(&format!(
            "encrypted {} value(s) in {}",
            out.changed,
            path.display()
        ));
        report.push(serde_json::json!({ "file": path, "encrypted": out.changed }));
    }
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "files": report }));
    }
    Ok(())
}

pub fn decrypt(ctx: &Ctx, stdout: bool) -> CmdResult {
    let env = ctx.env()?;
    let files: Vec<_> = if ctx.global.file.is_empty() {
        ctx.files(&env)?
            .into_iter()
            .filter(|f| envsafe::header::file_has_header(f))
            .collect()
    } else {
        ctx.global.file.clone()
    };
    if files.is_empty() {
        return Err(envsafe::Error::NoFiles {
            env,
            files: vec!["an env file with an envsafe header".into()],
        }
        .into());
    }
    let keys = ctx.keys();
    // With several files, check that every one decrypts before changing any.
    if !stdout && files.len() > 1 {
        for path in &files {
            envsafe::write::decrypt(path, &env, &keys, false)?;
        }
    }
    let mut done = Vec::new();
    for path in &files {
        let (text, out) = envsafe::write::decrypt(path, &env, &keys, !stdout)?;
        done.push((path, text, out));
    }
    for (path, text, out) in &done {
        if stdout {
            ctx.ui.out_raw(text.expose());
        } else {
            ctx.ui.status(&format!(
                "decrypted {} value(s) in {}",
                out.changed,
                path.display()
            ));
        }
    }
    Ok(())
}
