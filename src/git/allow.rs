//! `[hook] allow`: path patterns the hook lets through. `*` and `?` stay
//! within one path segment, `**` spans any number of segments; a pattern
//! without `/` matches a file name in any directory; `dir/` means
//! everything below `dir`.

/// True when `path` (repository-relative, `/`-separated) matches one of
/// `patterns`.
pub fn allowed(patterns: &[String], path: &str) -> bool {
    patterns.iter().any(|p| matches(p, path))
}

fn matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.trim_start_matches("./");
    if !pattern.contains('/') {
        let name = path.rsplit('/').next().unwrap_or(path);
        return segment(pattern.as_bytes(), name.as_bytes());
    }
    let expanded;
    let pattern = if pattern.ends_with('/') {
        expanded = format!("{pattern}**");
        expanded.as_str()
    } else {
        pattern
    };
    let pat: Vec<&str> = pattern.trim_start_matches('/').split('/').collect();
    let segs: Vec<&str> = path.split('/').collect();
    segments(&pat, &segs)
}

fn segments(pat: &[&str], path: &[&str]) -> bool {
    match pat.split_first() {
        None => path.is_empty(),
        Some((&"**", rest)) => (0..=path.len()).any(|skip| segments(rest, &path[skip..])),
        Some((p, rest)) => match path.split_first() {
            Some((s, tail)) => segment(p.as_bytes(), s.as_bytes()) && segments(rest, tail),
            None => false,
        },
    }
}

/// `*` and `?` within one segment.
fn segment(p: &[u8], s: &[u8]) -> bool {
    match (p.first(), s.first()) {
        (None, None) => true,
        (Some(b'*'), _) => segment(&p[1..], s) || (!s.is_empty() && segment(p, &s[1..])),
        (Some(b'?'), Some(_)) => segment(&p[1..], &s[1..]),
        (Some(a), Some(b)) if a == b => segment(&p[1..], &s[1..]),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns() {
        let p = |pats: &[&str], path| {
            allowed(
                &pats.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                path,
            )
        };
        assert!(p(&["examples/**"], "examples/quickstart/DEMO.env.keys"));
        assert!(p(&["examples/"], "examples/a/b"));
        assert!(!p(&["examples/**"], "src/examples.rs"));
        assert!(p(&["*.demo.keys"], "deep/dir/x.demo.keys"));
        assert!(p(&["tests/*/fixture.env"], "tests/a/fixture.env"));
        assert!(!p(&["tests/*/fixture.env"], "tests/a/b/fixture.env"));
        assert!(p(&["tests/**/fixture.env"], "tests/fixture.env"));
        assert!(p(&["/README.md"], "README.md"));
        assert!(!p(&["README.md"], "READMExmd"));
    }
}
