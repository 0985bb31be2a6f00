//! Writes `www/scenarios/*.json` and `www/policy.json` from the demo world.
//!
//! `cargo run --example make_scenarios`
//!
//! The expected outcomes and reason codes below are written by hand from SPEC §4, never
//! computed by the evaluator: the native tests then hold the evaluator to them.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a generator run by hand"
)]

#[path = "../tests/support/mod.rs"]
mod support;

use access_check::core::json::{object, Json};
use support::demo::*;
use support::mint::{with, DemoKey};

struct Scenario {
    slug: &'static str,
    title: &'static str,
    description: &'static str,
    tokens: Vec<String>,
    now: u64,
    server_time: Option<u64>,
    /// (tier, outcome, reason codes)
    expected: [(&'static str, &'static str, &'static [&'static str]); 2],
}

fn sign(key: &DemoKey, typ: &str, claims: &Json) -> String {
    key.sign_json(&key.header(typ), claims)
}

fn main() {
    let keys = keys();
    let identity = |changes: &[(&str, Json)]| sign(&keys.idv_es256, IDENTITY, &with(&identity_claims(), changes));
    let location = |changes: &[(&str, Json)]| sign(&keys.edge, LOCATION, &with(&location_claims(), changes));
    let organization = |changes: &[(&str, Json)]| sign(&keys.org, ORGANIZATION, &with(&organization_claims(), changes));
    let h1b = || {
        identity(&[
            ("us_person", "none".into()),
            ("citizenships", Json::Array(vec!["IN".into()])),
            ("residence_country", "US".into()),
        ])
    };
    let citizen = || identity(&[]);
    let home = || location(&[]);

    const GRANTED_BOTH: [(&str, &str, &[&str]); 2] = [
        ("frontier", "granted", &["IDENTITY_ELIGIBLE", "LOCATION_ELIGIBLE"]),
        ("standard", "granted", &["LOCATION_ELIGIBLE"]),
    ];
    const STANDARD_OK: (&str, &str, &[&str]) = ("standard", "granted", &["LOCATION_ELIGIBLE"]);

    let tampered = {
        // Change "none" to "citizen" in a signed non-US-person token, keep the signature.
        let token = h1b();
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let payload = String::from_utf8(access_check::core::base64url::decode(parts[1].as_bytes()).unwrap()).unwrap();
        let forged = payload.replace("\"us_person\":\"none\"", "\"us_person\":\"citizen\"");
        assert_ne!(payload, forged);
        parts[1] = access_check::core::base64url::encode(forged.as_bytes());
        parts.join(".")
    };
    let untrusted = {
        let claims = with(&identity_claims(), &[("iss", UNTRUSTED.into())]);
        sign(&keys.untrusted, IDENTITY, &claims)
    };
    let wrong_kind = {
        // The location issuer signs an identity statement it may not make.
        let claims = with(&identity_claims(), &[("iss", EDGE.into())]);
        sign(&keys.edge, IDENTITY, &claims)
    };

    let scenarios = vec![
        Scenario { slug: "us-citizen-at-home", title: "US citizen at home",
            description: "A verified US citizen (IAL 2, proofed 30 days ago) connecting from the United States.",
            tokens: vec![citizen(), home()], now: NOW, server_time: None, expected: GRANTED_BOTH },
        Scenario { slug: "green-card-holder", title: "Green-card holder",
            description: "A lawful permanent resident connecting from the United States.",
            tokens: vec![identity(&[("us_person", "permanent_resident".into()), ("citizenships", Json::Array(vec!["MX".into()]))]), home()],
            now: NOW, server_time: None, expected: GRANTED_BOTH },
        Scenario { slug: "protected-individual", title: "Protected individual",
            description: "A person granted asylum (a protected individual under US law) connecting from the United States.",
            tokens: vec![identity(&[("us_person", "protected_individual".into()), ("citizenships", Json::Array(vec!["AF".into()]))]), home()],
            now: NOW, server_time: None, expected: GRANTED_BOTH },
        Scenario { slug: "h1b-without-authorization", title: "H-1B engineer without an export authorization",
            description: "A foreign national working for a US company that holds no export authorization for them.",
            tokens: vec![h1b(), home(), organization(&[])], now: NOW, server_time: None,
            expected: [("frontier", "blocked", &["NOT_US_PERSON", "AUTHORIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "h1b-with-authorization", title: "H-1B engineer with an export authorization",
            description: "A foreign national whose employer holds a deemed export license covering Frontier models.",
            tokens: vec![h1b(), home(), organization(&[("authorizations", Json::Array(vec![authorization(&["frontier"])]))])],
            now: NOW, server_time: None,
            expected: [("frontier", "granted", &["AUTHORIZATION_VALID", "LOCATION_ELIGIBLE"]), STANDARD_OK] },
        Scenario { slug: "authorization-for-another-tier", title: "Authorization for another tier",
            description: "A foreign national whose employer's license covers only a research tier, not Frontier models.",
            tokens: vec![h1b(), home(), organization(&[("authorizations", Json::Array(vec![authorization(&["research"])]))])],
            now: NOW, server_time: None,
            expected: [("frontier", "blocked", &["NOT_US_PERSON", "AUTHORIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "restricted-party", title: "Restricted party",
            description: "A foreign national whose organization holds a license but is on a restricted-party list.",
            tokens: vec![h1b(), home(), organization(&[("restricted_party", true.into()), ("entity", "foreign_subsidiary".into()), ("authorizations", Json::Array(vec![authorization(&["frontier"])]))])],
            now: NOW, server_time: None,
            expected: [("frontier", "blocked", &["NOT_US_PERSON", "RESTRICTED_PARTY"]), STANDARD_OK] },
        Scenario { slug: "dual-citizen", title: "Dual citizen",
            description: "A US citizen who also holds Iranian citizenship, at home in the United States: US citizenship suffices.",
            tokens: vec![identity(&[("citizenships", Json::Array(vec!["US".into(), "IR".into()]))]), home()],
            now: NOW, server_time: None, expected: GRANTED_BOTH },
        Scenario { slug: "traveller-allowed-country", title: "Citizen travelling in Germany",
            description: "A US citizen connecting from Germany, which the policy allows.",
            tokens: vec![citizen(), location(&[("country", "DE".into())])], now: NOW, server_time: None, expected: GRANTED_BOTH },
        Scenario { slug: "traveller-embargoed-country", title: "Citizen travelling in an embargoed country",
            description: "A US citizen connecting from Iran.",
            tokens: vec![citizen(), location(&[("country", "IR".into())])], now: NOW, server_time: None,
            expected: [("frontier", "blocked", &["LOCATION_RESTRICTED"]), ("standard", "blocked", &["LOCATION_RESTRICTED"])] },
        Scenario { slug: "traveller-embargoed-region", title: "Citizen travelling in an embargoed region",
            description: "A US citizen connecting from Crimea (UA-43); Standard models do not restrict regions.",
            tokens: vec![citizen(), location(&[("country", "UA".into()), ("region", "UA-43".into())])], now: NOW, server_time: None,
            expected: [("frontier", "blocked", &["REGION_RESTRICTED"]), STANDARD_OK] },
        Scenario { slug: "vpn-user", title: "VPN user",
            description: "A US citizen whose connection goes through a VPN: the true location is hidden.",
            tokens: vec![citizen(), location(&[("anonymizer", "vpn".into())])], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["ANONYMIZER_DETECTED"]), STANDARD_OK] },
        Scenario { slug: "no-tokens", title: "No attestations yet",
            description: "A first visit: nothing has been verified.",
            tokens: vec![], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["IDENTITY_MISSING", "ORGANIZATION_MISSING", "LOCATION_MISSING"]),
                       ("standard", "action_required", &["LOCATION_MISSING"])] },
        Scenario { slug: "expired-identity", title: "Expired identity attestation",
            description: "The identity token expired yesterday.",
            tokens: vec![identity(&[("iat", (NOW - 31 * DAY).into()), ("exp", (NOW - DAY).into()), ("verified_at", (NOW - 60 * DAY).into())]), home()],
            now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["TOKEN_EXPIRED", "ORGANIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "stale-identity", title: "Stale identity verification",
            description: "Identity proofing happened 400 days ago; the policy wants it within 365 days.",
            tokens: vec![identity(&[("verified_at", (NOW - 400 * DAY).into())]), home()], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["IDENTITY_VERIFICATION_STALE", "ORGANIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "low-assurance-identity", title: "Low-assurance identity",
            description: "Identity verified only at IAL 1 (self-asserted); the policy needs IAL 2.",
            tokens: vec![identity(&[("ial", 1u64.into())]), home()], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["IDENTITY_ASSURANCE_TOO_LOW", "ORGANIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "tampered-token", title: "Tampered token",
            description: "Someone edited a signed identity token to say \"citizen\"; the signature no longer matches.",
            tokens: vec![tampered, home()], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["SIGNATURE_INVALID", "ORGANIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "untrusted-issuer", title: "Untrusted issuer",
            description: "An identity token from a provider the policy does not list.",
            tokens: vec![untrusted, home()], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["ISSUER_UNTRUSTED", "ORGANIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "issuer-wrong-kind", title: "Issuer attesting a kind it may not",
            description: "The network-edge issuer signs an identity statement; it may only attest locations.",
            tokens: vec![wrong_kind, home()], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["ISSUER_NOT_ALLOWED_FOR_KIND", "ORGANIZATION_MISSING"]), STANDARD_OK] },
        Scenario { slug: "subject-mismatch", title: "Subject mismatch",
            description: "The location token belongs to a different account than the identity token.",
            tokens: vec![citizen(), location(&[("sub", "user-other".into())])], now: NOW, server_time: None,
            expected: [("frontier", "action_required", &["SUBJECT_MISMATCH"]), ("standard", "action_required", &["SUBJECT_MISMATCH"])] },
        Scenario { slug: "clock-ahead-with-server-time", title: "Device clock 3 hours ahead, server time known",
            description: "The device clock is 3 hours fast; the server's Date header gives the right time.",
            tokens: vec![citizen(), home()], now: NOW + 3 * 3600, server_time: Some(NOW),
            expected: [("frontier", "granted", &["IDENTITY_ELIGIBLE", "LOCATION_ELIGIBLE", "CLOCK_SKEW"]),
                       ("standard", "granted", &["LOCATION_ELIGIBLE", "CLOCK_SKEW"])] },
        Scenario { slug: "clock-ahead-without-server-time", title: "Device clock 3 hours ahead, no server time",
            description: "The device clock is 3 hours fast and nothing corrects it: the short-lived location token looks expired.",
            tokens: vec![citizen(), home()], now: NOW + 3 * 3600, server_time: None,
            expected: [("frontier", "action_required", &["TOKEN_EXPIRED"]), ("standard", "action_required", &["TOKEN_EXPIRED"])] },
        Scenario { slug: "clock-behind-without-server-time", title: "Device clock 3 hours behind, no server time",
            description: "The device clock is 3 hours slow: every token looks issued in the future.",
            tokens: vec![citizen(), home()], now: NOW - 3 * 3600, server_time: None,
            expected: [("frontier", "action_required", &["TOKEN_NOT_YET_VALID", "ORGANIZATION_MISSING", "CLOCK_SKEW_SUSPECTED"]),
                       ("standard", "action_required", &["TOKEN_NOT_YET_VALID", "CLOCK_SKEW_SUSPECTED"])] },
    ];

    let policy = policy(&keys);
    let demo_keys = object([
        ("warning", "DEMO ONLY. These private keys are public; never trust them outside this demo.".into()),
        (
            "keys",
            Json::Array(
                [&keys.idv_es256, &keys.idv_ed25519, &keys.edge, &keys.org, &keys.untrusted]
                    .iter()
                    .map(|k| k.private_jwk())
                    .collect(),
            ),
        ),
    ]);
    std::fs::create_dir_all("www/scenarios").unwrap();
    for old in std::fs::read_dir("www/scenarios").unwrap() {
        let path = old.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            std::fs::remove_file(path).unwrap();
        }
    }
    for (i, scenario) in scenarios.iter().enumerate() {
        let expected = Json::Object(
            scenario
                .expected
                .iter()
                .map(|(tier, outcome, reasons)| {
                    (
                        (*tier).to_owned(),
                        object([
                            ("outcome", (*outcome).into()),
                            ("reasons", Json::Array(reasons.iter().map(|r| (*r).into()).collect())),
                        ]),
                    )
                })
                .collect(),
        );
        let mut members = vec![
            ("title".to_owned(), scenario.title.into()),
            ("description".to_owned(), scenario.description.into()),
            (
                "demo_only".to_owned(),
                "Tokens here are signed with demo keys that anyone can use; they prove nothing outside this demo."
                    .into(),
            ),
            ("now".to_owned(), scenario.now.into()),
        ];
        if let Some(server_time) = scenario.server_time {
            members.push(("server_time".to_owned(), server_time.into()));
        }
        members.extend([
            ("tokens".to_owned(), Json::Array(scenario.tokens.iter().map(|t| t.as_str().into()).collect())),
            ("expected".to_owned(), expected),
            ("policy".to_owned(), policy.clone()),
            ("demo_keys".to_owned(), demo_keys.clone()),
        ]);
        let path = format!("www/scenarios/{:02}-{}.json", i + 1, scenario.slug);
        std::fs::write(&path, Json::Object(members).to_pretty() + "\n").unwrap();
        println!("wrote {path}");
    }
    let index =
        Json::Array(scenarios.iter().enumerate().map(|(i, s)| format!("{:02}-{}", i + 1, s.slug).into()).collect());
    std::fs::write("www/scenario-index.json", index.to_pretty() + "\n").unwrap();
    println!("wrote www/scenario-index.json");
    std::fs::write("www/policy.json", policy.to_pretty() + "\n").unwrap();
    println!("wrote www/policy.json");
}
