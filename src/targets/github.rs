//! The `github` target: one `gh secret set NAME` per secret, the value on
//! stdin. gh reads stdin whole and strips trailing CR and LF (`-f -` would
//! read dotenv with godotenv's rules, where `$UPPER` expands: never used).

use super::{Pairs, Refused};

/// GitHub refuses secrets larger than 48 KB.
const MAX_SECRET: usize = 48 * 1024;

/// What gh stores for a value given on stdin.
pub(crate) fn as_stored(body: &str) -> &str {
    body.trim_end_matches(['\r', '\n'])
}

/// Checks every value: gh must store exactly what is sent.
pub(crate) fn check(pairs: &Pairs<'_>) -> Result<(), Refused> {
    for (n, v) in pairs {
        let refuse = |reason: &str| {
            Err(Refused {
                name: (*n).to_owned(),
                reason: reason.to_owned(),
            })
        };
        let value = v.expose();
        if value.len() > MAX_SECRET {
            return refuse("GitHub secrets hold at most 48 KB");
        }
        if as_stored(value) != value {
            return refuse("it ends with a newline or carriage return, which gh strips");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretValue;

    #[test]
    fn trailing_newlines_are_refused() {
        for bad in ["v\n", "v\r\n", "v\r"] {
            let v = SecretValue::from(bad);
            let err = check(&[("T", &v)]).unwrap_err();
            assert!(err.reason.contains("strips"), "{bad:?}");
        }
        let ok = SecretValue::from("multi\nline $HOME 'q'");
        assert!(check(&[("T", &ok)]).is_ok());
    }
}
