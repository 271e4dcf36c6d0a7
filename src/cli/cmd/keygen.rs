//! `envsafe keygen`: print a new keypair, in age-keygen's layout.

use envsafe::crypto::PrivateKey;

use crate::cli::{CmdResult, Ctx};

pub fn run(ctx: &Ctx) -> CmdResult {
    let key = PrivateKey::generate();
    let secret = key.encode();
    if ctx.ui.json {
        ctx.ui.json(&serde_json::json!({
            "public_key": key.public().to_string(),
            "private_key": secret.expose(),
        }));
    } else {
        ctx.ui.out(&format!(
            "# public key: {}\n{}",
            key.public(),
            secret.expose()
        ));
    }
    Ok(())
}
