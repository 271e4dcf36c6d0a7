//! `[targets.NAME]` in envsafe.toml: the serde types and the checks made
//! when the config is loaded (kind-specific keys, names the platform
//! accepts, source variables the schema knows), each at its line.

use std::collections::BTreeMap;
use std::path::Path;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::names;
use crate::error::Result;
use crate::span::{error_at, key_offset};

/// The platform a target delivers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// `flyctl secrets import --app APP [--stage]`, values on stdin.
    Fly,
    /// A dotenv file (`path`, mode 0600) that docker compose v2 reads as
    /// `env_file:`, or a legacy consumer.
    Dotenv,
    /// One file per variable under `dir` (mode 0600), for compose's
    /// file-based `secrets:` (never parsed: any value survives).
    ComposeSecrets,
    /// A `v1/Secret` manifest with `stringData`, to stdout or `path`;
    /// pushed with `kubectl apply -f -`.
    K8s,
    /// GitHub Actions secrets: one `gh secret set NAME` per secret, the
    /// value on stdin.
    Github,
    /// A JSON object, to stdout or `path`.
    Json,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Fly => "fly",
            Kind::Dotenv => "dotenv",
            Kind::ComposeSecrets => "compose-secrets",
            Kind::K8s => "k8s",
            Kind::Github => "github",
            Kind::Json => "json",
        }
    }
}

/// How a `dotenv` target writes values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DotenvFormat {
    /// Double quotes with `\`, `"` and `$` escaped: what compose v2's
    /// default `env_file` format reads back unchanged.
    #[default]
    Quoted,
    /// One line per value, `NAME='v'`: compose's `format: raw`.
    Raw,
}

/// `[targets.NAME]`: where an environment's variables go, under which names.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// fly | dotenv | compose-secrets | k8s | github | json
    pub kind: Kind,
    /// The environment whose values are sent.
    pub env: String,
    /// The names on the target, in order. A name is also the source
    /// variable's name unless `map` says otherwise.
    #[schemars(with = "Vec<String>")]
    pub vars: Vec<Spanned<String>>,
    /// Target name = source name, for variables named differently on the
    /// platform (`ORY_API_KEY = "ORY_PROJECT_API_KEY"`).
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, String>")]
    pub map: BTreeMap<String, Spanned<String>>,
    /// fly: the app (`--app`).
    pub app: Option<String>,
    /// fly: set the secrets without redeploying (`--stage`).
    pub stage: Option<bool>,
    /// dotenv (required), k8s, json: the file written, relative to
    /// envsafe.toml's directory (k8s and json print to stdout without one).
    pub path: Option<String>,
    /// compose-secrets: the directory of one file per variable, relative to
    /// envsafe.toml's directory.
    pub dir: Option<String>,
    /// dotenv: `quoted` (default, compose's default format) or `raw`
    /// (compose `format: raw`, one line per value).
    pub format: Option<DotenvFormat>,
    /// k8s: the Secret's namespace.
    pub namespace: Option<String>,
    /// k8s: the Secret's name (default: the target's name).
    pub name: Option<String>,
    /// k8s: the kubeconfig context `push` uses (default: the current one).
    pub context: Option<String>,
    /// github: `OWNER/REPO` (default: the repository gh sees here).
    pub repo: Option<String>,
    /// github: a deployment environment's secrets instead of the
    /// repository's.
    pub environment: Option<String>,
}

impl TargetConfig {
    /// (name on the target, source variable), in `vars` order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|v| {
            let target = v.get_ref().as_str();
            let source = self
                .map
                .get(target)
                .map_or(target, |s| s.get_ref().as_str());
            (target, source)
        })
    }

    /// Where target `name` delivers, in words: a ledger of another
    /// destination says nothing about this one.
    pub fn destination(&self, name: &str) -> String {
        let or = |v: &Option<String>| v.clone().unwrap_or_default();
        match self.kind {
            Kind::Fly => format!("fly app={}", or(&self.app)),
            Kind::Github => format!(
                "github repo={} environment={}",
                or(&self.repo),
                or(&self.environment)
            ),
            Kind::K8s if self.path.is_none() => format!(
                "k8s context={} namespace={} secret={}",
                or(&self.context),
                or(&self.namespace),
                self.name.clone().unwrap_or_else(|| name.to_owned())
            ),
            Kind::ComposeSecrets => format!("dir {}", normal(&or(&self.dir))),
            _ => format!("file {}", normal(&or(&self.path))),
        }
    }

    /// Whether the destination is named in full, not left to the machine's
    /// defaults (gh's default repository, kubectl's current context): only
    /// then does `push` remove names it pushed before, which on another
    /// machine could be someone else's.
    pub fn pinned(&self) -> bool {
        match self.kind {
            Kind::Github => self.repo.is_some(),
            Kind::K8s if self.path.is_none() => self.context.is_some() && self.namespace.is_some(),
            _ => true,
        }
    }

    /// The source variable behind each name, in order (no duplicates).
    pub fn sources(&self) -> Vec<&str> {
        let mut seen = std::collections::HashSet::with_capacity(self.vars.len());
        self.entries()
            .map(|(_, s)| s)
            .filter(|s| seen.insert(*s))
            .collect()
    }
}

/// `p` without `.` components (`./secrets` and `secrets` are one place).
fn normal(p: &str) -> String {
    std::path::Path::new(p)
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect::<std::path::PathBuf>()
        .display()
        .to_string()
}

/// The keys each kind takes besides kind, env, vars and map.
fn allowed(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Fly => &["app", "stage"],
        Kind::Dotenv => &["path", "format"],
        Kind::ComposeSecrets => &["dir"],
        Kind::K8s => &["path", "namespace", "name", "context"],
        Kind::Github => &["repo", "environment"],
        Kind::Json => &["path"],
    }
}

/// More targets, or more variables in one, than any project has: a config
/// that big is hostile (every check below must stay linear, and every
/// command, the hook included, loads the config).
const MAX_TARGETS: usize = 1_000;
const MAX_TARGET_VARS: usize = 10_000;

/// Checks every target against its kind's rules and the schema, at the
/// line of the offending key.
pub(crate) fn check(
    targets: &BTreeMap<String, TargetConfig>,
    vars: &crate::schema::Vars,
    path: &Path,
    text: &str,
) -> Result<()> {
    if targets.len() > MAX_TARGETS {
        let offset = key_offset(text, &["targets"]);
        return Err(error_at(
            path,
            text,
            offset,
            format!("more than {MAX_TARGETS} targets"),
        ));
    }
    for (name, t) in targets {
        let at = |key: &[&str]| {
            let mut keys = vec!["targets", name.as_str()];
            keys.extend_from_slice(key);
            key_offset(text, &keys)
        };
        let fail = |offset: usize, message: String| Err(error_at(path, text, offset, message));
        if let Err(why) = names::target_name(name) {
            return fail(at(&[]), format!("targets.{name}: the target's name {why}"));
        }
        let given = [
            ("app", t.app.is_some()),
            ("stage", t.stage.is_some()),
            ("path", t.path.is_some()),
            ("dir", t.dir.is_some()),
            ("format", t.format.is_some()),
            ("namespace", t.namespace.is_some()),
            ("name", t.name.is_some()),
            ("context", t.context.is_some()),
            ("repo", t.repo.is_some()),
            ("environment", t.environment.is_some()),
        ];
        for (key, present) in given {
            if present && !allowed(t.kind).contains(&key) {
                return fail(
                    at(&[key]),
                    format!(
                        "targets.{name}.{key}: a {} target takes no `{key}` (it takes: kind, env, vars, map{})",
                        t.kind.as_str(),
                        allowed(t.kind).iter().map(|k| format!(", {k}")).collect::<String>()
                    ),
                );
            }
        }
        let required = match t.kind {
            Kind::Fly => Some(("app", t.app.as_deref())),
            Kind::Dotenv => Some(("path", t.path.as_deref())),
            Kind::ComposeSecrets => Some(("dir", t.dir.as_deref())),
            _ => None,
        };
        if let Some((key, value)) = required {
            match value {
                None => {
                    return fail(
                        at(&[]),
                        format!("targets.{name}: a {} target needs `{key}`", t.kind.as_str()),
                    )
                }
                Some(v) if v.trim().is_empty() || v.starts_with('-') => {
                    return fail(
                        at(&[key]),
                        format!("targets.{name}.{key} must not be empty or start with `-`"),
                    )
                }
                _ => {}
            }
        }
        for (key, value) in [("path", &t.path), ("dir", &t.dir)] {
            if let Some(v) = value {
                if let Err(why) = names::inside(v) {
                    return fail(at(&[key]), format!("targets.{name}.{key} {why}"));
                }
            }
        }
        for (key, value) in [
            ("repo", &t.repo),
            ("environment", &t.environment),
            ("namespace", &t.namespace),
            ("name", &t.name),
            ("context", &t.context),
        ] {
            if let Some(v) = value {
                if let Err(why) = names::argument(v) {
                    return fail(at(&[key]), format!("targets.{name}.{key} {why}"));
                }
            }
        }
        if t.vars.is_empty() {
            return fail(
                at(&["vars"]),
                format!("targets.{name}.vars is empty: list the names to send"),
            );
        }
        if t.vars.len() > MAX_TARGET_VARS {
            return fail(
                at(&["vars"]),
                format!("targets.{name}.vars lists more than {MAX_TARGET_VARS} names"),
            );
        }
        let mut seen = std::collections::HashSet::with_capacity(t.vars.len());
        for v in &t.vars {
            let n = v.get_ref();
            if let Err(why) = names::on_target(t.kind, n) {
                return fail(v.span().start, format!("targets.{name}.vars: `{n}` {why}"));
            }
            // GitHub names are case-insensitive; elsewhere case matters.
            let key = if t.kind == Kind::Github {
                n.to_ascii_uppercase()
            } else {
                n.clone()
            };
            if !seen.insert(key) {
                return fail(
                    v.span().start,
                    format!("targets.{name}.vars: `{n}` is listed twice"),
                );
            }
        }
        let listed: std::collections::HashSet<&str> =
            t.vars.iter().map(|v| v.get_ref().as_str()).collect();
        for (target_name, source) in &t.map {
            if !listed.contains(target_name.as_str()) {
                return fail(
                    at(&["map", target_name]),
                    format!("targets.{name}.map: `{target_name}` is not in vars"),
                );
            }
            if !crate::dotenv::is_valid_name(source.get_ref()) {
                return fail(
                    source.span().start,
                    format!(
                        "targets.{name}.map.{target_name}: `{}` is not a variable name",
                        source.get_ref()
                    ),
                );
            }
        }
        for (target_name, source) in t.entries() {
            if crate::env_vars::is_key_var(source) {
                return fail(
                    at(&["vars"]),
                    format!("targets.{name}: `{source}` holds a private key and is never sent"),
                );
            }
            if !vars.is_empty() && !vars.contains_key(source) {
                let offset = t.map.get(target_name).map_or_else(
                    || {
                        t.vars
                            .iter()
                            .find(|v| v.get_ref() == target_name)
                            .map_or(0, |v| v.span().start)
                    },
                    |s| s.span().start,
                );
                return fail(
                    offset,
                    format!(
                        "targets.{name}: `{target_name}` comes from `{source}`, which [vars] does not declare"
                    ),
                );
            }
        }
    }
    Ok(())
}
