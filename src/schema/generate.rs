//! `generate`: new random values for `generate = "kind:N"` variables. The
//! randomness and the keyed hash that spots one value reused across
//! environments are `crypto`'s (re-exported here: [`KeyedHasher`]).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;

use super::{Generate, GenerateKind};
use crate::crypto::random;
pub use crate::crypto::KeyedHasher;
use crate::SecretValue;

/// A fresh value as `spec` says: N random bytes (hex, base64, urlsafe) or N
/// random characters (alnum, uniformly chosen).
pub fn generate(spec: Generate) -> SecretValue {
    match spec.kind {
        GenerateKind::Alnum => random::alnum(spec.n),
        kind => {
            let bytes = random::bytes(spec.n);
            SecretValue::new(match kind {
                GenerateKind::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
                GenerateKind::Base64 => STANDARD.encode(&*bytes),
                _ => URL_SAFE_NO_PAD.encode(&*bytes),
            })
        }
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
}
