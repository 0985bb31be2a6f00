//! The policy in force: read from a file, validated off the request path, swapped atomically.
//! `SIGHUP` reloads it; an invalid file is refused with a log line naming the problem's path,
//! and the running policy keeps serving.

use crate::core::policy::Policy;
use std::path::{Path, PathBuf};

/// A validated policy with the text it was read from.
pub struct LoadedPolicy {
    pub policy: Policy,
    pub text: String,
    pub path: PathBuf,
}

impl LoadedPolicy {
    /// Reads and validates `path` (at most the policy size limit is read).
    ///
    /// # Errors
    /// The file cannot be read, or the policy is invalid: in words, naming the file.
    pub fn load(path: &Path) -> Result<LoadedPolicy, String> {
        // A larger file is refused by the policy's own size check.
        let text = super::read_text_file(path, crate::core::policy::MAX_POLICY_BYTES)?;
        let policy = Policy::parse(&text).map_err(|error| format!("{}: {error}", path.display()))?;
        Ok(LoadedPolicy { policy, text, path: path.to_owned() })
    }

    /// The first bytes of the policy's hash, hex: what logs and the metrics name it by.
    pub fn short_hash(&self) -> String {
        crate::core::support::hex(self.policy.hash.get(..8).unwrap_or_default())
    }
}

/// Reloads the policy file of `state`: swaps in a valid new policy, keeps the old otherwise.
/// Returns whether the new policy is in force.
pub fn reload(state: &super::AppState) -> bool {
    let current = state.policy.load();
    match LoadedPolicy::load(&current.path) {
        Ok(next) => {
            tracing::info!(
                old_version = %current.policy.version,
                old_hash = %current.short_hash(),
                new_version = %next.policy.version,
                new_hash = %next.short_hash(),
                "policy reloaded"
            );
            state.policy.store(std::sync::Arc::new(next));
            state.tokens.clear();
            state.metrics.policy_reloads.get_or_create(&super::metrics::Result { result: "ok".into() }).inc();
            true
        }
        Err(error) => {
            tracing::error!(%error, version = %current.policy.version, "policy reload refused; the running policy stays");
            state.metrics.policy_reloads.get_or_create(&super::metrics::Result { result: "refused".into() }).inc();
            false
        }
    }
}
