//! `token`: one fuzzed string as an attestation token, checked against the demo policy
//! (www/policy.json) at the scenarios' `now`.
//!
//! Asserts:
//! 1. no panic;
//! 2. the fuzzed token alone never grants "frontier" (frontier needs identity-or-organization AND
//!    location: two attestations, so one token, whatever its bytes, cannot be enough);
//! 3. the report's JSON re-parses, and its support code decodes and replays (under the same
//!    policy) to the same outcome for every tier;
//! 4. the token is accepted only if it is byte-identical to a token some scenario file holds:
//!    nothing else carries a valid signature under the demo keys;
//! 5. next to the valid identity token of www/scenarios/01-us-citizen-at-home.json, frontier is
//!    granted only if the fuzzed token is byte-identical to a token some scenario file holds (a
//!    genuinely signed location token);
//! 6. the pair's outcomes do not depend on the order of the two tokens.
//!
//! 5 and 6 run only for tokens accepted on their own: each token is verified on its own
//! (`check` calls `verify_attestation` per token), so a token rejected alone is rejected in the
//! pair too, and the pair costs two more P-256 verifications per input, the slowest thing this
//! target does under the sanitizer.

#![no_main]

use std::collections::HashSet;
use std::sync::OnceLock;

use access_check::core::check::{check, replay, Request};
use access_check::core::json::Json;
use access_check::core::policy::evaluate::Outcome;
use access_check::core::policy::Policy;
use access_check::core::report::Report;
use access_check::core::token::compact;
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_795_305_600;
const POLICY: &str = include_str!("../../www/policy.json");
const SCENARIO_01: &str = include_str!("../../www/scenarios/01-us-citizen-at-home.json");
const SCENARIOS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/scenarios");

struct Fixture {
    policy: Policy,
    /// The identity token of scenario 01.
    identity: String,
    /// Every token of every scenario file: the only strings that carry a real signature.
    signed: HashSet<String>,
}

fn tokens_of(scenario: &str) -> Vec<String> {
    let json = Json::parse(scenario).expect("a scenario file is JSON");
    match json.get("tokens") {
        Some(Json::Array(items)) => items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

fn typ_of(token: &str) -> Option<String> {
    let segments = compact::split(token).ok()?;
    compact::parse_header(segments.header).ok()?.typ
}

fn request(tokens: Vec<String>) -> Request {
    Request { tokens, now: NOW, lang: "en".into(), ..Request::default() }
}

fn frontier(report: &Report) -> Outcome {
    report.tier("frontier").expect("the demo policy has a frontier tier").outcome
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let policy = Policy::parse(POLICY).expect("www/policy.json parses");
        let scenario = tokens_of(SCENARIO_01);
        let identity = scenario
            .iter()
            .find(|token| typ_of(token).as_deref() == Some("identity-attestation+jwt"))
            .expect("scenario 01 has an identity token")
            .clone();
        let mut signed: HashSet<String> = scenario.iter().cloned().collect();
        if let Ok(entries) = std::fs::read_dir(SCENARIOS_DIR) {
            for entry in entries.flatten() {
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    signed.extend(tokens_of(&text));
                }
            }
        }
        // The fixture must make assertion 4 meaningful: identity alone is not enough, identity
        // plus the scenario's location token is.
        assert_ne!(frontier(&check(&policy, &request(vec![identity.clone()]))), Outcome::Granted);
        assert_eq!(frontier(&check(&policy, &request(scenario))), Outcome::Granted);
        Fixture { policy, identity, signed }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let fixture = fixture();

    let alone = check(&fixture.policy, &request(vec![token.to_owned()]));
    assert_ne!(frontier(&alone), Outcome::Granted, "one token alone granted frontier: {token:?}");
    let json = alone.to_json().to_compact();
    if let Err(error) = Json::parse(&json) {
        panic!("the report's JSON does not re-parse ({error}): {json}");
    }
    let replayed = match replay(&alone.support_code, Some(&fixture.policy), None) {
        Ok(replayed) => replayed,
        Err(error) => panic!("the report's own support code does not decode ({error}): {}", alone.support_code),
    };
    for tier in &alone.tiers {
        assert_eq!(
            replayed.tier(&tier.id).map(|t| t.outcome),
            Some(tier.outcome),
            "replaying the support code changed tier {:?}",
            tier.id
        );
    }

    let accepted = alone.tokens.first().is_some_and(|t| t.code.is_none());
    if !accepted {
        return;
    }
    assert!(fixture.signed.contains(token), "a token no scenario holds was accepted: {token:?}");

    let pair = check(&fixture.policy, &request(vec![fixture.identity.clone(), token.to_owned()]));
    if frontier(&pair) == Outcome::Granted {
        assert!(fixture.signed.contains(token), "identity + a token no scenario holds granted frontier: {token:?}");
    }
    let swapped = check(&fixture.policy, &request(vec![token.to_owned(), fixture.identity.clone()]));
    for tier in &pair.tiers {
        assert_eq!(
            swapped.tier(&tier.id).map(|t| t.outcome),
            Some(tier.outcome),
            "the outcome of tier {:?} depends on token order",
            tier.id
        );
    }
});
