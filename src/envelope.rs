//! The v1 wire format of one sealed value, encode/decode only:
//! `envsafe:v1:` + base64url (no padding) of `eph_pub[32] ‖ nonce[24] ‖ ciphertext‖tag[16]`.
//! Knows no cipher: `crypto` builds on it, never the other way round.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// Every sealed value starts with this.
pub const PREFIX: &str = "envsafe:";
/// The prefix of the current version.
pub const V1_PREFIX: &str = "envsafe:v1:";
/// A dotenvx ciphertext's prefix (never expanded, never passed on).
pub const DOTENVX_PREFIX: &str = "encrypted:";
const TAG_LEN: usize = 16;

/// Why a sealed value did not open. Says nothing about the plaintext.
/// Decoding finds `Malformed` and `UnknownVersion` without a key; opening
/// (`crypto`, which re-exports this as `crypto::OpenError`) finds the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    Malformed(&'static str),
    UnknownVersion(String),
    /// Wrong key, changed ciphertext, or a value moved to another name.
    Authentication,
    NotUtf8,
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::Malformed(why) => write!(f, "malformed envsafe value ({why})"),
            OpenError::UnknownVersion(v) => {
                write!(f, "unknown format version `{v}` (a newer envsafe wrote it)")
            }
            OpenError::Authentication => f.write_str("authentication failed"),
            OpenError::NotUtf8 => f.write_str("plaintext is not UTF-8"),
        }
    }
}

/// A decoded v1 value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub eph_pub: [u8; 32],
    pub nonce: [u8; 24],
    /// Ciphertext followed by the 16-byte Poly1305 tag.
    pub ciphertext: Vec<u8>,
}

impl Envelope {
    pub fn encode(&self) -> String {
        let mut raw = Vec::with_capacity(56 + self.ciphertext.len());
        raw.extend_from_slice(&self.eph_pub);
        raw.extend_from_slice(&self.nonce);
        raw.extend_from_slice(&self.ciphertext);
        let mut out = String::with_capacity(V1_PREFIX.len() + raw.len() * 4 / 3 + 4);
        out.push_str(V1_PREFIX);
        URL_SAFE_NO_PAD.encode_string(&raw, &mut out);
        out
    }

    pub fn decode(text: &str) -> Result<Self, OpenError> {
        let mut raw = Vec::new();
        decode_v1(text, &mut raw)?;
        let mut eph_pub = [0u8; 32];
        eph_pub.copy_from_slice(&raw[..32]);
        let mut nonce = [0u8; 24];
        nonce.copy_from_slice(&raw[32..56]);
        Ok(Self {
            eph_pub,
            nonce,
            ciphertext: raw[56..].to_vec(),
        })
    }
}

/// The base64 body of a v1 value; an error names what is wrong.
fn v1_body(text: &str) -> Result<&str, OpenError> {
    let rest = text
        .strip_prefix(PREFIX)
        .ok_or(OpenError::Malformed("missing `envsafe:` prefix"))?;
    let (version, body) = rest
        .split_once(':')
        .ok_or(OpenError::Malformed("missing version"))?;
    if version != "v1" {
        return Err(OpenError::UnknownVersion(
            version.chars().take(16).collect(),
        ));
    }
    Ok(body)
}

/// Decodes a v1 value (`eph_pub ‖ nonce ‖ ciphertext‖tag`) into `out`
/// (cleared first), checking prefix, version, base64 and minimum length.
pub fn decode_v1(text: &str, out: &mut Vec<u8>) -> Result<(), OpenError> {
    let body = v1_body(text)?;
    out.clear();
    URL_SAFE_NO_PAD
        .decode_vec(body, out)
        .map_err(|_| OpenError::Malformed("invalid base64"))?;
    if out.len() < 32 + 24 + TAG_LEN {
        return Err(OpenError::Malformed("too short"));
    }
    Ok(())
}

/// Whether `text` has the shape of a v1 value, without a key.
pub fn check_shape(text: &str) -> Result<(), OpenError> {
    decode_v1(text, &mut Vec::new())
}

/// Ciphertext found where a plain value should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ciphertext {
    /// An envsafe value that is not in the form envsafe opens (re-quoted
    /// with single quotes, padded with spaces, …).
    Envsafe,
    /// A dotenvx value: `encrypted:` and base64.
    Dotenvx,
}

impl Ciphertext {
    pub fn describe(self) -> &'static str {
        match self {
            Ciphertext::Envsafe => "an envsafe-encrypted value",
            Ciphertext::Dotenvx => "a dotenvx-encrypted value (`encrypted:…`)",
        }
    }
}

/// Whether a plain (decoded) value is in fact ciphertext: `run` must never
/// pass it on as if it were the secret (DESIGN §8).
pub fn ciphertext_kind(value: &str) -> Option<Ciphertext> {
    let v = value.trim();
    if v.starts_with(PREFIX) {
        return Some(Ciphertext::Envsafe);
    }
    let body = v.strip_prefix(DOTENVX_PREFIX)?;
    let base64 = body.len() >= 20
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'));
    base64.then_some(Ciphertext::Dotenvx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ciphertext_is_recognised_in_any_disguise() {
        assert_eq!(
            ciphertext_kind(" envsafe:v1:abc"),
            Some(Ciphertext::Envsafe)
        );
        assert_eq!(
            ciphertext_kind("encrypted:BDqDBibm4wsYqMpCjTQ6BsDHmMadg9K3dAt+Z9HPMfLEIRVz50hmLXPXRuDBXaJi/LwWYEVUNiq0HISrslzQPaoyS8Lotg3gFWJTsNCdOWnqpjF2xNUX2RQiP05kAbEXM6MWVjDr"),
            Some(Ciphertext::Dotenvx)
        );
        assert_eq!(ciphertext_kind("encrypted:djf${MACHINE}tail"), None);
        assert_eq!(ciphertext_kind("postgres://db/app"), None);
    }
}
