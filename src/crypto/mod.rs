//! The only module that imports cipher, RNG, HMAC or age crates (a test in
//! tests/integration/boundaries.rs holds it so). v1 per-value ECIES:
//! X25519 + HKDF-SHA256 + XChaCha20-Poly1305, AAD = `envsafe:v1:` ‖ NAME.
//! One ephemeral key per write batch ([`Sealer`]); readers cache the derived
//! key per ephemeral public key ([`Opener`]), so a file costs one X25519 per
//! batch, not per value.

mod age_file;
pub mod age_x25519;
mod keyed_hash;
mod keypair;
pub(crate) mod random;

use chacha20poly1305::aead::{Aead, AeadInPlace, KeyInit, Payload};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

pub use age_file::{
    ssh_public_of, stanza_order, wrap, Identities, Prompt, Recipient, RecipientKind, UnwrapError,
};
pub use keyed_hash::{
    constant_time_eq, new_ledger_key, record_seal, record_seal_ok, KeyedHasher, LedgerHasher,
};
pub use keypair::{mentions_private_key, PrivateKey, PublicKey};

pub use crate::envelope::OpenError;
use crate::envelope::{Envelope, V1_PREFIX};
use crate::SecretValue;

const INFO: &[u8] = b"envsafe v1 value";

/// The symmetric key for one (ephemeral, recipient) pair.
fn derive(
    shared: &x25519_dalek::SharedSecret,
    eph_pub: &[u8; 32],
    recipient: &PublicKey,
) -> Option<Zeroizing<[u8; 32]>> {
    if !shared.was_contributory() {
        return None; // all-zero shared secret: a low-order point
    }
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(eph_pub);
    salt[32..].copy_from_slice(recipient.as_bytes());
    let mut k = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(Some(&salt), shared.as_bytes())
        .expand(INFO, k.as_mut())
        .expect("32 bytes is a valid HKDF length");
    Some(k)
}

fn aad(name: &str) -> Vec<u8> {
    let mut aad = Vec::with_capacity(V1_PREFIX.len() + name.len());
    aad.extend_from_slice(V1_PREFIX.as_bytes());
    aad.extend_from_slice(name.as_bytes());
    aad
}

/// Seals values to one public key; one ephemeral key for the whole batch.
pub struct Sealer {
    eph_pub: [u8; 32],
    cipher: XChaCha20Poly1305,
}

impl Sealer {
    pub fn new(recipient: &PublicKey) -> Option<Self> {
        Self::with_ephemeral(StaticSecret::random_from_rng(OsRng), recipient)
    }

    /// A sealer with a chosen ephemeral secret: for known-answer vectors only.
    #[doc(hidden)]
    pub fn from_ephemeral_bytes(eph: [u8; 32], recipient: &PublicKey) -> Option<Self> {
        Self::with_ephemeral(StaticSecret::from(eph), recipient)
    }

    fn with_ephemeral(eph: StaticSecret, recipient: &PublicKey) -> Option<Self> {
        let eph_pub = x25519_dalek::PublicKey::from(&eph).to_bytes();
        let shared = eph.diffie_hellman(&x25519_dalek::PublicKey::from(recipient.0));
        let k = derive(&shared, &eph_pub, recipient)?;
        Some(Self {
            eph_pub,
            cipher: XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k[..])),
        })
    }

    /// Seals `plaintext` for variable `name`; returns `envsafe:v1:…`.
    pub fn seal(&self, name: &str, plaintext: &str) -> String {
        let mut nonce = [0u8; 24];
        OsRng.fill_bytes(&mut nonce);
        self.seal_with_nonce(name, plaintext, nonce)
    }

    /// Seals with a chosen nonce: for known-answer vectors only.
    #[doc(hidden)]
    pub fn seal_with_nonce(&self, name: &str, plaintext: &str, nonce: [u8; 24]) -> String {
        let aad = aad(name);
        let ciphertext = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext.as_bytes(),
                    aad: &aad,
                },
            )
            .expect("XChaCha20-Poly1305 encryption cannot fail for in-memory sizes");
        Envelope {
            eph_pub: self.eph_pub,
            nonce,
            ciphertext,
        }
        .encode()
    }
}

/// Opens values sealed to one private key, caching the derived key per
/// ephemeral public key and reusing its buffers across values.
pub struct Opener {
    key: PrivateKey,
    public: PublicKey,
    cache: Vec<([u8; 32], XChaCha20Poly1305)>,
    aad: Vec<u8>,
    buf: Zeroizing<Vec<u8>>,
}

impl Opener {
    pub fn new(key: PrivateKey) -> Self {
        let public = key.public();
        Self::with_public(key, public)
    }

    /// For a key said to belong to `public`, without deriving its public
    /// half (one scalar multiplication saved). A key that does not belong
    /// to it opens nothing: every value fails authentication, since the
    /// shared secret differs.
    pub fn with_public(key: PrivateKey, public: PublicKey) -> Self {
        Self {
            key,
            public,
            cache: Vec::new(),
            aad: V1_PREFIX.as_bytes().to_vec(),
            buf: Zeroizing::new(Vec::new()),
        }
    }

    pub fn public(&self) -> &PublicKey {
        &self.public
    }

    fn cipher_index(&mut self, eph_pub: &[u8; 32]) -> Result<usize, OpenError> {
        if let Some(at) = self.cache.iter().position(|(e, _)| e == eph_pub) {
            return Ok(at);
        }
        let shared = self
            .key
            .0
            .diffie_hellman(&x25519_dalek::PublicKey::from(*eph_pub));
        let k = derive(&shared, eph_pub, &self.public)
            .ok_or(OpenError::Malformed("invalid ephemeral key"))?;
        self.cache.push((
            *eph_pub,
            XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&k[..])),
        ));
        Ok(self.cache.len() - 1)
    }

    /// Opens `text` (`envsafe:v1:…`) sealed for variable `name`.
    pub fn open(&mut self, name: &str, text: &str) -> Result<SecretValue, OpenError> {
        crate::envelope::decode_v1(text, &mut self.buf)?;
        let eph_pub: [u8; 32] = self.buf[..32].try_into().expect("length checked");
        let at = self.cipher_index(&eph_pub)?;
        self.aad.truncate(V1_PREFIX.len());
        self.aad.extend_from_slice(name.as_bytes());
        let (head, rest) = self.buf.split_at_mut(56);
        let (ciphertext, tag) = rest.split_at_mut(rest.len() - 16);
        self.cache[at]
            .1
            .decrypt_in_place_detached(
                XNonce::from_slice(&head[32..56]),
                &self.aad,
                ciphertext,
                Tag::from_slice(tag),
            )
            .map_err(|_| OpenError::Authentication)?;
        std::str::from_utf8(ciphertext)
            .map(SecretValue::from)
            .map_err(|_| OpenError::NotUtf8)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn age_keygen_style_round_trip() {
        let k = PrivateKey::generate();
        let text = k.encode();
        assert!(text.expose().starts_with("AGE-SECRET-KEY-1"));
        let again = PrivateKey::parse(text.expose()).unwrap();
        assert_eq!(again.public(), k.public());
        let public: PublicKey = k.public().to_string().parse().unwrap();
        assert_eq!(public, k.public());
        assert!(format!("{k:?}").starts_with("PrivateKey(public=age1"));
    }

    #[test]
    fn the_name_is_bound() {
        let k = PrivateKey::generate();
        let sealed = Sealer::new(&k.public()).unwrap().seal("A", "v");
        let mut opener = Opener::new(k);
        assert_eq!(opener.open("A", &sealed).unwrap().expose(), "v");
        assert_eq!(opener.open("B", &sealed), Err(OpenError::Authentication));
    }

    #[test]
    fn low_order_recipient_is_refused() {
        assert!(Sealer::new(&PublicKey([0u8; 32])).is_none());
    }

    proptest! {
        /// Untrusted input: any text, or any bytes behind a valid prefix,
        /// gives an error and never a panic.
        #[test]
        fn open_never_panics(text in "\\PC{0,120}", raw in proptest::collection::vec(any::<u8>(), 0..200), name in "[A-Z_]{0,8}") {
            use base64::Engine;
            let mut opener = Opener::new(PrivateKey::generate());
            prop_assert!(opener.open(&name, &text).is_err());
            let encoded = format!(
                "envsafe:v1:{}",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw)
            );
            prop_assert!(opener.open(&name, &encoded).is_err());
        }

        #[test]
        fn seal_open_round_trip(name in "[A-Za-z_][A-Za-z0-9_]{0,20}", value in "\\PC{0,200}") {
            let k = PrivateKey::generate();
            let sealer = Sealer::new(&k.public()).unwrap();
            let a = sealer.seal(&name, &value);
            let b = sealer.seal(&name, &value);
            prop_assert_ne!(&a, &b); // fresh nonce per value
            let mut opener = Opener::new(k);
            prop_assert_eq!(opener.open(&name, &a).unwrap(), SecretValue::from(value.as_str()));
            prop_assert_eq!(opener.open(&name, &b).unwrap(), SecretValue::from(value.as_str()));
            prop_assert_eq!(opener.cache.len(), 1); // one X25519 per batch
        }
    }
}
