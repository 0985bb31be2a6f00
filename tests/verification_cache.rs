//! The verified-token cache contract (`check::check_cached`): only accepted verifications are
//! kept, times are re-checked on every use, and a change of policy or keys never hits an old
//! entry. The cache here is an in-memory map; the server's is `server::token_cache`.

use crate::scenarios::load_all;
use crate::support::demo::*;
use crate::support::mint::{jwks, with, without};
use crate::support::world::*;
use access_check::core::check::{check, check_cached, Request, VerificationCache};
use access_check::core::codes::Code;
use access_check::core::json::Json;
use access_check::core::policy::evaluate::Outcome;
use access_check::core::policy::keys::FetchedJwks;
use access_check::core::policy::Policy;
use access_check::core::token::VerifiedAttestation;
use std::cell::RefCell;
use std::collections::HashMap;

#[derive(Default)]
struct MapCache {
    entries: RefCell<HashMap<[u8; 32], VerifiedAttestation>>,
    hits: RefCell<u32>,
}

impl VerificationCache for MapCache {
    fn get(&self, key: &[u8; 32]) -> Option<VerifiedAttestation> {
        let found = self.entries.borrow().get(key).cloned();
        if found.is_some() {
            *self.hits.borrow_mut() += 1;
        }
        found
    }
    fn put(&self, key: [u8; 32], attestation: VerifiedAttestation) {
        self.entries.borrow_mut().insert(key, attestation);
    }
}

fn request(tokens: Vec<String>, now: u64) -> Request {
    Request { tokens, now, lang: "en".into(), ..Request::default() }
}

#[test]
fn a_warm_cache_decides_exactly_as_no_cache() {
    for (name, scenario) in load_all() {
        let cache = MapCache::default();
        let cold = check_cached(&scenario.policy, &scenario.request, &cache);
        let warm = check_cached(&scenario.policy, &scenario.request, &cache);
        let plain = check(&scenario.policy, &scenario.request);
        assert_eq!(cold, plain, "{name}");
        assert_eq!(warm, plain, "{name}");
        // Bindings (subject, nonce) depend on the other tokens and are judged on every use.
        let verified = plain
            .tokens
            .iter()
            .filter(|t| matches!(t.code, None | Some(Code::SubjectMismatch | Code::NonceMismatch)))
            .count();
        assert_eq!(cache.entries.borrow().len(), verified, "{name}: only verified tokens are kept");
    }
}

#[test]
fn a_cached_token_is_judged_by_the_clock_of_each_use() {
    let world = world();
    let cache = MapCache::default();
    let tokens = vec![world.identity(), world.location()];
    assert_eq!(check_cached(&world.policy, &request(tokens.clone(), NOW), &cache).outcome, Outcome::Granted);
    // The location token lives ten minutes.
    let later = check_cached(&world.policy, &request(tokens, NOW + 3600), &cache);
    assert_eq!(*cache.hits.borrow(), 2);
    assert_ne!(later.outcome, Outcome::Granted);
    let location =
        later.tokens.iter().find(|t| t.summary.kind == Some(access_check::core::facts::Kind::Location)).unwrap();
    assert_eq!(location.code, Some(Code::TokenExpired));
}

#[test]
fn another_policy_or_other_keys_never_hit_an_old_entry() {
    let world = world();
    let cache = MapCache::default();
    let tokens = vec![world.identity(), world.location()];
    assert_eq!(check_cached(&world.policy, &request(tokens.clone(), NOW), &cache).outcome, Outcome::Granted);
    // The identity issuer's keys now come from a jwks_uri, and the signing key is not in it.
    let uri = "https://idv.example.com/jwks.json";
    let remote = world
        .policy_with(|policy| {
            let Json::Object(members) = policy else { panic!() };
            let Some((_, Json::Array(issuers))) = members.iter_mut().find(|(k, _)| k == "issuers") else { panic!() };
            issuers[0] = with(&without(&issuers[0], &["jwks"]), &[("jwks_uri", uri.into())]);
        })
        .unwrap();
    let fetched =
        |keys: &[&crate::support::mint::DemoKey]| vec![FetchedJwks { uri: uri.into(), text: jwks(keys).to_compact() }];
    let with_keys = |policy: &Policy, documents| {
        check_cached(policy, &Request { fetched_jwks: documents, ..request(tokens.clone(), NOW) }, &cache)
    };
    let rotated_out = with_keys(&remote, fetched(&[&world.keys.idv_ed25519]));
    assert_eq!(
        rotated_out.tokens[0].code,
        Some(Code::KeyUnknown),
        "a key no longer published still verified from the cache"
    );
    let back = with_keys(&remote, fetched(&[&world.keys.idv_es256]));
    assert_eq!(back.outcome, Outcome::Granted);
    let removed_again = with_keys(&remote, fetched(&[&world.keys.idv_ed25519]));
    assert_eq!(removed_again.tokens[0].code, Some(Code::KeyUnknown));
}
