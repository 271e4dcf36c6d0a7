//! `envsafe example`: write (or print) .env.example.

use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx, stdout: bool) -> CmdResult {
    if stdout {
        ctx.ui.out_raw(&ctx.example()?);
        return Ok(());
    }
    let (path, count) = ctx.write_example()?;
    ctx.ui
        .status(&format!("wrote {} ({count} variables)", path.display()));
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({ "file": path }));
    }
    Ok(())
}
