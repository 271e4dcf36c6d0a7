//! Whether a variable is secret (stored sealed) or public (stored plain),
//! and whether a value may be written at all: the schema decides, before
//! any file changes (DESIGN §2, §6).

use super::Vars;
use super::{check_value, secret_by_name};
use crate::diag::Code;
use crate::envelope;
use crate::error::{Error, Result};

/// The largest value `set` stores: Linux refuses to start a program with
/// a larger environment variable (MAX_ARG_STRLEN).
pub const MAX_VALUE: usize = 128 << 10;

/// Where a variable's value belongs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub secret: bool,
    /// Why, for messages: "declared in envsafe.toml", "by its name", ….
    pub why: &'static str,
}

/// The schema's answer for `name` (with `value`, for `*_URL`s that hold a
/// password): its `secret` setting, else the naming rule.
pub fn placement(vars: &Vars, name: &str, value: Option<&str>) -> Placement {
    match vars.get(name).and_then(|s| s.secret) {
        Some(true) => Placement {
            secret: true,
            why: "`secret = true` in envsafe.toml",
        },
        Some(false) => Placement {
            secret: false,
            why: "`secret = false` in envsafe.toml",
        },
        None if secret_by_name(name, value) => Placement {
            secret: true,
            why: "by its name",
        },
        None => Placement {
            secret: false,
            why: "not declared secret",
        },
    }
}

/// Refuses a value before it is written: empty (unless `allow_empty`), a
/// NUL byte, ciphertext, or a value that breaks `name`'s rules. Errors
/// name the rule, never the value.
pub fn check_write(vars: &Vars, name: &str, value: &str, allow_empty: bool) -> Result<()> {
    let reject = |rule, message: &str| Error::ValueRejected {
        name: name.to_owned(),
        rule,
        message: message.to_owned(),
    };
    if value.is_empty() {
        return if allow_empty {
            Ok(())
        } else {
            Err(Error::EmptyValue {
                name: name.to_owned(),
            })
        };
    }
    if value.len() > MAX_VALUE {
        return Err(reject(
            Code::TooLarge,
            "is larger than 128 KiB, the most one environment variable can hold (Linux)",
        ));
    }
    if value.contains('\0') {
        return Err(reject(
            Code::Nul,
            "contains a NUL byte, which no environment variable can hold",
        ));
    }
    if let Some(kind) = envelope::ciphertext_kind(value) {
        let message = format!(
            "is already ciphertext ({}): give the plaintext",
            kind.describe()
        );
        return Err(reject(Code::Ciphertext, &message));
    }
    if let Some(spec) = vars.get(name) {
        if let Some(v) = check_value(spec, spec.compiled.as_ref(), value) {
            return Err(Error::ValueRejected {
                name: name.to_owned(),
                rule: v.code,
                message: v.message,
            });
        }
    }
    Ok(())
}
