//! The demo world: issuers, keys and policy used by the scenario files and the tests.
//! DEMO ONLY: every key here is derived from a public string.

#![allow(dead_code, reason = "each test binary uses a different part")]

use super::mint::{json, jwks, DemoKey};
use access_check::core::json::{object, Json};

pub const AUDIENCE: &str = "https://playground.example.com";
pub const IDV: &str = "https://idv.example.com";
pub const EDGE: &str = "https://edge.example.com";
pub const ORG: &str = "https://org.example.com";
pub const UNTRUSTED: &str = "https://idv.untrusted.example";
pub const SUBJECT: &str = "user-7d2f0a";
/// The scenarios' "now": 2026-11-18T00:00:00Z.
pub const NOW: u64 = 1_795_305_600;
pub const DAY: u64 = 86_400;

pub const IDENTITY: &str = "identity-attestation+jwt";
pub const LOCATION: &str = "location-attestation+jwt";
pub const ORGANIZATION: &str = "organization-attestation+jwt";

pub struct Keys {
    pub idv_es256: DemoKey,
    pub idv_ed25519: DemoKey,
    pub edge: DemoKey,
    pub org: DemoKey,
    pub untrusted: DemoKey,
}

pub fn keys() -> Keys {
    Keys {
        idv_es256: DemoKey::es256("idv-2026-es256"),
        idv_ed25519: DemoKey::ed25519("idv-2026-ed25519"),
        edge: DemoKey::es256("edge-2026-1"),
        org: DemoKey::ed25519("org-2026-1"),
        untrusted: DemoKey::es256("untrusted-1"),
    }
}

/// The demo policy: the example of SPEC §3.
pub fn policy(keys: &Keys) -> Json {
    let mut policy = json(&format!(
        r#"{{
  "version": "2026-11-21.1",
  "audience": "{AUDIENCE}",
  "leeway_seconds": 60,
  "issuers": [
    {{ "iss": "{IDV}", "kinds": ["identity"], "algorithms": ["ES256", "EdDSA"], "max_token_age_seconds": 86400 }},
    {{ "iss": "{EDGE}", "kinds": ["location"], "algorithms": ["ES256"], "max_token_age_seconds": 900 }},
    {{ "iss": "{ORG}", "kinds": ["organization"], "algorithms": ["EdDSA"], "max_token_age_seconds": 2592000 }}
  ],
  "tiers": [
    {{ "id": "frontier", "label": {{ "en": "Frontier models", "es": "Modelos de frontera", "ar": "النماذج الرائدة" }},
      "models": ["mythos-5", "fable-5"],
      "require": {{ "all": [
        {{ "any": [
          {{ "identity": {{ "us_person": ["citizen", "national", "permanent_resident", "protected_individual"],
                          "min_ial": 2, "max_age_days": 365 }} }},
          {{ "organization": {{ "authorization_for_tier": true, "not_restricted_party": true }} }} ] }},
        {{ "location": {{ "countries_not_in": ["CU", "IR", "KP", "SY", "RU", "BY"],
                        "regions_not_in": ["UA-43", "UA-14", "UA-09"], "anonymizers": ["none"] }} }} ] }} }},
    {{ "id": "standard", "label": {{ "en": "Standard models", "es": "Modelos estándar", "ar": "النماذج القياسية" }},
      "models": ["haiku-4"],
      "require": {{ "location": {{ "countries_not_in": ["CU", "IR", "KP", "SY"] }} }} }}
  ],
  "links": {{ "verify_identity": "https://idv.example.com/verify", "support": "https://playground.example.com/support", "policy": "https://playground.example.com/export-policy" }}
}}"#
    ));
    // Attach the public keys.
    if let Json::Object(members) = &mut policy {
        if let Some((_, Json::Array(issuers))) = members.iter_mut().find(|(k, _)| k == "issuers") {
            let sets = [jwks(&[&keys.idv_es256, &keys.idv_ed25519]), jwks(&[&keys.edge]), jwks(&[&keys.org])];
            for (issuer, set) in issuers.iter_mut().zip(sets) {
                if let Json::Object(fields) = issuer {
                    fields.push(("jwks".into(), set));
                }
            }
        }
    }
    policy
}

fn common(iss: &str, iat: u64, exp: u64) -> Vec<(String, Json)> {
    vec![
        ("iss".into(), iss.into()),
        ("sub".into(), SUBJECT.into()),
        ("aud".into(), AUDIENCE.into()),
        ("iat".into(), iat.into()),
        ("exp".into(), exp.into()),
        ("jti".into(), format!("jti-{iss}-{iat}").into()),
    ]
}

/// Identity claims of a citizen proofed 30 days ago at IAL 2; issued an hour ago, valid 30 days.
pub fn identity_claims() -> Json {
    let mut members = common(IDV, NOW - 3600, NOW + 30 * DAY);
    members.extend([
        ("us_person".into(), "citizen".into()),
        ("ial".into(), 2u64.into()),
        ("verified_at".into(), (NOW - 30 * DAY).into()),
        ("citizenships".into(), Json::Array(vec!["US".into()])),
        ("residence_country".into(), "US".into()),
    ]);
    Json::Object(members)
}

/// Location claims: the US, no anonymizer; issued a minute ago, valid ten minutes.
pub fn location_claims() -> Json {
    let mut members = common(EDGE, NOW - 60, NOW + 540);
    members.extend([("country".into(), "US".into()), ("anonymizer".into(), "none".into())]);
    Json::Object(members)
}

/// Organization claims: a US entity, not restricted, no authorizations; valid a week.
pub fn organization_claims() -> Json {
    let mut members = common(ORG, NOW - 3600, NOW + 7 * DAY);
    members.extend([
        ("org_id".into(), "org-acme-42".into()),
        ("org_name".into(), "Acme Robotics".into()),
        ("org_country".into(), "US".into()),
        ("entity".into(), "us_entity".into()),
        ("restricted_party".into(), false.into()),
        ("authorizations".into(), Json::Array(vec![])),
    ]);
    Json::Object(members)
}

/// A deemed export license for `tiers`, valid a year.
pub fn authorization(tiers: &[&str]) -> Json {
    object([
        ("id", "DEL-2026-0042".into()),
        ("kind", "deemed_export_license".into()),
        ("tiers", Json::Array(tiers.iter().map(|t| (*t).into()).collect())),
        ("exp", (NOW + 365 * DAY).into()),
    ])
}
