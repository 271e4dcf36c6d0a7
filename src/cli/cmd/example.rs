//! `envsafe example`: write (or print) .env.example.

use std::collections::BTreeSet;

use envsafe::fsutil;

use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx, stdout: bool) -> CmdResult {
    let mut seen = BTreeSet::new();
    for env in ctx.project.environments() {
        seen.extend(envsafe::project::names_in(&ctx.project.files(&env)?)?);
    }
    let text = envsafe::schema::render_example(&ctx.project.config, &seen);
    if stdout {
        ctx.ui.out_raw(&text);
        return Ok(());
    }
    let path = ctx.project.root.join(".env.example");
    let _lock = fsutil::DirLock::for_file(&path)?;
    fsutil::atomic_write(&path, text.as_bytes(), None)?;
    ctx.ui.status(&format!(
        "wrote {} ({} variables)",
        path.display(),
        text.lines()
            .filter(|l| l.contains('=') && !l.starts_with('#'))
            .count()
    ));
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "file": path }));
    }
    Ok(())
}
