//! Environment keypairs in age's encoding: public `age1…` (lower case),
//! private `AGE-SECRET-KEY-1…` (upper case); Bech32 (not Bech32m) of the raw
//! X25519 keys, as the `age` crate writes them.

use std::fmt;
use std::str::FromStr;

use bech32::primitives::decode::UncheckedHrpstring;
use bech32::{Bech32, Bech32m, ByteIterExt, Fe32IterExt, Hrp};
use rand_core::OsRng;
use subtle::ConstantTimeEq;
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use crate::SecretValue;

const PUBLIC_HRP: Hrp = Hrp::parse_unchecked("age");
const SECRET_HRP: Hrp = Hrp::parse_unchecked("age-secret-key-");
/// Length of `AGE-SECRET-KEY-1…`: HRP, separator, 52 data and 6 checksum characters.
const SECRET_TEXT_LEN: usize = 15 + 1 + 52 + 6;

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
        bech32::encode_lower_to_fmt::<Bech32, _>(f, PUBLIC_HRP, &self.0).map_err(|_| fmt::Error)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({self})")
    }
}

/// The 32 bytes of a key text (one case throughout; the HRP compares without
/// case) with HRP `hrp`. A Bech32m checksum, padding bits that are not zero,
/// or any other length are refused.
fn decode_32(text: &str, hrp: Hrp) -> Result<Zeroizing<[u8; 32]>, &'static str> {
    let unchecked = UncheckedHrpstring::new(text).map_err(|_| "not valid bech32")?;
    let bech32 = unchecked.has_valid_checksum::<Bech32>();
    if !bech32 && !unchecked.has_valid_checksum::<Bech32m>() {
        return Err("not valid bech32");
    }
    if unchecked.hrp() != hrp {
        return Err("wrong key type");
    }
    if !bech32 {
        return Err("wrong bech32 variant");
    }
    let checked = unchecked.remove_checksum::<Bech32>();
    // BIP-173: an incomplete last group is at most 4 bits, all zero.
    checked
        .validate_segwit_padding()
        .map_err(|_| "bad padding")?;
    let bytes = checked.byte_iter();
    if bytes.len() != 32 {
        return Err("wrong length");
    }
    let mut out = Zeroizing::new([0u8; 32]);
    for (slot, b) in out.iter_mut().zip(bytes) {
        *slot = b;
    }
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
        decode_32(text, SECRET_HRP).map(|b| PrivateKey(StaticSecret::from(*b)))
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(x25519_dalek::PublicKey::from(&self.0).to_bytes())
    }

    /// The `AGE-SECRET-KEY-1…` text, for writing to a keys file.
    pub fn encode(&self) -> SecretValue {
        let bytes = Zeroizing::new(self.0.to_bytes());
        // Built in place at its final size: no copy of the key text is left
        // behind by a reallocation or an intermediate lower-case string.
        let mut text = String::with_capacity(SECRET_TEXT_LEN);
        text.extend(
            bytes
                .iter()
                .copied()
                .bytes_to_fes()
                .with_checksum::<Bech32>(&SECRET_HRP)
                .chars()
                .map(|c| c.to_ascii_uppercase()),
        );
        debug_assert_eq!(text.len(), SECRET_TEXT_LEN);
        SecretValue::new(text)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKey(public={})", self.public())
    }
}

/// Whether `bytes` mention a private key: `AGE-SECRET-KEY-1` in any case,
/// or `ENVSAFE_PRIVATE_KEY`. Searched in place (no upper-cased copy of what
/// may be secret bytes).
pub fn mentions_private_key(bytes: &[u8]) -> bool {
    const AGE: &[u8] = b"AGE-SECRET-KEY-1";
    memchr::memmem::find(bytes, crate::env_vars::ENVSAFE_PRIVATE_KEY.as_bytes()).is_some()
        || memchr::memchr2_iter(b'a', b'A', bytes).any(|i| {
            bytes
                .get(i..i + AGE.len())
                .is_some_and(|w| w.eq_ignore_ascii_case(AGE))
        })
}

#[cfg(test)]
mod tests {
    use bech32::Fe32;

    use super::*;

    /// Key text from raw field elements, so a test can break one rule at a time.
    fn text<Ck: bech32::Checksum>(hrp: Hrp, fes: Vec<Fe32>) -> String {
        fes.into_iter().with_checksum::<Ck>(&hrp).chars().collect()
    }

    fn fes(bytes: &[u8]) -> Vec<Fe32> {
        bytes.iter().copied().bytes_to_fes().collect()
    }

    #[test]
    fn texts_round_trip_in_their_case() {
        let k = PrivateKey::generate();
        let secret = k.encode();
        assert_eq!(secret.expose().len(), SECRET_TEXT_LEN);
        assert_eq!(secret.expose(), secret.expose().to_ascii_uppercase());
        let public = k.public().to_string();
        assert_eq!(public, public.to_ascii_lowercase());
        assert_eq!(
            PrivateKey::parse(secret.expose()).unwrap().public(),
            k.public()
        );
        assert_eq!(public.parse::<PublicKey>().unwrap(), k.public());
        assert_eq!(
            text::<Bech32>(PUBLIC_HRP, fes(k.public().as_bytes())),
            public
        );
    }

    #[test]
    fn every_rule_is_checked() {
        let raw = [7u8; 32];
        let parse = |s: String| s.parse::<PublicKey>().map(|k| *k.as_bytes());
        assert_eq!(parse(text::<Bech32>(PUBLIC_HRP, fes(&raw))), Ok(raw));
        assert_eq!(
            parse(text::<Bech32m>(PUBLIC_HRP, fes(&raw))),
            Err("wrong bech32 variant")
        );
        assert_eq!(
            parse(text::<Bech32>(SECRET_HRP, fes(&raw))),
            Err("wrong key type")
        );
        let mut padded = fes(&raw);
        let last = padded.len() - 1;
        padded[last] = Fe32::try_from(padded[last].to_u8() | 1).unwrap();
        assert_eq!(
            parse(text::<Bech32>(PUBLIC_HRP, padded)),
            Err("bad padding")
        );
        for n in [31, 33] {
            assert_eq!(
                parse(text::<Bech32>(PUBLIC_HRP, fes(&vec![7u8; n]))),
                Err("wrong length")
            );
        }
        let good = text::<Bech32>(PUBLIC_HRP, fes(&raw));
        let flipped = good.replacen('q', "p", 1);
        assert_ne!(flipped, good);
        assert_eq!(parse(flipped), Err("not valid bech32"));
        assert_eq!(
            parse(good.to_ascii_uppercase()),
            Err("public keys are lower case")
        );
        let secret = text::<Bech32>(SECRET_HRP, fes(&raw));
        assert_eq!(
            PrivateKey::parse(&secret).err(),
            Some("private keys are upper case")
        );
        assert!(PrivateKey::parse(&secret.to_ascii_uppercase()).is_ok());
    }
}
