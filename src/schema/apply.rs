//! The value the schema supplies for an unset variable: its `from_file`
//! contents (optionally base64), else its `default`.

use std::path::Path;

use base64::Engine;

use super::{Encode, VarSpec};
use crate::error::{Error, Result};
use crate::SecretValue;

/// The largest file a `from_file` value is read from: an environment
/// variable cannot hold more than 128 KiB on Linux anyway.
pub const MAX_FROM_FILE: u64 = 1 << 20;

/// The schema's value for `name` when the files and the process leave it
/// unset; `root` is where `from_file` paths are relative to.
pub fn schema_value(name: &str, spec: &VarSpec, root: &Path) -> Result<Option<SecretValue>> {
    if let Some(file) = &spec.from_file {
        let path = root.join(file);
        let bytes = crate::fsutil::read_bytes(&path, MAX_FROM_FILE)?;
        // A committed envsafe.toml must not hand the private keys to the app.
        let holds_keys =
            crate::write::is_keys_file_name(&path) || crate::keys::mentions_private_key(&bytes);
        if holds_keys {
            return Err(Error::KeysFileTarget {
                path,
                why: "holds private keys: a `from_file` value never comes from a keys file",
            });
        }
        if spec.encode.is_none() && bytes.contains(&0) {
            return Err(Error::NulInValue {
                path,
                name: name.to_owned(),
            });
        }
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
