//! Every environment variable envsafe reads, documented in one place.

/// Selects the environment when `-e` is not given.
pub const ENVSAFE_ENV: &str = "ENVSAFE_ENV";

/// Private key(s) for any environment; several may be separated by commas.
pub const ENVSAFE_PRIVATE_KEY: &str = "ENVSAFE_PRIVATE_KEY";

/// Prefix of the per-environment private key variable:
/// `ENVSAFE_PRIVATE_KEY_<ENV>`, ENV upper-cased, non-alphanumerics as `_`.
pub const ENVSAFE_PRIVATE_KEY_PREFIX: &str = "ENVSAFE_PRIVATE_KEY_";

/// Standard: disables colour when set to anything non-empty.
pub const NO_COLOR: &str = "NO_COLOR";

/// The name of the per-environment private key variable for `env`.
///
/// ```
/// assert_eq!(envsafe::env_vars::private_key_var("prod-eu"), "ENVSAFE_PRIVATE_KEY_PROD_EU");
/// ```
pub fn private_key_var(env: &str) -> String {
    let mut name = String::with_capacity(ENVSAFE_PRIVATE_KEY_PREFIX.len() + env.len());
    name.push_str(ENVSAFE_PRIVATE_KEY_PREFIX);
    name.extend(env.chars().map(|c| {
        if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        }
    }));
    name
}

/// The flyctl program `push` runs for `fly` targets (else `flyctl`, then
/// `fly`, on PATH).
pub const ENVSAFE_FLYCTL: &str = "ENVSAFE_FLYCTL";

/// The gh program `push` runs for `github` targets (else `gh` on PATH).
pub const ENVSAFE_GH: &str = "ENVSAFE_GH";

/// The kubectl program `push` runs for `k8s` targets (else `kubectl` on PATH).
pub const ENVSAFE_KUBECTL: &str = "ENVSAFE_KUBECTL";

/// An age identity (a path, or the identity itself) for team key files.
pub const ENVSAFE_IDENTITY: &str = "ENVSAFE_IDENTITY";

/// The home directory: the personal identity
/// (`~/.config/envsafe/identity.txt`) and ssh keys (`~/.ssh/id_ed25519`,
/// `~/.ssh/id_rsa`) are looked up under it.
pub const HOME: &str = "HOME";

/// Variables that hold key material: `run` never passes them to the
/// command, and `${…}` in a file never expands to them.
pub fn is_key_var(name: &str) -> bool {
    name.starts_with(ENVSAFE_PRIVATE_KEY) || name == ENVSAFE_IDENTITY
}

/// Test only, and read by debug builds only (release builds ignore it):
/// `commit:N` or `recover:N` makes the process kill itself with SIGKILL at
/// the N-th crash point of a transaction's commit, or of the recovery of
/// one (`edit`). A commit of F files has 2F + 3 points: 1 once the journal
/// is written, 2..=F+1 after each temporary file, F+2 after the commit
/// point, then one after each rename, and the last before the journal is
/// removed. The kill tests check that after any of them the next command
/// leaves every file old or every file new.
pub const ENVSAFE_TEST_CRASH_AT: &str = "ENVSAFE_TEST_CRASH_AT";
