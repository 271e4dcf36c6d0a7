//! `keys store` and `keys export` (DESIGN §8): an environment key moved
//! from the keys file into the OS keyring, and printed back.

use std::path::PathBuf;

use super::team::current_public;
use crate::crypto::{PrivateKey, PublicKey};
use crate::error::{Error, Result};
use crate::fsutil::{self, DirLock, PRIVATE_MODE};
use crate::keys::{self, KeyStore, KeyringStore};
use crate::workspace::Workspace;

/// What `keys store` did.
#[derive(Debug, Clone)]
pub struct Moved {
    pub env: String,
    pub public: PublicKey,
    /// The keys file it left.
    pub from: PathBuf,
    /// The keyring entry it went to.
    pub to: String,
}

/// `keys store`: the selected environment's key goes from the keys file
/// to the keyring (read back before it leaves the file), then out of the
/// keys file. Where the keyring forgets (Linux), refused unless a team key
/// file holds the key too, or `force`.
pub fn store_in_keyring(ws: &Workspace, force: bool) -> Result<Moved> {
    let env = ws.selection()?.name;
    let (public, _) = current_public(ws, &env)?;
    let path = ws.keys_file();
    let _lock = DirLock::for_file(&path)?;
    let Some(key) = keys::key_in_keys_file(&path, &env, &public)? else {
        return Err(Error::KeyNotFound {
            env,
            public_key: public.to_string(),
            tried: vec![format!("keys file {} (no matching key)", path.display())],
        });
    };
    if keys::keyring::VOLATILE && !force {
        let team = keys::team::path(&ws.project.root, &env);
        let copy = if keys::team::holds(&team, &key)? {
            "a team key file holds it too, but its recipients' identities may be in the \
             same keyring"
        } else {
            "nothing else holds it"
        };
        return Err(Error::Usage {
            message: format!(
                "the kernel keyring forgets keys at reboot (and after 3 days unused): the key of \
                 `{env}` may have no other lasting copy ({copy})"
            ),
            help: "make sure it has one (`envsafe keys export` into a password manager, or a \
                   team key file you open with a file identity), then pass --force"
                .into(),
        });
    }
    let stored = KeyringStore.store(&env, &key)?;
    if let Some(text) = keys::keys_file_without(&path, &env, &key)? {
        fsutil::atomic_write(&path, text.expose().as_bytes(), Some(PRIVATE_MODE))?;
    }
    Ok(Moved {
        env,
        public,
        from: path,
        to: stored.place,
    })
}

/// `keys export`: the selected environment's key from wherever lookup
/// finds it (the keyring included), and the variable it belongs in.
pub fn export(ws: &Workspace) -> Result<(String, PrivateKey)> {
    let env = ws.selection()?.name;
    let (public, file) = current_public(ws, &env)?;
    let key = ws.keys().find(&env, &public, &file)?;
    Ok((crate::env_vars::private_key_var(&env), key))
}
