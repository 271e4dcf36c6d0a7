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
}
