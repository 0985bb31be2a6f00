//! The verified-token cache: a bounded LRU of accepted verifications, so that a session's
//! repeated requests skip signature arithmetic. Keyed by [`crate::core::check::cache_key`] (a
//! hash of the policy, the fetched keys and the token), so a new policy or new keys never hit
//! an old entry; holds only accepted tokens; every use re-checks the token's times. Cleared on
//! policy reload to free the memory of entries no key can reach any more.

use crate::core::check::VerificationCache;
use crate::core::token::VerifiedAttestation;
use std::num::NonZeroUsize;
use std::sync::Mutex;

pub struct TokenCache {
    entries: Option<Mutex<lru::LruCache<[u8; 32], VerifiedAttestation>>>,
    pub hits: prometheus_client::metrics::counter::Counter,
    pub misses: prometheus_client::metrics::counter::Counter,
}

impl TokenCache {
    /// A cache of `capacity` tokens; 0 turns it off.
    pub fn new(capacity: usize) -> TokenCache {
        TokenCache {
            entries: NonZeroUsize::new(capacity).map(|capacity| Mutex::new(lru::LruCache::new(capacity))),
            hits: Default::default(),
            misses: Default::default(),
        }
    }

    pub fn clear(&self) {
        if let Some(entries) = &self.entries {
            entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
        }
    }
}

impl VerificationCache for TokenCache {
    fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    fn get(&self, key: &[u8; 32]) -> Option<VerifiedAttestation> {
        let entries = self.entries.as_ref()?;
        let found = entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(key).cloned();
        if found.is_some() { &self.hits } else { &self.misses }.inc();
        found
    }

    fn put(&self, key: [u8; 32], attestation: VerifiedAttestation) {
        if let Some(entries) = &self.entries {
            entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).put(key, attestation);
        }
    }
}
