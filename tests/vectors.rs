//! Published test vectors: RFC 7515 A.3, RFC 8037 A.4/A.5 and Wycheproof's JWS tests.

use crate::support::mint::json;
use access_check::core::base64url;
use access_check::core::codes::Code;
use access_check::core::fields::Field;
use access_check::core::json::Json;
use access_check::core::token::{jwk, verify_signature_only, Algorithm};

/// Copies of the published vectors (see tests/vectors/README.md for their sources).
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");

fn load(name: &str) -> Json {
    let text = std::fs::read_to_string(format!("{VECTORS}/{name}")).unwrap_or_else(|error| panic!("{name}: {error}"));
    Json::parse(&text).unwrap()
}

fn key(jwk_json: &Json, algorithms: &[Algorithm]) -> Option<jwk::Key> {
    jwk::parse_jwk(&Field::root(jwk_json), algorithms).ok().and_then(|(_, key)| key)
}

fn text<'a>(json: &'a Json, name: &str) -> &'a str {
    json.get(name).and_then(Json::as_str).unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn rfc7515_a3_es256_high_s_verifies() {
    let vectors = load("rfc-examples.json");
    let a3 = vectors.get("rfc7515_A3_ES256").unwrap();
    let key = key(a3.get("jwk_public").unwrap(), &[Algorithm::Es256]).unwrap();
    let payload = verify_signature_only(text(a3, "compact"), &key).expect("RFC 7515 A.3 must verify (high-S is valid)");
    assert_eq!(payload, text(a3, "payload_text").as_bytes());
    // (r, n-s) is also a valid signature: ES256 signatures are malleable, which is why the
    // verifier never uses signature bytes as an identity.
    assert!(verify_signature_only(text(a3, "malleated_twin_compact"), &key).is_ok());
}

#[test]
fn rfc7515_a3_rejects_a_modified_payload_and_a_private_jwk() {
    let vectors = load("rfc-examples.json");
    let a3 = vectors.get("rfc7515_A3_ES256").unwrap();
    let key = key(a3.get("jwk_public").unwrap(), &[Algorithm::Es256]).unwrap();
    let tampered = text(a3, "compact").replacen("eyJpc3MiOiJqb2Ui", "eyJpc3MiOiJqb2Yi", 1);
    assert_eq!(verify_signature_only(&tampered, &key).err(), Some(Code::SignatureInvalid));
    let private = jwk::parse_jwk(&Field::root(a3.get("jwk_private").unwrap()), &[Algorithm::Es256]);
    assert!(private.unwrap_err().to_string().contains("private key material"));
}

#[test]
fn rfc8037_a4_ed25519_verifies_under_both_names() {
    let vectors = load("rfc-examples.json");
    let a = vectors.get("rfc8037_A_Ed25519").unwrap();
    let key = key(a.get("A2_jwk_public").unwrap(), &[Algorithm::EdDsa]).unwrap();
    let compact = text(a, "A4_compact");
    assert_eq!(verify_signature_only(compact, &key).unwrap(), text(a, "A4_payload_text").as_bytes());
    // A.5: the JWS verifies, but its payload is not a claims set, so as an attestation it is
    // refused (checked in security::payload_that_is_not_a_claims_set_is_malformed).
    let mut flipped = compact.to_owned();
    flipped.replace_range(compact.len() - 2.., "AA");
    assert!(verify_signature_only(&flipped, &key).is_err());
}

/// Wycheproof's labels with the upstream mistakes corrected (C2SP/wycheproof#236).
fn expected_valid(test: &Json) -> bool {
    let id = test.get("tcId").and_then(Json::as_safe_uint).unwrap();
    match id {
        367 | 370 => true,
        372 | 373 => false,
        _ => text(test, "result") == "valid",
    }
}

/// The algorithm a token's header names, if it is one we implement.
fn header_alg(jws: &str) -> Option<Algorithm> {
    let segments = access_check::core::token::compact::split(jws).ok()?;
    access_check::core::token::compact::parse_header(segments.header).ok()?.alg
}

#[test]
fn wycheproof_jws_verdicts_match() {
    let suite = load("wycheproof/json_web_signature_test.json");
    let Some(Json::Array(groups)) = suite.get("testGroups") else { panic!("no groups") };
    let (mut checked, mut refused_groups) = (0, 0);
    for group in groups {
        let Some(Json::Array(tests)) = group.get("tests") else {
            continue;
        };
        let jwk_alg = group.get("public").and_then(|p| p.get("alg")).and_then(Json::as_str);
        // RS256/PS256 verify only in builds with the `rsa` feature; without it they are refused.
        let supported = jwk_alg
            .and_then(Algorithm::parse)
            .filter(|alg| cfg!(feature = "rsa") || !matches!(alg, Algorithm::Rs256 | Algorithm::Ps256));
        let key = group.get("public").and_then(|public| {
            let algorithms = supported.map_or_else(|| vec![Algorithm::Es256, Algorithm::EdDsa], |alg| vec![alg]);
            key(public, &algorithms)
        });
        for test in tests {
            let jws = text(test, "jws");
            let id = test.get("tcId").and_then(Json::as_safe_uint).unwrap();
            let verdict = key.as_ref().map(|key| verify_signature_only(jws, key));
            match (supported, &key) {
                // An algorithm we implement, with a usable key: the verdict must match.
                (Some(key_alg), Some(_)) => {
                    let valid = matches!(verdict, Some(Ok(_)));
                    // Wycheproof lets the header choose; here the key does (SECURITY.md rule
                    // 6), so a header naming another algorithm (RFC 7520 Figure 20: PS384 on
                    // a PS256 key) must be refused whatever Wycheproof says.
                    let header_alg = header_alg(jws);
                    let expected = expected_valid(test) && header_alg == Some(key_alg);
                    if expected_valid(test) && !expected {
                        assert_eq!(
                            verdict.as_ref().and_then(|v| v.clone().err()),
                            Some(Code::AlgorithmNotAllowed),
                            "tcId {id}"
                        );
                    }
                    assert_eq!(valid, expected, "tcId {id} ({}): got {verdict:?}", text(test, "comment"));
                    checked += 1;
                }
                // HS*, RS384/512, PS384/512, ES512, keys for encryption: never valid.
                _ => {
                    assert!(!matches!(verdict, Some(Ok(_))), "tcId {id} must be refused");
                    if key.is_some() && !cfg!(feature = "rsa") {
                        assert_eq!(verdict.and_then(|v| v.err()), Some(Code::AlgorithmNotAllowed), "tcId {id}");
                    }
                    refused_groups += 1;
                }
            }
        }
    }
    let minimum = if cfg!(feature = "rsa") { 280 } else { 35 };
    assert!(checked >= minimum, "only {checked} verdicts checked");
    assert!(refused_groups >= 40);
}

#[test]
fn wycheproof_base64_cases_match_the_strict_decoder() {
    // The base64 group uses HS256, which is always refused; its inputs still test framing: a
    // (corrected) valid case decodes strictly in every segment, an invalid one fails somewhere
    // or differs in content only (375 is a MAC over a wrongly encoded message).
    let suite = load("wycheproof/json_web_signature_test.json");
    let Some(Json::Array(groups)) = suite.get("testGroups") else { panic!() };
    let group = groups.iter().find(|g| g.get("comment").and_then(Json::as_str) == Some("base64")).unwrap();
    let Some(Json::Array(tests)) = group.get("tests") else { panic!() };
    for test in tests {
        let id = test.get("tcId").and_then(Json::as_safe_uint).unwrap();
        let jws = text(test, "jws");
        let segments: Vec<&str> = jws.split('.').collect();
        let strict = segments.len() == 3 && segments.iter().all(|s| base64url::decode(s.as_bytes()).is_some());
        if id == 375 {
            continue;
        }
        assert_eq!(strict, expected_valid(test), "tcId {id}: {}", text(test, "comment"));
    }
}

#[test]
fn wycheproof_hs256_is_never_accepted_even_with_its_own_secret_as_a_key() {
    let secret = json(r#"{"kty":"oct","k":"-ebuDNsVZ2iJtoZ-akfXTSCt4UO2cruLCsbWlBinggE","alg":"HS256"}"#);
    let error = jwk::parse_jwk(&Field::root(&secret), &[Algorithm::Es256]).unwrap_err();
    assert!(error.to_string().contains("private key material"), "{error}");
}
