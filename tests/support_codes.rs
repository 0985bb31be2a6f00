//! Support codes: what they hold, what they never hold, and replay.

use crate::scenarios::load_all;
use crate::support::demo::*;
use crate::support::mint::with;
use access_check::core::base64url;
use access_check::core::check::{check, replay, Request};
use access_check::core::json::Json;
use access_check::core::policy::Policy;
use access_check::core::support;

fn code_bytes(code: &str) -> Vec<u8> {
    base64url::decode(code.strip_prefix("AC1-").unwrap().as_bytes()).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() >= 4 && haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn no_token_signature_subject_jti_nonce_name_or_email_enters_a_code() {
    let keys = keys();
    let policy = Policy::from_json(&policy(&keys)).unwrap();
    let identity_claims = with(
        &identity_claims(),
        &[("nonce", "nonce-5f1c9e".into()), ("name", "Alice Doe".into()), ("email", "alice@example.com".into())],
    );
    let identity = keys.idv_es256.sign_json(&keys.idv_es256.header(IDENTITY), &identity_claims);
    let location = keys
        .edge
        .sign_json(&keys.edge.header(LOCATION), &with(&location_claims(), &[("nonce", "nonce-5f1c9e".into())]));
    let organization = keys.org.sign_json(
        &keys.org.header(ORGANIZATION),
        &with(
            &organization_claims(),
            &[("nonce", "nonce-5f1c9e".into()), ("authorizations", Json::Array(vec![authorization(&["frontier"])]))],
        ),
    );
    let tokens = vec![identity, location, organization];
    let report = check(
        &policy,
        &Request {
            tokens: tokens.clone(),
            now: NOW,
            nonce: Some("nonce-5f1c9e".into()),
            lang: "en".into(),
            ..Request::default()
        },
    );
    assert!(report.tokens.iter().all(|t| t.code.is_none()), "{:?}", report.tokens);
    let bytes = code_bytes(&report.support_code);
    let mut secrets: Vec<String> = vec![
        SUBJECT.into(),
        "nonce-5f1c9e".into(),
        "Alice Doe".into(),
        "alice@example.com".into(),
        "Acme Robotics".into(),
        "org-acme-42".into(),
        "DEL-2026-0042".into(),
        format!("jti-{IDV}-{}", NOW - 3600),
    ];
    for token in &tokens {
        for segment in token.split('.') {
            secrets.push(segment.to_owned());
            secrets.push(segment[..24].to_owned());
        }
        let signature = base64url::decode(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
        assert!(!contains(&bytes, &signature[..16]), "signature bytes leaked");
    }
    for secret in &secrets {
        assert!(!contains(&bytes, secret.as_bytes()), "{secret:.30} leaked into the support code");
        assert!(!report.support_code.contains(secret.as_str()), "{secret:.30} leaked");
    }
    // What it does hold: the subject only as a 4-byte hash, for matching server logs.
    let replayed = replay(&report.support_code, Some(&policy), None).unwrap();
    assert_eq!(replayed.replay.unwrap().subject_hash, Some(support::hex(&support::subject_hash(SUBJECT))));
}

#[test]
fn codes_round_trip_exactly() {
    for (name, scenario) in load_all() {
        let code = check(&scenario.policy, &scenario.request).support_code;
        let record = support::decode(&code).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(support::encode(&record), code, "{name}");
        // Pasted with surrounding whitespace is forgiven.
        assert_eq!(support::decode(&format!("  {code}\n")).unwrap(), record);
    }
}

#[test]
fn replay_flags_a_changed_policy_and_redecides_under_it() {
    let (_, scenario) = load_all().into_iter().find(|(name, _)| name.contains("traveller-embargoed-region")).unwrap();
    let report = check(&scenario.policy, &scenario.request);
    assert_eq!(report.tier("frontier").unwrap().outcome.as_str(), "blocked");
    // The provider drops the Crimea restriction.
    let text = policy(&keys()).to_compact().replace(r#""regions_not_in":["UA-43","UA-14","UA-09"],"#, "");
    let changed = Policy::parse(&text).unwrap();
    let replayed = replay(&report.support_code, Some(&changed), None).unwrap();
    let info = replayed.replay.as_ref().unwrap();
    assert!(info.policy_changed);
    assert_eq!(info.recorded_outcomes[0].1.as_str(), "blocked");
    assert_eq!(replayed.tier("frontier").unwrap().outcome.as_str(), "granted");
}

#[test]
fn replay_without_a_policy_shows_what_was_recorded() {
    for (name, scenario) in load_all() {
        let report = check(&scenario.policy, &scenario.request);
        let replayed = replay(&report.support_code, None, None).unwrap();
        assert!(!replayed.replay.as_ref().unwrap().policy_given);
        assert_eq!(replayed.outcome, report.outcome, "{name}");
        for (live, again) in report.tiers.iter().zip(&replayed.tiers) {
            assert_eq!((live.outcome, &live.reasons), (again.outcome, &again.reasons), "{name}");
            assert_eq!(
                live.explanation.items,
                again.explanation.items.iter().map(|i| i.replace(&again.label, &live.label)).collect::<Vec<_>>(),
                "{name}"
            );
        }
    }
}

#[test]
fn decoding_refuses_what_would_make_an_ambiguous_report() {
    // Found by the support_code fuzz target: a reason carrying one param name twice.
    let code = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/support_code/duplicate-param-name.code.txt"
    ))
    .unwrap();
    assert!(support::decode(code.trim()).is_err());
    // A well-formed record with a tier listed twice is refused too.
    let (_, scenario) = load_all().into_iter().next().unwrap();
    let mut record = support::decode(&check(&scenario.policy, &scenario.request).support_code).unwrap();
    record.tiers.push(record.tiers[0].clone());
    assert!(support::decode(&support::encode(&record)).is_err());
}

#[test]
fn codes_for_long_policy_lists_still_decode() {
    // Found by the policy fuzz target: a 65-country citizenship list made an undecodable code.
    let keys = keys();
    let countries: Vec<String> = (b'A'..=b'Z')
        .flat_map(|a| (b'A'..=b'Z').map(move |b| format!("{}{}", a as char, b as char)))
        .filter(|code| access_check::core::facts::Country::parse(code).is_some() && code != "US")
        .take(250)
        .collect();
    let list = Json::Array(countries.iter().map(|c| c.as_str().into()).collect()).to_compact();
    let text = policy(&keys).to_compact().replacen(
        r#""require":{"location":{"countries_not_in":["CU","IR","KP","SY"]}}"#,
        &format!(r#""require":{{"identity":{{"citizenship_any_of":{list}}}}}"#),
        1,
    );
    let policy = Policy::parse(&text).unwrap();
    let identity = keys.idv_es256.sign_json(&keys.idv_es256.header(IDENTITY), &identity_claims());
    let report = check(&policy, &Request { tokens: vec![identity], now: NOW, lang: "en".into(), ..Request::default() });
    let standard = report.tier("standard").unwrap();
    assert_eq!(standard.reasons[0].code.as_str(), "CITIZENSHIP_REQUIRED");
    let record = support::decode(&report.support_code).expect("the code decodes");
    assert_eq!(support::encode(&record), report.support_code);
}

#[test]
fn every_code_encode_makes_is_one_decode_accepts() {
    // Found while fuzzing: eight tiers of 248-country lists made a code over the decoder's
    // length limit. Encoding now guarantees a decodable code, shortening lists if it must.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fuzz/regressions/policy/eight-tiers-248-countries.json"
    ))
    .unwrap();
    let mut policy_json = Json::parse(&text).unwrap();
    let mut report = check(
        &Policy::from_json(&policy_json).unwrap(),
        &Request { now: NOW, lang: "en".into(), ..Request::default() },
    );
    assert!(support::decode(&report.support_code).is_ok(), "{} characters", report.support_code.len());
    // Four times as many tiers: the lists are shortened, and the code still decodes.
    if let Json::Object(members) = &mut policy_json {
        if let Some((_, Json::Array(tiers))) = members.iter_mut().find(|(k, _)| k == "tiers") {
            let copies: Vec<Json> =
                (0..24).map(|i| with(&tiers[i % tiers.len()], &[("id", format!("copy-{i}").into())])).collect();
            tiers.extend(copies);
        }
    }
    let policy = Policy::from_json(&policy_json).unwrap();
    let identity = keys().idv_es256.sign_json(&keys().idv_es256.header(IDENTITY), &identity_claims());
    report = check(&policy, &Request { tokens: vec![identity], now: NOW, lang: "en".into(), ..Request::default() });
    assert!(report.support_code.len() <= support::MAX_CODE_CHARS);
    let record = support::decode(&report.support_code).expect("decodable");
    assert_eq!(record.tiers.len(), 32);
}

#[test]
fn a_code_pasted_wrapped_over_lines_or_quoted_still_replays_and_damage_is_still_caught() {
    for (name, scenario) in load_all().into_iter().take(3) {
        let code = check(&scenario.policy, &scenario.request).support_code;
        let (head, tail) = code.split_at(code.len() / 2);
        let pasted = [
            format!("  {head}\n{tail}\n"),
            format!("> {head}\r\n> {tail}"),
            format!("“{code}”"),
            format!("\"{code}\""),
            format!("'{head}\u{200b}{tail}'"),
        ];
        for text in &pasted {
            assert_eq!(support::decode(text), support::decode(&code), "{name}: {text:?}");
        }
        // Noise is removed, not damage: one changed character is still refused.
        let mut damaged: Vec<char> = code.chars().collect();
        let at = damaged.len() / 2;
        damaged[at] = if damaged[at] == 'A' { 'B' } else { 'A' };
        let damaged: String = damaged.into_iter().collect();
        assert!(support::decode(&format!("> {damaged}")).is_err(), "{name}");
    }
    assert_eq!(support::decode(" \n ").map(|_| ()), Err(support::SupportCodeError("no support code was given")));
}

#[test]
fn a_site_problem_has_a_code_that_replays_as_that_problem_never_as_a_decision() {
    use access_check::core::codes::Code;
    use access_check::core::policy::evaluate::Outcome;
    let (_, scenario) = load_all().into_iter().next().expect("scenarios");
    for code in [Code::EndpointUnavailable, Code::KeysUnavailable, Code::PolicyInvalid] {
        let report = access_check::core::check::site_problem(code, "the endpoint answered 503", &scenario.request);
        assert_eq!(report.outcome, Outcome::Error);
        for policy in [None, Some(&scenario.policy)] {
            let replayed = replay(&report.support_code, policy, None).unwrap_or_else(|e| panic!("{code}: {e}"));
            assert_eq!(replayed.outcome, Outcome::Error, "{code}");
            assert_eq!(replayed.error.as_ref().map(|error| error.code), Some(code));
        }
    }
    // Anything else is not a site problem: it is recorded as the policy's.
    let other = access_check::core::check::site_problem(Code::NotUsPerson, "x", &scenario.request);
    assert_eq!(other.error.map(|error| error.code), Some(Code::PolicyInvalid));
}

/// What the user saw is arranged by the rules the code was made under: under a rule that needs
/// identity and the organization alike, both are steps (not "if you are not a US person, …"),
/// and the console's "What the user saw" says the same.
#[test]
fn what_the_user_saw_is_arranged_by_the_rules_the_code_was_made_under() {
    let keys = keys();
    let both = policy(&keys).to_compact().replacen(r#""any":"#, r#""all":"#, 1);
    let policy = Policy::from_json(&Json::parse(&both).unwrap()).unwrap();
    let location = keys.edge.sign_json(&keys.edge.header(LOCATION), &location_claims());
    let report = check(&policy, &Request { tokens: vec![location], now: NOW, lang: "en".into(), ..Request::default() });
    let frontier = report.tier("frontier").unwrap();
    assert!(frontier.explanation.remedies.iter().any(|r| r.starts_with("Ask your organization's administrator")));
    assert!(!frontier.explanation.remedies.iter().any(|r| r.starts_with("If you are not a US person")));
    let replayed = replay(&report.support_code, Some(&policy), None).unwrap();
    let reported = replayed.replay.unwrap().reported;
    let saw = reported.iter().find(|tier| tier.id == "frontier").unwrap();
    assert_eq!(saw.explanation.items, frontier.explanation.items);
    assert_eq!(saw.explanation.remedies, frontier.explanation.remedies);
}

/// The facts of a code read as words: authorizations by kind and by the tier labels the user
/// read, regions by name (never "deemed_export_license", "frontier" or "UA-43").
#[test]
fn a_codes_facts_are_words_not_claim_values() {
    use access_check::core::explain::record;
    let facts_of = |prefix: &str| {
        let (_, scenario) = load_all().into_iter().find(|(name, _)| name.starts_with(prefix)).unwrap();
        let report = check(&scenario.policy, &scenario.request);
        record::facts(&support::decode(&report.support_code).unwrap(), "en")
    };
    let facts = facts_of("05").join("\n");
    assert!(facts.contains("Export authorizations: deemed export license (Frontier models)"), "{facts}");
    let facts = facts_of("11").join("\n");
    assert!(facts.contains("Location: the Crimea region of Ukraine, direct connection"), "{facts}");
    for prefix in ["05", "06", "07", "11", "12"] {
        let facts = facts_of(prefix).join("\n");
        for raw in ["_", "UA-", "frontier", "true", "false"] {
            assert!(!facts.contains(raw), "{prefix}: {raw:?} in {facts}");
        }
    }
}

/// Codes already handed out keep working: every scenario's code (English and Arabic) written by
/// the build that landed before issue 14 replays under the policy it was made under, to the
/// outcomes it recorded, and is never refused as contradicting itself. A change to what a
/// decision's reasons carry breaks this before it breaks support.
#[test]
fn codes_written_by_the_landed_build_still_replay() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/support-codes-landed.json"))
        .unwrap();
    let vectors = Json::parse(&text).unwrap();
    let Some(Json::Array(codes)) = vectors.get("codes") else { panic!("no codes") };
    assert!(codes.len() >= 46, "{}", codes.len());
    for entry in codes {
        let field = |name: &str| entry.get(name).and_then(Json::as_str).unwrap_or_default().to_owned();
        let policy = vectors.get("policies").and_then(|policies| policies.get(&field("policy"))).unwrap();
        let policy = Policy::from_json(policy).unwrap();
        let name = format!("{} ({})", field("scenario"), field("lang"));
        let replayed = replay(&field("support_code"), Some(&policy), None).unwrap_or_else(|e| panic!("{name}: {e}"));
        let info = replayed.replay.as_ref().unwrap();
        assert!(!info.policy_changed, "{name}: the policy it was made under");
        for tier in &replayed.tiers {
            let recorded = entry.get("outcomes").and_then(|outcomes| outcomes.get(&tier.id)).and_then(Json::as_str);
            assert_eq!(Some(tier.outcome.as_str()), recorded, "{name} / {}", tier.id);
        }
    }
}
