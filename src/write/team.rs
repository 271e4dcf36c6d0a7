//! Team access (DESIGN §3, §8): `rotate` (new keypair, every value of the
//! environment re-encrypted, headers, pin, team file and key stores
//! rewritten) and `recipients add|remove`. Each is one [`Transaction`]:
//! killed at any point, the next command leaves every file old or every
//! file new, and the key that opens them where it was.

use std::path::PathBuf;

use super::{open, Opened, WriteCtx};
use crate::config::shown;
use crate::crypto::{Opener, PrivateKey, PublicKey, Recipient, Sealer};
use crate::edit::Transaction;
use crate::error::{Error, Location, Result};
use crate::keys::{self, KeyStore, KeyringStore, TeamFileStore};
use crate::project::Selection;
use crate::schema::Rotation;
use crate::workspace::Workspace;

/// Progress of a long rewrite, for the front end (a bar on a terminal).
pub trait Progress {
    fn start(&self, _total: u64) {}
    fn advance(&self, _n: u64) {}
    fn finish(&self) {}
}

/// No progress shown.
pub struct NoProgress;
impl Progress for NoProgress {}

/// What `rotate` did.
#[derive(Debug, Clone)]
pub struct Rotated {
    pub env: String,
    pub old_public: PublicKey,
    pub new_public: PublicKey,
    /// Each file rewritten, and how many values it re-encrypted.
    pub files: Vec<(PathBuf, usize)>,
    /// Where the new private key now is.
    pub stored: Vec<String>,
    /// The new key was pinned in envsafe.toml.
    pub pinned: bool,
    /// The recipients the new team file is wrapped to (entries).
    pub wrapped_to: Vec<String>,
}

/// A secret the removed member could read, and its schema `rotation`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exposed {
    pub name: String,
    /// `auto`, `manual`, or None when the schema does not declare it.
    pub rotation: Option<&'static str>,
}

/// What `recipients remove` did.
#[derive(Debug, Clone)]
pub struct Removed {
    pub env: String,
    pub removed: Recipient,
    /// The rotation, unless `--no-rotate`.
    pub rotated: Option<Rotated>,
    /// Every secret the member could read (names only).
    pub exposed: Vec<Exposed>,
}

/// `recipients list`.
#[derive(Debug, Clone)]
pub struct Listed {
    pub env: String,
    pub recipients: Vec<Recipient>,
    /// `.envsafe/<env>.age`, and whether it exists.
    pub team_file: PathBuf,
    pub team_file_exists: bool,
}

/// `recipients list`: the selected environment's recipients (no key).
pub fn list_recipients(ws: &Workspace) -> Result<Listed> {
    let sel = declared(ws)?;
    let team_file = keys::team::path(&ws.project.root, &sel.name);
    Ok(Listed {
        recipients: ws.project.config.recipients(&sel.name)?,
        team_file_exists: team_file.exists(),
        team_file,
        env: sel.name,
    })
}

/// A recipient as typed: the entry itself, or the path of a file whose
/// first line is one (an ssh `.pub` file). A private key (a pasted one, an
/// identity file's path) is refused without being shown.
fn entry_from(env: &str, arg: &str) -> Result<String> {
    let path = std::path::Path::new(arg.trim());
    let mut entry = arg.to_owned();
    if !arg.trim().is_empty() && !arg.contains(char::is_whitespace) && path.is_file() {
        let text = crate::fsutil::read_to_string(path)?;
        if let Some(line) = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
        {
            entry = line.to_owned();
        }
    }
    if keys::mentions_private_key(entry.as_bytes()) || entry.contains("PRIVATE KEY-----") {
        return Err(Error::RecipientChange {
            env: env.into(),
            message: "that is a private key, not a recipient".into(),
            help: "give the public half: `envsafe identity show` prints yours (for ssh, the \
                   .pub file)"
                .into(),
        });
    }
    Ok(entry)
}

/// `rotate`: a new keypair for the selected environment. `confirmed`: the
/// user reviewed the recipients (`--confirm-recipients`), needed when no
/// sealed team file vouches for them.
pub fn rotate(ws: &Workspace, confirmed: bool, progress: &dyn Progress) -> Result<Rotated> {
    let sel = ws.selection()?;
    let recipients = ws.project.config.recipients(&sel.name)?;
    rekey(
        ws,
        &sel,
        &recipients,
        None,
        &recipients,
        None,
        confirmed,
        progress,
    )
}

/// What `recipients add` did.
#[derive(Debug, Clone)]
pub struct Added {
    pub added: Recipient,
    /// Everyone the team file is now wrapped to.
    pub list: Vec<Recipient>,
}

/// `recipients add`: lists `entry` for the environment and re-wraps its
/// team file to the new list (needs the environment's key).
pub fn add_recipient(
    ws: &Workspace,
    entry: &str,
    name: Option<&str>,
    confirmed: bool,
) -> Result<Added> {
    let sel = declared(ws)?;
    let entry = &entry_from(&sel.name, entry)?;
    let mut added = Recipient::parse(entry).map_err(|why| Error::Recipient {
        env: sel.name.clone(),
        entry: shown(entry),
        why,
    })?;
    if let Some(name) = name {
        added =
            Recipient::parse(&format!("{} {name}", added.key)).map_err(|why| Error::Recipient {
                env: sel.name.clone(),
                entry: shown(&added.key),
                why,
            })?;
    }
    let mut list = ws.project.config.recipients(&sel.name)?;
    let change = |message: String, help: &str| Error::RecipientChange {
        env: sel.name.clone(),
        message,
        help: help.into(),
    };
    if list.iter().any(|r| r.key == added.key) {
        return Err(change(
            format!("{} is already a recipient", added.entry()),
            "`envsafe recipients list` shows them",
        ));
    }
    if let Some(n) = &added.name {
        if list.iter().any(|r| r.name.as_ref() == Some(n)) {
            return Err(change(
                format!("another recipient is already named `{n}`"),
                "give a distinct --name: `recipients remove NAME` must name one recipient",
            ));
        }
    }
    let kept = list.clone();
    list.push(added.clone());
    rewrap(ws, &sel, &kept, None, &list, confirmed)?;
    Ok(Added { added, list })
}

/// `recipients remove`: unlists the recipient whose key, entry or display
/// name is `who` (a name must match one recipient), then rotates (unless
/// `rotate` is false: only re-wraps). Returns the secrets the member could
/// read.
pub fn remove_recipient(
    ws: &Workspace,
    who: &str,
    rotate: bool,
    confirmed: bool,
    progress: &dyn Progress,
) -> Result<Removed> {
    let sel = declared(ws)?;
    let mut list = ws.project.config.recipients(&sel.name)?;
    let who = who.trim();
    let matches: Vec<usize> = (0..list.len())
        .filter(|&i| {
            let r = &list[i];
            r.key == who || r.entry() == who || r.name.as_deref() == Some(who)
        })
        .collect();
    let i = match matches.as_slice() {
        [i] => *i,
        [] => {
            return Err(Error::RecipientNotListed {
                env: sel.name,
                entry: shown(who),
            })
        }
        many => {
            let keys: Vec<String> = many.iter().map(|&i| list[i].key.clone()).collect();
            return Err(Error::RecipientChange {
                env: sel.name,
                message: format!(
                    "`{who}` names {} recipients: {}",
                    many.len(),
                    keys.join(", ")
                ),
                help: "name the one to remove by its key".into(),
            });
        }
    };
    let before = list.clone();
    let removed = list.remove(i);
    if list.is_empty() {
        return Err(Error::RecipientChange {
            env: sel.name,
            message: format!("{} is the last recipient", removed.entry()),
            help: "add the new recipients first: the team key file would open for no one".into(),
        });
    }
    let exposed = exposed(ws, &sel.name)?;
    let rotated = if rotate {
        Some(rekey(
            ws,
            &sel,
            &before,
            Some(&removed),
            &list,
            Some(&list),
            confirmed,
            progress,
        )?)
    } else {
        rewrap(ws, &sel, &before, Some(&removed), &list, confirmed)?;
        None
    };
    Ok(Removed {
        env: sel.name,
        removed,
        rotated,
        exposed,
    })
}

/// The selected environment, which must be declared in envsafe.toml
/// (recipients live there).
fn declared(ws: &Workspace) -> Result<Selection> {
    ws.require_project()?;
    if ws.project.config_path.is_none() {
        return Err(Error::Usage {
            message: "team access needs an envsafe.toml (recipients are listed there)".into(),
            help: "create one with `envsafe init`".into(),
        });
    }
    if !ws.files.is_empty() {
        return Err(Error::Usage {
            message: "recipients are per environment: -f cannot choose files".into(),
            help: "drop -f; choose the environment with -e".into(),
        });
    }
    let sel = ws.selection()?;
    if !ws.project.config.environments.contains_key(&sel.name) {
        return Err(Error::UnknownEnvironment {
            env: sel.name,
            known: ws.project.config.environments.keys().cloned().collect(),
        });
    }
    Ok(sel)
}

/// The environment's public key: the pin, else its secret file's header.
pub(super) fn current_public(ws: &Workspace, env: &str) -> Result<(PublicKey, PathBuf)> {
    let file = ws.secret_file(env)?;
    if let Some(pin) = ws.project.config.pinned_key(env) {
        return Ok((pin, file));
    }
    if let Some(text) = crate::fsutil::read_optional(&file)? {
        let doc = crate::dotenv::Document::parse(&file, text)?;
        if let Some(h) = crate::header::find(&doc)? {
            return Ok((h.public_key, file));
        }
    }
    Err(Error::NoFiles {
        env: env.to_owned(),
        files: vec![file.display().to_string()],
    })
}

/// Names of the sealed values of `env`'s files, with their `rotation`.
fn exposed(ws: &Workspace, env: &str) -> Result<Vec<Exposed>> {
    let mut out: Vec<Exposed> = Vec::new();
    for path in ws.files(env)? {
        let Some(text) = crate::fsutil::read_optional(&path)? else {
            continue;
        };
        let doc = crate::dotenv::Document::parse(&path, text)?;
        for e in doc.entries().filter(|e| e.sealed().is_some()) {
            if out.iter().any(|x| x.name == e.name) {
                continue;
            }
            let rotation = ws
                .project
                .config
                .vars
                .get(e.name)
                .map(|s| match s.rotation {
                    Rotation::Auto => "auto",
                    Rotation::Manual => "manual",
                });
            out.push(Exposed {
                name: e.name.to_owned(),
                rotation,
            });
        }
    }
    Ok(out)
}

/// Re-wraps the team file to `list` and records `list` in envsafe.toml,
/// in one transaction. `before` is what envsafe.toml lists now: the
/// current team file must vouch for it (`team::confirm_listed`), checked
/// under the transaction's locks with envsafe.toml re-read there.
fn rewrap(
    ws: &Workspace,
    sel: &Selection,
    before: &[Recipient],
    removing: Option<&Recipient>,
    list: &[Recipient],
    confirmed: bool,
) -> Result<()> {
    let env = &sel.name;
    let (public, file) = current_public(ws, env)?;
    not_the_key_itself(env, list, &public)?;
    let key = ws.keys().find(env, &public, &file)?;
    let team = team_store(ws, env, list);
    team.ensure_dir()?;
    let config_path = config_path(ws)?;
    let mut txn = Transaction::begin(&ws.project.root, &[&config_path, &team.path])?;
    let text = unchanged_config(ws, &config_path, env)?;
    keys::team::confirm_listed(&team.path, env, &key, before, removing, confirmed)?;
    let entries: Vec<String> = list.iter().map(Recipient::entry).collect();
    let new = crate::config::with_recipients(&config_path, &text, env, &entries)?;
    txn.stage(&config_path, new.as_bytes(), None)?;
    team.stage(&mut txn, env, &key)?;
    txn.commit()
}

/// Refuses the environment's own public key as a recipient: the team file
/// is always wrapped to it (last), and as a listed entry it would follow
/// the key into every rotation, handing each new key to whoever held an
/// old one.
fn not_the_key_itself(env: &str, list: &[Recipient], public: &PublicKey) -> Result<()> {
    let own = public.to_string();
    match list.iter().find(|r| r.key == own) {
        Some(r) => Err(Error::RecipientChange {
            env: env.into(),
            message: format!("{} is the environment's own public key", r.entry()),
            help: "give a member's recipient (`envsafe identity show`), never the environment key"
                .into(),
        }),
        None => Ok(()),
    }
}

/// envsafe.toml's text, read under a transaction's lock, after checking
/// that `env`'s pin, recipients and files are still what the command read
/// before it locked (another command may have rotated or changed them).
fn unchanged_config(ws: &Workspace, path: &std::path::Path, env: &str) -> Result<String> {
    let text = crate::fsutil::read_to_string(path)?;
    let now = crate::config::Config::parse(path, &text)?;
    let before = &ws.project.config;
    let listed = |c: &crate::config::Config| {
        c.environments
            .get(env)
            .map(|e| (e.recipients.clone(), e.files.clone()))
    };
    if now.pinned_key(env) != before.pinned_key(env) || listed(&now) != listed(before) {
        return Err(Error::ChangedMeanwhile {
            path: path.to_path_buf(),
        });
    }
    Ok(text)
}

fn config_path(ws: &Workspace) -> Result<PathBuf> {
    ws.require_project()?;
    ws.project
        .config_path
        .clone()
        .ok_or_else(|| Error::NoProject {
            dir: ws.project.root.clone(),
        })
}

fn team_store(ws: &Workspace, env: &str, list: &[Recipient]) -> TeamFileStore {
    TeamFileStore {
        path: keys::team::path(&ws.project.root, env),
        recipients: list.to_vec(),
        prompt: ws.prompt.clone(),
    }
}

/// A file of the environment read for the rekey, its values opened.
struct Rewrite {
    path: PathBuf,
    opened: Opened,
    sealed: usize,
}

/// The rotation: a new keypair; every sealed value of every file of the
/// environment re-encrypted to it and the headers changed; the pin, the
/// team file (wrapped to `recipients`) and the stores that held the old
/// key given the new one; `new_list` also written to envsafe.toml. One
/// transaction.
#[allow(clippy::too_many_arguments)]
fn rekey(
    ws: &Workspace,
    sel: &Selection,
    before: &[Recipient],
    removing: Option<&Recipient>,
    recipients: &[Recipient],
    new_list: Option<&[Recipient]>,
    confirmed: bool,
    progress: &dyn Progress,
) -> Result<Rotated> {
    let env = sel.name.clone();
    if !ws.files.is_empty() && ws.project.config.environments.contains_key(&env) {
        // A subset would leave the other files sealed to the old key while
        // the pin moves on.
        return Err(Error::Usage {
            message: format!(
                "rotate re-encrypts every file of environment `{env}`: -f cannot choose them"
            ),
            help: "drop -f (envsafe.toml lists the environment's files)".into(),
        });
    }
    let (old_public, first) = current_public(ws, &env)?;
    not_the_key_itself(&env, recipients, &old_public)?;
    let lookup = ws.keys();
    let old_key = lookup.find(&env, &old_public, &first)?;
    let new_key = PrivateKey::generate();
    let new_public = new_key.public();

    // Where the new key goes: the team file when the environment has
    // recipients; the keys file and the keyring when they held the old
    // key; the keys file when nothing else would keep it.
    let team = (!recipients.is_empty()).then(|| team_store(ws, &env, recipients));
    let keys_file = ws.key_store();
    let in_keys_file = keys::keys_file_holds(&keys_file.path, &env, &old_public)?;
    let in_keyring = matches!(KeyringStore::get(&old_public), Ok(Some(_)));
    // Never the keyring as the only lasting copy where it forgets (Linux:
    // at reboot): the keys file too (a team file's recipients may be
    // keyring identities, gone at the same reboot).
    let use_keys_file =
        in_keys_file || (in_keyring && keys::keyring::VOLATILE) || (team.is_none() && !in_keyring);

    let files: Vec<PathBuf> = ws
        .files(&env)?
        .into_iter()
        .filter(|p| crate::header::file_has_header(p))
        .collect();
    let config_path = ws.project.config_path.clone();
    let mut paths = files.clone();
    paths.extend(config_path.clone());
    if let Some(t) = &team {
        t.ensure_dir()?;
        paths.extend(t.files());
    }
    if use_keys_file {
        paths.extend(keys_file.files());
    }
    let mut txn = Transaction::begin(&ws.project.root, &paths)?;
    if let Some(config_path) = &config_path {
        unchanged_config(ws, config_path, &env)?;
    }
    let team_path = keys::team::path(&ws.project.root, &env);
    keys::team::confirm_listed(&team_path, &env, &old_key, before, removing, confirmed)?;
    let now: Vec<PathBuf> = ws
        .files(&env)?
        .into_iter()
        .filter(|p| crate::header::file_has_header(p))
        .collect();
    if now != files {
        // A file joined the environment, or got a header, since the list
        // was made: it would keep the old key while the pin moves on.
        return Err(Error::ChangedMeanwhile {
            path: now.first().cloned().unwrap_or(first.clone()),
        });
    }

    let mut rewrites = Vec::new();
    let total = ws.with_writer(sel, |ctx: &WriteCtx<'_>| -> Result<u64> {
        let mut total = 0;
        for path in &files {
            let (_lock, opened) = open(path, ctx, false)?;
            if let Some(h) = &opened.header {
                if h.public_key != old_public {
                    return Err(Error::KeyMismatch {
                        at: crate::header::location(&opened.doc),
                        header: h.public_key.to_string(),
                        trusted: old_public.to_string(),
                        trusted_what: "the key being rotated".into(),
                    });
                }
            }
            let sealed = opened
                .doc
                .entries()
                .filter(|e| e.sealed().is_some())
                .count();
            total += sealed as u64;
            rewrites.push(Rewrite {
                path: path.clone(),
                opened,
                sealed,
            });
        }
        Ok(total)
    })?;

    progress.start(total);
    let sealer = Sealer::new(&new_public).ok_or_else(|| Error::InvalidPublicKey {
        at: Location {
            path: first.clone(),
            line: 1,
            col: 1,
        },
        reason: "the new key is invalid".into(),
    })?;
    let mut opener = Opener::with_public(old_key, old_public);
    let mut rewritten = Vec::new();
    for Rewrite {
        path,
        mut opened,
        sealed,
    } in rewrites
    {
        opened.doc.map_values(|e| {
            let Some(text) = e.sealed() else {
                return Ok(None);
            };
            let plain = opener.open(e.name, text).map_err(|reason| Error::Decrypt {
                at: Location {
                    path: path.clone(),
                    line: e.line,
                    col: e.col,
                },
                name: e.name.into(),
                reason,
            })?;
            progress.advance(1);
            Ok(Some(format!("\"{}\"", sealer.seal(e.name, plain.expose()))))
        })?;
        let rendered = opened.doc.render();
        let text =
            crate::header::with_public_key(&rendered, &new_public).expect("the file has a header");
        txn.stage(&path, text.as_bytes(), None)?;
        rewritten.push((path, sealed));
    }

    let mut pinned = false;
    if let Some(config_path) = &config_path {
        if ws.project.config.environments.contains_key(&env) {
            let text = crate::fsutil::read_to_string(config_path)?; // under the lock
            let mut new = crate::config::with_pin(config_path, &text, &env, &new_public)?;
            if let Some(list) = new_list {
                let entries: Vec<String> = list.iter().map(Recipient::entry).collect();
                new = crate::config::with_recipients(config_path, &new, &env, &entries)?;
            }
            txn.stage(config_path, new.as_bytes(), None)?;
            pinned = true;
        }
    }
    let mut stored = Vec::new();
    if let Some(t) = &team {
        stored.push(t.stage(&mut txn, &env, &new_key)?.place);
    }
    if use_keys_file {
        stored.push(keys_file.stage(&mut txn, &env, &new_key)?.place);
    }
    if in_keyring {
        // Written now, under its own account: harmless if the commit
        // never happens (see `KeyringStore::stage`).
        stored.push(KeyringStore.stage(&mut txn, &env, &new_key)?.place);
    }
    txn.commit()?;
    progress.finish();
    Ok(Rotated {
        env,
        old_public,
        new_public,
        files: rewritten,
        stored,
        pinned,
        wrapped_to: recipients.iter().map(Recipient::entry).collect(),
    })
}
