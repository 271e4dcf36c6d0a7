//! `envsafe status`: variables × environments. A cell is `set`, `missing`,
//! `invalid` (breaks a rule), `plain!` (a secret stored plain), `default`
//! (unset, the schema supplies it) or `-` (unset, not required).

use envsafe::resolve::VarState;

use crate::cli::report::{self, Failure, Layout};
use crate::cli::ui::{paint, DIM, ERROR, OK};
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let status = ctx.status()?;
    if !status.syntax.is_empty() {
        ctx.ui.error(&format!(
            "{}\n",
            report::findings(&status.syntax, Layout::Full)
        ));
        return Err(Failure::Validation(format!(
            "status: {} file(s) do not parse; fix them first",
            status.syntax.len()
        )));
    }
    let (names, envs) = (&status.names, &status.envs);
    let cell = |name: &String, env: &String| status.cell(name, env);
    if ctx.ui.json {
        let table: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .map(|n| {
                let row: serde_json::Map<String, serde_json::Value> = envs
                    .iter()
                    .map(|e| (e.clone(), cell(n, e).word().into()))
                    .collect();
                (n.clone(), row.into())
            })
            .collect();
        ctx.ui
            .json(&serde_json::json!({ "environments": envs, "variables": table }));
        return Ok(());
    }
    let first = names
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(8)
        .max("VARIABLE".len());
    let widths: Vec<usize> = envs.iter().map(|e| e.len().max(7)).collect();
    let mut header = format!("{:first$}", "VARIABLE");
    for (e, w) in envs.iter().zip(&widths) {
        header.push_str(&format!("  {e:w$}"));
    }
    ctx.ui.out(header.trim_end());
    for name in names {
        let mut line = format!("{name:first$}");
        for (i, (e, w)) in envs.iter().zip(&widths).enumerate() {
            let state = cell(name, e);
            let word = state.word();
            let w = if i + 1 == envs.len() { word.len() } else { *w };
            let style = match state {
                VarState::Set => OK,
                VarState::Unset | VarState::Default => DIM,
                _ => ERROR,
            };
            line.push_str(&format!("  {}", paint(style, &format!("{word:w$}"))));
        }
        ctx.ui.out(line.trim_end());
    }
    Ok(())
}
