//! What `run` adds from the schema: `default` values and `from_file`
//! values for variables the files leave unset.

use std::path::Path;

use base64::Engine;

use super::Encode;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::load::Loaded;
use crate::SecretValue;

/// Adds to `loaded` every schema variable that is unset (in the files and,
/// per `is_set`, in the process): its `from_file` contents, else its
/// `default`. `root` is where `from_file` paths are relative to. Returns the
/// names added.
pub fn apply_defaults(
    config: &Config,
    root: &Path,
    loaded: &mut Loaded,
    is_set: &dyn Fn(&str) -> bool,
) -> Result<Vec<String>> {
    let mut added = Vec::new();
    for (name, spec) in &config.vars {
        if loaded.get(name).is_some() || is_set(name) {
            continue;
        }
        let value = if let Some(file) = &spec.from_file {
            let path = root.join(file);
            let bytes = std::fs::read(&path).map_err(|source| Error::Io { path, source })?;
            let bytes = zeroize::Zeroizing::new(bytes);
            match spec.encode {
                Some(Encode::Base64) => {
                    SecretValue::new(base64::engine::general_purpose::STANDARD.encode(&*bytes))
                }
                None => SecretValue::new(String::from_utf8(bytes.to_vec()).map_err(|_| {
                    Error::NotUtf8File {
                        path: root.join(file),
                        name: name.clone(),
                    }
                })?),
            }
        } else if let Some(default) = &spec.default {
            SecretValue::new(default.to_string())
        } else {
            continue;
        };
        loaded.vars.push((name.clone(), value));
        added.push(name.clone());
    }
    Ok(added)
}
