//! Property tests: order independence, tamper resistance, no panics on any input.

use crate::scenarios::load_all;
use access_check::core::check::{check, replay, Request};
use access_check::core::json::Json;
use access_check::core::policy::evaluate::Outcome;
use access_check::core::policy::Policy;
use access_check::core::support;
use proptest::prelude::*;
use std::sync::OnceLock;

/// Every token of every scenario (they share one policy), with the scenario clock.
fn pool() -> &'static (Policy, Vec<String>, u64) {
    static POOL: OnceLock<(Policy, Vec<String>, u64)> = OnceLock::new();
    POOL.get_or_init(|| {
        let all = load_all();
        let policy = all[0].1.policy.clone();
        let now = all[0].1.request.now;
        let mut tokens: Vec<String> = all.iter().flat_map(|(_, s)| s.request.tokens.clone()).collect();
        tokens.sort();
        tokens.dedup();
        (policy, tokens, now)
    })
}

fn request(tokens: Vec<String>, now: u64) -> Request {
    Request { tokens, now, lang: "en".into(), ..Request::default() }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn reordering_tokens_never_changes_outcomes(picks in prop::collection::vec(any::<prop::sample::Index>(), 0..=8), seed in any::<u64>()) {
        let (policy, tokens, now) = pool();
        let chosen: Vec<String> = picks.iter().map(|i| i.get(tokens).clone()).collect();
        let mut shuffled = chosen.clone();
        // A seeded Fisher–Yates shuffle.
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let a = check(policy, &request(chosen, *now));
        let b = check(policy, &request(shuffled, *now));
        prop_assert_eq!(a.outcome, b.outcome);
        prop_assert_eq!(a.tiers, b.tiers);
        prop_assert_eq!(a.valid_until, b.valid_until);
    }

    #[test]
    fn altering_any_byte_of_a_needed_token_never_grants(which in 0usize..2, position in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let (_, scenario) = load_all().into_iter().find(|(n, _)| n.contains("us-citizen-at-home")).unwrap();
        let report = check(&scenario.policy, &scenario.request);
        prop_assert_eq!(report.outcome, Outcome::Granted);
        let mut tokens = scenario.request.tokens.clone();
        let mut bytes = tokens[which].clone().into_bytes();
        let at = position.index(bytes.len());
        prop_assume!(bytes[at] != byte);
        bytes[at] = byte;
        tokens[which] = String::from_utf8_lossy(&bytes).into_owned();
        let altered = check(&scenario.policy, &Request { tokens, ..scenario.request.clone() });
        prop_assert_ne!(altered.tier("frontier").unwrap().outcome, Outcome::Granted);
        prop_assert!(altered.tokens[which].code.is_some());
    }

    #[test]
    fn no_token_string_panics_or_grants_alone(token in ".{0,400}", dotted in "[A-Za-z0-9_.-]{0,300}") {
        let (policy, _, now) = pool();
        for candidate in [token, dotted] {
            let report = check(policy, &request(vec![candidate], *now));
            prop_assert_ne!(report.tier("frontier").unwrap().outcome, Outcome::Granted);
        }
    }

    #[test]
    fn no_policy_text_panics(text in ".{0,600}") {
        if let Ok(policy) = Policy::parse(&text) {
            let _ = check(&policy, &request(vec![], 0));
        }
    }

    #[test]
    fn mutated_policies_parse_or_fail_cleanly(position in any::<prop::sample::Index>(), byte in 0x20u8..0x7f) {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/policy.json")).unwrap();
        let mut bytes = text.into_bytes();
        let at = position.index(bytes.len());
        bytes[at] = byte;
        if let Ok(policy) = Policy::parse(&String::from_utf8_lossy(&bytes)) {
            let (_, tokens, now) = pool();
            let _ = check(&policy, &request(tokens.iter().take(8).cloned().collect(), *now));
        }
    }

    #[test]
    fn no_support_code_panics(body in "[A-Za-z0-9_-]{0,600}", raw in ".{0,200}") {
        let (policy, _, _) = pool();
        for code in [format!("AC1-{body}"), raw] {
            if let Ok(record) = support::decode(&code) {
                prop_assert_eq!(support::decode(&support::encode(&record)).ok(), Some(record));
                let _ = replay(&code, Some(policy), None);
            }
        }
    }

    #[test]
    fn json_round_trips_and_never_panics(text in ".{0,300}") {
        if let Ok(json) = Json::parse(&text) {
            prop_assert_eq!(Json::parse(&json.to_compact()).ok(), Some(json.clone()));
            prop_assert_eq!(Json::parse(&json.to_pretty()).ok(), Some(json));
        }
    }
}
