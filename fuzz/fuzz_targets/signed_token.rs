//! `signed_token`: fuzzed claims, really signed. The `token` target cannot get past the
//! signature, so the claim checks after it (audience, times, subject, kind-specific claims) and
//! evaluation on attacker-chosen facts are only reached here.
//!
//! The first byte picks the signer, the rest is the payload (claims) as sent, base64url-encoded
//! under a fixed header `{"alg", "typ", "kid"}` and signed with the matching demo private key
//! (public in www/scenarios/*.json):
//! - low two bits: 0 identity ES256, 1 identity EdDSA, 2 location ES256, 3 organization EdDSA;
//! - bit 2: sign with a key the policy does not trust instead (same header, same kid).
//!
//! Asserts:
//! 1. no panic;
//! 2. one token alone never grants "frontier", and "standard" (location only) is granted alone
//!    only by a location token whose claims pass the checks below;
//! 3. a token signed by an untrusted key is never accepted;
//! 4. the report's JSON re-parses, its support code replays to the same outcomes;
//! 5. for a token accepted alone: next to scenario 01's token of the other kind, "frontier" is
//!    granted only if the claims really allow it: right `iss`, `sub` and `aud`, integer times
//!    inside the policy's windows, and the kind's own claims meet the requirement (a US person
//!    with `ial` >= 2 proofed within a year; a country, region and anonymizer the policy allows;
//!    an organisation not restricted with a current authorization for "frontier"). Countries and
//!    regions are compared case-insensitively, so accepting a lower-case "ir" is caught too;
//! 6. the pair's outcomes do not depend on the order of the two tokens.

#![no_main]

use std::sync::OnceLock;

use access_check::core::base64url;
use access_check::core::check::{check, replay, Request};
use access_check::core::json::{object, Json};
use access_check::core::policy::evaluate::Outcome;
use access_check::core::policy::Policy;
use access_check::core::report::Report;
use access_check::core::token::compact;
use libfuzzer_sys::fuzz_target;

const NOW: u64 = 1_795_305_600;
const LEEWAY: u64 = 60;
const SUBJECT: &str = "user-7d2f0a";
const AUDIENCE: &str = "https://playground.example.com";
const POLICY: &str = include_str!("../../www/policy.json");
const SCENARIO_01: &str = include_str!("../../www/scenarios/01-us-citizen-at-home.json");

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Identity,
    Location,
    Organization,
}

enum Key {
    Es256(p256::ecdsa::SigningKey),
    Ed25519(ed25519_dalek::SigningKey),
}

impl Key {
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Key::Es256(key) => {
                use p256::ecdsa::signature::Signer as _;
                let signature: p256::ecdsa::Signature = key.sign(message);
                signature.to_bytes().to_vec()
            }
            Key::Ed25519(key) => {
                use ed25519_dalek::Signer as _;
                key.sign(message).to_bytes().to_vec()
            }
        }
    }
}

struct Signer {
    kind: Kind,
    key: Key,
    untrusted: Key,
    /// `base64url(header)`, fixed per signer.
    header: String,
    iss: &'static str,
    max_age: u64,
}

struct Fixture {
    policy: Policy,
    signers: Vec<Signer>,
    identity: String,
    location: String,
}

fn private_key(demo_keys: &[Json], kid: &str) -> Vec<u8> {
    let key = demo_keys
        .iter()
        .find(|key| key.get("kid").and_then(Json::as_str) == Some(kid))
        .unwrap_or_else(|| panic!("scenario 01 has no demo key {kid}"));
    let d = key.get("d").and_then(Json::as_str).expect("a demo key has d");
    base64url::decode(d.as_bytes()).expect("d is base64url")
}

fn es256(d: &[u8]) -> Key {
    let bytes: [u8; 32] = d.try_into().expect("a P-256 scalar is 32 bytes");
    Key::Es256(p256::ecdsa::SigningKey::from_bytes(&bytes.into()).expect("a P-256 key"))
}

fn ed25519(d: &[u8]) -> Key {
    Key::Ed25519(ed25519_dalek::SigningKey::from_bytes(d.try_into().expect("an Ed25519 seed is 32 bytes")))
}

fn typ_of(token: &str) -> Option<String> {
    let segments = compact::split(token).ok()?;
    compact::parse_header(segments.header).ok()?.typ
}

fn request(tokens: Vec<String>) -> Request {
    Request { tokens, now: NOW, lang: "en".into(), ..Request::default() }
}

fn outcome(report: &Report, tier: &str) -> Outcome {
    report.tier(tier).unwrap_or_else(|| panic!("the demo policy has a {tier} tier")).outcome
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let policy = Policy::parse(POLICY).expect("www/policy.json parses");
        let scenario = Json::parse(SCENARIO_01).expect("scenario 01 is JSON");
        let Some(Json::Array(keys)) = scenario.get("demo_keys").and_then(|k| k.get("keys")) else {
            panic!("scenario 01 has demo_keys.keys");
        };
        let Some(Json::Array(tokens)) = scenario.get("tokens") else {
            panic!("scenario 01 has tokens");
        };
        let tokens: Vec<String> = tokens.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect();
        let find = |typ: &str| {
            tokens
                .iter()
                .find(|t| typ_of(t).as_deref() == Some(typ))
                .unwrap_or_else(|| panic!("scenario 01 has a {typ} token"))
                .clone()
        };
        let untrusted_es256 = private_key(keys, "untrusted-1");
        let signer = |kind, kid: &str, alg: &str, iss, max_age| {
            let d = private_key(keys, kid);
            let (key, untrusted) =
                if alg == "ES256" { (es256(&d), es256(&untrusted_es256)) } else { (ed25519(&d), ed25519(&[7; 32])) };
            let typ = match kind {
                Kind::Identity => "identity-attestation+jwt",
                Kind::Location => "location-attestation+jwt",
                Kind::Organization => "organization-attestation+jwt",
            };
            let header = object([("alg", alg.into()), ("typ", typ.into()), ("kid", kid.into())]);
            Signer { kind, key, untrusted, header: base64url::encode(header.to_compact().as_bytes()), iss, max_age }
        };
        let idv = "https://idv.example.com";
        let signers = vec![
            signer(Kind::Identity, "idv-2026-es256", "ES256", idv, 86_400),
            signer(Kind::Identity, "idv-2026-ed25519", "EdDSA", idv, 86_400),
            signer(Kind::Location, "edge-2026-1", "ES256", "https://edge.example.com", 900),
            signer(Kind::Organization, "org-2026-1", "EdDSA", "https://org.example.com", 2_592_000),
        ];
        Fixture {
            policy,
            signers,
            identity: find("identity-attestation+jwt"),
            location: find("location-attestation+jwt"),
        }
    })
}

/// A JSON integer in 0..=2^53 (SPEC §2: times are integer seconds).
fn int(json: Option<&Json>) -> Option<u64> {
    match json? {
        Json::Number(text) if text.bytes().all(|b| b.is_ascii_digit()) => text.parse().ok().filter(|n| *n <= 1 << 53),
        _ => None,
    }
}

fn text<'a>(json: &'a Json, name: &str) -> Option<&'a str> {
    json.get(name).and_then(Json::as_str)
}

/// What must hold of any claims set that a trusted issuer's token was accepted with; `Err`
/// names the first thing that does not. `paired`: next to a scenario 01 token, so `sub` must be
/// that token's (alone, a token's own `sub` anchors the binding).
fn common(claims: &Json, signer: &Signer, paired: bool) -> Result<(), &'static str> {
    if text(claims, "iss") != Some(signer.iss) {
        return Err("iss");
    }
    if paired && text(claims, "sub") != Some(SUBJECT) {
        return Err("sub");
    }
    let audience_ok = match claims.get("aud") {
        Some(Json::String(aud)) => aud == AUDIENCE,
        Some(Json::Array(items)) => items.iter().any(|a| a.as_str() == Some(AUDIENCE)),
        _ => false,
    };
    if !audience_ok {
        return Err("aud");
    }
    let iat = int(claims.get("iat")).ok_or("iat not an integer")?;
    let exp = int(claims.get("exp")).ok_or("exp not an integer")?;
    if exp <= NOW - LEEWAY {
        return Err("expired");
    }
    if iat > NOW + LEEWAY {
        return Err("iat in the future");
    }
    if iat + signer.max_age < NOW - LEEWAY {
        return Err("too old");
    }
    if let Some(nbf) = claims.get("nbf") {
        if int(Some(nbf)).is_none_or(|nbf| nbf > NOW + LEEWAY) {
            return Err("nbf");
        }
    }
    Ok(())
}

fn upper(json: &Json, name: &str) -> Option<String> {
    text(json, name).map(str::to_ascii_uppercase)
}

/// What frontier needs of the token's own claims (www/policy.json).
fn meets_frontier(claims: &Json, kind: Kind) -> Result<(), &'static str> {
    match kind {
        Kind::Identity => {
            let status = text(claims, "us_person").ok_or("us_person")?;
            if !["citizen", "national", "permanent_resident", "protected_individual"].contains(&status) {
                return Err("us_person not a US person");
            }
            let ial = match claims.get("ial") {
                Some(Json::Number(n)) => n.parse::<f64>().ok(),
                _ => None,
            };
            if !ial.is_some_and(|ial| ial >= 2.0) {
                return Err("ial below 2");
            }
            let verified_at = int(claims.get("verified_at")).ok_or("verified_at")?;
            if verified_at + 366 * 86_400 < NOW {
                return Err("verified_at over a year ago");
            }
        }
        Kind::Location => meets_location(claims, &["CU", "IR", "KP", "SY", "RU", "BY"], true)?,
        Kind::Organization => {
            if !matches!(claims.get("restricted_party"), Some(Json::Bool(false))) {
                return Err("restricted_party not false");
            }
            let Some(Json::Array(authorizations)) = claims.get("authorizations") else {
                return Err("no authorizations");
            };
            let current = authorizations.iter().any(|a| {
                let for_frontier = matches!(a.get("tiers"), Some(Json::Array(tiers))
                    if tiers.iter().any(|t| t.as_str() == Some("frontier")));
                for_frontier && int(a.get("exp")).is_some_and(|exp| exp + LEEWAY >= NOW)
            });
            if !current {
                return Err("no current authorization for frontier");
            }
        }
    }
    Ok(())
}

fn meets_location(claims: &Json, banned: &[&str], frontier: bool) -> Result<(), &'static str> {
    let country = upper(claims, "country").ok_or("country")?;
    if banned.contains(&country.as_str()) {
        return Err("country banned");
    }
    if frontier {
        if let Some(region) = claims.get("region") {
            let region = region.as_str().ok_or("region not a string")?.to_ascii_uppercase();
            if ["UA-43", "UA-14", "UA-09"].contains(&region.as_str()) {
                return Err("region banned");
            }
        }
        if text(claims, "anonymizer") != Some("none") {
            return Err("anonymizer not none");
        }
    }
    Ok(())
}

fn claims_of(payload: &[u8]) -> Option<Json> {
    let json = Json::parse(std::str::from_utf8(payload).ok()?).ok()?;
    matches!(json, Json::Object(_)).then_some(json)
}

fn same_outcomes(a: &Report, b: &Report, what: &str) {
    for tier in &a.tiers {
        assert_eq!(b.tier(&tier.id).map(|t| t.outcome), Some(tier.outcome), "{what}: tier {:?} differs", tier.id);
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&form, payload)) = data.split_first() else {
        return;
    };
    let fixture = fixture();
    let signer = &fixture.signers[usize::from(form & 3)];
    let untrusted = form & 4 != 0;
    let input = format!("{}.{}", signer.header, base64url::encode(payload));
    let key = if untrusted { &signer.untrusted } else { &signer.key };
    let token = format!("{input}.{}", base64url::encode(&key.sign(input.as_bytes())));
    let claims = claims_of(payload);
    let show = || String::from_utf8_lossy(payload).into_owned();

    let alone = check(&fixture.policy, &request(vec![token.clone()]));
    assert_ne!(outcome(&alone, "frontier"), Outcome::Granted, "one token granted frontier: {}", show());
    if outcome(&alone, "standard") == Outcome::Granted {
        let verdict = match (&claims, signer.kind) {
            (Some(claims), Kind::Location) => {
                common(claims, signer, false).and_then(|()| meets_location(claims, &["CU", "IR", "KP", "SY"], false))
            }
            _ => Err("not a location token with JSON claims"),
        };
        if let Err(why) = verdict {
            panic!("standard granted alone although {why}: {}", show());
        }
    }
    let json = alone.to_json().to_compact();
    if let Err(error) = Json::parse(&json) {
        panic!("the report's JSON does not re-parse ({error}): {json}");
    }
    match replay(&alone.support_code, Some(&fixture.policy), None) {
        Ok(replayed) => same_outcomes(&alone, &replayed, "replay"),
        Err(error) => panic!("own support code does not decode ({error})"),
    }

    let accepted = alone.tokens.first().is_some_and(|t| t.code.is_none());
    if !accepted {
        return;
    }
    assert!(!untrusted, "a token signed by an untrusted key was accepted: {}", show());
    let Some(claims) = claims else {
        panic!("a token whose payload is not a JSON object was accepted: {}", show());
    };
    if let Err(why) = common(&claims, signer, false) {
        panic!("accepted although {why}: {}", show());
    }

    let companion = match signer.kind {
        Kind::Identity | Kind::Organization => fixture.location.clone(),
        Kind::Location => fixture.identity.clone(),
    };
    let pair = check(&fixture.policy, &request(vec![companion.clone(), token.clone()]));
    if outcome(&pair, "frontier") == Outcome::Granted {
        if let Err(why) = common(&claims, signer, true).and_then(|()| meets_frontier(&claims, signer.kind)) {
            panic!("frontier granted although {why}: {}", show());
        }
    }
    let swapped = check(&fixture.policy, &request(vec![token, companion]));
    same_outcomes(&pair, &swapped, "token order");
});
