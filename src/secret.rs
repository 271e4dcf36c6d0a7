//! `SecretValue`: a decrypted or user-supplied value. Redacted `Debug`, no
//! `Display`/`Serialize`, zeroized on drop; read it only through `expose`.

use std::fmt;
use zeroize::Zeroizing;

/// A secret string. The only way to read it is [`SecretValue::expose`], so
/// every place that touches plaintext is greppable.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretValue(Zeroizing<String>);

impl SecretValue {
    pub fn new(value: String) -> Self {
        Self(Zeroizing::new(value))
    }

    /// The plaintext. Call it where the value is used, never to log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in characters; validation messages may print this, never the value.
    pub fn char_len(&self) -> usize {
        self.0.chars().count()
    }
}

impl From<String> for SecretValue {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for SecretValue {
    fn from(value: &str) -> Self {
        Self::new(value.to_owned())
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretValue([redacted; {} bytes])", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = SecretValue::from("hunter2");
        assert_eq!(format!("{s:?}"), "SecretValue([redacted; 7 bytes])");
    }
}
