//! The names each platform accepts (DESIGN §7), checked when envsafe.toml
//! is loaded. Each rule returns what is wrong, to follow the name in an
//! error ("`1X` must not start with a digit").

use super::config::Kind;

/// A target's own name: it names the ledger file `.envsafe/state/NAME.json`.
pub(crate) fn target_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 64 {
        return Err("must be 1 to 64 characters");
    }
    if name.starts_with(['.', '-']) {
        return Err("must not start with `.` or `-`");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
    {
        return Err("may hold only letters, digits, `_`, `.` and `-`");
    }
    Ok(())
}

/// A value passed to a platform CLI as an argument (repo, namespace…):
/// never read as a flag, never a control character.
pub(crate) fn argument(value: &str) -> Result<(), &'static str> {
    if value.is_empty() || value.starts_with('-') {
        return Err("must not be empty or start with `-`");
    }
    if value.chars().any(char::is_control) {
        return Err("must not hold control characters");
    }
    Ok(())
}

/// A path a target writes, relative to envsafe.toml's directory: inside
/// the project (a config from a pull request must not write plaintext
/// over `~/.bashrc`).
pub(crate) fn inside(path: &str) -> Result<(), &'static str> {
    use std::path::Component;
    let p = std::path::Path::new(path);
    if path.is_empty() || p.is_absolute() {
        return Err("must be a relative path inside the project");
    }
    if p.components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err("must stay inside the project (no `..`)");
    }
    Ok(())
}

fn identifier(name: &str) -> Result<(), &'static str> {
    let Some(first) = name.bytes().next() else {
        return Err("is empty");
    };
    if first.is_ascii_digit() {
        return Err("must not start with a digit");
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("may hold only letters, digits and `_` on this platform");
    }
    Ok(())
}

/// A Kubernetes Secret key (`IsConfigMapKey`), also a file name under a
/// compose-secrets `dir` (so `kubectl create secret --from-file=DIR` takes
/// the directory as it is).
fn file_key(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > 253 {
        return Err("must be 1 to 253 characters");
    }
    if name == "." || name.starts_with("..") {
        return Err("must not be `.` or start with `..`");
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
    {
        return Err(
            "may hold only letters, digits, `-`, `.` and `_` (Kubernetes keys, file names)",
        );
    }
    Ok(())
}

/// The form in which two names are the same name on a target of `kind`
/// (GitHub stores secret names upper-cased), for sets of names.
pub(crate) fn key(kind: Kind, name: &str) -> String {
    if kind == Kind::Github {
        name.to_ascii_uppercase()
    } else {
        name.to_owned()
    }
}

/// A name on a target of `kind`.
pub(crate) fn on_target(kind: Kind, name: &str) -> Result<(), &'static str> {
    match kind {
        Kind::Fly => identifier(name),
        Kind::Github => {
            identifier(name)?;
            if name.to_ascii_uppercase().starts_with("GITHUB_") {
                return Err("must not start with `GITHUB_` (GitHub reserves it)");
            }
            Ok(())
        }
        Kind::K8s => file_key(name),
        Kind::ComposeSecrets => {
            file_key(name)?;
            // A file of the directory, not a secret: git would read it.
            if name == ".gitignore" || name == ".gitattributes" || name.ends_with(".keys") {
                return Err("names a file git or envsafe reads, not a secret");
            }
            Ok(())
        }
        Kind::Dotenv | Kind::Json => {
            if crate::dotenv::is_valid_name(name) {
                Ok(())
            } else {
                Err("is not a variable name")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_name_rules() {
        assert!(on_target(Kind::Fly, "ORY_API_KEY").is_ok());
        assert_eq!(
            on_target(Kind::Fly, "1X"),
            Err("must not start with a digit")
        );
        assert!(on_target(Kind::Fly, "A-B").is_err());
        assert!(on_target(Kind::Github, "github_token").is_err());
        assert!(on_target(Kind::Github, "MY_TOKEN").is_ok());
        assert!(on_target(Kind::K8s, "tls.crt").is_ok());
        assert!(on_target(Kind::K8s, "..data").is_err());
        assert!(on_target(Kind::K8s, "a/b").is_err());
        assert!(on_target(Kind::ComposeSecrets, ".").is_err());
        assert!(on_target(Kind::Dotenv, "9LIVES").is_ok());
        assert!(on_target(Kind::Dotenv, "A B").is_err());
        assert!(target_name("fly-server").is_ok());
        assert!(target_name("../x").is_err());
        assert!(argument("--help").is_err());
    }
}
