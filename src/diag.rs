//! Findings: the problems `check`, `status`, `run` and the hook report. A
//! finding names the variable, a stable [`Code`] and the place, never a
//! value. One type, one JSON form (serde), one text renderer (the CLI's).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

macro_rules! codes {
    ($($variant:ident = $name:literal: $description:literal,)*) => {
        /// What a finding is about: a stable kebab-case name (in `--json`
        /// as `rule`, in text as `[name]`) and a one-line description.
        /// Names are a public interface: scripts match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code {
            $(#[doc = $description] $variant,)*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self {
                    $(Code::$variant => $description,)*
                }
            }
        }
    };
}

codes! {
    // A file as a whole.
    Syntax = "syntax": "the file is not valid dotenv syntax",
    Header = "header": "the `#@envsafe` header line is malformed",
    WrongEnv = "wrong-env": "the header names another environment than the one that loads the file",
    UndeclaredEnv = "undeclared-env": "the header names an environment envsafe.toml does not declare",
    KeyPin = "key-pin": "the header's public key is not the key pinned in envsafe.toml",
    NoHeader = "no-header": "an encrypted value in a file without an envsafe header",
    // One value.
    Decrypt = "decrypt": "an encrypted value does not open with the environment's key",
    MalformedValue = "malformed-value": "an `envsafe:` value is not a valid v1 envelope",
    Ciphertext = "ciphertext": "ciphertext that envsafe would not open as such (re-quoted, padded, or dotenvx)",
    Expand = "expand": "a `${…}` expansion fails (unset with `:?`, too deep, too large)",
    Duplicate = "duplicate": "the variable is defined in several files of one environment",
    SecretPlain = "secret-plain": "a secret variable is stored in plain text",
    PublicEncrypted = "public-encrypted": "a variable declared `secret = false` is stored encrypted",
    HashInValue = "hash-in-value": "an unquoted value holds `#` with no space before it (other tools cut it there)",
    Unknown = "unknown": "the variable is not declared in envsafe.toml",
    Missing = "missing": "a required variable is not set",
    // Schema rules on a value.
    Type = "type": "the value is not of the declared `type`",
    Length = "length": "the value is not of the declared `length`",
    MinLength = "min-length": "the value is shorter than `min_length`",
    MaxLength = "max-length": "the value is longer than `max_length`",
    Pattern = "pattern": "the value does not match `pattern` (or is too long to match)",
    Values = "values": "the value is not one of `values`",
    Min = "min": "the number is below `min`",
    Max = "max": "the number is above `max`",
    // What a write refuses.
    TooLarge = "too-large": "a value larger than one environment variable can hold",
    Nul = "nul": "a value with a NUL byte",
    Utf8 = "utf-8": "a value that is not UTF-8 text",
    // The hook.
    KeysFile = "keys-file": "a keys file is staged",
    PrivateKey = "private-key": "private key material is staged",
    SecretValue = "secret-value": "staged text contains the value of a current secret",
    TempFile = "temp-file": "an envsafe temporary file is staged",
    Unsealed = "unsealed": "a variable sealed in HEAD is plain in the index",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// One problem. `code` is serialized as `rule` (the field's name since the
/// first release).
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub env: String,
    /// The variable; empty for a finding about a whole file.
    pub name: String,
    #[serde(rename = "rule")]
    pub code: Code,
    pub message: String,
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub help: Option<String>,
}

impl Finding {
    pub(crate) fn new(
        severity: Severity,
        env: &str,
        name: &str,
        code: Code,
        message: impl Into<String>,
    ) -> Self {
        Self {
            severity,
            env: env.to_owned(),
            name: name.to_owned(),
            code,
            message: message.into(),
            file: None,
            line: None,
            help: None,
        }
    }

    pub(crate) fn error(env: &str, name: &str, code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, env, name, code, message)
    }

    pub(crate) fn warning(env: &str, name: &str, code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, env, name, code, message)
    }

    pub(crate) fn at(mut self, file: &Path, line: usize) -> Self {
        self.line = Some(line);
        self.in_file(file)
    }

    /// A finding about a whole file.
    pub(crate) fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_path_buf());
        self
    }

    pub(crate) fn help(mut self, help: impl Into<Option<String>>) -> Self {
        self.help = help.into();
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Counts of errors and warnings.
pub fn tally(findings: &[Finding]) -> (usize, usize) {
    let errors = findings.iter().filter(|f| f.is_error()).count();
    (errors, findings.len() - errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_names_are_unique_kebab_case_and_described() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let name = code.name();
            assert!(seen.insert(name), "duplicate code name {name}");
            assert!(
                !name.is_empty()
                    && name
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !name.starts_with('-')
                    && !name.ends_with('-'),
                "{name} is not kebab-case"
            );
            let d = code.description();
            assert!(!d.is_empty() && !d.contains('\n'), "{name}: {d:?}");
        }
    }

    #[test]
    fn json_names_the_code_as_rule() {
        let f = Finding::error("dev", "A", Code::SecretPlain, "m");
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["rule"], "secret-plain");
        assert_eq!(v["severity"], "error");
    }
}
