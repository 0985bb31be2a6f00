//! Keys from `jwks_uri`s, fetched by the server (the only HTTP client of the service).
//!
//! - Cached for the issuer's `Cache-Control: max-age`, clamped to `min_ttl`–24 h (default
//!   10 min), and refreshed in the background at 80% of that.
//! - A token naming an unknown `kid` triggers one refetch per issuer at a time, at most once
//!   per cooldown (30 s), so that a flood of made-up kids cannot hammer the issuer; the
//!   request waits for it at most [`super::REFETCH_WAIT`] and is decided again.
//! - Fetches time out after 5 s, follow no redirects, need a 200, read at most 64 KiB, and a
//!   document replaces the cached one only if it gives the issuer usable keys, checked as
//!   evaluation reads them. The policy already allows only `https://` (or `http://` on a
//!   loopback host) for a `jwks_uri`.
//! - When refreshes fail, the last good document is used for a bounded grace period after it
//!   went stale (default 6 h), then the issuer's tokens fail closed (`KEYS_UNAVAILABLE`), and
//!   readiness says so. A key that leaves the published JWKS stops verifying at the next fetch.

use crate::core::policy::keys::{check_fetched, FetchedJwks, MAX_JWKS_BYTES};
use crate::core::policy::Policy;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How keys are cached.
#[derive(Debug, Clone)]
pub struct Settings {
    pub min_ttl: Duration,
    pub max_ttl: Duration,
    pub default_ttl: Duration,
    pub grace: Duration,
    pub timeout: Duration,
    pub unknown_kid_cooldown: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            min_ttl: Duration::from_secs(60),
            max_ttl: Duration::from_secs(24 * 3600),
            default_ttl: Duration::from_secs(600),
            grace: Duration::from_secs(6 * 3600),
            timeout: Duration::from_secs(5),
            unknown_kid_cooldown: Duration::from_secs(30),
        }
    }
}

struct Good {
    text: String,
    fresh_until: Instant,
}

#[derive(Default)]
struct Entry {
    good: Option<Good>,
    fetched_at: Option<Instant>,
    last_attempt: Option<Instant>,
    failures: u32,
    last_error: Option<String>,
    last_kid_refetch: Option<Instant>,
}

/// Every `jwks_uri`'s cached document.
pub struct JwksCache {
    entries: Mutex<Vec<(String, Entry)>>,
    /// One fetch at a time per cache; fetches are rare, so one lock is enough.
    fetching: tokio::sync::Mutex<()>,
    client: Option<reqwest::Client>,
    pub settings: Settings,
}

/// The issuers of `policy` whose keys come from a `jwks_uri`: (index, uri).
fn remote_issuers(policy: &Policy) -> impl Iterator<Item = (usize, &str)> {
    policy.issuers.iter().enumerate().filter_map(|(index, issuer)| match (&issuer.keys, &issuer.jwks_uri) {
        (None, Some(uri)) => Some((index, uri.as_str())),
        _ => None,
    })
}

impl JwksCache {
    pub fn new(settings: Settings) -> JwksCache {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .build()
            .ok();
        JwksCache { entries: Mutex::new(Vec::new()), fetching: tokio::sync::Mutex::new(()), client, settings }
    }

    fn with_entry<T>(&self, uri: &str, act: impl FnOnce(&mut Entry) -> T) -> T {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let position = match entries.iter().position(|(known, _)| known == uri) {
            Some(position) => position,
            None => {
                entries.push((uri.to_owned(), Entry::default()));
                entries.len() - 1
            }
        };
        match entries.get_mut(position) {
            Some((_, entry)) => act(entry),
            None => act(&mut Entry::default()),
        }
    }

    /// The documents evaluation may use now: fresh, or stale within the grace period.
    pub fn documents(&self, policy: &Policy) -> Vec<FetchedJwks> {
        let now = Instant::now();
        remote_issuers(policy)
            .filter_map(|(_, uri)| {
                self.with_entry(uri, |entry| {
                    entry
                        .good
                        .as_ref()
                        .filter(|good| now <= good.fresh_until + self.settings.grace)
                        .map(|good| FetchedJwks { uri: uri.to_owned(), text: good.text.clone() })
                })
            })
            .collect()
    }

    /// Why some issuer's keys cannot be used now, for readiness.
    pub fn problems(&self, policy: &Policy) -> Vec<String> {
        let now = Instant::now();
        remote_issuers(policy)
            .filter_map(|(index, uri)| {
                self.with_entry(uri, |entry| match &entry.good {
                    Some(good) if now <= good.fresh_until + self.settings.grace => None,
                    Some(_) => Some(format!("the keys of issuers[{index}] ({uri}) are stale beyond the grace period")),
                    None => Some(format!(
                        "the keys of issuers[{index}] ({uri}) have not been fetched{}",
                        entry.last_error.as_ref().map(|error| format!(": {error}")).unwrap_or_default()
                    )),
                })
            })
            .collect()
    }

    /// Issuers past their fresh time but within grace (for the metrics).
    pub fn stale_count(&self, policy: &Policy) -> usize {
        let now = Instant::now();
        remote_issuers(policy)
            .filter(|(_, uri)| {
                self.with_entry(uri, |entry| {
                    entry
                        .good
                        .as_ref()
                        .is_some_and(|good| now > good.fresh_until && now <= good.fresh_until + self.settings.grace)
                })
            })
            .count()
    }

    /// Whether `uri` is due for a background fetch: never fetched, at 80% of its lifetime, or
    /// after a failure once a backoff (1 s doubling to 60 s) has passed.
    fn due(&self, uri: &str, now: Instant) -> bool {
        self.with_entry(uri, |entry| {
            if entry.failures > 0 {
                let backoff = Duration::from_secs(1u64 << entry.failures.min(6)).min(Duration::from_secs(60));
                return entry.last_attempt.is_none_or(|at| now >= at + backoff);
            }
            match (&entry.good, entry.fetched_at) {
                (Some(good), Some(fetched)) => now >= fetched + (good.fresh_until - fetched).mul_f64(0.8),
                _ => true,
            }
        })
    }

    /// Fetches every due `jwks_uri` of `policy` (the background refresher calls this).
    pub async fn refresh_due(&self, policy: &Policy, metrics: &super::metrics::Metrics) {
        let now = Instant::now();
        for (index, uri) in remote_issuers(policy) {
            if self.due(uri, now) {
                self.fetch(policy, index, uri, metrics).await;
            }
        }
    }

    /// A token named a `kid` the cached keys of `iss` lack: refetch once, unless another
    /// refetch of it ran within the cooldown. Returns whether a new document came.
    pub async fn refetch_for_unknown_kid(&self, policy: &Policy, iss: &str, metrics: &super::metrics::Metrics) -> bool {
        let Some((index, uri)) =
            remote_issuers(policy).find(|(index, _)| policy.issuers.get(*index).is_some_and(|i| i.iss == iss))
        else {
            return false;
        };
        let now = Instant::now();
        let allowed = self.with_entry(uri, |entry| {
            let allowed = entry.last_kid_refetch.is_none_or(|at| now >= at + self.settings.unknown_kid_cooldown);
            if allowed {
                entry.last_kid_refetch = Some(now);
            }
            allowed
        });
        allowed && self.fetch(policy, index, uri, metrics).await
    }

    /// One fetch of `uri`; a good document replaces the cached one. Returns whether it did.
    async fn fetch(&self, policy: &Policy, index: usize, uri: &str, metrics: &super::metrics::Metrics) -> bool {
        let _one_at_a_time = self.fetching.lock().await;
        let result = self.download(uri).await.and_then(|(text, max_age)| match check_fetched(policy, index, &text) {
            Ok(0) => Err("the JWKS has no key this server can verify with".to_owned()),
            Ok(_) => Ok((text, max_age)),
            Err(error) => Err(error.to_string()),
        });
        let now = Instant::now();
        let label = if result.is_ok() { "ok" } else { "error" };
        metrics.jwks_fetches.get_or_create(&super::metrics::Result { result: label.into() }).inc();
        self.with_entry(uri, |entry| {
            entry.last_attempt = Some(now);
            match result {
                Ok((text, max_age)) => {
                    let ttl = max_age.unwrap_or(self.settings.default_ttl).clamp(self.settings.min_ttl, self.settings.max_ttl);
                    entry.good = Some(Good { text, fresh_until: now + ttl });
                    entry.fetched_at = Some(now);
                    entry.failures = 0;
                    entry.last_error = None;
                    true
                }
                Err(error) => {
                    tracing::warn!(%uri, %error, "JWKS fetch failed; keeping the last good keys within the grace period");
                    entry.failures = entry.failures.saturating_add(1);
                    entry.last_error = Some(error);
                    false
                }
            }
        })
    }

    /// GET `uri`: the body (at most 64 KiB) and its `Cache-Control: max-age`.
    async fn download(&self, uri: &str) -> Result<(String, Option<Duration>), String> {
        if uri.starts_with('/') {
            return Err("a same-site path is fetched by browsers only; give the server an https:// URL".to_owned());
        }
        let client = self.client.as_ref().ok_or("no HTTP client could be built")?;
        let mut response = client.get(uri).send().await.map_err(|error| error.to_string())?;
        if response.status() != reqwest::StatusCode::OK {
            return Err(format!("answered {}", response.status()));
        }
        let max_age = response
            .headers()
            .get(reqwest::header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok())
            .and_then(max_age);
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|error| error.to_string())? {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        let text = String::from_utf8(body).map_err(|_| "not UTF-8".to_owned())?;
        Ok((text, max_age))
    }
}

/// The `max-age` of a `Cache-Control` value; `no-store`/`no-cache` count as 0 (then clamped up
/// to the minimum).
fn max_age(value: &str) -> Option<Duration> {
    value.split(',').map(str::trim).find_map(|directive| {
        let lower = directive.to_ascii_lowercase();
        if lower == "no-store" || lower == "no-cache" {
            return Some(Duration::ZERO);
        }
        lower
            .strip_prefix("max-age=")
            .and_then(|seconds| seconds.trim_matches('"').parse::<u64>().ok())
            .map(Duration::from_secs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_max_age() {
        assert_eq!(max_age("public, max-age=300"), Some(Duration::from_secs(300)));
        assert_eq!(max_age("MAX-AGE=\"60\""), Some(Duration::from_secs(60)));
        assert_eq!(max_age("no-store"), Some(Duration::ZERO));
        assert_eq!(max_age("private"), None);
        assert_eq!(max_age("max-age=soon"), None);
    }
}
