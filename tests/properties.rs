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

/// A valid policy at the limits: `tiers` tiers with long ids and labels, each an `any` of an
/// identity test and a location test over `list` countries, with message overrides.
fn large_policy(tiers: usize, list: usize, label: usize, messages: bool) -> String {
    use crate::support::demo::{keys, policy};
    use crate::support::mint::with;
    let countries: Vec<String> = access_check::core::facts::Country::all()
        .filter(|c| c.as_str() != "US")
        .take(list)
        .map(|c| format!("\"{c}\""))
        .collect();
    let list = countries.join(",");
    let tier_json = |i: usize| {
        format!(
            r#"{{"id":"t{i:02}-{pad}","label":{{"en":"{label}","es":"{label}"}},"require":{{"all":[{{"any":[
              {{"identity":{{"citizenship_none_of":[{list}],"max_age_days":{age},"min_ial":{ial}}}}},
              {{"organization":{{"authorization_for_tier":true,"not_restricted_party":true}}}}]}},
              {{"location":{{"countries_not_in":[{list}],"anonymizers":["none"]}}}}]}}}}"#,
            pad = "p".repeat(60),
            label = "L".repeat(label),
            age = 30 + i,
            ial = 1 + i % 3,
        )
    };
    let tiers_json: Vec<String> = (0..tiers).map(tier_json).collect();
    let message = "M".repeat(1000);
    let overrides = if messages {
        format!(
            r#"{{"en":{{"IDENTITY_ELIGIBLE":"{message}","LOCATION_ELIGIBLE":"{message}","AUTHORIZATION_MISSING":"{message}","contact_support":"{message}"}}}}"#
        )
    } else {
        "{}".to_owned()
    };
    let base = policy(&keys());
    with(
        &base,
        &[
            ("tiers", Json::parse(&format!("[{}]", tiers_json.join(","))).unwrap()),
            ("messages", Json::parse(&overrides).unwrap()),
        ],
    )
    .to_compact()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever the policy (within its limits) and the tokens, the support code decodes, and
    /// replays under its own policy to the same outcomes.
    #[test]
    fn every_support_code_decodes_and_replays(
        tiers in 1usize..=32,
        list in 1usize..=248,
        label in 1usize..=1024,
        messages in any::<bool>(),
        picks in prop::collection::vec(any::<prop::sample::Index>(), 0..=9),
        authorizations in 0usize..=16,
    ) {
        use crate::support::demo::*;
        use crate::support::mint::with;
        let text = large_policy(tiers, list, label, messages);
        let policy = Policy::parse(&text).unwrap();
        let keys = keys();
        let tier_ids: Vec<Json> = policy.tiers.iter().take(16).map(|t| t.id.as_str().into()).collect();
        let authorization = with(&authorization(&[]), &[("tiers", Json::Array(tier_ids))]);
        let organization = keys.org.sign_json(
            &keys.org.header(ORGANIZATION),
            &with(&organization_claims(), &[("authorizations", Json::Array(vec![authorization; authorizations]))]),
        );
        let identity = keys.idv_es256.sign_json(
            &keys.idv_es256.header(IDENTITY),
            &with(&identity_claims(), &[("citizenships", Json::Array(vec!["DE".into(), "FR".into(), "US".into()]))]),
        );
        let location = keys.edge.sign_json(&keys.edge.header(LOCATION), &location_claims());
        let pool = [identity, location, organization, "x.y.z".to_owned()];
        let tokens: Vec<String> = picks.iter().map(|pick| pick.get(&pool).clone()).collect();
        let report = check(&policy, &request(tokens, NOW));
        prop_assert!(report.support_code.len() <= support::MAX_CODE_CHARS);
        let record = support::decode(&report.support_code);
        prop_assert!(record.is_ok(), "{:?}", record.err());
        prop_assert_eq!(support::encode(&record.unwrap()), report.support_code.clone());
        let replayed = replay(&report.support_code, Some(&policy), None);
        prop_assert!(replayed.is_ok(), "{:?}", replayed.err());
        let outcomes = |r: &access_check::core::report::Report| r.tiers.iter().map(|t| t.outcome).collect::<Vec<_>>();
        prop_assert_eq!(outcomes(&replayed.unwrap()), outcomes(&report));
    }
}
