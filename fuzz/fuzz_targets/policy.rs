//! `policy`: fuzzed bytes as a policy document.
//!
//! Asserts, for every input that `Policy::parse` accepts:
//! 1. no panic, in parsing, checking, serialising or replaying;
//! 2. with no tokens, no tier is granted. Every test on a kind whose attestation is missing is
//!    unknown, `all`/`any`/`not` of unknowns stay unknown (three-valued logic), and the parser
//!    refuses empty `all`/`any`, so no requirement can be true without a token;
//! 3. the report's JSON (`to_json().to_compact()`) re-parses with `Json::parse`;
//! 4. the report's support code replays under the same policy without panicking, and re-decides
//!    every tier to the same outcome.
//!
//! The same policy is also checked with the two tokens of scenario 01 (valid under the demo
//! policy's keys, which most mutated policies keep), so evaluation sees real facts: no panic and
//! JSON re-parse are asserted there too.
//!
//! A support code the widget itself made that does not decode or replay is a crash (until the
//! hardening of issue 8 a known case was only noted: fuzz/regressions/policy/
//! eight-tiers-248-countries.json, a code longer than `decode` accepted).

#![no_main]

use std::sync::OnceLock;

use access_check::core::check::{check, replay, Request};
use access_check::core::json::Json;
use access_check::core::policy::evaluate::Outcome;
use access_check::core::policy::Policy;
use access_check::core::report::Report;
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_795_305_600;
const SCENARIO_01: &str = include_str!("../../www/scenarios/01-us-citizen-at-home.json");

fn scenario_tokens() -> &'static [String] {
    static TOKENS: OnceLock<Vec<String>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        let json = Json::parse(SCENARIO_01).expect("scenario 01 is JSON");
        match json.get("tokens") {
            Some(Json::Array(items)) => items.iter().filter_map(|item| item.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    })
}

fn reparse(report: &Report, what: &str) {
    let json = report.to_json().to_compact();
    if let Err(error) = Json::parse(&json) {
        panic!("{what}: the report's JSON does not re-parse ({error}): {json}");
    }
}

fn replay_same(report: &Report, policy: &Policy) {
    match replay(&report.support_code, Some(policy), None) {
        Ok(replayed) => {
            reparse(&replayed, "replay");
            for tier in &report.tiers {
                assert_eq!(
                    replayed.tier(&tier.id).map(|t| t.outcome),
                    Some(tier.outcome),
                    "replaying the support code changed tier {:?}",
                    tier.id
                );
            }
        }
        Err(error) => panic!("the widget's own support code does not replay ({error}): {}", report.support_code),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(policy) = Policy::parse(text) else {
        return;
    };

    let bare = check(&policy, &Request { now: NOW, lang: "en".into(), ..Request::default() });
    for tier in &bare.tiers {
        assert_ne!(tier.outcome, Outcome::Granted, "tier {:?} granted with no tokens", tier.id);
    }
    reparse(&bare, "no tokens");
    replay_same(&bare, &policy);

    let with_tokens = check(
        &policy,
        &Request { tokens: scenario_tokens().to_vec(), now: NOW, lang: "en".into(), ..Request::default() },
    );
    reparse(&with_tokens, "scenario 01 tokens");
    replay_same(&with_tokens, &policy);
});
