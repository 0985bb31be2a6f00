//! The 16 defects of the hostile-input review (issue 8), one or more tests each, named
//! `dNN_…` by the defect's number. Each input would pass, or be mishandled, without its fix.

use crate::support::demo::*;
use crate::support::mint::{json, with, without, DemoKey};
use crate::support::world::*;
use access_check::core::base64url;
use access_check::core::check::{check, policy_error, replay, Request};
use access_check::core::codes::Code;
use access_check::core::json::{object, Json};
use access_check::core::policy::evaluate::{Outcome, Param, Reason};
use access_check::core::policy::Policy;
use access_check::core::report::Report;
use access_check::core::support::{self, SupportRecord};
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_access-check");

fn request(tokens: Vec<String>, now: u64) -> Request {
    Request { tokens, now, lang: "en".into(), ..Request::default() }
}

fn codes(report: &Report, tier: &str) -> Vec<Code> {
    report.tier(tier).unwrap().reasons.iter().map(|reason| reason.code).collect()
}

/// A token of `kind` signed by the demo key of its issuer with the given claims.
fn sign(world: &World, typ: &str, claims: &Json) -> String {
    let key: &DemoKey = match typ {
        IDENTITY => &world.keys.idv_es256,
        LOCATION => &world.keys.edge,
        _ => &world.keys.org,
    };
    key.sign_json(&key.header(typ), claims)
}

/// The demo policy with its tiers replaced by one tier `t` requiring `require`.
fn one_tier(world: &World, require: &str) -> Policy {
    world
        .policy_with(|policy| {
            *policy = with(
                &without(policy, &["links"]),
                &[("tiers", json(&format!(r#"[{{"id": "t", "label": {{"en": "Tier T"}}, "require": {require}}}]"#)))],
            );
        })
        .unwrap()
}

/// The demo policy with its first issuer changed by `edit`.
fn with_first_issuer(world: &World, edit: impl FnOnce(&Json) -> Json) -> Result<Policy, String> {
    world.policy_with(|policy| {
        let Json::Object(members) = policy else { panic!("a policy is an object") };
        let Some((_, Json::Array(issuers))) = members.iter_mut().find(|(k, _)| k == "issuers") else { panic!() };
        issuers[0] = edit(&issuers[0]);
    })
}

/// Re-encodes a decoded record after `edit`, with a correct checksum: what a forger can do.
fn forge(code: &str, edit: impl FnOnce(&mut SupportRecord)) -> String {
    let mut record = support::decode(code).unwrap();
    edit(&mut record);
    support::encode(&record)
}

// 1. Quadratic parsing. (The comparison count of the shared uniqueness check is pinned by the
// unit test `core::unique::tests::work_grows_as_n_log_n_not_n_squared`.)

#[test]
fn d01_objects_and_lists_of_many_distinct_items_parse_and_duplicates_are_still_found() {
    let names: Vec<String> = (0..20_000).map(|i| format!("\"k{i:05}\":0")).collect();
    let object_text = format!("{{{}}}", names.join(","));
    assert!(object_text.len() > 200 * 1024);
    assert!(Json::parse(&object_text).is_ok());
    // The duplicate is the last member; the error points at it.
    let duplicated = format!("{{{},\"k00007\":1}}", names.join(","));
    let error = Json::parse(&duplicated).unwrap_err();
    assert_eq!(error.message, "duplicate member name");
    assert_eq!(error.offset, duplicated.rfind("\"k00007\"").unwrap());
    // Lists that must be distinct: the second "DE" of a country list is named.
    let world = world();
    let error = world
        .policy_with(|policy| {
            *policy = with(
                policy,
                &[("tiers", json(r#"[{"id":"t","require":{"location":{"countries_in":["US","DE","FR","DE"]}}}]"#))],
            );
        })
        .unwrap_err();
    assert_eq!(error, "tiers[0].require.location.countries_in[3]: appears twice in the list");
}

#[test]
fn d01_every_file_the_cli_reads_is_bounded() {
    let dir = std::env::temp_dir().join(format!("access-check-d01-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let big = dir.join("big.txt");
    std::fs::write(&big, "a".repeat(2 * 1024 * 1024)).unwrap();
    let big = big.to_str().unwrap();
    let policy = concat!(env!("CARGO_MANIFEST_DIR"), "/www/policy.json");
    for args in [
        vec!["eval", "--policy", policy, "--tokens", big],
        vec!["eval", "--policy", big],
        vec!["eval", "--scenario", big],
        vec!["verify", "--jwk", big, "a.b.c"],
        vec!["replay", "AC1-AAAA", "--policy", big],
    ] {
        let output = Command::new(BIN).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("larger than"), "{args:?}: {stderr}");
    }
}

// 2. Identity age is judged to the second, live and on replay.

#[test]
fn d02_identity_age_is_judged_to_the_second_live_and_on_replay() {
    let world = world();
    let max_age = 365 * DAY;
    // At midnight whole days and seconds agree; later in the day they did not.
    for (now, offset, stale) in [0, 1, 43_200, 86_399].into_iter().flat_map(|time_of_day| {
        [(0, false), (1, true), (60, true), (86_399, true), (86_400, true), (-1, false), (-86_399, false)]
            .map(|(offset, stale)| (NOW + time_of_day, offset, stale))
    }) {
        let verified_at = (now as i64 - max_age as i64 - offset) as u64;
        let identity = sign(
            &world,
            IDENTITY,
            &with(&identity_claims(), &[("verified_at", verified_at.into()), ("iat", (now - 60).into())]),
        );
        let location =
            sign(&world, LOCATION, &with(&location_claims(), &[("iat", now.into()), ("exp", (now + 600).into())]));
        let report = run(&world.policy, &[identity, location], now);
        let frontier = report.tier("frontier").unwrap();
        assert_eq!(
            frontier.reasons.iter().any(|r| r.code == Code::IdentityVerificationStale),
            stale,
            "at {now}, proofed {offset} s past 365 days: {:?}",
            frontier.reasons
        );
        assert_eq!(report.outcome == Outcome::Granted, !stale, "{offset}: {:?} {:?}", frontier.reasons, report.tokens);
        // The support code holds the day and one bit, and replay decides the same.
        let replayed = replay(&report.support_code, Some(&world.policy), None).unwrap();
        assert_eq!(replayed.tiers, report.tiers, "{offset}");
    }
}

// 3. Forged support codes are refused, and a replay says what is the user's claim.

#[test]
fn d03_forged_support_codes_that_contradict_themselves_are_refused() {
    let world = world();
    let blocked = world
        .report(&[world.identity(), sign(&world, LOCATION, &with(&location_claims(), &[("country", "IR".into())]))]);
    assert_eq!(blocked.outcome, Outcome::Blocked);
    let granted = world.report(&[world.identity(), world.location()]);
    let informational = granted.tier("frontier").unwrap().reasons[0].clone();
    assert_eq!(informational.code, Code::IdentityEligible);
    let cases: Vec<(&str, String)> = vec![
        (
            "granted with zero tokens",
            forge(&granted.support_code, |record| {
                record.tokens.clear();
                record.subject_hash = None;
            }),
        ),
        (
            "a grant whose reasons are NOT_US_PERSON and RESTRICTED_PARTY",
            forge(&blocked.support_code, |record| {
                let tier = &mut record.tiers[0];
                tier.outcome = Outcome::Granted;
                tier.reasons = vec![
                    Reason::new(Code::NotUsPerson).text("us_person", "citizen"),
                    Reason::new(Code::RestrictedParty),
                ];
            }),
        ),
        (
            "an informational code as the reason of a failing tier",
            forge(&blocked.support_code, |record| record.tiers[0].reasons = vec![informational.clone()]),
        ),
        (
            "facts without the accepted token they need",
            forge(&granted.support_code, |record| {
                for token in &mut record.tokens {
                    token.used = false;
                    token.code = Some(Code::SignatureInvalid);
                }
                record.subject_hash = None;
            }),
        ),
        (
            "a reason about other facts than the recorded ones",
            forge(&granted.support_code, |record| {
                record.evidence = support::decode(&blocked.support_code).unwrap().evidence;
            }),
        ),
    ];
    for (case, code) in cases {
        let error = support::decode(&code).unwrap_err().to_string();
        assert!(error.contains("contradicts itself"), "{case}: {error}");
        assert!(replay(&code, None, None).is_err(), "{case}");
        assert!(replay(&code, Some(&world.policy), None).is_err(), "{case}");
    }
}

#[test]
fn d03_a_coherent_code_whose_decision_its_facts_do_not_give_is_refused_under_its_policy() {
    let world = world();
    let iran = sign(&world, LOCATION, &with(&location_claims(), &[("country", "IR".into())]));
    let blocked = world.report(&[world.identity(), iran]);
    // Claim a grant whose reasons name the recorded facts: coherent on its own.
    let granted_reasons = world.report(&[world.identity(), world.location()]).tiers;
    let forged = forge(&blocked.support_code, |record| {
        for (tier, reasons) in record.tiers.iter_mut().zip(&granted_reasons) {
            tier.outcome = Outcome::Granted;
            tier.reasons = reasons
                .reasons
                .iter()
                .map(|reason| match reason.code {
                    Code::LocationEligible => Reason::new(Code::LocationEligible).text("country", "IR"),
                    _ => reason.clone(),
                })
                .collect();
        }
    });
    let record = support::decode(&forged).expect("coherent on its own");
    assert_eq!(record.tiers[0].outcome, Outcome::Granted);
    let error = replay(&forged, Some(&world.policy), None).unwrap_err().to_string();
    assert!(error.contains("not what its facts give"), "{error}");
    // Without a policy, a replay shows the claim, labelled as not re-derived.
    let shown = replay(&forged, None, None).unwrap();
    let info = shown.replay.unwrap();
    assert!(!info.rederived && !info.policy_given);
    assert_eq!(info.reported[0].outcome, Outcome::Granted);
}

#[test]
fn d03_a_replay_shows_what_was_reported_and_what_is_re_derived() {
    let world = world();
    let report = world.report(&[world.identity(), world.location()]);
    let stricter = world
        .policy_with(|policy| {
            *policy = with(policy, &[("version", "2".into())]);
            let text = policy
                .to_compact()
                .replace(r#""countries_not_in":["CU","IR","KP","SY","RU","BY"]"#, r#""countries_in":["CA"]"#);
            *policy = json(&text);
        })
        .unwrap();
    let replayed = replay(&report.support_code, Some(&stricter), None).unwrap();
    let info = replayed.replay.as_ref().unwrap();
    assert!(info.policy_changed && info.rederived);
    assert_eq!(info.reported[0].outcome, Outcome::Granted, "what the user's browser reported");
    assert_eq!(replayed.tiers[0].outcome, Outcome::Blocked, "re-derived under the given policy");
    let as_json = replayed.to_json();
    let reported = as_json.get("replay").and_then(|r| r.get("reported")).unwrap();
    assert!(matches!(reported, Json::Array(tiers) if tiers.len() == 2));
    // The CLI says plainly what a code is.
    let output = Command::new(BIN).args(["replay", &report.support_code]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("what the user's browser reported"));
}

// 4. Every code encode makes, decode accepts.

#[test]
fn d04_nine_tokens_make_a_code_that_replays() {
    let world = world();
    let nine: Vec<String> = (0..9).map(|_| world.identity()).collect();
    let report = world.report(&nine);
    assert_eq!(report.tokens.len(), 9);
    let replayed = replay(&report.support_code, Some(&world.policy), None).unwrap();
    assert_eq!(replayed.tiers, report.tiers);
}

#[test]
fn d04_a_32_tier_policy_of_long_lists_makes_a_code_that_replays() {
    let world = world();
    let all_but_us: Vec<String> =
        access_check::core::facts::Country::all().filter(|c| c.as_str() != "US").map(|c| format!("\"{c}\"")).collect();
    let tier = |i: usize| {
        format!(
            r#"{{"id":"tier-{i:02}-{}","label":{{"en":"{}"}},"require":{{"any":[{{"identity":{{"citizenship_any_of":[{list}],"max_age_days":{}}}}},{{"location":{{"countries_in":[{list}]}}}}]}}}}"#,
            "x".repeat(40),
            "L".repeat(1000),
            100 + i,
            list = all_but_us.join(",")
        )
    };
    let tiers: Vec<String> = (0..32).map(tier).collect();
    let policy = world
        .policy_with(|policy| {
            *policy = with(&without(policy, &["links"]), &[("tiers", json(&format!("[{}]", tiers.join(","))))])
        })
        .unwrap();
    let report = check(&policy, &request(vec![world.identity(), world.location()], NOW));
    assert!(report.support_code.len() <= support::MAX_CODE_CHARS, "{}", report.support_code.len());
    let record = support::decode(&report.support_code).expect("decodes");
    assert_ne!(record.detail, support::Detail::Full, "shortened to fit");
    let replayed = replay(&report.support_code, Some(&policy), None).unwrap();
    assert_eq!(
        replayed.tiers.iter().map(|t| t.outcome).collect::<Vec<_>>(),
        report.tiers.iter().map(|t| t.outcome).collect::<Vec<_>>()
    );
}

// 5. Extreme times never throw (the element's formatting is `core::time`; the browser test
// `extreme_times_never_throw` drives the element).

#[test]
fn d05_times_up_to_the_largest_claim_format_as_dates() {
    use access_check::core::time::iso8601;
    assert_eq!(iso8601(8_640_000_000_000), "275760-09-13T00:00:00Z");
    assert!(iso8601((1 << 53) - 1).ends_with('Z'));
    let world = world();
    for now in [(1 << 53) - 1, u64::MAX] {
        // A library caller may pass any clock: no overflow (tests run with overflow checks).
        let report = check(&world.policy, &request(vec![world.identity(), world.location()], now));
        assert_ne!(report.outcome, Outcome::Granted);
        let server_clock =
            check(&world.policy, &Request { server_time: Some(now), ..request(vec![world.identity()], 0) });
        assert_ne!(server_clock.outcome, Outcome::Granted);
        assert_eq!(support::decode(&report.support_code).err(), None, "{now}");
        assert_eq!(support::decode(&server_clock.support_code).err(), None, "{now}");
    }
    let report = check(&world.policy, &request(vec![world.identity()], (1 << 53) - 1));
    assert!(support::decode(&report.support_code).is_ok());
}

// 6. No client input makes a 500: the server test `long_path_segments_are_404_not_500`.

// 7. valid_until includes what a grant rests on.

#[test]
fn d07_valid_until_includes_an_authorizations_exp() {
    let world = world();
    let h1b = sign(&world, IDENTITY, &with(&identity_claims(), &[("us_person", "none".into())]));
    let authorization = with(&authorization(&["frontier"]), &[("exp", (NOW + 100).into())]);
    let organization = sign(
        &world,
        ORGANIZATION,
        &with(
            &organization_claims(),
            &[("entity", "foreign_entity".into()), ("authorizations", Json::Array(vec![authorization]))],
        ),
    );
    let report = world.report(&[h1b, world.location(), organization]);
    assert_eq!(report.outcome, Outcome::Granted);
    assert_eq!(report.valid_until, Some(NOW + 100));
}

#[test]
fn d07_an_authorization_past_exp_and_leeway_no_longer_grants() {
    let world = world();
    let h1b = sign(&world, IDENTITY, &with(&identity_claims(), &[("us_person", "none".into())]));
    let authorization = with(&authorization(&["frontier"]), &[("exp", (NOW - 61).into())]);
    let organization = sign(
        &world,
        ORGANIZATION,
        &with(&organization_claims(), &[("authorizations", Json::Array(vec![authorization]))]),
    );
    let report = world.report(&[h1b, world.location(), organization]);
    assert_eq!(report.outcome, Outcome::Blocked);
    assert!(codes(&report, "frontier").contains(&Code::AuthorizationMissing));
}

#[test]
fn d07_valid_until_includes_the_end_of_proofing_freshness() {
    let world = world();
    // Proofed 365 days minus 100 s ago: fresh for 100 s more.
    let verified_at = NOW - 365 * DAY + 100;
    let identity = sign(&world, IDENTITY, &with(&identity_claims(), &[("verified_at", verified_at.into())]));
    let report = world.report(&[identity, world.location()]);
    assert_eq!(report.outcome, Outcome::Granted);
    let valid_until = report.valid_until.unwrap();
    // The element re-decides at valid_until + leeway + 1: exactly when proofing turns stale.
    assert_eq!(valid_until + report.clock.leeway_seconds, NOW + 100);
}

// 8. Every reason a user reads is true of their facts, under `not` too.

#[test]
fn d08_reasons_under_not_name_what_holds() {
    let world = world();
    let tokens = vec![
        world.identity_with(&[], &[("ial", 3u64.into())]),
        world.location(),
        sign(&world, ORGANIZATION, &organization_claims()),
    ];
    for (require, false_code, fact, sentence) in [
        (
            r#"{"not":{"organization":{"not_restricted_party":true}}}"#,
            Code::RestrictedParty,
            "not_restricted_party",
            "not on a US government list",
        ),
        (
            r#"{"not":{"identity":{"min_ial":2}}}"#,
            Code::IdentityAssuranceTooLow,
            "ial",
            "verified with a thorough check",
        ),
        (r#"{"not":{"location":{"anonymizers":["none"]}}}"#, Code::AnonymizerDetected, "anonymizer", "no intermediary"),
        (r#"{"not":{"identity":{"us_person":["citizen"]}}}"#, Code::NotUsPerson, "us_person", "a US citizen"),
        (
            r#"{"not":{"location":{"countries_in":["US"]}}}"#,
            Code::LocationRestricted,
            "country",
            "connecting from the United States",
        ),
    ] {
        let policy = one_tier(&world, require);
        let report = check(&policy, &request(tokens.clone(), NOW));
        assert_eq!(report.outcome, Outcome::Blocked, "{require}");
        let reasons = &report.tier("t").unwrap().reasons;
        assert!(reasons.iter().all(|r| r.code != false_code), "{require}: {reasons:?}");
        assert!(
            reasons.iter().any(|r| r.code == Code::ExcludedFact && r.param("fact") == Some(&Param::Text(fact.into()))),
            "{require}: {reasons:?}"
        );
        assert!(
            report.explanation.items.iter().any(|item| item.contains(sentence)),
            "{require}: {:?}",
            report.explanation.items
        );
        // What the user reads passes the support code's own truth check.
        assert!(support::decode(&report.support_code).is_ok(), "{require}");
    }
}

#[test]
fn d08_a_negated_test_that_fails_grants_with_a_true_reason() {
    let world = world();
    let policy = one_tier(&world, r#"{"not":{"location":{"countries_in":["DE"]}}}"#);
    let report = check(&policy, &request(vec![world.location()], NOW));
    assert_eq!(report.outcome, Outcome::Granted);
    assert_eq!(codes(&report, "t"), vec![Code::LocationEligible]);
}

// Found looking for the same class: sentences that were false of some facts.

#[test]
fn d08_a_us_person_the_tier_does_not_admit_is_not_told_they_are_not_a_us_person() {
    let world = world();
    let policy = one_tier(&world, r#"{"identity":{"us_person":["citizen"]}}"#);
    let resident = world.identity_with(&[], &[("us_person", "permanent_resident".into())]);
    let report = check(&policy, &request(vec![resident], NOW));
    assert_eq!(codes(&report, "t"), vec![Code::NotUsPerson]);
    let sentence = &report.explanation.items[0];
    assert!(!sentence.contains("not a US person"), "{sentence}");
    assert!(sentence.contains("a US permanent resident"), "{sentence}");
}

#[test]
fn d08_an_unattested_region_is_unknown_not_restricted() {
    let world = world();
    let policy = one_tier(&world, r#"{"location":{"regions_not_in":["UA-43"]}}"#);
    let ukraine = sign(&world, LOCATION, &with(&location_claims(), &[("country", "UA".into())]));
    let report = check(&policy, &request(vec![ukraine], NOW));
    assert_eq!(report.outcome, Outcome::ActionRequired);
    assert_eq!(codes(&report, "t"), vec![Code::RegionUnknown]);
    assert!(!report.explanation.items[0].contains("can't use"), "{:?}", report.explanation.items);
    assert_eq!(report.tier("t").unwrap().remedies[0].action, access_check::core::codes::Action::RefreshLocation);
}

// 9. URLs are read as a browser reads them.

#[test]
fn d09_links_and_key_urls_that_a_browser_reads_as_another_origin_are_refused() {
    let world = world();
    let with_link = |link: &str| {
        world.policy_with(|policy| *policy = with(policy, &[("links", object([("support", link.into())]))]))
    };
    for bad in ["/\\evil.example", "//evil.example", "https://good.example@evil.example/", "/a\\b"] {
        assert!(with_link(bad).is_err(), "link {bad}");
    }
    assert!(with_link("/support").is_ok());
    let with_jwks_uri =
        |uri: &str| with_first_issuer(&world, |issuer| with(&without(issuer, &["jwks"]), &[("jwks_uri", uri.into())]));
    for bad in [
        "/\\evil.example/jwks",
        "mailto:keys@idv.example",
        "http://idv.example.com/jwks",
        "http://127.0.0.1@evil.example/",
    ] {
        let error = with_jwks_uri(bad).unwrap_err();
        assert!(error.starts_with("issuers[0].jwks_uri:"), "{bad}: {error}");
    }
    for good in ["https://idv.example.com/jwks.json", "http://127.0.0.1:9000/jwks", "/.well-known/jwks.json"] {
        assert!(with_jwks_uri(good).is_ok(), "{good}");
    }
}

// 10. The header limit is on the decoded header.

#[test]
fn d10_headers_of_1025_and_1026_bytes_are_refused_1024_accepted() {
    let world = world();
    let key = &world.keys.idv_es256;
    let base = key.header(IDENTITY).to_compact();
    for (size, accepted) in [(1024, true), (1025, false), (1026, false)] {
        // Pad the header with a member so that its JSON is exactly `size` bytes.
        let pad = size - base.len() - ",\"x\":\"\"".len();
        let header = format!("{},\"x\":\"{}\"}}", &base[..base.len() - 1], "p".repeat(pad));
        assert_eq!(header.len(), size);
        let token = key.sign_segments(
            &base64url::encode(header.as_bytes()),
            &base64url::encode(identity_claims().to_compact().as_bytes()),
        );
        assert_eq!(world.code(&token).is_none(), accepted, "{size} bytes");
        if !accepted {
            assert_eq!(world.code(&token), Some(Code::TokenMalformed));
        }
    }
}

// 11. A replay shows what the user saw: policy errors, labels, message overrides.

#[test]
fn d11_a_policy_error_code_replays_as_the_policy_error() {
    let error = Policy::parse(r#"{"version": 1}"#).unwrap_err();
    let live = policy_error(
        &error,
        &Request { now: NOW, lang: "es".into(), tier: Some("frontier".into()), ..Request::default() },
    );
    let replayed = replay(&live.support_code, None, None).unwrap();
    assert_eq!(replayed.error.as_ref().map(|e| e.code), Some(Code::PolicyInvalid));
    assert_eq!(replayed.error, live.error);
    assert_eq!(replayed.explanation, live.explanation);
    assert_eq!(replayed.outcome, Outcome::Error);
}

#[test]
fn d11_a_replay_without_the_policy_keeps_labels_and_message_overrides() {
    let world = world();
    let policy = world
        .policy_with(|policy| {
            *policy = with(
                policy,
                &[("messages", json(r#"{"es": {"LOCATION_RESTRICTED": "Desde aquí no, lo sentimos."}}"#))],
            );
        })
        .unwrap();
    let iran = sign(&world, LOCATION, &with(&location_claims(), &[("country", "IR".into())]));
    let live = check(&policy, &Request { lang: "es".into(), ..request(vec![world.identity(), iran], NOW) });
    assert!(live.explanation.items.contains(&"Desde aquí no, lo sentimos.".to_owned()), "{:?}", live.explanation.items);
    let replayed = replay(&live.support_code, None, None).unwrap();
    for (shown, original) in replayed.tiers.iter().zip(&live.tiers) {
        assert_eq!(shown.label, original.label);
        assert_eq!(shown.explanation, original.explanation);
    }
    assert_eq!(replayed.explanation, live.explanation);
}

// 12. `element.replay(code)` uses the user's language: the browser test
// `replay_shows_the_users_language`; natively, replay without `lang` keeps the recorded one.

#[test]
fn d12_replay_without_a_language_keeps_the_users() {
    let world = world();
    let live = check(&world.policy, &Request { lang: "ar".into(), ..request(vec![world.identity()], NOW) });
    let replayed = replay(&live.support_code, Some(&world.policy), None).unwrap();
    assert_eq!(replayed.explanation.lang, "ar");
    assert_eq!(replayed.explanation, live.explanation);
}

// 13. The report's size is bounded by the token limit.

#[test]
fn d13_eighty_thousand_empty_tokens_make_a_small_report() {
    let world = world();
    let report = world.report(&vec![String::new(); 80_000]);
    assert_eq!(report.tokens.len(), support::MAX_TOKEN_RECORDS);
    assert!(report.tokens.iter().all(|token| token.code == Some(Code::TooManyTokens)));
    let size = report.to_json().to_compact().len();
    assert!(size < 64 * 1024, "{size} bytes");
}

// 14. Missing keys are the site's problem.

#[test]
fn d14_no_usable_identity_keys_and_no_identity_token_is_keys_unavailable() {
    let world = world();
    let unfetched = with_first_issuer(&world, |issuer| {
        with(&without(issuer, &["jwks"]), &[("jwks_uri", "https://idv.example.com/jwks.json".into())])
    })
    .unwrap();
    let policy = Policy { tiers: one_tier(&world, r#"{"identity":{"us_person":["citizen"]}}"#).tiers, ..unfetched };
    let report = check(&policy, &request(vec![world.location()], NOW));
    assert_eq!(report.outcome, Outcome::Error);
    assert_eq!(codes(&report, "t"), vec![Code::KeysUnavailable]);
    let remedies = &report.tier("t").unwrap().remedies;
    assert!(remedies.iter().all(|r| r.action != access_check::core::codes::Action::VerifyIdentity), "{remedies:?}");
    // With the keys in the policy, the same request is the user's to fix.
    let report =
        check(&one_tier(&world, r#"{"identity":{"us_person":["citizen"]}}"#), &request(vec![world.location()], NOW));
    assert_eq!(codes(&report, "t"), vec![Code::IdentityMissing]);
}

// 15. Policy errors name the member at fault.

#[test]
fn d15_a_leading_zero_in_an_rsa_exponent_is_reported_at_e() {
    let world = world();
    let n = base64url::encode(&[&[0xC5u8][..], &[0x11; 255]].concat());
    let key =
        object([("kty", "RSA".into()), ("alg", "RS256".into()), ("n", n.as_str().into()), ("e", "AAEAAQ".into())]);
    let error = with_first_issuer(&world, |issuer| {
        with(issuer, &[("algorithms", json(r#"["RS256"]"#)), ("jwks", object([("keys", Json::Array(vec![key]))]))])
    })
    .unwrap_err();
    assert!(error.starts_with("issuers[0].jwks.keys[0].e:"), "{error}");
}

// 16. Ed25519 keys outside the prime-order subgroup are refused.

#[test]
fn d16_mixed_order_ed25519_keys_are_refused() {
    use curve25519_dalek::edwards::CompressedEdwardsY;
    let world = world();
    let honest = world.keys.idv_ed25519.public_jwk();
    let x = base64url::decode(honest.get("x").and_then(Json::as_str).unwrap().as_bytes()).unwrap();
    let point = CompressedEdwardsY(x.clone().try_into().unwrap()).decompress().unwrap();
    // Add a point of order 8: the sum is on the curve, not small-order, but not torsion-free.
    let mixed = (point + curve25519_dalek::constants::EIGHT_TORSION[1]).compress().to_bytes();
    let key_with = |x: &[u8]| with(&honest, &[("x", base64url::encode(x).into())]);
    let policy_with_key = |key: Json| {
        with_first_issuer(&world, |issuer| with(issuer, &[("jwks", object([("keys", Json::Array(vec![key]))]))]))
    };
    assert!(policy_with_key(key_with(&x)).is_ok());
    let error = policy_with_key(key_with(&mixed)).unwrap_err();
    assert!(error.contains("prime-order subgroup"), "{error}");
}
