//! Keyed hashes (HMAC-SHA256 under a key made for one process): `generate`
//! spots one value reused across environments without holding the values
//! side by side.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::SecretValue;

/// Hashes values under a key made for this comparison only, so equal values
/// can be found without keeping them side by side, and the hashes mean
/// nothing outside this process.
pub struct KeyedHasher {
    key: Zeroizing<[u8; 32]>,
}

impl KeyedHasher {
    pub fn new() -> Self {
        Self {
            key: super::random::key(),
        }
    }

    pub fn hash(&self, name: &str, value: &SecretValue) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref()).expect("any key length");
        mac.update(name.as_bytes());
        mac.update(&[0]);
        mac.update(value.expose().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// The seal of a team key file's recipient record (`keys/team.rs`):
/// HMAC-SHA256 under a key derived (HKDF-SHA256) from the environment's
/// private key, over the environment name and the entries. Only a holder of
/// that key can make one; anyone can encrypt to its public key, so the
/// record alone proves nothing.
pub fn record_seal(key: &super::PrivateKey, env: &str, entries: &[String]) -> String {
    use base64::Engine;
    let secret = Zeroizing::new(key.0.to_bytes());
    let mut k = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(Some(b"envsafe team record v1"), secret.as_ref())
        .expand(env.as_bytes(), k.as_mut())
        .expect("32 bytes is a valid HKDF length");
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(k.as_ref()).expect("any key length");
    for e in entries {
        mac.update(e.as_bytes());
        mac.update(b"\n");
    }
    base64::engine::general_purpose::STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Whether `seal` is [`record_seal`]'s for these entries (constant time).
pub fn record_seal_ok(key: &super::PrivateKey, env: &str, entries: &[String], seal: &str) -> bool {
    use subtle::ConstantTimeEq;
    record_seal(key, env, entries)
        .as_bytes()
        .ct_eq(seal.trim().as_bytes())
        .into()
}

/// A push ledger's hashes of the values sent to one target
/// (`targets/ledger.rs`): HMAC-SHA256 under the ledger's own key, over the
/// target, the name and the value, so the ledger tells a changed value from
/// an unchanged one and a reader without the key learns nothing about
/// either (no guessing short values offline).
pub struct LedgerHasher {
    /// The MAC keyed and fed the target once, cloned per value.
    keyed: Hmac<Sha256>,
}

impl LedgerHasher {
    pub fn new(key: &[u8; 32], target: &str) -> Self {
        let mut keyed = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any key length");
        keyed.update(&(target.len() as u64).to_be_bytes());
        keyed.update(target.as_bytes());
        Self { keyed }
    }

    /// The hash of `value` sent as `name`, base64.
    pub fn hash(&self, name: &str, value: &SecretValue) -> String {
        use base64::Engine;
        let mut mac = self.keyed.clone();
        for part in [name.as_bytes(), value.expose().as_bytes()] {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(mac.finalize().into_bytes())
    }
}

/// Whether `a` and `b` are equal, in time that does not depend on where
/// they differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

/// A new ledger key.
pub fn new_ledger_key() -> Zeroizing<[u8; 32]> {
    super::random::key()
}

impl Default for KeyedHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyed_hashes_match_only_equal_values() {
        let h = KeyedHasher::new();
        let (a, b) = (SecretValue::from("x"), SecretValue::from("y"));
        assert_eq!(h.hash("K", &a), h.hash("K", &a));
        assert_ne!(h.hash("K", &a), h.hash("K", &b));
        assert_ne!(h.hash("A", &a), h.hash("B", &a));
        assert_ne!(KeyedHasher::new().hash("K", &a), h.hash("K", &a));
    }

    #[test]
    fn a_record_seal_needs_the_private_key_and_covers_every_entry() {
        let (k, other) = (
            super::super::PrivateKey::generate(),
            super::super::PrivateKey::generate(),
        );
        let entries = vec!["age1a kim".to_owned(), "ssh-ed25519 AAAA bob".to_owned()];
        let seal = record_seal(&k, "prod", &entries);
        assert!(record_seal_ok(&k, "prod", &entries, &seal));
        assert!(!record_seal_ok(&other, "prod", &entries, &seal));
        assert!(!record_seal_ok(&k, "dev", &entries, &seal));
        assert!(!record_seal_ok(&k, "prod", &entries[..1], &seal));
        let renamed = vec!["age1a bob".to_owned(), "ssh-ed25519 AAAA kim".to_owned()];
        assert!(!record_seal_ok(&k, "prod", &renamed, &seal));
    }
}
