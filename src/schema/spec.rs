//! `[vars.NAME]`: what envsafe.toml says about one variable (DESIGN §6).
//! serde types with JSON Schemas (schemas/envsafe.schema.json).

use std::collections::BTreeMap;
use std::fmt;

use schemars::JsonSchema;
use serde::Deserialize;

/// One variable's rules.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VarSpec {
    /// true: must be encrypted and never appear in a plain file; false: must
    /// be plain. Default: true for names ending in _KEY, _SECRET, _TOKEN,
    /// _PASSWORD, and for *_URL values that carry credentials.
    pub secret: Option<bool>,
    /// Must be set in every environment.
    #[serde(default)]
    pub required: bool,
    /// Must be set in these environments.
    #[serde(default)]
    pub required_in: Vec<String>,
    /// Must be set when each OTHER variable has the given value.
    #[serde(default)]
    pub required_if: BTreeMap<String, String>,
    /// The value's type.
    #[serde(default, rename = "type")]
    pub kind: VarType,
    /// Exact length in characters.
    pub length: Option<usize>,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// A regular expression the whole value must match.
    #[schemars(with = "Option<String>")]
    pub pattern: Option<toml::Spanned<String>>,
    /// `pattern`, anchored and compiled once, when the config is checked
    /// (`check_config`); every check of a value uses this.
    #[serde(skip)]
    #[schemars(skip)]
    pub(crate) compiled: Option<regex_lite::Regex>,
    /// The allowed values (`type = "enum"`).
    #[serde(default)]
    pub values: Vec<String>,
    /// Smallest allowed number (`int`, `port`).
    pub min: Option<i64>,
    /// Largest allowed number (`int`, `port`).
    pub max: Option<i64>,
    /// Used by `run` when the variable is unset.
    pub default: Option<Scalar>,
    /// How `generate` makes a value: hex:N, base64:N, urlsafe:N (N random
    /// bytes) or alnum:N (N characters).
    pub generate: Option<Generate>,
    /// auto: `generate --force` may replace it; manual: data depends on it,
    /// replaced only with `--force-manual`.
    #[serde(default)]
    pub rotation: Rotation,
    /// Shown by `check`, `example` and `status`.
    pub description: Option<String>,
    /// The value is this file's contents, read at run time.
    pub from_file: Option<String>,
    /// How `from_file` contents are encoded into the value.
    pub encode: Option<Encode>,
}

/// A TOML scalar used as a value (`default = 8080` or `default = "8080"`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Scalar {
    String(String),
    Int(i64),
    Float(f64),
    Bool(bool),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::String(s) => f.write_str(s),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Bool(b) => write!(f, "{b}"),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VarType {
    #[default]
    String,
    Url,
    Int,
    Port,
    Bool,
    Hex,
    Base64,
    Email,
    Enum,
    Json,
}

impl VarType {
    pub fn name(self) -> &'static str {
        match self {
            VarType::String => "string",
            VarType::Url => "url",
            VarType::Int => "int",
            VarType::Port => "port",
            VarType::Bool => "bool",
            VarType::Hex => "hex",
            VarType::Base64 => "base64",
            VarType::Email => "email",
            VarType::Enum => "enum",
            VarType::Json => "json",
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    #[default]
    Auto,
    Manual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Encode {
    Base64,
}

/// `generate = "hex:32"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(try_from = "String")]
#[schemars(with = "GenerateText")]
pub struct Generate {
    pub kind: GenerateKind,
    pub n: usize,
}

/// The text form of [`Generate`], for the JSON Schema only.
#[allow(dead_code)]
#[derive(JsonSchema)]
#[schemars(
    transparent,
    description = "hex:N, base64:N, urlsafe:N (N random bytes) or alnum:N (N characters)"
)]
struct GenerateText(
    #[schemars(regex(pattern = r"^(hex|base64|urlsafe|alnum):[1-9][0-9]*$"))] String,
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenerateKind {
    Hex,
    Base64,
    UrlSafe,
    Alnum,
}

impl TryFrom<String> for Generate {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        let bad = || format!("`{text}` is not hex:N, base64:N, urlsafe:N or alnum:N");
        let (kind, n) = text.split_once(':').ok_or_else(bad)?;
        let kind = match kind {
            "hex" => GenerateKind::Hex,
            "base64" => GenerateKind::Base64,
            "urlsafe" => GenerateKind::UrlSafe,
            "alnum" => GenerateKind::Alnum,
            _ => return Err(bad()),
        };
        let n: usize = n.parse().map_err(|_| bad())?;
        if n == 0 || n > 4096 {
            return Err(format!("`{text}`: N must be between 1 and 4096"));
        }
        Ok(Generate { kind, n })
    }
}

impl VarSpec {
    /// Whether the variable is secret: the explicit setting, else the
    /// naming rule. `value` lets a `*_URL` with credentials count as secret.
    pub fn is_secret(&self, name: &str, value: Option<&str>) -> bool {
        self.secret.unwrap_or_else(|| secret_by_name(name, value))
    }
}

/// DESIGN §6 default: `*_KEY`, `*_SECRET`, `*_TOKEN`, `*_PASSWORD`, and a
/// `*_URL` whose value has a password (`scheme://user:pass@host`).
pub fn secret_by_name(name: &str, value: Option<&str>) -> bool {
    // Case-insensitive suffix tests, without an upper-cased copy: this
    // runs for every variable of every `run` with a schema.
    let ends_with = |suffix: &str| {
        name.len() >= suffix.len()
            && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    let is = |word: &str| name.eq_ignore_ascii_case(word);
    if ["_KEY", "_SECRET", "_TOKEN", "_PASSWORD"]
        .iter()
        .any(|s| ends_with(s))
        || ["KEY", "SECRET", "TOKEN", "PASSWORD"].iter().any(|w| is(w))
    {
        return true;
    }
    ends_with("_URL") && value.is_some_and(url_has_password)
}

fn url_has_password(value: &str) -> bool {
    super::url::has_password(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_by_name_follows_design() {
        assert!(secret_by_name("STRIPE_SECRET", None));
        assert!(secret_by_name("api_key", None));
        assert!(!secret_by_name("PORT", None));
        assert!(!secret_by_name("KEYBOARD", None));
        assert!(secret_by_name("DATABASE_URL", Some("postgres://u:p@h/db")));
        assert!(!secret_by_name("PUBLIC_URL", Some("https://example.com")));
    }

    #[test]
    fn generate_parses_and_refuses() {
        assert_eq!(
            Generate::try_from("hex:32".to_string()),
            Ok(Generate {
                kind: GenerateKind::Hex,
                n: 32
            })
        );
        assert!(Generate::try_from("hex:0".to_string()).is_err());
        assert!(Generate::try_from("sha:3".to_string()).is_err());
    }
}
