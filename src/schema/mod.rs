//! The schema: `[vars.NAME]` rules (spec.rs), value types (types.rs), and
//! what a value must satisfy; `resolve` validates environments with them.

mod apply;
mod example;
mod generate;
mod placement;
mod spec;
mod types;
mod url;

use std::collections::BTreeMap;
use std::path::Path;

pub use apply::schema_value;
pub use example::render_example;
pub use generate::{generate, KeyedHasher};
pub use placement::{check_write, placement, Placement};
pub use spec::{
    secret_by_name, Encode, Generate, GenerateKind, Rotation, Scalar, VarSpec, VarType,
};
pub use types::{check_value, Violation, MAX_PATTERN_INPUT};

use crate::error::Result;
use crate::span::{error_at, key_offset};

/// The schema: `[vars.NAME]` rules by name.
pub type Vars = BTreeMap<String, VarSpec>;

/// Checks what serde cannot: patterns compile (kept compiled in each
/// spec), `required_in` and `required_if` name known things. Errors point
/// at the envsafe.toml line.
pub fn check_config(vars: &mut Vars, path: &Path, text: &str) -> Result<()> {
    for (name, spec) in vars.iter_mut() {
        if let Some(p) = &spec.pattern {
            if p.get_ref().len() > MAX_PATTERN {
                return Err(error_at(
                    path,
                    text,
                    p.span().start,
                    format!(
                        "vars.{name}.pattern is longer than {MAX_PATTERN} bytes ({})",
                        p.get_ref().len()
                    ),
                ));
            }
            match compile_pattern(&anchored(p.get_ref())) {
                Ok(re) => spec.compiled = Some(re),
                Err(e) => {
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
        }
        if spec.default.is_some() && spec.is_secret(name, None) {
            let at = key_offset(text, &["vars", name, "default"]);
            return Err(error_at(
                path,
                text,
                at,
                format!(
                    "vars.{name} is secret but has a `default`: it would be committed in plain text"
                ),
            ));
        }
        if let (Some(min), Some(max)) = (spec.min_length, spec.max_length) {
            if min > max {
                let at = key_offset(text, &["vars", name, "min_length"]);
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

/// The longest `pattern` accepted: envsafe.toml is committed, so a pattern
/// is untrusted input that every teammate's `run` and hook compiles.
pub const MAX_PATTERN: usize = 1024;
/// The compiled size a pattern may reach (regex-lite's estimate, bytes).
const MAX_COMPILED: usize = 32 << 10;

/// Compiles a schema pattern with bounded size and nesting, so a hostile
/// one fails fast instead of taking seconds and gigabytes.
pub fn compile_pattern(pattern: &str) -> Result<regex_lite::Regex, regex_lite::Error> {
    regex_lite::RegexBuilder::new(pattern)
        .size_limit(MAX_COMPILED)
        .nest_limit(64)
        .build()
}

/// `pattern` must match the whole value.
pub fn anchored(pattern: &str) -> String {
    format!("^(?:{pattern})$")
}
