//! `envsafe.toml`: the serde types (with JSON Schemas, `schemas/`) and
//! loading with located errors.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;

use crate::crypto::PublicKey;
use crate::error::Result;
use crate::span::error_at;

/// envsafe.toml: environments, the schema of variables, settings.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "envsafe.toml")]
pub struct Config {
    #[serde(default)]
    pub settings: Settings,
    /// The environments and the files each loads.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// The schema: one table per variable.
    #[serde(default)]
    pub vars: crate::schema::Vars,
    /// The pre-commit hook.
    #[serde(default)]
    pub hook: HookConfig,
    /// Deploy targets: where an environment's variables are sent, under
    /// which names (`envsafe export` / `push` / `diff`).
    #[serde(default)]
    pub targets: BTreeMap<String, crate::targets::TargetConfig>,
}

/// `[hook]`
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HookConfig {
    /// Paths the hook lets through on purpose (a demo key in examples/, a
    /// test fixture), relative to envsafe.toml's directory: `*`, `?`, `**`;
    /// a pattern without `/` matches a file name in any directory. A path list, never an inline comment that a
    /// careless paste could carry along.
    #[serde(default)]
    pub allow: Vec<String>,
}

/// `[settings]`
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Variables the schema does not declare are errors, not warnings.
    #[serde(default)]
    pub strict: bool,
}

/// `[environments.NAME]`
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentConfig {
    /// Files loaded in order, later wins. Absent: `.env` / `.env.<name>`.
    pub files: Option<Vec<String>>,
    /// The environment's public key (`age1…`), pinned: a file header with
    /// another key is refused by every writer and reported by `check` and
    /// the hook. Written by `init` and by the command that makes a new
    /// keypair; a deliberate key change edits it in the same reviewed commit.
    #[schemars(with = "Option<String>")]
    pub public_key: Option<toml::Spanned<String>>,
    /// Who may read the environment key (team mode).
    #[serde(default)]
    pub recipients: Vec<String>,
}

impl Config {
    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            error_at(path, text, offset, e.message().trim().to_owned())
        })?;
        for (env, e) in &config.environments {
            if let Some(pin) = &e.public_key {
                if let Err(why) = pin.get_ref().parse::<PublicKey>() {
                    return Err(error_at(
                        path,
                        text,
                        pin.span().start,
                        format!("environments.{env}.public_key is not an age public key: {why}"),
                    ));
                }
            }
        }
        for (env, e) in &config.environments {
            for entry in &e.recipients {
                if let Err(why) = recipient_shape(entry) {
                    let offset =
                        crate::span::key_offset(text, &["environments", env, "recipients"]);
                    return Err(error_at(
                        path,
                        text,
                        offset,
                        format!("environments.{env}.recipients: `{}`: {why}", shown(entry)),
                    ));
                }
            }
        }
        crate::schema::check_config(&mut config.vars, path, text)?;
        crate::targets::check_config(&config.targets, &config.vars, path, text)?;
        Ok(config)
    }

    /// The recipients of `env`'s team key file, each parsed whole (load
    /// only checks their shape: the age parsers live in `envsafe-team`).
    /// An entry age cannot use is an error, never skipped: a mistyped
    /// member would otherwise silently get no access.
    pub fn recipients(&self, env: &str) -> Result<Vec<crate::crypto::Recipient>> {
        let Some(e) = self.environments.get(env) else {
            return Ok(Vec::new());
        };
        e.recipients
            .iter()
            .map(|entry| {
                crate::crypto::Recipient::parse(entry).map_err(|why| crate::Error::Recipient {
                    env: env.into(),
                    entry: shown(entry),
                    why,
                })
            })
            .collect()
    }

    /// The public key pinned for `env`, if any (validated by `parse`).
    pub fn pinned_key(&self, env: &str) -> Option<PublicKey> {
        self.environments
            .get(env)?
            .public_key
            .as_ref()?
            .get_ref()
            .parse()
            .ok()
    }

    /// The comment `init` puts at the top of a new envsafe.toml.
    pub const TEMPLATE_HEAD: &'static str =
        "# envsafe configuration: environments (files, pinned public key) and the\n\
         # schema of variables ([vars.NAME]).\n";

    /// The `[environments.NAME]` section `init` writes for `env`.
    pub fn template_env(env: &str) -> String {
        format!(
            "\n[environments.{env}]\nfiles = [\"{}\"]\n",
            default_file(env)
        )
    }
}

/// The shape of a `recipients` entry, checked without the age parsers
/// (every command reads envsafe.toml; only the team commands, in
/// `envsafe-team`, link age and parse an entry whole).
fn recipient_shape(entry: &str) -> std::result::Result<(), String> {
    let e = entry.trim();
    if crate::crypto::mentions_private_key(e.as_bytes()) {
        return Err("a private key is not a recipient".into());
    }
    let ok = e.starts_with("age1") || e.starts_with("ssh-ed25519 ") || e.starts_with("ssh-rsa ");
    if ok {
        Ok(())
    } else if e.starts_with("ssh-") {
        Err("ssh keys of this type are not supported (ssh-ed25519 and ssh-rsa are)".into())
    } else {
        Err(
            "not an age recipient (age1…), an ssh public key (ssh-ed25519 / ssh-rsa) \
             or a plugin recipient (age1NAME1…)"
                .into(),
        )
    }
}

/// A recipient entry (or what was typed for one) as shown in an error:
/// its first characters. Entries are public keys, but a pasted private key
/// shows only its `AGE-SECRET-KEY-1` prefix.
pub(crate) fn shown(entry: &str) -> String {
    let entry = entry.trim();
    let keep = if crate::crypto::mentions_private_key(entry.as_bytes()) {
        16
    } else {
        24
    };
    let short: String = entry.chars().take(keep).collect();
    if short.len() < entry.len() {
        format!("{short}…")
    } else {
        short
    }
}

/// Records `public` as the pinned key of `env` in the envsafe.toml at
/// `path`, keeping the rest of the file as it is (comments, order). The
/// environment's table is created if missing.
pub fn write_pin(path: &Path, env: &str, public: &PublicKey) -> Result<()> {
    let _lock = crate::fsutil::DirLock::for_file(path)?;
    let text = crate::fsutil::read_to_string(path)?;
    let new = with_pin(path, &text, env, public)?;
    crate::fsutil::atomic_write(path, new.as_bytes(), None)
}

/// `text` (envsafe.toml at `path`) with `public` pinned for `env`.
pub fn with_pin(path: &Path, text: &str, env: &str, public: &PublicKey) -> Result<String> {
    edit_env(path, text, env, |table| {
        table.insert("public_key", toml_edit::value(public.to_string()));
    })
}

/// `text` (envsafe.toml at `path`) with `env`'s recipients set to
/// `entries`, one per line.
pub fn with_recipients(path: &Path, text: &str, env: &str, entries: &[String]) -> Result<String> {
    edit_env(path, text, env, |table| {
        let mut array: toml_edit::Array = entries.iter().map(String::as_str).collect();
        for value in array.iter_mut() {
            value.decor_mut().set_prefix("\n    ");
        }
        array.set_trailing("\n");
        array.set_trailing_comma(true);
        table.insert("recipients", toml_edit::value(array));
    })
}

/// Applies `f` to `[environments.ENV]` of `text`, keeping the rest of the
/// file as it is (comments, order); the table is created if missing.
fn edit_env(
    path: &Path,
    text: &str,
    env: &str,
    f: impl FnOnce(&mut dyn toml_edit::TableLike),
) -> Result<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        let offset = e.span().map_or(0, |s| s.start);
        error_at(path, text, offset, e.message().trim().to_owned())
    })?;
    let envs = doc.entry("environments").or_insert_with(|| {
        let mut t = toml_edit::Table::new();
        t.set_implicit(true);
        toml_edit::Item::Table(t)
    });
    let Some(envs) = envs.as_table_like_mut() else {
        return Err(error_at(
            path,
            text,
            0,
            "`environments` is not a table".into(),
        ));
    };
    let table = envs
        .entry(env)
        .or_insert(toml_edit::Item::Table(toml_edit::Table::new()));
    let Some(table) = table.as_table_like_mut() else {
        return Err(error_at(
            path,
            text,
            0,
            format!("`environments.{env}` is not a table"),
        ));
    };
    f(table);
    Ok(doc.to_string())
}

/// `.env` for development, `.env.<name>` for any other environment.
pub fn default_file(env: &str) -> String {
    if env == "development" {
        ".env".into()
    } else {
        format!(".env.{env}")
    }
}

/// The environment a file belongs to by its name alone (zero-config):
/// `.env` → development, `.env.production` → production.
pub fn env_from_file_name(name: &str) -> Option<String> {
    match name {
        ".env" => Some("development".into()),
        ".env.keys" | ".env.example" | ".env.vault" => None,
        _ => name
            .strip_prefix(".env.")
            .filter(|s| !s.is_empty() && !s.contains('/'))
            .map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[test]
    fn errors_carry_line_and_column() {
        let err = Config::parse(Path::new("envsafe.toml"), "[environments.dev]\nfiles = 3\n")
            .unwrap_err();
        match err {
            Error::Config { at, .. } => assert_eq!((at.line, at.col), (2, 9)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn zero_config_names() {
        assert_eq!(env_from_file_name(".env").as_deref(), Some("development"));
        assert_eq!(env_from_file_name(".env.ci").as_deref(), Some("ci"));
        assert_eq!(env_from_file_name(".env.keys"), None);
        assert_eq!(env_from_file_name("env.public"), None);
    }
}
