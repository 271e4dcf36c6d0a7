//! `envsafe get`: decrypted values as dotenv, JSON or shell.

use envsafe::SecretValue;

use crate::cli::args::Format;
use crate::cli::{CmdResult, Ctx};

/// Single-quotes for POSIX shells: `'` becomes `'\''`.
fn shell_quote(v: &str) -> String {
    format!("'{}'", v.replace('\'', r"'\''"))
}

/// `get` prints what `run --override` would give the command (the same
/// resolution: later files win, schema defaults fill unset variables);
/// `--process` what plain `run` would (process values win). Variables the
/// process would override are named on stderr.
pub fn run(ctx: &Ctx, names: &[String], format: Option<Format>, process_wins: bool) -> CmdResult {
    let res = ctx.resolve_get(!process_wins)?;
    super::run::warn_left_out(ctx, &res);
    for name in &res.shadowed_by_process {
        if names.is_empty() || names.contains(name) {
            ctx.ui.warn(&format!(
                "{name} is also set in this shell: `envsafe run` passes the shell's value \
                 (`run --override` passes this one)"
            ));
        }
    }
    let selected = res.pick(names)?;
    let format = match (format, ctx.ui.json) {
        (Some(f), _) => f,
        (None, true) => Format::Json,
        (None, false) if names.len() == 1 => {
            let v = SecretValue::new(format!("{}\n", selected[0].1.expose()));
            ctx.ui.out_raw(v.expose());
            return Ok(());
        }
        (None, false) => Format::Dotenv,
    };
    ctx.ui.out_raw(render(format, &selected).expose());
    Ok(())
}

/// The values in `format`, as one secret text.
fn render(format: Format, selected: &[(&str, &SecretValue)]) -> SecretValue {
    let mut text = String::new();
    match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = selected
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.expose().into()))
                .collect();
            text = serde_json::to_string_pretty(&map).expect("strings serialize");
            text.push('\n');
        }
        Format::Dotenv => {
            for (n, v) in selected {
                text.push_str(&format!(
                    "{n}={}\n",
                    envsafe::dotenv::value::quote(v.expose())
                ));
            }
        }
        Format::Shell => {
            for (n, v) in selected {
                text.push_str(&format!("export {n}={}\n", shell_quote(v.expose())));
            }
        }
    }
    SecretValue::new(text)
}
