//! Environment keypairs in age's encoding: public `age1…`, private
//! `AGE-SECRET-KEY-1…` (bech32 of the raw X25519 keys).

use std::fmt;
use std::str::FromStr;

use bech32::{FromBase32, ToBase32, Variant};
use rand_core::OsRng;
use subtle::ConstantTimeEq;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::SecretValue;

const PUBLIC_HRP: &str = "age";
const SECRET_HRP: &str = "age-secret-key-";

/// An environment's public key. Anyone holding it can seal values.
#[derive(Clone, Copy, Eq)]
pub struct PublicKey(pub(crate) [u8; 32]);

impl PublicKey {
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = bech32::encode(PUBLIC_HRP, self.0.to_base32(), Variant::Bech32)
            .map_err(|_| fmt::Error)?;
        f.write_str(&s)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

fn decode_32(text: &str, hrp: &str) -> Result<Zeroizing<[u8; 32]>, &'static str> {
    let (found, data, variant) = bech32::decode(text).map_err(|_| "not valid bech32")?;
    if found != hrp {
        return Err("wrong key type");
    }
    if variant != Variant::Bech32 {
        return Err("wrong bech32 variant");
    }
    let bytes = Zeroizing::new(Vec::<u8>::from_base32(&data).map_err(|_| "bad padding")?);
    let mut out = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err("wrong length");
    }
    out.copy_from_slice(&bytes);
    Ok(out)
}

impl FromStr for PublicKey {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err("public keys are lower case");
        }
        decode_32(s, PUBLIC_HRP).map(|b| PublicKey(*b))
    }
}

/// An environment's private key. Zeroized on drop; never printed by `Debug`.
#[derive(Clone)]
pub struct PrivateKey(pub(crate) StaticSecret);

impl PrivateKey {
    pub fn generate() -> Self {
        PrivateKey(StaticSecret::random_from_rng(OsRng))
    }

    /// Parses `AGE-SECRET-KEY-1…` (as printed by `age-keygen`).
    pub fn parse(text: &str) -> Result<Self, &'static str> {
        let text = text.trim();
        if text.bytes().any(|b| b.is_ascii_lowercase()) {
            return Err("private keys are upper case");
        }
        let lower = Zeroizing::new(text.to_ascii_lowercase());
        decode_32(&lower, SECRET_HRP).map(|b| PrivateKey(StaticSecret::from(*b)))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }

    /// The `AGE-SECRET-KEY-1…` text, for writing to a keys file.
    pub fn encode(&self) -> SecretValue {
        let bytes = Zeroizing::new(self.0.to_bytes());
        let s = Zeroizing::new(
            bech32::encode(SECRET_HRP, bytes.to_base32(), Variant::Bech32)
                .expect("32 bytes always encode"),
        );
        SecretValue::new(s.to_ascii_uppercase())
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(public={})", self.public())
    }
}
