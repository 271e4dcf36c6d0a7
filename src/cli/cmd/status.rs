//! `envsafe status`: variables × environments. A cell is `set`, `missing`,
//! `invalid` (breaks a rule), `plain!` (a secret stored plain), `default`
//! (unset, the schema supplies it) or `-` (unset, not required).

use std::collections::{BTreeMap, BTreeSet};

use envsafe::schema::{Checker, Secrets, Severity};

use crate::cli::ui::{paint, DIM, ERROR, OK};
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let envs = if ctx.global.env.is_empty() {
        ctx.project.environments()
    } else {
        ctx.global.env.clone()
    };
    let config = &ctx.project.config;
    let checker = Checker::new(config);
    let keys = ctx.keys();
    let secrets = Secrets {
        keys: Some(&keys),
        required: false,
    };
    let mut names: BTreeSet<String> = config.vars.keys().cloned().collect();
    let mut cells: BTreeMap<(String, String), &'static str> = BTreeMap::new();
    for env in &envs {
        let report = checker.check_env(env, &ctx.files(env)?, secrets)?;
        names.extend(report.defined.keys().cloned());
        for name in &names {
            let errors: Vec<&str> = report
                .findings
                .iter()
                .filter(|f| &f.name == name && f.severity == Severity::Error)
                .map(|f| f.rule)
                .collect();
            let state = if errors.contains(&"secret-plain") {
                "plain!"
            } else if errors.contains(&"missing") {
                "missing"
            } else if !errors.is_empty() {
                "invalid"
            } else if report.defined.contains_key(name) {
                "set"
            } else if config
                .vars
                .get(name)
                .is_some_and(|s| s.default.is_some() || s.from_file.is_some())
            {
                "default"
            } else {
                "-"
            };
            cells.insert((name.clone(), env.clone()), state);
        }
    }
    let cell =
        |name: &String, env: &String| *cells.get(&(name.clone(), env.clone())).unwrap_or(&"-");
    if ctx.ui.json {
        let table: serde_json::Map<String, serde_json::Value> = names
            .iter()
            .map(|n| {
                let row: serde_json::Map<String, serde_json::Value> = envs
                    .iter()
                    .map(|e| (e.clone(), cell(n, e).into()))
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
    for name in &names {
        let mut line = format!("{name:first$}");
        for (i, (e, w)) in envs.iter().zip(&widths).enumerate() {
            let state = cell(name, e);
            let w = if i + 1 == envs.len() { state.len() } else { *w };
            let style = match state {
                "set" => OK,
                "-" | "default" => DIM,
                _ => ERROR,
            };
            line.push_str(&format!("  {}", paint(style, &format!("{state:w$}"))));
        }
        ctx.ui.out(line.trim_end());
    }
    Ok(())
}
