//! `generate`: new random values for `generate = "kind:N"` variables, and
//! the keyed-hash comparison that spots one value reused across
//! environments without printing it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Generate, GenerateKind};
use crate::SecretValue;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A fresh value as `spec` says: N random bytes (hex, base64, urlsafe) or N
/// random characters (alnum, uniformly chosen).
pub fn generate(spec: Generate) -> SecretValue {
    match spec.kind {
        GenerateKind::Alnum => {
            let mut out = String::with_capacity(spec.n);
            let mut byte = [0u8; 1];
            while out.len() < spec.n {
                OsRng.fill_bytes(&mut byte);
                // 62 * 4 = 248: reject 248..=255 so every character is equally likely.
                if byte[0] < 248 {
                    out.push(ALNUM[(byte[0] % 62) as usize] as char);
                }
            }
            zeroize::Zeroize::zeroize(&mut byte);
            SecretValue::new(out)
        }
        kind => {
            let mut bytes = Zeroizing::new(vec![0u8; spec.n]);
            OsRng.fill_bytes(&mut bytes);
            SecretValue::new(match kind {
                GenerateKind::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
                GenerateKind::Base64 => STANDARD.encode(&*bytes),
                _ => URL_SAFE_NO_PAD.encode(&*bytes),
            })
        }
    }
}

/// Hashes values under a key made for this comparison only, so equal values
/// can be found without keeping them side by side, and the hashes mean
/// nothing outside this process.
pub struct KeyedHasher {
    key: Zeroizing<[u8; 32]>,
}

impl KeyedHasher {
    pub fn new() -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(key.as_mut());
        Self { key }
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

impl Default for KeyedHasher {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_alphabets() {
        let g = |kind, n| generate(Generate { kind, n });
        let hex = g(GenerateKind::Hex, 32);
        assert_eq!(hex.expose().len(), 64);
        assert!(hex.expose().bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            STANDARD
                .decode(g(GenerateKind::Base64, 32).expose())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            URL_SAFE_NO_PAD
                .decode(g(GenerateKind::UrlSafe, 16).expose())
                .unwrap()
                .len(),
            16
        );
        let alnum = g(GenerateKind::Alnum, 40);
        assert_eq!(alnum.expose().len(), 40);
        assert!(alnum.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(g(GenerateKind::Hex, 32), g(GenerateKind::Hex, 32));
    }

    #[test]
    fn keyed_hashes_match_only_equal_values() {
        let h = KeyedHasher::new();
        let (a, b) = (SecretValue::from("x"), SecretValue::from("y"));
        assert_eq!(h.hash("K", &a), h.hash("K", &a));
        assert_ne!(h.hash("K", &a), h.hash("K", &b));
        assert_ne!(KeyedHasher::new().hash("K", &a), h.hash("K", &a));
    }
}
