//! `envsafe encrypt` and `envsafe decrypt`: a whole file in place.

use crate::cli::{CmdResult, Ctx};

pub fn encrypt(ctx: &Ctx) -> CmdResult {
    let sel = ctx.selection()?;
    let mut report = Vec::new();
    for path in ctx.files_to_encrypt(&sel.name)? {
        let out = ctx.with_writer(&sel, |w| envsafe::write::encrypt(&path, w))?;
        if let Some(key) = &out.new_key {
            ctx.ui.status(&format!("created a keypair: {key}"));
        }
        let kept = if out.kept_plain > 0 {
            format!(
                "; {} public value(s) kept plain (`secret = false`)",
                out.kept_plain
            )
        } else {
            String::new()
        };
        ctx.ui.status(&format!(
            "encrypted {} value(s) in {}{kept}",
            out.changed,
            path.display()
        ));
        report.push(serde_json::json!({
            "file": path, "encrypted": out.changed, "kept_plain": out.kept_plain,
        }));
    }
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "files": report }));
    }
    Ok(())
}

pub fn decrypt(ctx: &Ctx, stdout: bool) -> CmdResult {
    let sel = ctx.selection()?;
    let files = ctx.files_to_decrypt(&sel.name)?;
    if stdout {
        let mut texts = Vec::new();
        for path in &files {
            let (text, _) = ctx.with_writer(&sel, |w| envsafe::write::decrypt(path, w, false))?;
            texts.push(text);
        }
        for text in &texts {
            ctx.ui.out_raw(text.expose());
        }
        return Ok(());
    }
    // Every file decrypts, or none is changed (one transaction).
    let root = &ctx.project.root;
    let outcomes = ctx.with_writer(&sel, |w| envsafe::write::decrypt_files(root, &files, w))?;
    for (path, out) in files.iter().zip(&outcomes) {
        ctx.ui.status(&format!(
            "decrypted {} value(s) in {}",
            out.changed,
            path.display()
        ));
    }
    Ok(())
}
