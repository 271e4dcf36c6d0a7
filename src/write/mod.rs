//! The write flows: `set`, `unset`, `encrypt`, `decrypt`, a new file's
//! header. Each takes the directory lock, reads, refuses what `guard`
//! refuses, edits only the lines it must, and replaces the file
//! atomically (several files: in one `edit::Transaction`); on any error
//! no file is touched.

mod generate;
mod guard;
mod init;
pub mod keys;
mod team;

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::crypto::{PrivateKey, PublicKey, Sealer};
use crate::dotenv::{value, Document, Quote};
use crate::edit::Transaction;
use crate::error::{Error, Location, Result};
use crate::fsutil::{self, DirLock};
use crate::header::{self, Header};
use crate::keys::{KeyLookup, KeyStore, Openers};
use crate::schema::{self, Placement};
use crate::SecretValue;

pub use generate::{generate, GenerateOptions, Generated, GeneratedVar};
pub use guard::is_keys_file_name;
pub use init::{init, Initialized};
pub use team::{
    add_recipient, list_recipients, remove_recipient, rotate, Exposed, Listed, NoProgress,
    Progress, Removed, Rotated,
};

/// What a write needs besides the file: the environment, where new keys
/// go, and what the trusted public key is.
#[derive(Debug, Clone, Copy)]
pub struct WriteCtx<'a> {
    /// The environment the write is for.
    pub env: &'a str,
    /// The user chose the environment (`-e`, `ENVSAFE_ENV`, a key
    /// variable) or the file is one of its files: a header naming another
    /// environment is then an error. Otherwise the header's environment is
    /// used.
    pub strict_env: bool,
    /// Where a new private key is kept.
    pub store: &'a dyn KeyStore,
    /// envsafe.toml: the schema and the pinned keys.
    pub config: &'a Config,
    /// envsafe.toml's path, where the key of a new keypair is pinned.
    pub config_path: Option<&'a Path>,
    /// Private key lookup (to check a header against the key held).
    pub keys: &'a KeyLookup,
}

/// What a write did, for the user.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub created_file: bool,
    /// A new keypair was made; its public key.
    pub new_key: Option<String>,
    /// Where the new private key was stored.
    pub key_stored_in: Option<String>,
    /// The new key was pinned in envsafe.toml.
    pub pinned: bool,
    pub added_gitignore: bool,
    /// Lines changed or added.
    pub changed: usize,
    /// Plain values left in a file that now has a header.
    pub plain_left: usize,
    /// Public (`secret = false`) values `encrypt` left plain.
    pub kept_plain: usize,
}

/// A file read for a write and checked by the guard.
struct Opened {
    doc: Document,
    /// The file does not exist yet (only when `may_create`).
    created: bool,
    header: Option<Header>,
    /// The environment the file is for.
    env: String,
}

/// Locks the directory of `path`, reads the file and checks it; the lock
/// is held until the caller drops it, after its write.
fn open(path: &Path, ctx: &WriteCtx<'_>, may_create: bool) -> Result<(DirLock, Opened)> {
    guard::refuse_keys_target(path, ctx)?;
    let lock = DirLock::for_file(path)?;
    let (doc, created) = match fsutil::read_optional(path)? {
        Some(text) => (Document::parse(path, text)?, false),
        None if may_create => (Document::empty(path), true),
        None => (Document::read(path)?, false), // the not-found error
    };
    let (header, env) = guard::prepare(&doc, ctx)?;
    Ok((
        lock,
        Opened {
            doc,
            created,
            header,
            env,
        },
    ))
}

/// The public key to seal to: the header's (already trusted by
/// `guard::prepare`); for a file without one, the pinned key, else a new
/// keypair (private key stored, public key pinned).
fn ensure_header(
    doc: &mut Document,
    header: Option<&Header>,
    env: &str,
    ctx: &WriteCtx<'_>,
    out: &mut Outcome,
) -> Result<PublicKey> {
    if let Some(h) = header {
        return Ok(h.public_key);
    }
    let public = match ctx.config.pinned_key(env) {
        Some(pinned) => pinned,
        None => {
            let key = PrivateKey::generate();
            let public = key.public();
            let stored = ctx.store.store(env, &key)?;
            out.added_gitignore = stored.added_gitignore;
            out.key_stored_in = Some(stored.place);
            out.new_key = Some(public.to_string());
            if let Some(config_path) = ctx.config_path {
                if ctx.config.environments.contains_key(env) {
                    crate::config::write_pin(config_path, env, &public)?;
                    out.pinned = true;
                }
            }
            public
        }
    };
    doc.prepend(&header::render(&public, env));
    Ok(public)
}

fn sealer(path: &Path, public: &PublicKey) -> Result<Sealer> {
    Sealer::new(public).ok_or_else(|| Error::InvalidPublicKey {
        at: Location {
            path: path.to_path_buf(),
            line: 1,
            col: 1,
        },
        reason: "the key is a low-order point".into(),
    })
}

/// Sets several variables in `path` in one write (one ephemeral key for
/// the batch): sealed to the file's public key, or plain (`plain = true`).
/// Changes one line per variable (or adds one). The caller has checked the
/// values (`schema::check_write`).
pub fn set_many(
    path: &Path,
    values: &[(&str, &SecretValue)],
    plain: bool,
    ctx: &WriteCtx<'_>,
) -> Result<Outcome> {
    for (name, _) in values {
        if !crate::dotenv::is_valid_name(name) {
            return Err(Error::invalid_name(name));
        }
    }
    let (_lock, mut f) = open(path, ctx, true)?;
    let mut out = Outcome {
        created_file: f.created,
        changed: values.len(),
        ..Outcome::default()
    };
    let sealer = if plain {
        None
    } else {
        let public = ensure_header(&mut f.doc, f.header.as_ref(), &f.env, ctx, &mut out)?;
        Some(sealer(path, &public)?)
    };
    for (name, value) in values {
        let text = match &sealer {
            None => value::quote(value.expose()),
            Some(sealer) => format!("\"{}\"", sealer.seal(name, value.expose())),
        };
        f.doc.set_raw(name, &text);
    }
    if out.new_key.is_some() {
        out.plain_left = f
            .doc
            .entries()
            .filter(|e| e.sealed().is_none() && !values.iter().any(|(n, _)| *n == e.name))
            .count();
    }
    fsutil::atomic_write(path, f.doc.render().as_bytes(), None)?;
    Ok(out)
}

/// How `set` was asked to store a value.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetOptions {
    /// `--plain`: store it unencrypted (refused for a secret variable).
    pub plain: bool,
    /// `--allow-empty`: an empty value is deliberate.
    pub allow_empty: bool,
}

/// What `set_var` did.
#[derive(Debug, Clone)]
pub struct SetOutcome {
    pub path: PathBuf,
    /// Stored plain (asked for, or the schema says `secret = false`).
    pub plain: bool,
    pub placement: Placement,
    pub outcome: Outcome,
    /// Files of the environment loaded after `path` that also set the
    /// variable (and so win over the value just written).
    pub shadowed_by: Vec<PathBuf>,
}

/// `envsafe set`: checks `value` against the schema, lets the schema decide
/// plain or sealed, picks the file among the environment's `files`
/// (DESIGN §7), and writes it.
pub fn set_var(
    files: &[PathBuf],
    name: &str,
    value: &SecretValue,
    opts: SetOptions,
    ctx: &WriteCtx<'_>,
) -> Result<SetOutcome> {
    if !crate::dotenv::is_valid_name(name) {
        return Err(Error::invalid_name(name));
    }
    let placement = schema::placement(&ctx.config.vars, name, Some(value.expose()));
    if opts.plain && placement.secret {
        return Err(Error::PlainSecret {
            name: name.to_owned(),
            why: placement.why,
        });
    }
    schema::check_write(&ctx.config.vars, name, value.expose(), opts.allow_empty)?;
    let plain = opts.plain || ctx.config.vars.get(name).and_then(|s| s.secret) == Some(false);
    let path = if plain {
        crate::project::plain_target(files)
    } else {
        crate::project::secret_target(files)
    }
    .ok_or_else(|| Error::NoFiles {
        env: ctx.env.to_owned(),
        files: Vec::new(),
    })?;
    let outcome = set_many(&path, &[(name, value)], plain, ctx)?;
    Ok(SetOutcome {
        path,
        plain,
        placement,
        outcome,
        shadowed_by: Vec::new(),
    })
}

/// What `set` can refuse before a value is read (so no prompt comes
/// first): the name, several `-f`, the environment.
pub fn check_set(
    ws: &crate::workspace::Workspace,
    name: &str,
) -> Result<crate::project::Selection> {
    if !crate::dotenv::is_valid_name(name) {
        return Err(Error::invalid_name(name));
    }
    if ws.files.len() > 1 {
        return Err(Error::Usage {
            message: "`set` writes one file (-f given more than once)".into(),
            help: "pass a single -f PATH".into(),
        });
    }
    ws.selection()
}

/// `envsafe set` in a workspace, for the environment [`check_set`]
/// selected: one file (`-f`), else the environment's files; also names the
/// later files that still override the variable.
pub fn set(
    ws: &crate::workspace::Workspace,
    sel: &crate::project::Selection,
    name: &str,
    value: &SecretValue,
    opts: SetOptions,
) -> Result<SetOutcome> {
    let files = ws.files(&sel.name)?;
    let mut done = ws.with_writer(sel, |w| set_var(&files, name, value, opts, w))?;
    if ws.files.is_empty() {
        if let Some(at) = files.iter().position(|f| *f == done.path) {
            // Advisory, after the write: a later file that cannot be read
            // is `run`'s error to report, not a failure of this `set`.
            for later in &files[at + 1..] {
                let Ok(Some(text)) = fsutil::read_optional(later) else {
                    continue;
                };
                let sets_it = Document::parse(later, text).is_ok_and(|d| d.get(name).is_some());
                if sets_it {
                    done.shadowed_by.push(later.clone());
                }
            }
        }
    }
    Ok(done)
}

/// `envsafe unset` in a workspace: removes `name` from every file of the
/// selected environment that sets it; the files changed.
pub fn unset_var(ws: &crate::workspace::Workspace, name: &str) -> Result<Vec<PathBuf>> {
    let sel = ws.selection()?;
    let mut removed = Vec::new();
    for path in ws.files(&sel.name)? {
        if !path.exists() {
            continue;
        }
        match ws.with_writer(&sel, |w| unset(&path, name, w)) {
            Ok(_) => removed.push(path),
            Err(Error::NotSet { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if removed.is_empty() {
        return Err(Error::NotSetInEnv {
            env: sel.name,
            name: name.into(),
        });
    }
    Ok(removed)
}

/// Removes every assignment of `name`; an error if there is none.
pub fn unset(path: &Path, name: &str, ctx: &WriteCtx<'_>) -> Result<Outcome> {
    let (_lock, Opened { mut doc, .. }) = open(path, ctx, false)?;
    let n = doc.remove(name);
    if n == 0 {
        return Err(Error::NotSet {
            path: path.to_path_buf(),
            name: name.into(),
        });
    }
    fsutil::atomic_write(path, doc.render().as_bytes(), None)?;
    Ok(Outcome {
        changed: n,
        ..Outcome::default()
    })
}

/// Seals every plain value of the file (adding a header, and a keypair if
/// the environment has none), except variables the schema declares
/// `secret = false`, which stay plain. Values that use `${…}` expansion are
/// refused: sealed values are literal.
pub fn encrypt(path: &Path, ctx: &WriteCtx<'_>) -> Result<Outcome> {
    let (_lock, mut f) = open(path, ctx, false)?;
    let public_var = |name: &str| ctx.config.vars.get(name).and_then(|s| s.secret) == Some(false);
    let mut out = Outcome::default();
    for e in f.doc.entries() {
        if e.sealed().is_some() || public_var(e.name) {
            continue;
        }
        if e.quote != Quote::Single && value::has_expansion(e.raw, e.quote) {
            return Err(Error::ExpansionInSecret {
                at: Location {
                    path: path.to_path_buf(),
                    line: e.line,
                    col: e.col,
                },
                name: e.name.into(),
            });
        }
        let plain = SecretValue::new(e.literal());
        if let Some(kind) = crate::envelope::ciphertext_kind(plain.expose()) {
            return Err(Error::Ciphertext {
                place: format!("{}:{}: ", path.display(), e.line),
                name: e.name.into(),
                kind,
            });
        }
    }
    let public = ensure_header(&mut f.doc, f.header.as_ref(), &f.env, ctx, &mut out)?;
    let sealer = sealer(path, &public)?;
    let mut kept_plain = 0;
    out.changed = f.doc.map_values(|e| {
        if e.sealed().is_some() {
            return Ok(None);
        }
        if public_var(e.name) {
            kept_plain += 1;
            return Ok(None);
        }
        let plain = SecretValue::new(e.literal());
        Ok(Some(format!("\"{}\"", sealer.seal(e.name, plain.expose()))))
    })?;
    out.kept_plain = kept_plain;
    if out.changed > 0 || out.new_key.is_some() || f.header.is_none() {
        fsutil::atomic_write(path, f.doc.render().as_bytes(), None)?;
    }
    Ok(out)
}

/// Opens every sealed value of the file at `path`, under its directory's
/// lock: the rendered plaintext file, how many values it opened, and the
/// lock (held until the caller has written).
fn open_sealed(path: &Path, ctx: &WriteCtx<'_>) -> Result<(DirLock, SecretValue, usize)> {
    let (lock, mut f) = open(path, ctx, false)?;
    let mut openers = Openers::new(ctx.keys, &f.env);
    let changed = f.doc.map_values(|e| match e.sealed() {
        Some(sealed) => {
            let plain = openers.open_entry(path, f.header.as_ref(), &e, sealed)?;
            Ok(Some(value::quote(plain.expose())))
        }
        None => Ok(None),
    })?;
    Ok((lock, SecretValue::new(f.doc.render()), changed))
}

/// Opens every sealed value. Returns the rendered plaintext file; writes it
/// in place unless `in_place` is false. Fails closed: one bad value, no
/// change.
pub fn decrypt(path: &Path, ctx: &WriteCtx<'_>, in_place: bool) -> Result<(SecretValue, Outcome)> {
    let (_lock, rendered, changed) = open_sealed(path, ctx)?;
    if in_place && changed > 0 {
        fsutil::atomic_write(path, rendered.expose().as_bytes(), None)?;
    }
    Ok((
        rendered,
        Outcome {
            changed,
            ..Outcome::default()
        },
    ))
}

/// Decrypts every file of `paths` in place, all or none: each is read and
/// opened first, under the locks of all their directories, and the changed
/// ones are replaced in one [`Transaction`] journaled at `root` (the
/// project root), so that even a kill leaves every file encrypted or every
/// file decrypted. One outcome per path, in order; a path named twice is
/// decrypted once.
pub fn decrypt_files(root: &Path, paths: &[PathBuf], ctx: &WriteCtx<'_>) -> Result<Vec<Outcome>> {
    let mut txn = Transaction::begin(root, paths)?;
    let mut outcomes = Vec::with_capacity(paths.len());
    for (i, path) in paths.iter().enumerate() {
        if paths[..i].contains(path) {
            outcomes.push(Outcome::default());
            continue;
        }
        let (_lock, rendered, changed) = open_sealed(path, ctx)?;
        if changed > 0 {
            txn.stage(path, rendered.expose().as_bytes(), None)?;
        }
        outcomes.push(Outcome {
            changed,
            ..Outcome::default()
        });
    }
    txn.commit()?;
    Ok(outcomes)
}

/// Gives the file a header unless it has one (creating the file if
/// missing): the pinned key, else a new keypair. Existing values are left
/// as they are.
pub fn init_file(path: &Path, ctx: &WriteCtx<'_>) -> Result<Outcome> {
    let (_lock, mut f) = open(path, ctx, true)?;
    let mut out = Outcome {
        created_file: f.created,
        ..Outcome::default()
    };
    match f.header {
        None => {
            ensure_header(&mut f.doc, None, &f.env, ctx, &mut out)?;
            out.plain_left = f.doc.entries().filter(|e| e.sealed().is_none()).count();
            fsutil::atomic_write(path, f.doc.render().as_bytes(), None)?;
        }
        // An existing file of an environment with no pin yet: pin its key,
        // but only when the private key held proves it is the real one.
        Some(h) if ctx.config.pinned_key(&f.env).is_none() => {
            if let Some(config_path) = ctx.config_path {
                let held = ctx.keys.held_for(&f.env, path)?;
                if held.iter().any(|k| k.public() == h.public_key)
                    && ctx.config.environments.contains_key(&f.env)
                {
                    crate::config::write_pin(config_path, &f.env, &h.public_key)?;
                    out.pinned = true;
                }
            }
        }
        Some(_) => {}
    }
    Ok(out)
}
