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

/// Whether the pattern segments match the path segments: a table over
/// (pattern position, path position), so several `**` never backtrack
/// exponentially (O(patterns × segments) segment matches).
fn segments(pat: &[&str], path: &[&str]) -> bool {
    // next[j]: pat[i + 1..] matches path[j..]; filled from the end.
    let mut next = vec![false; path.len() + 1];
    next[path.len()] = true;
    for p in pat.iter().rev() {
        let mut cur = vec![false; path.len() + 1];
        for j in (0..=path.len()).rev() {
            cur[j] = if *p == "**" {
                next[j] || (j < path.len() && cur[j + 1])
            } else {
                j < path.len() && next[j + 1] && segment(p.as_bytes(), path[j].as_bytes())
            };
        }
        next = cur;
    }
    next[0]
}

/// `*` and `?` within one segment, in linear time per star: on a mismatch
/// only the last `*` is retried, one character further (the classic
/// wildcard match; no recursion, no exponential backtracking).
fn segment(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(&c) if c == b'?' || c == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((sp, ss)) => {
                    pi = sp + 1;
                    si = ss + 1;
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
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
        assert!(p(&["**/a/**/b"], "x/a/y/z/b"));
        assert!(!p(&["**/a/**/b"], "x/a/y/z/c"));
        assert!(p(&["a*b?c*"], "aXXbYcZZ"));
    }

    #[test]
    fn hostile_patterns_take_linear_time() {
        let start = std::time::Instant::now();
        let name = "a".repeat(200);
        assert!(!allowed(&["*a*a*a*a*a*a*a*a*a*a*a*b".to_string()], &name));
        let deep = vec!["a"; 300].join("/");
        assert!(!allowed(&["**/a/**/a/**/a/**/a/**/b".to_string()], &deep));
        assert!(start.elapsed() < std::time::Duration::from_secs(1));
    }
}
