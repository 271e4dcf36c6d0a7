//! Validating a resolution against the schema: placement, duplicates,
//! unknown variables, each variable's rules on the value it resolved to
//! (the process's where it wins), and presence. Findings name variable,
//! rule and place — never a value.

use super::{Origin, Resolution, Var};
use crate::config::Config;
use crate::diag::{Code, Finding, Severity};
use crate::schema::{check_value, VarSpec};
use crate::SecretValue;

/// How many bytes of values one checker matches against patterns in all:
/// a match costs up to (compiled size × value length), both bounded, so
/// this bounds the time a hostile envsafe.toml can make every `run` spend.
pub const PATTERN_BUDGET: usize = 256 << 10;

/// The schema, with its patterns compiled once.
/// (Its patterns were compiled once, when the config was parsed.)
pub struct Checker<'a> {
    config: &'a Config,
    /// Bytes of values still allowed through patterns.
    pattern_budget: std::cell::Cell<usize>,
}

impl<'a> Checker<'a> {
    pub fn new(config: &'a Config) -> Self {
        Self {
            config,
            pattern_budget: std::cell::Cell::new(PATTERN_BUDGET),
        }
    }

    /// Adds the findings about `res`'s variables; `presence` turns the
    /// required-variable checks on (skipped when a file does not parse:
    /// report the syntax error, not its consequences).
    pub(crate) fn validate(&self, res: &mut Resolution, presence: bool, summarize_unknown: bool) {
        let mut findings = std::mem::take(&mut res.findings);
        let mut unknown = Vec::new();
        for var in &res.slots {
            if !self.check_var(res, var, &mut findings) {
                if summarize_unknown {
                    unknown.push(var);
                } else {
                    self.report_unknown(res, &[var], false, &mut findings);
                }
            }
        }
        self.report_unknown(res, &unknown, summarize_unknown, &mut findings);
        if presence && !res.syntax_error {
            self.check_presence(res, &mut findings);
        }
        res.findings = findings;
    }

    /// Checks one variable; false when the schema does not declare it
    /// (reported by `report_unknown`, one by one or in one finding).
    fn check_var(&self, res: &Resolution, var: &Var, out: &mut Vec<Finding>) -> bool {
        let env = res.env.as_str();
        let name = var.name.as_str();
        let spec = self.config.vars.get(name);
        if !var.defs.is_empty() {
            self.check_placement(res, var, spec, out);
        }
        let Some(spec) = spec else {
            return self.config.vars.is_empty();
        };
        let Some(value) = var.value() else {
            return true;
        };
        // Where the value is: its line, or the process environment.
        let place = |f: Finding| match var.origin {
            Origin::File { file, line } => f.at(&res.files[file], line),
            _ => Finding {
                message: format!("{} (the value set in the process environment)", f.message),
                ..f
            },
        };
        let mut pattern = spec.compiled.as_ref();
        if pattern.is_some() {
            let len = value
                .expose()
                .len()
                .min(crate::schema::MAX_PATTERN_INPUT + 1);
            match self.pattern_budget.get().checked_sub(len) {
                Some(left) => self.pattern_budget.set(left),
                None => {
                    pattern = None;
                    out.push(place(
                        Finding::error(
                            env,
                            name,
                            Code::Pattern,
                            format!(
                                "was not matched against its pattern: more than {} KiB of values were already matched in this run",
                                PATTERN_BUDGET >> 10
                            ),
                        )
                        .help(Some("use fewer or simpler `pattern` rules (`length`, `values`, `type` cost nothing)".into())),
                    ));
                }
            }
        }
        if let Some(v) = check_value(spec, pattern, value.expose()) {
            out.push(place(
                Finding::error(env, name, v.code, v.message)
                    .help(spec.description.as_ref().map(|d| format!("{name}: {d}"))),
            ));
        }
        true
    }

    /// Variables the schema does not declare: a warning each (an error
    /// with `strict = true`), or, summarized (`run`), one finding naming
    /// the first few and how many.
    fn report_unknown(
        &self,
        res: &Resolution,
        unknown: &[&Var],
        summarize: bool,
        out: &mut Vec<Finding>,
    ) {
        /// Up to this many are reported one by one even when summarizing.
        const EACH: usize = 3;
        let severity = if self.config.settings.strict {
            Severity::Error
        } else {
            Severity::Warning
        };
        if !summarize || unknown.len() <= EACH {
            for var in unknown {
                let name = var.name.as_str();
                let last = var
                    .defs
                    .last()
                    .expect("a variable without a spec is defined");
                out.push(
                    Finding::new(
                        severity,
                        &res.env,
                        name,
                        Code::Unknown,
                        "is not declared in envsafe.toml",
                    )
                    .at(&res.files[last.file], last.line)
                    .help(Some(format!("declare it: [vars.{name}]"))),
                );
            }
            return;
        }
        let first: Vec<&str> = unknown.iter().take(EACH).map(|v| v.name.as_str()).collect();
        out.push(
            Finding::new(
                severity,
                &res.env,
                "",
                Code::Unknown,
                format!(
                    "{} variables are not declared in envsafe.toml ({}, …)",
                    unknown.len(),
                    first.join(", ")
                ),
            )
            .help(Some(
                "`envsafe check` lists each with its place; declare them as [vars.NAME]".into(),
            )),
        );
    }

    /// Where each definition is stored: a secret in plain text, a public
    /// value sealed, a definition in several files, a cut-prone `#`.
    fn check_placement(
        &self,
        res: &Resolution,
        var: &Var,
        spec: Option<&VarSpec>,
        out: &mut Vec<Finding>,
    ) {
        let env = res.env.as_str();
        let name = var.name.as_str();
        let defs = var.defs.as_slice();
        let last = defs.last().expect("defined");
        let path = |file: usize| res.files[file].as_path();
        // Files that define it (consecutive definitions in one file count once).
        let files = 1 + defs.windows(2).filter(|w| w[0].file != w[1].file).count();
        if files > 1 {
            let places: Vec<String> = defs
                .iter()
                .map(|d| format!("{}:{}", path(d.file).display(), d.line))
                .collect();
            out.push(
                Finding::warning(
                    env,
                    name,
                    Code::Duplicate,
                    format!(
                        "is defined in {} files of this environment ({}); the last one wins",
                        files,
                        places.join(", ")
                    ),
                )
                .at(path(last.file), last.line)
                .help(Some("keep it in one file".into())),
            );
        }
        let plain_value = defs
            .iter()
            .rposition(|d| !d.sealed)
            .and_then(|j| defs[j].value.as_ref())
            .map(SecretValue::expose);
        let secret = match spec {
            Some(s) => s.is_secret(name, plain_value),
            None => crate::schema::secret_by_name(name, plain_value),
        };
        for d in defs {
            let file = path(d.file);
            if secret && !d.sealed && !d.empty {
                let shown = file.display();
                let help = if d.in_header_file {
                    format!("encrypt it: `envsafe -f {shown} encrypt`")
                } else {
                    format!("move it to the encrypted file: `envsafe set {name}` (value on stdin), then `envsafe -f {shown} unset {name}`")
                };
                out.push(
                    Finding::error(
                        env,
                        name,
                        Code::SecretPlain,
                        "is secret but stored in plain text",
                    )
                    .at(file, d.line)
                    .help(Some(help)),
                );
            }
            if spec.and_then(|s| s.secret) == Some(false) && d.sealed {
                out.push(
                    Finding::error(
                        env,
                        name,
                        Code::PublicEncrypted,
                        "is declared `secret = false` but stored encrypted",
                    )
                    .at(file, d.line)
                    .help(Some(format!(
                        "store it plain: `envsafe get {name} | envsafe set --plain {name}`"
                    ))),
                );
            }
            if d.hash_without_space && !d.sealed {
                out.push(
                    Finding::warning(
                        env,
                        name,
                        Code::HashInValue,
                        "has a `#` with no space before it: dotenvx and some other tools cut the value there",
                    )
                    .at(file, d.line)
                    .help(Some("quote the value".into())),
                );
            }
        }
    }

    fn check_presence(&self, res: &Resolution, out: &mut Vec<Finding>) {
        let env = res.env.as_str();
        // Some(None): set but unreadable (sealed, no key).
        let value_of = |n: &str| -> Option<Option<&str>> {
            let var = res.var(n)?;
            if var.value().is_none() && var.defs.is_empty() {
                return None;
            }
            Some(var.value().map(SecretValue::expose))
        };
        for (name, spec) in &self.config.vars {
            let present = match value_of(name) {
                Some(Some(v)) => !v.is_empty(),
                Some(None) => true,
                None => false,
            };
            if present || spec.default.is_some() || spec.from_file.is_some() {
                continue;
            }
            if let Some(why) = required_because(spec, env, &value_of) {
                out.push(
                    Finding::error(
                        env,
                        name,
                        Code::Missing,
                        format!("is required{why} but not set"),
                    )
                    .help(Some(match &spec.description {
                        Some(d) => format!("set it: `envsafe -e {env} set {name}` ({d})"),
                        None => format!("set it: `envsafe -e {env} set {name}`"),
                    })),
                );
            }
        }
    }
}

/// Why `spec` is required in `env` (text for the message), if it is.
fn required_because<'v>(
    spec: &VarSpec,
    env: &str,
    value_of: &dyn Fn(&str) -> Option<Option<&'v str>>,
) -> Option<String> {
    if spec.required {
        return Some(String::new());
    }
    if spec.required_in.iter().any(|e| e == env) {
        return Some(format!(" in {env}"));
    }
    if !spec.required_if.is_empty()
        && spec
            .required_if
            .iter()
            .all(|(other, want)| value_of(other) == Some(Some(want.as_str())))
    {
        let conds: Vec<String> = spec
            .required_if
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        return Some(format!(" when {}", conds.join(" and ")));
    }
    None
}
