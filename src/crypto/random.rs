//! Randomness from the operating system, for secrets made outside this
//! module (`generate`): the rest of the crate asks here instead of
//! importing an RNG crate.

use rand_core::{OsRng, RngCore};
use zeroize::Zeroizing;

use crate::SecretValue;

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// `n` random bytes, zeroized on drop.
pub fn bytes(n: usize) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(vec![0u8; n]);
    OsRng.fill_bytes(&mut out);
    out
}

/// `n` random characters of `[A-Za-z0-9]`, each equally likely.
pub fn alnum(n: usize) -> SecretValue {
    let mut out = String::with_capacity(n);
    while out.len() < n {
        // One draw for what is still missing, and a little more: 8 of 256
        // byte values are rejected (62 * 4 = 248), so every character is
        // equally likely; rarely, a second draw tops up.
        let want = n - out.len();
        let batch = bytes(want + want / 16 + 8);
        for &b in batch.iter().filter(|&&b| b < 248).take(want) {
            out.push(ALNUM[(b % 62) as usize] as char);
        }
    }
    SecretValue::new(out)
}

/// A fresh 32-byte key, zeroized on drop.
pub(crate) fn key() -> Zeroizing<[u8; 32]> {
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(key.as_mut());
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_alphabet() {
        assert_eq!(bytes(0).len(), 0);
        assert_eq!(bytes(48).len(), 48);
        assert_ne!(bytes(32), bytes(32));
        let a = alnum(40);
        assert_eq!(a.expose().len(), 40);
        assert!(a.expose().bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(alnum(40), a);
        assert_ne!(*key(), *key());
    }
}
