//! Checking one value against one variable's rules. The answer names the
//! rule and may give lengths, never the value.

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;

use super::{VarSpec, VarType};
use crate::diag::Code;

/// The longest value matched against a `pattern`.
pub const MAX_PATTERN_INPUT: usize = 4 << 10;

/// A broken rule: its stable code and what is wrong (without the value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: Code,
    pub message: String,
}

fn violation(code: Code, message: impl Into<String>) -> Option<Violation> {
    Some(Violation {
        code,
        message: message.into(),
    })
}

fn type_ok(kind: VarType, v: &str, spec: &VarSpec) -> bool {
    match kind {
        VarType::String => true,
        VarType::Url => super::url::is_url(v),
        VarType::Int => v.parse::<i64>().is_ok(),
        VarType::Port => v.parse::<u16>().is_ok_and(|p| p != 0),
        VarType::Bool => matches!(
            v.to_ascii_lowercase().as_str(),
            "true" | "false" | "1" | "0" | "yes" | "no" | "on" | "off"
        ),
        VarType::Hex => !v.is_empty() && v.bytes().all(|b| b.is_ascii_hexdigit()),
        VarType::Base64 => {
            !v.is_empty()
                && [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                    .iter()
                    .any(|e| e.decode(v).is_ok())
        }
        VarType::Email => match v.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !v.contains(char::is_whitespace)
            }
            None => false,
        },
        VarType::Enum => spec.values.iter().any(|x| x == v),
        VarType::Json => serde_json::from_str::<serde_json::Value>(v).is_ok(),
    }
}

fn type_message(kind: VarType, spec: &VarSpec) -> String {
    match kind {
        VarType::Enum => format!("must be one of: {}", spec.values.join(", ")),
        VarType::Port => "must be a port number (1-65535)".into(),
        VarType::Int => "must be an integer".into(),
        VarType::Bool => "must be true or false".into(),
        VarType::Hex => "must be hexadecimal".into(),
        VarType::Base64 => "must be base64".into(),
        VarType::Email => "must be an email address".into(),
        VarType::Url => "must be a URL (scheme://host…)".into(),
        VarType::Json => "must be valid JSON".into(),
        VarType::String => String::new(),
    }
}

/// The first rule `value` breaks, if any: type first, then lengths, pattern,
/// allowed values and range.
pub fn check_value(
    spec: &VarSpec,
    pattern: Option<&regex_lite::Regex>,
    value: &str,
) -> Option<Violation> {
    if !type_ok(spec.kind, value, spec) {
        return violation(
            Code::Type,
            format!(
                "{} (type = \"{}\")",
                type_message(spec.kind, spec),
                spec.kind.name()
            ),
        );
    }
    let len = value.chars().count();
    if let Some(n) = spec.length {
        if len != n {
            return violation(
                Code::Length,
                format!("must be exactly {n} characters long, is {len}"),
            );
        }
    }
    if let Some(n) = spec.min_length {
        if len < n {
            return violation(
                Code::MinLength,
                format!("must be at least {n} characters long, is {len}"),
            );
        }
    }
    if let Some(n) = spec.max_length {
        if len > n {
            return violation(
                Code::MaxLength,
                format!("must be at most {n} characters long, is {len}"),
            );
        }
    }
    if let (Some(re), Some(p)) = (pattern, &spec.pattern) {
        // Matching costs pattern size × value length: both are bounded.
        if value.len() > MAX_PATTERN_INPUT {
            return violation(
                Code::Pattern,
                format!(
                    "is longer than {MAX_PATTERN_INPUT} bytes, too long to match against its pattern"
                ),
            );
        }
        if !re.is_match(value) {
            return violation(
                Code::Pattern,
                format!("must match the pattern `{}`", p.get_ref()),
            );
        }
    }
    if spec.kind != VarType::Enum
        && !spec.values.is_empty()
        && !spec.values.iter().any(|x| x == value)
    {
        return violation(
            Code::Values,
            format!("must be one of: {}", spec.values.join(", ")),
        );
    }
    if matches!(spec.kind, VarType::Int | VarType::Port) {
        let n: i64 = value.parse().unwrap_or_default();
        if let Some(min) = spec.min.filter(|m| n < *m) {
            return violation(Code::Min, format!("must be at least {min}"));
        }
        if let Some(max) = spec.max.filter(|m| n > *m) {
            return violation(Code::Max, format!("must be at most {max}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: VarType) -> VarSpec {
        VarSpec {
            kind,
            ..VarSpec::default()
        }
    }

    #[test]
    fn types() {
        let ok = |k, v| check_value(&spec(k), None, v).is_none();
        assert!(ok(VarType::Url, "https://example.com/x"));
        assert!(!ok(VarType::Url, "example.com"));
        assert!(
            ok(VarType::Port, "8080") && !ok(VarType::Port, "0") && !ok(VarType::Port, "70000")
        );
        assert!(ok(VarType::Int, "-3") && !ok(VarType::Int, "3.5"));
        assert!(ok(VarType::Bool, "TRUE") && !ok(VarType::Bool, "maybe"));
        assert!(ok(VarType::Hex, "00ff") && !ok(VarType::Hex, "0x00"));
        assert!(
            ok(VarType::Base64, "aGk=") && ok(VarType::Base64, "aGk") && !ok(VarType::Base64, "*")
        );
        assert!(
            ok(VarType::Email, "a@b.io")
                && !ok(VarType::Email, "a@b")
                && !ok(VarType::Email, "a b@c.d")
        );
        assert!(ok(VarType::Json, "{\"a\":1}") && !ok(VarType::Json, "{a}"));
    }

    #[test]
    fn one_finding_names_the_rule_and_never_the_value() {
        let s = VarSpec {
            kind: VarType::Hex,
            length: Some(64),
            ..VarSpec::default()
        };
        let v = check_value(&s, None, "abcd").unwrap();
        assert_eq!(v.code, Code::Length);
        assert_eq!(v.message, "must be exactly 64 characters long, is 4");
        assert_eq!(check_value(&s, None, "zz").unwrap().code, Code::Type);
    }
}
