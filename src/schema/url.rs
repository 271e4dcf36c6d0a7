//! The little of URL syntax the schema needs: is a value `scheme://host…`,
//! and does it carry a password (`scheme://user:pass@host`)? Hand-written:
//! the `url` crate's IDNA tables doubled the binary and its start-up page
//! faults (BENCHMARKS.md) for no check envsafe makes.

/// The parts of `scheme://[user[:password]@]host[:port][/…]`.
struct Parts<'a> {
    scheme: &'a str,
    userinfo: Option<&'a str>,
    host: &'a str,
    port: Option<&'a str>,
}

fn split(value: &str) -> Option<Parts<'_>> {
    let (scheme, rest) = value.split_once("://")?;
    let mut chars = scheme.chars();
    if !chars.next()?.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
    {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let (inside, after) = v6.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?),
        };
        (inside, port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    Some(Parts {
        scheme,
        userinfo,
        host,
        port,
    })
}

/// `scheme://host…` with a non-blank host (`file:///path` allowed) and a
/// numeric port if any.
pub fn is_url(value: &str) -> bool {
    if value.contains(char::is_whitespace) {
        return false;
    }
    match split(value) {
        Some(p) => {
            let host_ok = !p.host.is_empty() || p.scheme.eq_ignore_ascii_case("file");
            let port_ok = p
                .port
                .is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()));
            host_ok && port_ok
        }
        None => false,
    }
}

/// True when the URL has a password: `scheme://user:password@host`.
pub fn has_password(value: &str) -> bool {
    split(value)
        .and_then(|p| p.userinfo)
        .and_then(|u| u.split_once(':'))
        .is_some_and(|(_, password)| !password.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        for ok in [
            "https://example.com",
            "https://example.com:8443/x?y#z",
            "postgres://u:p@db:5432/app",
            "redis://[::1]:6379",
            "file:///etc/x",
            "s3+https://bucket.example",
        ] {
            assert!(is_url(ok), "{ok}");
        }
        for bad in [
            "example.com",
            "https://",
            "https://host:port",
            "not a url",
            "://x",
            "1http://x",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert!(has_password("postgres://app:s3cret@db/app"));
        assert!(has_password("redis://:pw@cache:6379"));
        assert!(!has_password("postgres://app@db/app"));
        assert!(!has_password("https://example.com/a:b@c"));
    }
}
