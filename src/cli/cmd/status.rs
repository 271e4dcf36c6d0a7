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
    if ctx.ui.json {
        let table: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let row: serde_json::Map<String, serde_json::Value> = envs
                    .iter()
                    .enumerate()
                    .map(|(j, e)| (e.clone(), status.cell(i, j).word().into()))
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
    for (n, name) in names.iter().enumerate() {
        let mut line = format!("{name:first$}");
        for (i, w) in widths.iter().enumerate() {
            let state = status.cell(n, i);
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
