//! Deploy targets (DESIGN §7): `[targets.NAME]` maps an environment's
//! variables to a platform's names; each kind has an encoder that knows the
//! platform's real parser, re-parses its own output with a model of it, and
//! refuses (naming the variable and the reason, never the value) what the
//! platform would change.

mod commands;
mod compose;
mod config;
mod deliver;
mod diff;
mod files;
mod fly;
mod github;
mod k8s;
mod ledger;
mod load;
mod names;
mod paths;
mod platform;
mod remove;

use zeroize::Zeroizing;

pub(crate) use config::check as check_config;
pub use config::{DotenvFormat, Kind, TargetConfig};
pub use deliver::{export, push_all, Delivered, Exported, PushOutcome};
pub use diff::{diff, holding, Change, Diff, Line};
pub use ledger::{Ledger, Pushed, STATE_DIR};
pub use load::{config, load, load_all, Entry, Loaded, Purpose};
pub use platform::{Output, Tool};

use crate::SecretValue;

/// A value (or name) a platform would change or lose, refused before
/// anything is sent. `reason` never holds a byte of the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The variable's name on the target.
    pub name: String,
    pub reason: String,
}

/// The variables of one target, in order: (name on the target, value).
pub type Pairs<'a> = [(&'a str, &'a SecretValue)];

/// Encoded text for a platform: it holds values.
pub type Encoded = Zeroizing<String>;
