//! Policy validation: every error names the JSON path; messages and links behave.

use crate::support::demo::*;
use crate::support::mint::{json, with, without};
use access_check::core::check::{check, Request};
use access_check::core::json::Json;
use access_check::core::policy::Policy;

fn demo() -> Json {
    policy(&keys())
}

fn error_of(policy: &Json) -> String {
    Policy::from_json(policy).unwrap_err().to_string()
}

fn replace(policy: &Json, from: &str, to: &str) -> Json {
    let text = policy.to_compact();
    assert!(text.contains(from), "{from} not in the demo policy");
    json(&text.replacen(from, to, 1))
}

#[test]
fn the_demo_policy_is_valid() {
    let policy = Policy::from_json(&demo()).unwrap();
    assert_eq!(policy.tiers.len(), 2);
}

#[test]
fn an_unassigned_country_code_is_named_by_path_and_value() {
    let policy = replace(&demo(), r#""countries_not_in":["CU","IR","KP""#, r#""countries_not_in":["CU","IR","XX""#);
    assert_eq!(
        error_of(&policy),
        r#"tiers[0].require.all[1].location.countries_not_in[2]: "XX" is not an ISO 3166-1 code"#
    );
}

#[test]
fn errors_name_their_paths() {
    let cases: Vec<(Json, &str)> = vec![
        (with(&demo(), &[("colour", "blue".into())]), "colour: is not a known field"),
        (with(&demo(), &[("leeway_seconds", "60".into())]), "leeway_seconds: expected a whole number, found a string"),
        (with(&demo(), &[("tiers", Json::Array(vec![]))]), "tiers: must not be empty"),
        (without(&demo(), &["audience"]), "the member \"audience\" is required"),
        (with(&demo(), &[("version", 3u64.into())]), "version: expected a string, found a number"),
        (
            replace(&demo(), r#""min_ial":2"#, r#""min_ial":5"#),
            "tiers[0].require.all[0].any[0].identity.min_ial: 5 is not a whole number from 1 to 3",
        ),
        (
            replace(&demo(), r#""anonymizers":["none"]"#, r#""anonymizers":["proxy"]"#),
            "tiers[0].require.all[1].location.anonymizers[0]: \"proxy\" is not one of",
        ),
        (
            replace(&demo(), r#""regions_not_in":["UA-43""#, r#""regions_not_in":["Crimea""#),
            "tiers[0].require.all[1].location.regions_not_in[0]: \"Crimea\" is not an ISO 3166-2 code",
        ),
        (
            replace(&demo(), r#"{"any":["#, r#"{"one_of":["#),
            "tiers[0].require.all[0].one_of: is not all, any, not, identity, location or organization",
        ),
        (
            replace(&demo(), r#""require":{"location""#, r#""require":{"any":[],"location""#),
            "tiers[1].require: a requirement has exactly one member",
        ),
        (
            replace(&demo(), r#""id":"standard""#, r#""id":"frontier""#),
            "tiers[1]: the tier id \"frontier\" is used twice",
        ),
        (replace(&demo(), r#""id":"standard""#, r#""id":"Standard""#), "tiers[1].id: \"Standard\" is not a tier id"),
        (replace(&demo(), r#""id":"standard""#, r#""id":"support""#), "tiers[1].id: \"support\" is reserved"),
        (replace(&demo(), r#""kinds":["location"]"#, r#""kinds":["place"]"#), "issuers[1].kinds[0]: must be"),
        (
            replace(&demo(), r#""algorithms":["ES256"]"#, r#""algorithms":["HS256"]"#),
            "issuers[1].algorithms[0]: \"HS256\" is not supported",
        ),
        (
            replace(&demo(), r#""algorithms":["ES256"]"#, r#""algorithms":["ES256","ES256"]"#),
            "issuers[1].algorithms[1]: appears twice in the list",
        ),
        (
            replace(
                &demo(),
                r#""verify_identity":"https://idv.example.com/verify""#,
                r#""verify_identity":"javascript:alert(1)""#,
            ),
            "links.verify_identity: \"javascript:alert(1)\" is not an https://",
        ),
        (
            replace(&demo(), r#""label":{"en":"Frontier models""#, r#""label":{"english":"Frontier models""#),
            "tiers[0].label.english: \"english\" is not a language tag",
        ),
    ];
    for (policy, expected) in cases {
        let error = error_of(&policy);
        assert!(error.starts_with(expected), "expected {expected:?}\n     got {error:?}");
    }
}

#[test]
fn an_issuer_needs_keys() {
    let text = demo().to_compact();
    let start = text.find(r#","jwks":"#).unwrap();
    let end = text.find(r#"},{"iss":"https://edge"#).unwrap();
    let policy = json(&format!("{}{}", &text[..start], &text[end..]));
    assert_eq!(error_of(&policy), r#"issuers[0]: an issuer needs "jwks" or "jwks_uri""#);
}

#[test]
fn links_and_messages_may_only_name_known_tiers_and_codes() {
    let links = replace(&demo(), r#""links":{"#, r#""links":{"ultra":{"support":"/help"},"#);
    assert!(error_of(&links).starts_with("links.ultra: is neither a link name"));
    let with_messages = |messages: &str| with(&demo(), &[("messages", json(messages))]);
    assert!(error_of(&with_messages(r#"{"en":{"ultra":{"NOT_US_PERSON":"x"}}}"#))
        .starts_with("messages.en.ultra: is neither"));
    assert!(error_of(&with_messages(r#"{"en":{"NOT_A_CODE":"x"}}"#)).starts_with("messages.en.NOT_A_CODE: is neither"));
    assert!(error_of(&with_messages(r#"{"en":{"frontier":{"NOPE":"x"}}}"#))
        .starts_with("messages.en.frontier.NOPE: is not a reason code"));
    assert!(error_of(&with_messages(r#"{"EN!":{}}"#)).starts_with("messages.EN!: \"EN!\" is not a language tag"));
    assert!(Policy::from_json(&with_messages(r#"{"en":{"NOT_US_PERSON":"x","frontier":{"retry":"y"}}}"#)).is_ok());
}

#[test]
fn policy_messages_override_the_catalogue_per_code_and_per_tier() {
    let keys = keys();
    let policy_json = with(
        &policy(&keys),
        &[(
            "messages",
            json(
                r#"{"en":{"LOCATION_MISSING":"We need to see where you are.","standard":{"LOCATION_MISSING":"Standard needs your location."}}}"#,
            ),
        )],
    );
    let policy = Policy::from_json(&policy_json).unwrap();
    let report = check(&policy, &Request { now: NOW, lang: "en".into(), ..Request::default() });
    assert!(report.tier("frontier").unwrap().explanation.items.contains(&"We need to see where you are.".to_owned()));
    assert_eq!(report.tier("standard").unwrap().explanation.items, ["Standard needs your location."]);
}

#[test]
fn per_tier_links_override_the_policy_links() {
    let keys = keys();
    let policy_json =
        replace(&policy(&keys), r#""links":{"#, r#""links":{"frontier":{"verify_identity":"/verify-strong"},"#);
    let policy = Policy::from_json(&policy_json).unwrap();
    let report = check(&policy, &Request { now: NOW, lang: "en".into(), ..Request::default() });
    let url = |tier: &str| report.tier(tier).unwrap().remedies.iter().find_map(|r| r.url.clone());
    assert_eq!(url("frontier").as_deref(), Some("/verify-strong"));
}

#[test]
fn policy_text_limits_and_syntax_errors_are_clear() {
    assert!(Policy::parse(&" ".repeat(300 * 1024)).unwrap_err().to_string().contains("larger than"));
    assert!(Policy::parse("{\"version\":").unwrap_err().to_string().starts_with("the policy is not valid JSON"));
}

#[test]
fn every_reason_of_every_test_fills_its_sentence() {
    // Policies that reach the less common branches: citizenship tests (attested or not), a
    // region that is not attested, assurance under `not`.
    let keys = keys();
    let base = policy(&keys);
    let policy_with = |require: &str| {
        let text = base.to_compact().replacen(
            r#""require":{"location":{"countries_not_in":["CU","IR","KP","SY"]}}"#,
            &format!(r#""require":{require}"#),
            1,
        );
        Policy::from_json(&json(&text)).unwrap()
    };
    let identity = |claims: &[(&str, Json)]| {
        keys.idv_es256.sign_json(&keys.idv_es256.header(IDENTITY), &with(&identity_claims(), claims))
    };
    let location =
        |claims: &[(&str, Json)]| keys.edge.sign_json(&keys.edge.header(LOCATION), &with(&location_claims(), claims));
    let cases = [
        (r#"{"identity":{"citizenship_none_of":["IR","KP"]}}"#, identity(&[("citizenships", json(r#"["US","IR"]"#))])),
        (
            r#"{"identity":{"citizenship_none_of":["IR","KP"]}}"#,
            keys.idv_es256.sign_json(&keys.idv_es256.header(IDENTITY), &without(&identity_claims(), &["citizenships"])),
        ),
        (r#"{"identity":{"citizenship_any_of":["US"]}}"#, identity(&[("citizenships", json(r#"["DE"]"#))])),
        (r#"{"not":{"identity":{"min_ial":2}}}"#, identity(&[])),
        (r#"{"not":{"identity":{"citizenship_none_of":["IR"]}}}"#, identity(&[])),
        (r#"{"location":{"regions_not_in":["UA-43"]}}"#, location(&[("country", "UA".into())])),
    ];
    for (require, token) in cases {
        let report = check(
            &policy_with(require),
            &Request { tokens: vec![token], now: NOW, lang: "en".into(), ..Request::default() },
        );
        let tier = report.tier("standard").unwrap();
        assert!(!tier.reasons.is_empty(), "{require}");
        for item in &tier.explanation.items {
            assert!(!item.contains('{'), "{require}: unfilled placeholder in {item:?}");
        }
    }
}
