//! Where a file target (`dotenv`, `compose-secrets`, `json`/`k8s` with a
//! `path`) writes plaintext, checked before anything is read: inside the
//! project through no symlink (git stores symlinks: a pull request could
//! otherwise point `deploy/` at `~`), never over envsafe's own files or
//! `.git/` / `.envsafe/`, never over a file git tracks (`.gitignore`
//! included: a secret there, and `.env.keys` no longer ignored).

use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};
use crate::workspace::Workspace;

use super::config::{Kind, TargetConfig};

fn refuse(name: &str, message: String) -> Error {
    Error::Usage {
        message: format!("target `{name}`: {message}"),
        help: format!(
            "give [targets.{name}] a path of its own inside the project, through no symlink, \
             git-ignored"
        ),
    }
}

/// The path `rel` (checked at load: relative, no `..`) under `root`.
fn under(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

/// `p` absolute, without `.` components: the form every comparison uses
/// (`--config ./envsafe.toml` makes the root `.`).
fn normal(p: &Path) -> PathBuf {
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::path::absolute(p)
        .unwrap_or_else(|_| p.to_path_buf())
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .collect()
}

/// Refuses a symlink at any existing step from `root` to `path` (the last
/// step included: a symlinked file is written through).
fn no_symlink(name: &str, root: &Path, path: &Path) -> Result<()> {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(refuse(
                    name,
                    format!(
                        "{} is a symlink: a target never writes through one",
                        at.display()
                    ),
                ))
            }
            Ok(_) => {}
            Err(_) => break, // made by the write, as a real directory or file
        }
    }
    Ok(())
}

/// The files and directories a target must never write: envsafe's.
fn kept(ws: &Workspace) -> Vec<PathBuf> {
    let root = &ws.project.root;
    let mut kept = vec![
        under(root, "envsafe.toml"),
        ws.keys_file(),
        under(root, ".envsafe"),
        under(root, ".git"),
        under(root, ".gitignore"),
        under(root, ".gitattributes"),
        under(root, ".envsafe-journal"),
    ];
    if let Some(c) = &ws.project.config_path {
        kept.push(c.clone());
    }
    for env in ws.project.environments() {
        kept.extend(ws.project.files(&env).unwrap_or_default());
    }
    kept
}

/// `path` with symlinks resolved in its existing part (the rest is made
/// by the write).
fn canonical(path: &Path) -> PathBuf {
    let path = normal(path);
    for base in path.ancestors() {
        if let Ok(c) = std::fs::canonicalize(base) {
            let rest = path.strip_prefix(base).unwrap_or(Path::new(""));
            return c.join(rest);
        }
    }
    path
}

/// Whether the repository found from `dir` tracks `path`, anything under
/// it, or a submodule above it. No repository: `Ok(false)`. One whose
/// index cannot be read (owned by another user, a split index libgit2
/// does not read): an error, never "not tracked".
fn tracked_from(dir: &Path, path: &Path) -> Result<bool> {
    let unreadable = |why: String| Error::GitUnreadable {
        path: path.to_path_buf(),
        why,
    };
    let repo = match git2::Repository::discover(dir) {
        Ok(repo) => repo,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(false),
        Err(e) => return Err(unreadable(e.message().to_owned())),
    };
    let Some(workdir) = repo.workdir() else {
        return Ok(false);
    };
    let index = repo
        .index()
        .map_err(|e| unreadable(e.message().to_owned()))?;
    let workdir = canonical(workdir);
    let Ok(rel) = canonical(path)
        .strip_prefix(&workdir)
        .map(Path::to_path_buf)
    else {
        return Ok(false);
    };
    let rel = rel.to_string_lossy().into_owned();
    let below = format!("{rel}/");
    Ok(index.iter().any(|e| {
        let p = String::from_utf8_lossy(&e.path);
        p == rel || p.starts_with(&below) || rel.starts_with(&format!("{p}/"))
    }))
}

/// Whether git tracks `path`: the repository of its nearest existing
/// directory (a nested one, a submodule) or the project's.
fn tracked(root: &Path, path: &Path) -> Result<bool> {
    let near = normal(path)
        .ancestors()
        .skip(1)
        .find(|a| a.is_dir())
        .map(Path::to_path_buf);
    for dir in near.into_iter().chain([normal(root)]) {
        if tracked_from(&dir, path)? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Checks where target `name` writes, if it writes a file or directory.
pub(crate) fn check(ws: &Workspace, name: &str, config: &TargetConfig) -> Result<()> {
    let Some(rel) = config.path.as_deref().or(config.dir.as_deref()) else {
        return Ok(());
    };
    let is_dir = config.kind == Kind::ComposeSecrets;
    let root = &ws.project.root;
    let out = under(root, rel);
    if Path::new(rel).components().any(|c| c.as_os_str() == ".git") {
        return Err(refuse(
            name,
            format!("{} is inside a git directory", out.display()),
        ));
    }
    no_symlink(name, root, &out)?;
    if is_dir {
        for (target_name, _) in config.entries() {
            no_symlink(name, root, &out.join(target_name))?;
        }
    }
    let out_n = normal(&out);
    let clash = kept(ws).into_iter().find(|k| {
        let k = normal(k);
        out_n == k || out_n.starts_with(&k) || (is_dir && k.starts_with(&out_n))
    });
    if let Some(k) = clash {
        return Err(refuse(
            name,
            format!(
                "would write plaintext over {} (envsafe's or git's own)",
                k.display()
            ),
        ));
    }
    let file_name = out.file_name().map(|n| n.to_string_lossy().into_owned());
    if file_name
        .as_deref()
        .is_some_and(|n| n.ends_with(".keys") || n == ".gitignore" || n == ".gitattributes")
    {
        return Err(refuse(
            name,
            format!("would write plaintext over {}", out.display()),
        ));
    }
    if tracked(root, &out)? {
        return Err(refuse(
            name,
            format!(
                "{} is tracked by git: plaintext there would be committed",
                out.display()
            ),
        ));
    }
    if !is_dir && crate::header::file_has_header(&out) {
        return Err(refuse(
            name,
            format!("{} is an envsafe env file", out.display()),
        ));
    }
    Ok(())
}
