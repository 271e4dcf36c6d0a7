//! age files, for the team key file `.envsafe/<env>.age` (DESIGN §3): the
//! recipients it is wrapped to (X25519 `age1…`, `ssh-ed25519`, `ssh-rsa`,
//! plugins), the identities that unwrap it, and the two operations. The
//! only module that imports `age`; what it hands out holds no age type.

use std::io::{Read, Write};
use std::sync::{Arc, OnceLock};

use age::armor::{ArmoredReader, ArmoredWriter, Format};
use age::secrecy::SecretString;
use age_core::format::{FileKey, Stanza};
use base64::Engine;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::SecretValue;

/// Asks the user, for identities that need it (a passphrase-protected ssh
/// key, a plugin's message). The CLI implements it on a terminal; without
/// one, nothing is asked and such an identity is skipped.
pub trait Prompt: Send + Sync {
    /// A passphrase for `description` (which names the key file), or None.
    fn passphrase(&self, description: &str) -> Option<SecretValue>;
    /// A message for the user (a plugin asking to touch a token).
    fn message(&self, text: &str);
}

/// The age callbacks over an optional [`Prompt`].
#[derive(Clone)]
struct Callbacks(Option<Arc<dyn Prompt>>);

impl age::Callbacks for Callbacks {
    fn display_message(&self, message: &str) {
        if let Some(p) = &self.0 {
            p.message(message);
        }
    }

    fn confirm(&self, _: &str, _: &str, _: Option<&str>) -> Option<bool> {
        None
    }

    fn request_public_string(&self, _: &str) -> Option<String> {
        None
    }

    fn request_passphrase(&self, description: &str) -> Option<SecretString> {
        let secret = self.0.as_ref()?.passphrase(description)?;
        Some(SecretString::from(secret.expose().to_owned()))
    }
}

/// What kind of recipient an entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecipientKind {
    X25519,
    SshEd25519,
    SshRsa,
    /// An age plugin recipient (`age1NAME1…`), wrapped by `age-plugin-NAME`.
    Plugin(String),
}

impl RecipientKind {
    pub fn label(&self) -> String {
        match self {
            RecipientKind::X25519 => "age".into(),
            RecipientKind::SshEd25519 => "ssh-ed25519".into(),
            RecipientKind::SshRsa => "ssh-rsa".into(),
            RecipientKind::Plugin(name) => format!("plugin {name}"),
        }
    }
}

/// One entry of an environment's `recipients`: the key (what age encrypts
/// to) and an optional display name (the rest of the entry, as the comment
/// of an ssh public key line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub key: String,
    pub name: Option<String>,
    pub kind: RecipientKind,
}

impl Recipient {
    /// Parses `KEY [NAME]`; for ssh, `TYPE BASE64 [NAME]`.
    pub fn parse(entry: &str) -> Result<Self, String> {
        let entry = entry.trim();
        let words = if entry.starts_with("ssh-") { 2 } else { 1 };
        let mut parts = entry.splitn(words + 1, char::is_whitespace);
        let key: Vec<&str> = parts.by_ref().take(words).collect();
        let key = key.join(" ");
        let name = parts
            .next()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_owned);
        if let Some(n) = &name {
            if n.chars().any(|c| c.is_control() || is_invisible(c)) {
                return Err(
                    "a display name cannot hold control or invisible characters (a newline, \
                     a zero-width or direction mark)"
                        .into(),
                );
            }
            if n.starts_with("age1") || n.starts_with("ssh-") {
                return Err("a display name cannot look like a recipient key".into());
            }
            if super::mentions_private_key(n.as_bytes()) {
                return Err("the display name holds a private key".into());
            }
        }
        let kind = if key.starts_with("ssh-") {
            match key.parse::<age::ssh::Recipient>() {
                Ok(r @ age::ssh::Recipient::SshEd25519(..)) => {
                    drop(r);
                    RecipientKind::SshEd25519
                }
                Ok(_) => RecipientKind::SshRsa,
                Err(e) => return Err(ssh_error(&e)),
            }
        } else if key.parse::<age::x25519::Recipient>().is_ok() {
            RecipientKind::X25519
        } else if let Ok(p) = key.parse::<age::plugin::Recipient>() {
            RecipientKind::Plugin(p.plugin().to_owned())
        } else {
            return Err(
                "not an age recipient (age1…), an ssh public key (ssh-ed25519 / ssh-rsa) \
                 or a plugin recipient (age1NAME1…)"
                    .into(),
            );
        };
        Ok(Recipient { key, name, kind })
    }

    /// The entry as written in envsafe.toml.
    pub fn entry(&self) -> String {
        match &self.name {
            Some(name) => format!("{} {name}", self.key),
            None => self.key.clone(),
        }
    }
}

fn ssh_error(e: &age::ssh::ParseRecipientKeyError) -> String {
    use age::ssh::ParseRecipientKeyError as E;
    match e {
        E::Unsupported(kind) => {
            format!("ssh key type {kind} is not supported (ssh-ed25519 and ssh-rsa are)")
        }
        E::RsaModulusTooSmall => "ssh-rsa key shorter than 2048 bits".into(),
        E::RsaModulusTooLarge => "ssh-rsa key longer than 16384 bits".into(),
        _ => "not a valid ssh public key".into(),
    }
}

/// The recipients' keys in the order [`wrap`] writes their stanzas: the
/// native and ssh ones as listed, then each plugin's (grouped by plugin).
/// A reader tries its own stanza first with it (X25519 stanzas do not say
/// whom they are for).
pub fn stanza_order(recipients: &[Recipient]) -> Vec<String> {
    let mut order: Vec<String> = recipients
        .iter()
        .filter(|r| !matches!(r.kind, RecipientKind::Plugin(_)))
        .map(|r| r.key.clone())
        .collect();
    let mut plugins: Vec<&str> = Vec::new();
    for r in recipients {
        if let RecipientKind::Plugin(name) = &r.kind {
            if !plugins.contains(&name.as_str()) {
                plugins.push(name);
            }
        }
    }
    for name in plugins {
        order.extend(
            recipients
                .iter()
                .filter(|r| matches!(&r.kind, RecipientKind::Plugin(n) if n == name))
                .map(|r| r.key.clone()),
        );
    }
    order
}

/// Unicode format characters that render as nothing or reorder text
/// (zero-width spaces and joiners, direction marks and overrides, BOM):
/// two names that look alike must not be two names.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{00AD}')
}

/// Encrypts `plaintext` to every recipient, as an armored age file. A
/// plugin recipient needs its `age-plugin-NAME` binary on PATH.
pub fn wrap(
    plaintext: &[u8],
    recipients: &[Recipient],
    prompt: Option<Arc<dyn Prompt>>,
) -> Result<String, String> {
    let callbacks = Callbacks(prompt);
    let mut boxed: Vec<Box<dyn age::Recipient>> = Vec::new();
    let mut plugins: Vec<(String, Vec<age::plugin::Recipient>)> = Vec::new();
    for r in recipients {
        match &r.kind {
            RecipientKind::X25519 => boxed.push(Box::new(
                r.key
                    .parse::<age::x25519::Recipient>()
                    .map_err(str::to_owned)?,
            )),
            RecipientKind::SshEd25519 | RecipientKind::SshRsa => boxed.push(Box::new(
                r.key
                    .parse::<age::ssh::Recipient>()
                    .map_err(|e| ssh_error(&e))?,
            )),
            RecipientKind::Plugin(name) => {
                let parsed = r
                    .key
                    .parse::<age::plugin::Recipient>()
                    .map_err(str::to_owned)?;
                match plugins.iter_mut().find(|(n, _)| n == name) {
                    Some((_, list)) => list.push(parsed),
                    None => plugins.push((name.clone(), vec![parsed])),
                }
            }
        }
    }
    for (name, list) in &plugins {
        let plugin = age::plugin::RecipientPluginV1::new(name, list, &[], callbacks.clone())
            .map_err(|_| {
                format!("age-plugin-{name} is not on PATH (needed to wrap to its recipients)")
            })?;
        boxed.push(Box::new(plugin));
    }
    let encryptor = age::Encryptor::with_recipients(boxed.iter().map(|r| r.as_ref()))
        .map_err(|e| plain(&e.to_string()))?;
    let mut out = Vec::new();
    let armor = ArmoredWriter::wrap_output(&mut out, Format::AsciiArmor).map_err(io)?;
    let mut writer = encryptor.wrap_output(armor).map_err(io)?;
    writer.write_all(plaintext).map_err(io)?;
    writer.finish().and_then(|a| a.finish()).map_err(io)?;
    String::from_utf8(out).map_err(|_| "armor is not text".into())
}

fn io(e: std::io::Error) -> String {
    plain(&e.to_string())
}

/// age's messages (Fluent) wrap arguments in Unicode isolation marks
/// (U+2068, U+2069): invisible in a terminal, noise in a log or a test.
fn plain(message: &str) -> String {
    message.replace(['\u{2068}', '\u{2069}'], "")
}

/// An identity loaded for unwrapping, and where it came from.
struct Named {
    source: String,
    identity: Box<dyn age::Identity + Send + Sync>,
    /// Its recipient (`age1…`), for an X25519 identity: its stanza is
    /// found by position ([`stanza_order`]) and tried first.
    recipient: Option<String>,
}

/// The user's identities, in lookup order, and those that could not be
/// used (each named with why), for the error when nothing opens a file.
pub struct Identities {
    list: Vec<Named>,
    pub skipped: Vec<String>,
    callbacks: Callbacks,
}

impl std::fmt::Debug for Identities {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sources: Vec<&str> = self.list.iter().map(|n| n.source.as_str()).collect();
        f.debug_struct("Identities")
            .field("sources", &sources)
            .field("skipped", &self.skipped)
            .finish()
    }
}

impl Identities {
    pub fn new(prompt: Option<Arc<dyn Prompt>>) -> Self {
        Identities {
            list: Vec::new(),
            skipped: Vec::new(),
            callbacks: Callbacks(prompt),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The sources loaded, in order.
    pub fn sources(&self) -> impl Iterator<Item = &str> {
        self.list.iter().map(|n| n.source.as_str())
    }

    /// Adds the identities in `text` (an age identity file: `AGE-SECRET-
    /// KEY-1…` and `AGE-PLUGIN-…` lines; or an OpenSSH private key), from
    /// `source`. `ssh_public` is the key's `.pub` line, if known: a
    /// protected key then asks its passphrase only for its own stanza.
    /// Text that is neither is skipped and named, never an error.
    pub fn add(&mut self, source: &str, text: &SecretValue, ssh_public: Option<&str>) {
        let looks_ssh = text.expose().trim_start().starts_with("-----BEGIN");
        if looks_ssh {
            self.add_ssh(source, text, ssh_public);
        } else {
            self.add_identity_file(source, text);
        }
    }

    /// An age identity file: X25519 keys and plugin identities; any other
    /// line makes the whole source unusable (named by its line number).
    fn add_identity_file(&mut self, source: &str, text: &SecretValue) {
        let mut native = Vec::new();
        let mut plugins: Vec<(String, Vec<age::plugin::Identity>)> = Vec::new();
        for (i, line) in text.expose().lines().map(str::trim).enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Ok(id) = line.parse::<age::x25519::Identity>() {
                native.push(id);
            } else if let Ok(id) = line.parse::<age::plugin::Identity>() {
                let name = id.plugin().to_owned();
                match plugins.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, list)) => list.push(id),
                    None => plugins.push((name, vec![id])),
                }
            } else {
                return self.skip(source, &format!("not an identity file: on line {}", i + 1));
            }
        }
        if native.is_empty() && plugins.is_empty() {
            return self.skip(source, "holds no identity");
        }
        for id in native {
            let recipient = Some(id.to_public().to_string());
            self.list.push(Named {
                source: source.into(),
                identity: Box::new(id),
                recipient,
            });
        }
        for (name, ids) in plugins {
            match age::plugin::IdentityPluginV1::new(&name, &ids, self.callbacks.clone()) {
                Ok(plugin) => self.list.push(Named {
                    source: source.into(),
                    identity: Box::new(plugin),
                    recipient: None,
                }),
                Err(_) => self.skip(source, &format!("age-plugin-{name} is not on PATH")),
            }
        }
    }

    /// An OpenSSH private key (ssh-ed25519, ssh-rsa); a protected one asks
    /// for its passphrase when a stanza is for it.
    fn add_ssh(&mut self, source: &str, text: &SecretValue, ssh_public: Option<&str>) {
        let bytes = text.expose().as_bytes();
        match age::ssh::Identity::from_buffer(bytes, Some(source.to_owned())) {
            Ok(age::ssh::Identity::Unsupported(_)) => {
                self.skip(source, "an ssh key type age cannot use")
            }
            Ok(age::ssh::Identity::Encrypted(key)) => self.list.push(Named {
                source: source.into(),
                identity: Box::new(LockedSsh {
                    key,
                    source: source.into(),
                    tag: ssh_public_of(text)
                        .as_deref()
                        .or(ssh_public)
                        .and_then(ssh_tag),
                    callbacks: self.callbacks.clone(),
                    unlocked: OnceLock::new(),
                }),
                recipient: None,
            }),
            Ok(identity) => self.list.push(Named {
                source: source.into(),
                identity: Box::new(identity),
                recipient: None,
            }),
            Err(_) => self.skip(source, "not an ssh private key age can read"),
        }
    }

    /// Records `source` as unusable.
    pub fn skip(&mut self, source: &str, why: &str) {
        self.skipped.push(format!("{source} ({why})"));
    }

    /// Opens the age file `armored` with the first identity that can: its
    /// plaintext and the identity's source. `order` is the recipients in
    /// stanza order ([`stanza_order`]; may be stale or empty: it only
    /// chooses which stanza is tried first). Err: the file is no age file
    /// (`Malformed`), or each identity's reason (`NoIdentity`).
    pub fn unwrap(
        &self,
        armored: &[u8],
        order: &[String],
    ) -> Result<(SecretValue, String), UnwrapError> {
        let mut reasons = Vec::new();
        for named in &self.list {
            let decryptor = age::Decryptor::new_buffered(ArmoredReader::new(armored))
                .map_err(|e| UnwrapError::Malformed(plain(&e.to_string())))?;
            let first = named
                .recipient
                .as_ref()
                .and_then(|r| order.iter().position(|o| o == r));
            let identity = Ordered {
                inner: named.identity.as_ref(),
                first,
            };
            let why = match decryptor.decrypt(std::iter::once(&identity as &dyn age::Identity)) {
                Ok(mut reader) => {
                    let mut plain = Zeroizing::new(Vec::new());
                    match reader.read_to_end(&mut plain) {
                        Ok(_) => match std::str::from_utf8(&plain) {
                            Ok(text) => {
                                return Ok((
                                    SecretValue::new(text.to_owned()),
                                    named.source.clone(),
                                ))
                            }
                            Err(_) => return Err(UnwrapError::Malformed("not text".into())),
                        },
                        Err(e) => return Err(UnwrapError::Malformed(e.to_string())),
                    }
                }
                Err(age::DecryptError::NoMatchingKeys) => "not a recipient".to_owned(),
                Err(age::DecryptError::KeyDecryptionFailed) => {
                    "passphrase not given or wrong".to_owned()
                }
                Err(e @ (age::DecryptError::InvalidHeader | age::DecryptError::UnknownFormat)) => {
                    return Err(UnwrapError::Malformed(plain(&e.to_string())))
                }
                Err(e) => plain(&e.to_string()),
            };
            reasons.push(format!("{} ({why})", named.source));
        }
        Err(UnwrapError::NoIdentity(reasons))
    }
}

/// An identity that tries one stanza (its own, by position) before the
/// others; the others only when that one is not it.
struct Ordered<'a> {
    inner: &'a dyn age::Identity,
    first: Option<usize>,
}

impl age::Identity for Ordered<'_> {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.inner.unwrap_stanza(stanza)
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        if let Some(stanza) = self.first.and_then(|i| stanzas.get(i)) {
            if let Some(Ok(key)) = self.inner.unwrap_stanza(stanza) {
                return Some(Ok(key));
            }
        }
        self.inner.unwrap_stanzas(stanzas)
    }
}

/// Why [`Identities::unwrap`] failed.
#[derive(Debug)]
pub enum UnwrapError {
    /// The file is not an age file (or its plaintext is not text).
    Malformed(String),
    /// No identity opened it; each one's reason.
    NoIdentity(Vec<String>),
}

/// The public key (`TYPE BASE64`) inside an OpenSSH private key file
/// (`openssh-key-v1`, which stores it unencrypted even when the private
/// part has a passphrase); None for other formats (PEM RSA).
pub fn ssh_public_of(private: &SecretValue) -> Option<String> {
    let text = private.expose();
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    let bytes = Zeroizing::new(
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .ok()?,
    );
    let rest = bytes.strip_prefix(b"openssh-key-v1\0")?;
    let mut at = rest;
    let mut string = || -> Option<&[u8]> {
        let len = u32::from_be_bytes(at.get(..4)?.try_into().ok()?) as usize;
        let s = at.get(4..4 + len)?;
        at = &at[4 + len..];
        Some(s)
    };
    string()?; // cipher
    string()?; // kdf
    string()?; // kdf options
    let count = u32::from_be_bytes(at.get(..4)?.try_into().ok()?);
    if count != 1 {
        return None;
    }
    let blob_len = u32::from_be_bytes(at.get(4..8)?.try_into().ok()?) as usize;
    let blob = at.get(8..8 + blob_len)?;
    let type_len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    let kind = std::str::from_utf8(blob.get(4..4 + type_len)?).ok()?;
    Some(format!(
        "{kind} {}",
        base64::engine::general_purpose::STANDARD.encode(blob)
    ))
}

/// The stanza tag age gives an ssh public key: base64 of the first 4
/// bytes of SHA-256 of the key blob.
fn ssh_tag(public_line: &str) -> Option<String> {
    let blob = public_line.split_whitespace().nth(1)?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .ok()?;
    let digest = Sha256::digest(&bytes);
    Some(base64::engine::general_purpose::STANDARD_NO_PAD.encode(&digest[..4]))
}

/// A passphrase-protected ssh key: asks for the passphrase once, and only
/// when the file has an ssh stanza for it (age's own wrapper asks for every
/// stanza of every file).
struct LockedSsh {
    key: age::ssh::EncryptedKey,
    /// The key file, for the prompt.
    source: String,
    /// Its stanza tag, when the public key is known.
    tag: Option<String>,
    callbacks: Callbacks,
    unlocked: OnceLock<Option<age::ssh::Identity>>,
}

impl LockedSsh {
    fn is_for_me(&self, stanza: &Stanza) -> bool {
        (stanza.tag == "ssh-ed25519" || stanza.tag == "ssh-rsa")
            && self
                .tag
                .as_ref()
                .is_none_or(|t| stanza.args.first() == Some(t))
    }
}

impl age::Identity for LockedSsh {
    fn unwrap_stanza(&self, stanza: &Stanza) -> Option<Result<FileKey, age::DecryptError>> {
        self.unwrap_stanzas(std::slice::from_ref(stanza))
    }

    fn unwrap_stanzas(&self, stanzas: &[Stanza]) -> Option<Result<FileKey, age::DecryptError>> {
        if !stanzas.iter().any(|s| self.is_for_me(s)) {
            return None;
        }
        let unlocked = self.unlocked.get_or_init(|| {
            let passphrase = age::Callbacks::request_passphrase(
                &self.callbacks,
                &format!("passphrase for {}", self.source),
            )?;
            self.key
                .decrypt(passphrase)
                .ok()
                .map(age::ssh::Identity::Unencrypted)
        });
        match unlocked {
            Some(identity) => identity.unwrap_stanzas(stanzas),
            None => Some(Err(age::DecryptError::KeyDecryptionFailed)),
        }
    }
}
