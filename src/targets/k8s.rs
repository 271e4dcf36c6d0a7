//! The `k8s` target: a `v1/Secret` manifest with `stringData` (JSON, which
//! `kubectl apply -f -` reads like YAML), parsed back before it is used.

use super::{Encoded, Pairs, Refused};

/// Kubernetes refuses a Secret larger than this (etcd's object limit).
const MAX_SECRET: usize = 1 << 20;

/// The manifest of Secret `name` (in `namespace`) holding `pairs`.
pub(crate) fn encode(
    name: &str,
    namespace: Option<&str>,
    pairs: &Pairs<'_>,
) -> Result<Encoded, Refused> {
    let mut total = 0;
    for (n, v) in pairs {
        total += n.len() + v.expose().len();
        if total > MAX_SECRET {
            return Err(Refused {
                name: (*n).to_owned(),
                reason: "the Secret would be larger than Kubernetes' 1 MiB limit".into(),
            });
        }
    }
    let mut metadata = serde_json::Map::new();
    metadata.insert("name".into(), name.into());
    if let Some(ns) = namespace {
        metadata.insert("namespace".into(), ns.into());
    }
    let data: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.expose().into()))
        .collect();
    let manifest = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": metadata,
        "type": "Opaque",
        "stringData": data,
    });
    let mut text = Encoded::new(serde_json::to_string_pretty(&manifest).expect("JSON serializes"));
    text.push('\n');
    drop(manifest);
    check(&text, pairs)?;
    Ok(text)
}

/// Parses the manifest back: `stringData` must be exactly `pairs`.
fn check(text: &str, pairs: &Pairs<'_>) -> Result<(), Refused> {
    let parsed: serde_json::Value = serde_json::from_str(text).map_err(|_| Refused {
        name: String::new(),
        reason: "the manifest does not parse back".into(),
    })?;
    let data = parsed.get("stringData").and_then(|d| d.as_object());
    for (n, v) in pairs {
        let back = data.and_then(|d| d.get(*n)).and_then(|x| x.as_str());
        if back != Some(v.expose()) {
            return Err(Refused {
                name: (*n).to_owned(),
                reason: "the manifest would hold a different value".into(),
            });
        }
    }
    Ok(())
}

/// A JSON object of `pairs` (the `json` target), parsed back before use.
pub(crate) fn json_object(pairs: &Pairs<'_>) -> Result<Encoded, Refused> {
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.expose().into()))
        .collect();
    let mut text = Encoded::new(serde_json::to_string_pretty(&map).expect("JSON serializes"));
    text.push('\n');
    let back: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&text).map_err(|_| Refused {
            name: String::new(),
            reason: "the JSON does not parse back".into(),
        })?;
    for (n, v) in pairs {
        if back.get(*n).and_then(|x| x.as_str()) != Some(v.expose()) {
            return Err(Refused {
                name: (*n).to_owned(),
                reason: "the JSON would hold a different value".into(),
            });
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SecretValue;

    #[test]
    fn manifest_holds_values_exactly() {
        let a = SecretValue::from("l1\nl2 \"q\" \\ $X #c\0");
        let text = encode("app", Some("prod"), &[("A", &a)]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["kind"], "Secret");
        assert_eq!(v["metadata"]["namespace"], "prod");
        assert_eq!(v["stringData"]["A"].as_str().unwrap(), a.expose());
    }

    #[test]
    fn oversized_secret_is_refused() {
        let big = SecretValue::new("x".repeat(MAX_SECRET));
        let err = encode("app", None, &[("BIG", &big)]).unwrap_err();
        assert_eq!(err.name, "BIG");
        assert!(err.reason.contains("1 MiB"));
    }
}
