//! The value the schema supplies for an unset variable: its `from_file`
//! contents (optionally base64), else its `default`.

use std::path::Path;

use base64::Engine;

use super::{Encode, VarSpec};
use crate::error::{Error, Result};
use crate::SecretValue;

/// The schema's value for `name` when the files and the process leave it
/// unset; `root` is where `from_file` paths are relative to.
pub fn schema_value(name: &str, spec: &VarSpec, root: &Path) -> Result<Option<SecretValue>> {
    if let Some(file) = &spec.from_file {
        let path = root.join(file);
        let bytes = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let bytes = zeroize::Zeroizing::new(bytes);
        return Ok(Some(match spec.encode {
            Some(Encode::Base64) => {
                SecretValue::new(base64::engine::general_purpose::STANDARD.encode(&*bytes))
            }
            None => SecretValue::new(String::from_utf8(bytes.to_vec()).map_err(|_| {
                Error::NotUtf8File {
                    path,
                    name: name.to_owned(),
                }
            })?),
        }));
    }
    Ok(spec
        .default
        .as_ref()
        .map(|d| SecretValue::new(d.to_string())))
}
