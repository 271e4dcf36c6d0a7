//! Team key files `.envsafe/<env>.age` (DESIGN §2, §3): the environment's
//! private key as an armored age file to the environment's recipients.
//! Stock `age -d -i IDENTITY .envsafe/ENV.age` prints it. Unlocking is
//! lookup step 4; [`TeamFileStore`] writes (wraps) it.
//!
//! The file is also wrapped to the environment key itself (its last
//! stanza), and its plaintext records the recipients it was wrapped to: a
//! writer holding the key reads that record back ([`confirm_listed`]), so
//! a recipient added to envsafe.toml by hand (by someone without the key)
//! is refused instead of silently receiving the key at the next re-wrap.

use std::path::{Path, PathBuf};

use super::identity::Prompter;
use super::{KeyStore, Stored};
use crate::crypto::{Identities, PrivateKey, Recipient, UnwrapError};
use crate::edit::Transaction;
use crate::error::{Error, Result};
use crate::fsutil;
use crate::SecretValue;

/// A team file is a few hundred bytes per recipient.
const MAX_TEAM_FILE: u64 = 1 << 20;

/// `.envsafe/<env>.age` under `root`.
pub fn path(root: &Path, env: &str) -> PathBuf {
    root.join(".envsafe").join(format!("{env}.age"))
}

/// The plaintext: an age identity file (comments, then the key), so the
/// output of `age -d` is itself usable as `age -i`.
fn plaintext(env: &str, key: &PrivateKey, recipients: &[Recipient]) -> SecretValue {
    let entries: Vec<String> = recipients.iter().map(Recipient::entry).collect();
    let mut text = format!(
        "# envsafe environment key: {env}\n# public key: {}\n",
        key.public()
    );
    for e in &entries {
        text.push_str(RECORD);
        text.push_str(e);
        text.push('\n');
    }
    text.push_str(SEAL);
    text.push_str(&crate::crypto::record_seal(key, env, &entries));
    text.push('\n');
    text.push_str(key.encode().expose());
    text.push('\n');
    SecretValue::new(text)
}

/// Whether the team file at `path` holds `key` (opened with the key
/// itself, its last recipient).
pub fn holds(path: &Path, key: &PrivateKey) -> Result<bool> {
    let Some(armored) = read(path)? else {
        return Ok(false);
    };
    Ok(opened_by(&armored, key)
        .and_then(|text| key_in(&text))
        .is_some_and(|k| k.public() == key.public()))
}

/// The plaintext of the team file `armored`, opened with the environment
/// key itself (its last recipient), if it opens.
fn opened_by(armored: &[u8], key: &PrivateKey) -> Option<SecretValue> {
    let mut ids = Identities::new(None);
    ids.add("the environment key", &key.encode(), None);
    ids.unwrap(armored, &[]).ok().map(|(text, _)| text)
}

/// The comment that records one recipient in the plaintext.
const RECORD: &str = "# recipient: ";
/// The comment that seals the record with the environment key.
const SEAL: &str = "# recipients-seal: ";

/// Checks `listed` (what envsafe.toml lists for `env` now, before the
/// command changes it) against the record inside the current team file at
/// `path`, opened with the environment key `key`: the same entries (key
/// and display name; order aside), and the key's seal on the record
/// (anyone can encrypt to the public key; only a key holder can seal). An
/// entry added, renamed or removed by hand is refused. With no team file
/// (and a list), a file the key does not open, or an unsealed record,
/// nothing vouches for the list: refused unless `confirmed` (the user has
/// reviewed it: `--confirm-recipients`).
///
/// `removing`: the entry `recipients remove` takes out, left out of the
/// comparison on both sides (so a hand-added entry can be removed).
pub fn confirm_listed(
    path: &Path,
    env: &str,
    key: &PrivateKey,
    listed: &[Recipient],
    removing: Option<&Recipient>,
    confirmed: bool,
) -> Result<()> {
    let gone = removing.map(Recipient::entry);
    let entries: Vec<String> = listed
        .iter()
        .map(Recipient::entry)
        .filter(|e| Some(e) != gone.as_ref())
        .collect();
    let unvouched = |why: &str| {
        if confirmed {
            Ok(())
        } else {
            Err(Error::UnconfirmedRecipients {
                env: env.into(),
                why: why.into(),
                entries: entries.clone(),
            })
        }
    };
    let armored = match read(path) {
        Ok(Some(armored)) => armored,
        Ok(None) if entries.is_empty() => return Ok(()),
        Ok(None) => return unvouched("there is no team key file to vouch for its recipients"),
        Err(_) => return unvouched("its team key file cannot be read"),
    };
    let Some(text) = opened_by(&armored, key) else {
        return unvouched(
            "its team key file is damaged or was not written for this key (replaced?)",
        );
    };
    let recorded: Vec<String> = text
        .expose()
        .lines()
        .filter_map(|l| l.strip_prefix(RECORD))
        .map(|e| e.trim().to_owned())
        .collect();
    let sealed = text
        .expose()
        .lines()
        .find_map(|l| l.strip_prefix(SEAL))
        .is_some_and(|seal| crate::crypto::record_seal_ok(key, env, &recorded, seal));
    let recorded: Vec<String> = recorded
        .into_iter()
        .filter(|e| Some(e) != gone.as_ref())
        .collect();
    if !sealed {
        return unvouched("its team key file's record of recipients is not sealed by the key");
    }
    let added: Vec<String> = entries
        .iter()
        .filter(|e| !recorded.contains(e))
        .cloned()
        .collect();
    let dropped: Vec<String> = recorded
        .iter()
        .filter(|e| !entries.contains(e))
        .cloned()
        .collect();
    if confirmed || (added.is_empty() && dropped.is_empty()) {
        Ok(())
    } else if !added.is_empty() {
        Err(Error::UnconfirmedRecipients {
            env: env.into(),
            why: "envsafe.toml lists recipients no key holder wrapped the key to".into(),
            entries: added,
        })
    } else {
        Err(Error::UnconfirmedRecipients {
            env: env.into(),
            why: "envsafe.toml no longer lists recipients the team key file is wrapped to \
                  (removed by hand, not with `recipients remove`)"
                .into(),
            entries: dropped,
        })
    }
}

/// The key in a team file's plaintext.
fn key_in(text: &SecretValue) -> Option<PrivateKey> {
    text.expose()
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .and_then(|l| PrivateKey::parse(l).ok())
}

/// What one command learnt from team files: the user's identities (loaded
/// on first need, so a passphrase is asked once) and each file's outcome.
#[derive(Clone, Default)]
pub struct Unlocked {
    inner: std::sync::Arc<UnlockedInner>,
}

/// A team file's outcome: its key text, or why not.
type Outcome = (PathBuf, std::result::Result<SecretValue, String>);

#[derive(Default)]
struct UnlockedInner {
    identities: std::sync::OnceLock<Identities>,
    outcomes: std::sync::Mutex<Vec<Outcome>>,
}

impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Unlocked")
    }
}

impl Unlocked {
    /// The key texts the team file at `path` yields for `env` (one), or
    /// why none; each file is unlocked once per command.
    pub(crate) fn unlock(
        &self,
        path: &Path,
        env: &str,
        lookup: &super::KeyLookup,
    ) -> Result<std::result::Result<Vec<SecretValue>, String>> {
        let done = |outcomes: &[Outcome]| {
            outcomes
                .iter()
                .find(|(p, _)| p == path)
                .map(|(_, o)| o.clone())
        };
        if let Some(known) = done(&self.lock()) {
            return Ok(known.map(|k| vec![k]));
        }
        if !path.exists() {
            return Ok(Err("not found".into()));
        }
        let outcome = match UNLOCK.get() {
            Some(unlock_here) => unlock_here(self, path, env, lookup)?,
            None => match native(path, env, lookup)? {
                Some(key) => Ok(key),
                None => super::helper::unlock(path, env, lookup)?,
            },
        };
        self.lock().push((path.to_path_buf(), outcome.clone()));
        Ok(outcome.map(|k| vec![k]))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Outcome>> {
        // A panic while holding it leaves a list that is still valid.
        self.inner
            .outcomes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// How this process opens a team file: in process (`envsafe-team`, which
/// links age) once [`unlock_in_process`] set it; otherwise (`envsafe`,
/// which does not) through the `envsafe-team` helper (`helper.rs`).
type UnlockFn = fn(
    &Unlocked,
    &Path,
    &str,
    &super::KeyLookup,
) -> Result<std::result::Result<SecretValue, String>>;

static UNLOCK: std::sync::OnceLock<UnlockFn> = std::sync::OnceLock::new();

/// Opens team files in this process from now on (the `envsafe-team`
/// binary calls it first). `envsafe` never does, so it never links age.
pub fn unlock_in_process() {
    let _ = UNLOCK.set(unlock_here);
}

/// `envsafe`'s own unlock, for X25519 identities (no age crate, no helper
/// process): each identity's own stanza first. None when it cannot (no
/// such identity, not a recipient, a file it does not read): then the
/// helper tries every identity, and names each one's reason.
fn native(path: &Path, env: &str, lookup: &super::KeyLookup) -> Result<Option<SecretValue>> {
    let keys = super::identity::native_keys();
    if keys.is_empty() {
        return Ok(None);
    }
    let Some(armored) = read(path)? else {
        return Ok(None);
    };
    // Stanza order (`crypto::stanza_order`) without parsing entries with
    // age: ssh and X25519 entries in list order, plugins after.
    let listed: Vec<&str> = lookup
        .team_recipients
        .get(env)
        .into_iter()
        .flatten()
        .map(|e| e.trim())
        .filter(|e| {
            e.starts_with("ssh-") || first_word(e).parse::<crate::crypto::PublicKey>().is_ok()
        })
        .collect();
    let with_position: Vec<(PrivateKey, Option<usize>)> = keys
        .into_iter()
        .map(|k| {
            let me = k.public().to_string();
            let at = listed.iter().position(|e| first_word(e) == me);
            (k, at)
        })
        .collect();
    Ok(
        match crate::crypto::age_x25519::open(&armored, &with_position) {
            Ok((text, _)) => key_in(&text).map(|k| k.encode()),
            Err(_) => None,
        },
    )
}

fn first_word(entry: &str) -> &str {
    entry.split_whitespace().next().unwrap_or("")
}

/// The in-process unlock: the user's identities (loaded once per
/// command), each one's own stanza first.
fn unlock_here(
    cache: &Unlocked,
    path: &Path,
    env: &str,
    lookup: &super::KeyLookup,
) -> Result<std::result::Result<SecretValue, String>> {
    let identities = cache
        .inner
        .identities
        .get_or_init(|| super::identity::load(lookup.prompt.as_ref()));
    let listed: Vec<Recipient> = lookup
        .team_recipients
        .get(env)
        .into_iter()
        .flatten()
        .filter_map(|e| Recipient::parse(e).ok())
        .collect();
    let order = crate::crypto::stanza_order(&listed);
    Ok(unlock(path, identities, &order)?.map(|key| key.encode()))
}

/// The environment key in the team file at `path`, unlocked with
/// `identities`, trying each identity's own stanza first (`order`: the
/// recipients in stanza order). `Ok(Err(why))`: not there, or no identity
/// opens it (why names each identity tried); `Err`: the file is damaged.
pub(crate) fn unlock(
    path: &Path,
    identities: &Identities,
    order: &[String],
) -> Result<std::result::Result<PrivateKey, String>> {
    let Some(armored) = read(path)? else {
        return Ok(Err("not found".into()));
    };
    if identities.is_empty() {
        return Ok(Err(format!(
            "no identity to open it: {}",
            identities.skipped.join(", ")
        )));
    }
    match identities.unwrap(&armored, order) {
        Ok((text, _source)) => match key_in(&text) {
            Some(key) => Ok(Ok(key)),
            None => Err(Error::TeamFile {
                path: path.to_path_buf(),
                why: "opened, but holds no AGE-SECRET-KEY-1 line".into(),
            }),
        },
        Err(UnwrapError::Malformed(why)) => Err(Error::TeamFile {
            path: path.to_path_buf(),
            why: format!("not an age file: {why}"),
        }),
        Err(UnwrapError::NoIdentity(reasons)) => {
            let mut all = reasons;
            all.extend(identities.skipped.iter().cloned());
            Ok(Err(format!(
                "no identity of yours opens it: {}",
                all.join(", ")
            )))
        }
    }
}

fn read(path: &Path) -> Result<Option<Vec<u8>>> {
    match fsutil::open_regular(path)? {
        Some(file) => fsutil::read_limited(path, file, MAX_TEAM_FILE).map(Some),
        None => Ok(None),
    }
}

/// Writes an environment's team file: its key wrapped to `recipients`.
#[derive(Debug, Clone)]
pub struct TeamFileStore {
    pub path: PathBuf,
    pub recipients: Vec<Recipient>,
    pub prompt: Option<Prompter>,
}

impl TeamFileStore {
    /// The armored file for `key`.
    pub fn wrapped(&self, env: &str, key: &PrivateKey) -> Result<String> {
        if self.recipients.is_empty() {
            return Err(Error::Recipient {
                env: env.into(),
                entry: String::new(),
                why: "the environment lists no recipients to wrap its key to".into(),
            });
        }
        // The environment key is the last recipient: its holder can read
        // the record back (`confirm_listed`). Last, so that the listed
        // recipients' stanzas keep their positions (`stanza_order`).
        let mut all = self.recipients.clone();
        all.push(
            Recipient::parse(&key.public().to_string()).map_err(|why| Error::TeamFile {
                path: self.path.clone(),
                why,
            })?,
        );
        crate::crypto::wrap(
            plaintext(env, key, &self.recipients).expose().as_bytes(),
            &all,
            self.prompt.as_ref().map(|p| p.0.clone()),
        )
        .map_err(|why| Error::TeamFile {
            path: self.path.clone(),
            why: format!("could not wrap the key: {why}"),
        })
    }

    /// Makes `.envsafe/` if missing (a transaction locks its directory).
    pub fn ensure_dir(&self) -> Result<()> {
        let dir = fsutil::parent_dir(&self.path);
        std::fs::create_dir_all(&dir).map_err(fsutil::io_err(&dir))
    }
}

impl KeyStore for TeamFileStore {
    fn store(&self, env: &str, key: &PrivateKey) -> Result<Stored> {
        let text = self.wrapped(env, key)?;
        self.ensure_dir()?;
        fsutil::atomic_write(&self.path, text.as_bytes(), None)?;
        Ok(Stored {
            place: self.path.display().to_string(),
            added_gitignore: false,
        })
    }

    fn files(&self) -> Vec<PathBuf> {
        vec![self.path.clone()]
    }

    fn stage(&self, txn: &mut Transaction, env: &str, key: &PrivateKey) -> Result<Stored> {
        let text = self.wrapped(env, key)?;
        txn.stage(&self.path, text.as_bytes(), None)?;
        Ok(Stored {
            place: self.path.display().to_string(),
            added_gitignore: false,
        })
    }

    fn is_backed_by(&self, path: &Path) -> bool {
        path == self.path
    }
}
