//! The OS keyring (lookup step 3, DESIGN §3): service `envsafe`, account =
//! the environment's public key; the personal identity of `identity new
//! --keyring` under account `identity HOME`. On Linux the kernel keyutils store
//! (the user's persistent keyring: no D-Bus, works in a static binary).

use super::{KeyStore, Stored};
use crate::crypto::{PrivateKey, PublicKey};
use crate::edit::Transaction;
use crate::error::{Error, Result};
use crate::SecretValue;

pub const SERVICE: &str = "envsafe";

/// The store forgets: Linux's kernel keyring is memory only (gone at
/// reboot; the persistent keyring also expires, after 3 days unused by
/// default). A key must never be kept there alone.
pub const VOLATILE: bool = cfg!(target_os = "linux");
/// The account of the personal identity: `identity HOME`, so that two
/// home directories of one user (and test sandboxes) keep their own.
pub fn identity_account() -> String {
    let home = std::env::var(crate::env_vars::HOME).unwrap_or_default();
    format!("identity {home}")
}

fn entry(account: &str) -> std::result::Result<keyring::Entry, String> {
    join_session();
    keyring::Entry::new(SERVICE, account).map_err(|e| e.to_string())
}

/// On Linux, entries live in the user's persistent keyring, reached
/// through the process's session keyring. A process started outside a
/// login session (a container, CI, `su`) has none, and the kernel's
/// fallback (the user-session keyring) is not one it possesses: the
/// entry is added but never found again. Asking for the session keyring
/// with `create` joins a new anonymous one in that case (`keyctl session
/// -`), and is a no-op inside a login session.
#[cfg(target_os = "linux")]
fn join_session() {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    static JOINED: std::sync::Once = std::sync::Once::new();
    JOINED.call_once(|| {
        let _ = KeyRing::from_special_id(KeyRingIdentifier::Session, true);
    });
}

#[cfg(not(target_os = "linux"))]
fn join_session() {}

/// The secret under `account`: `Ok(None)` when there is no entry, `Err`
/// (why, never a secret) when the keyring cannot be reached.
pub fn get(account: &str) -> std::result::Result<Option<SecretValue>, String> {
    match entry(account)?.get_password() {
        Ok(text) => Ok(Some(SecretValue::new(text))),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

fn failed(action: &'static str, account: &str, why: String) -> Error {
    Error::Keyring {
        action,
        account: account.into(),
        why,
    }
}

/// Keeps `secret` under `account`, replacing what was there.
pub fn set(account: &str, secret: &SecretValue) -> Result<()> {
    entry(account)
        .and_then(|e| e.set_password(secret.expose()).map_err(|e| e.to_string()))
        .map_err(|why| failed("store", account, why))
}

/// Removes the entry; false if there was none.
pub fn delete(account: &str) -> Result<bool> {
    match entry(account)
        .map_err(|why| failed("remove", account, why))?
        .delete_credential()
    {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(e) => Err(failed("remove", account, e.to_string())),
    }
}

/// Where a key for `public` lives in the keyring, for messages.
pub fn place(account: &str) -> String {
    format!("the OS keyring (service {SERVICE}, account {account})")
}

/// Environment keys in the keyring, one entry per public key: storing a
/// new key never touches the entry of an old one.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyringStore;

impl KeyringStore {
    /// The key held for `public`, if any.
    pub fn get(public: &PublicKey) -> std::result::Result<Option<SecretValue>, String> {
        get(&public.to_string())
    }
}

impl KeyStore for KeyringStore {
    fn store(&self, _env: &str, key: &PrivateKey) -> Result<Stored> {
        let account = key.public().to_string();
        set(&account, &key.encode())?;
        // Read back: a keyring that accepts and drops entries would lose
        // the only copy of a key.
        match get(&account) {
            Ok(Some(back)) if back.expose() == key.encode().expose() => Ok(Stored {
                place: place(&account),
                added_gitignore: false,
            }),
            Ok(_) => Err(failed(
                "store",
                &account,
                "the entry did not read back".into(),
            )),
            Err(why) => Err(failed("store", &account, why)),
        }
    }

    fn files(&self) -> Vec<std::path::PathBuf> {
        Vec::new()
    }

    /// Written at once, not at commit: the entry is the new public key's
    /// own, so a transaction that rolls back leaves an unused entry and
    /// every file still opens with the old key.
    fn stage(&self, _txn: &mut Transaction, env: &str, key: &PrivateKey) -> Result<Stored> {
        self.store(env, key)
    }

    fn is_backed_by(&self, _path: &std::path::Path) -> bool {
        false
    }
}
