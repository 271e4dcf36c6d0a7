//! The schema: `[vars.NAME]` rules (spec.rs), value types (types.rs), and
//! the findings of checking environments against it (check.rs).

mod apply;
mod check;
mod example;
mod generate;
mod spec;
mod types;
mod url;

use std::path::Path;

pub use apply::apply_defaults;
pub use check::{Checker, Finding, Report, Secrets, Severity};
pub use example::render_example;
pub use generate::{generate, KeyedHasher};
pub use spec::{
    secret_by_name, Encode, Generate, GenerateKind, Rotation, Scalar, VarSpec, VarType,
};
pub use types::{check_value, Violation};

use crate::config::{error_at, Config};
use crate::error::Result;

/// Checks what serde cannot: patterns compile, `required_in` and
/// `required_if` name known things. Errors point at the envsafe.toml line.
pub fn check_config(config: &Config, path: &Path, text: &str) -> Result<()> {
    for (name, spec) in &config.vars {
        if let Some(p) = &spec.pattern {
            if let Err(e) = regex_lite::Regex::new(&anchored(p.get_ref())) {
                let msg = e.to_string();
                let why = msg.lines().last().unwrap_or("invalid").trim();
                return Err(error_at(
                    path,
                    text,
                    p.span().start,
                    format!("vars.{name}.pattern is not a valid regular expression: {why}"),
                ));
            }
        }
        if let (Some(min), Some(max)) = (spec.min_length, spec.max_length) {
            if min > max {
                let at = text.find(&format!("[vars.{name}]")).unwrap_or(0);
                return Err(error_at(
                    path,
                    text,
                    at,
                    format!("vars.{name}: min_length {min} > max_length {max}"),
                ));
            }
        }
    }
    Ok(())
}

/// `pattern` must match the whole value.
pub fn anchored(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}
