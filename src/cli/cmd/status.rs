//! `envsafe status`: variables × environments. A cell is `set`, `missing`,
//! `invalid` (breaks a rule), `plain!` (a secret stored plain), `default`
//! (unset, the schema supplies it) or `-` (unset, not required).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use envsafe::schema::{Checker, Finding, Secrets, Severity};

use crate::cli::report::Failure;
use crate::cli::ui::{paint, DIM, ERROR, OK};
use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let envs = ctx.envs_or_all()?;
    let config = &ctx.project.config;
    let checker = Checker::new(config);
    let keys = ctx.keys();
    let secrets = Secrets {
        keys: Some(&keys),
        required: false,
    };
    let mut names: BTreeSet<String> = config.vars.keys().cloned().collect();
    let mut cells: BTreeMap<(String, String), &'static str> = BTreeMap::new();
    let mut syntax = Vec::new();
    for env in &envs {
        let report = checker.check_env(env, &ctx.files(env)?, secrets)?;
        // A file that does not parse: report that, not a column of
        // `missing` that would only be its consequence.
        let broken: Vec<Finding> = report
            .findings
            .iter()
            .filter(|f| f.rule == "syntax")
            .cloned()
            .collect();
        if !broken.is_empty() {
            syntax.extend(broken);
            continue;
        }
        names.extend(report.defined.keys().cloned());
        let mut errors: HashMap<&str, Vec<&str>> = HashMap::new();
        for f in &report.findings {
            if f.severity == Severity::Error {
                errors.entry(f.name.as_str()).or_default().push(f.rule);
            }
        }
        for name in &names {
            let errors = errors.get(name.as_str()).map_or(&[][..], Vec::as_slice);
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
    if !syntax.is_empty() {
        for f in &syntax {
            ctx.ui.error(&format!("{}\n", super::check::render(f)));
        }
        return Err(Failure::Validation(format!(
            "status: {} file(s) do not parse; fix them first",
            syntax.len()
        )));
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
