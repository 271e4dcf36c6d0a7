//! The platform command lines of each kind: what sends the values (on
//! stdin), what removes a name envsafe pushed before, what lists names.
//! Only names, apps, repositories and namespaces are in these argv.

use super::config::{Kind, TargetConfig};
use super::platform::Tool;
use crate::error::{Error, Result};

/// A platform command line (no values in it).
#[derive(Debug, Clone)]
pub(crate) struct Cli {
    pub tool: Tool,
    pub args: Vec<String>,
}

impl Cli {
    fn new(tool: Tool, args: &[&str]) -> Self {
        Self {
            tool,
            args: args.iter().map(|a| (*a).to_owned()).collect(),
        }
    }

    fn opt(mut self, flag: &str, value: Option<&String>) -> Self {
        if let Some(v) = value {
            self.args.extend([flag.to_owned(), v.clone()]);
        }
        self
    }

    /// As shown to the user.
    pub fn shown(&self) -> String {
        format!("{} {}", self.tool.name(), self.args.join(" "))
    }
}

fn app(c: &TargetConfig) -> &str {
    c.app
        .as_deref()
        .expect("a fly target has an app (checked at load)")
}

/// The command that sends target `name`'s values (`NAME` stands for each
/// secret's name on github); `None` for the kinds written as files.
pub(crate) fn send(name: &str, c: &TargetConfig) -> Result<Option<Cli>> {
    Ok(Some(match c.kind {
        Kind::Fly => {
            let cli = Cli::new(Tool::Flyctl, &["secrets", "import", "--app", app(c)]);
            if c.stage == Some(true) {
                Cli::new(
                    Tool::Flyctl,
                    &["secrets", "import", "--app", app(c), "--stage"],
                )
            } else {
                cli
            }
        }
        Kind::Github => Cli::new(Tool::Gh, &["secret", "set", "NAME"])
            .opt("--repo", c.repo.as_ref())
            .opt("--env", c.environment.as_ref()),
        // Server-side apply: no `last-applied-configuration` annotation,
        // which would keep every value in plaintext in the Secret's
        // metadata (`kubectl describe` shows it).
        Kind::K8s => Cli::new(
            Tool::Kubectl,
            &[
                "apply",
                "--server-side",
                "--field-manager=envsafe",
                "-f",
                "-",
            ],
        )
        .opt("--context", c.context.as_ref()),
        Kind::Json if c.path.is_none() => {
            return Err(Error::Usage {
                message: format!("target `{name}` has no `path`: there is nowhere to push"),
                help: format!("print it with `envsafe export {name}`, or give the target a `path`"),
            })
        }
        Kind::Dotenv | Kind::ComposeSecrets | Kind::Json => return Ok(None),
    }))
}

/// The commands that remove `names` (pushed before, no longer in the
/// target) from the platform, each with the names it removes. File kinds:
/// none (rewritten whole, or, for compose-secrets, files removed by the
/// writer).
pub(crate) fn remove(name: &str, c: &TargetConfig, names: &[String]) -> Vec<(Cli, Vec<String>)> {
    if names.is_empty() {
        return Vec::new();
    }
    match c.kind {
        Kind::Fly => {
            let mut cli = Cli::new(Tool::Flyctl, &["secrets", "unset", "--app", app(c)]);
            if c.stage == Some(true) {
                cli.args.push("--stage".into());
            }
            cli.args.extend(names.iter().cloned());
            vec![(cli, names.to_vec())]
        }
        Kind::Github => names
            .iter()
            .map(|n| {
                let cli = Cli::new(Tool::Gh, &["secret", "delete", n])
                    .opt("--repo", c.repo.as_ref())
                    .opt("--env", c.environment.as_ref());
                (cli, vec![n.clone()])
            })
            .collect(),
        Kind::K8s if c.path.is_none() => {
            // JSON Patch paths escape `~` and `/` (keys hold neither).
            let ops: Vec<serde_json::Value> = names
                .iter()
                .map(|n| serde_json::json!({ "op": "remove", "path": format!("/data/{n}") }))
                .collect();
            let secret = c.name.as_deref().unwrap_or(name);
            let cli = Cli::new(Tool::Kubectl, &["patch", "secret", secret, "--type=json"])
                .opt("--namespace", c.namespace.as_ref())
                .opt("--context", c.context.as_ref())
                .opt("-p", Some(&serde_json::Value::Array(ops).to_string()));
            vec![(cli, names.to_vec())]
        }
        _ => Vec::new(),
    }
}

/// The command that lists the names a k8s Secret holds (keys only, never
/// values: a go-template over `.data`).
pub(crate) fn k8s_keys(name: &str, c: &TargetConfig) -> Option<Cli> {
    if c.kind != Kind::K8s || c.path.is_some() {
        return None;
    }
    let secret = c.name.as_deref().unwrap_or(name);
    let template = "go-template={{range $k, $v := .data}}{{$k}}{{\"\\n\"}}{{end}}".to_owned();
    Some(
        Cli::new(Tool::Kubectl, &["get", "secret", secret])
            .opt("--namespace", c.namespace.as_ref())
            .opt("--context", c.context.as_ref())
            .opt("-o", Some(&template)),
    )
}

/// The command that lists the names on the platform (fly, github).
pub(crate) fn list(c: &TargetConfig) -> Option<Cli> {
    match c.kind {
        Kind::Fly => Some(Cli::new(
            Tool::Flyctl,
            &["secrets", "list", "--app", app(c), "--json"],
        )),
        Kind::Github => Some(
            Cli::new(Tool::Gh, &["secret", "list", "--json", "name"])
                .opt("--repo", c.repo.as_ref())
                .opt("--env", c.environment.as_ref()),
        ),
        _ => None,
    }
}
