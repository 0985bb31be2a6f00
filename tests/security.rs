//! One or more tests per SECURITY.md rule. Each attack input is otherwise valid (correctly
//! signed by a trusted key unless the attack is about the signature), so it would pass if the
//! rule it names were removed.

use crate::support::demo::*;
use crate::support::mint::{json, with, without, DemoKey};
use crate::support::world::*;
use access_check::core::base64url;
use access_check::core::check::{check, Request};
use access_check::core::codes::Code;
use access_check::core::json::{object, Json};
use access_check::core::policy::evaluate::Outcome;
use access_check::core::policy::Policy;
use sha2::Digest;

#[test]
fn baseline_tokens_are_accepted() {
    let world = world();
    assert_eq!(world.code(&world.identity()), None);
    assert_eq!(world.report(&[world.identity(), world.location()]).outcome, Outcome::Granted);
}

// Rule 1: size first.

#[test]
fn rule1_token_over_16_kib_is_too_large_even_if_signed() {
    let world = world();
    let token = world.identity_with(&[], &[("padding", "x".repeat(13_000).into())]);
    assert!(token.len() > 16 * 1024);
    assert_eq!(world.code(&token), Some(Code::TokenTooLarge));
    let fits = world.identity_with(&[], &[("padding", "x".repeat(11_000).into())]);
    assert!(fits.len() <= 16 * 1024);
    assert_eq!(world.code(&fits), None, "a signed token under the limit is fine");
}

#[test]
fn rule1_more_than_8_tokens_are_all_refused() {
    let world = world();
    let eight: Vec<String> = (0..4).flat_map(|_| [world.identity(), world.location()]).collect();
    assert_eq!(world.report(&eight).outcome, Outcome::Granted);
    let mut nine = eight.clone();
    nine.push(world.location());
    let report = world.report(&nine);
    assert!(report.tokens.iter().all(|t| t.code == Some(Code::TooManyTokens)));
    assert_eq!(report.outcome, Outcome::ActionRequired);
    assert!(report.tiers[0].reasons.iter().any(|r| r.code == Code::TooManyTokens));
}

#[test]
fn rule1_header_over_1_kib_is_malformed() {
    let world = world();
    let token = world.identity_with(&[("x-pad", "y".repeat(1100).into())], &[]);
    assert_eq!(world.code(&token), Some(Code::TokenMalformed));
}

#[test]
fn rule1_huge_inputs_are_refused_quickly_whatever_their_shape() {
    let world = world();
    for huge in ["a".repeat(10_000_000), ".".repeat(1_000_000), "[".repeat(100_000)] {
        assert_eq!(world.code(&huge), Some(Code::TokenTooLarge));
    }
}

// Rule 2: framing.

#[test]
fn rule2_segment_counts_other_than_three_are_malformed() {
    let world = world();
    let token = world.identity();
    let parts: Vec<&str> = token.split('.').collect();
    for bad in [
        parts[..2].join("."),
        format!("{token}.{}", parts[2]),
        parts[0].to_owned(),
        String::new(),
        format!("{}..{}", parts[0], parts[2]),
    ] {
        assert_eq!(world.code(&bad), Some(Code::TokenMalformed), "{bad:.40}");
    }
}

#[test]
fn rule2_padding_is_refused() {
    let world = world();
    // A header whose base64 needs padding, signed including the padding characters.
    let key = &world.keys.idv_es256;
    let header = base64url::encode(br#"{"alg":"ES256","typ":"identity-attestation+jwt","kid":"idv-2026-es256","x":1}"#);
    assert_ne!(header.len() % 4, 0);
    let padded = format!("{header}{}", "=".repeat(4 - header.len() % 4));
    let token = key.sign_segments(&padded, &base64url::encode(claims_text(&[]).as_bytes()));
    assert_eq!(world.code(&token), Some(Code::TokenMalformed));
    let unpadded = key.sign_segments(&header, &base64url::encode(claims_text(&[]).as_bytes()));
    assert_eq!(world.code(&unpadded), None);
}

#[test]
fn rule2_standard_alphabet_whitespace_and_line_breaks_are_refused() {
    let world = world();
    let token = world.identity();
    let (head, signature) = token.rsplit_once('.').unwrap();
    // Standard-alphabet spelling of the same signature bytes.
    let standard = signature.replace('-', "+").replace('_', "/");
    if standard != signature {
        assert_eq!(world.code(&format!("{head}.{standard}")), Some(Code::TokenMalformed));
    }
    for inserted in [" ", "\n", "\r\n", "\t"] {
        let mut broken = token.clone();
        broken.insert_str(20, inserted);
        assert_eq!(world.code(&broken), Some(Code::TokenMalformed), "{inserted:?}");
    }
    assert_eq!(world.code(&format!(" {token}")), Some(Code::TokenMalformed));
}

#[test]
fn rule2_non_canonical_trailing_bits_are_refused() {
    let world = world();
    let token = world.identity();
    let (head, signature) = token.rsplit_once('.').unwrap();
    // 64 signature bytes → 86 characters; the last carries 4 unused bits. Setting one keeps
    // the decoded bytes (for a lenient decoder) but changes the text.
    assert_eq!(signature.len(), 86);
    let last = signature.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let index = alphabet.find(last).unwrap();
    let sibling = alphabet.chars().nth(index ^ 1).unwrap();
    assert_ne!(sibling, last);
    let variant = format!("{head}.{}{sibling}", &signature[..85]);
    assert_eq!(world.code(&variant), Some(Code::TokenMalformed));
}

#[test]
fn rule2_signature_is_checked_over_the_segments_as_received() {
    let world = world();
    // Whitespace and member order inside the signed header are the issuer's business: a
    // verifier that re-encoded the header would break this valid token.
    let header = r#"{ "kid" : "idv-2026-es256",  "typ":"identity-attestation+jwt", "alg":"ES256" }"#;
    let token = sign_text(&world.keys.idv_es256, header, &claims_text(&[]));
    assert_eq!(world.code(&token), None);
    // And a token re-encoded by someone else does not verify.
    let compact = sign_text(
        &world.keys.idv_es256,
        r#"{"alg":"ES256","typ":"identity-attestation+jwt","kid":"idv-2026-es256"}"#,
        &claims_text(&[]),
    );
    let signature = compact.rsplit('.').next().unwrap();
    let reencoded =
        format!("{}.{}.{signature}", base64url::encode(header.as_bytes()), compact.split('.').nth(1).unwrap());
    assert_eq!(world.code(&reencoded), Some(Code::SignatureInvalid));
}

#[test]
fn rule2_json_serialization_is_refused() {
    let world = world();
    let token = world.identity();
    let parts: Vec<&str> = token.split('.').collect();
    let flattened = format!(r#"{{"protected":"{}","payload":"{}","signature":"{}"}}"#, parts[0], parts[1], parts[2]);
    assert_eq!(world.code(&flattened), Some(Code::TokenMalformed));
}

// Rule 3: JSON.

#[test]
fn rule3_duplicate_header_members_are_refused() {
    let world = world();
    let header =
        r#"{"alg":"ES256","typ":"identity-attestation+jwt","kid":"idv-2026-es256","typ":"location-attestation+jwt"}"#;
    assert_eq!(world.code(&sign_text(&world.keys.idv_es256, header, &claims_text(&[]))), Some(Code::TokenMalformed));
}

#[test]
fn rule3_duplicate_claims_are_refused() {
    let world = world();
    let header = world.keys.idv_es256.header(IDENTITY).to_compact();
    let claims = claims_text(&[("us_person", "none".into())]).replacen('{', r#"{"us_person":"citizen","#, 1);
    assert_eq!(world.code(&sign_text(&world.keys.idv_es256, &header, &claims)), Some(Code::TokenMalformed));
}

#[test]
fn rule3_duplicate_members_deep_inside_claims_are_refused() {
    let world = world();
    let key = &world.keys.org;
    let claims = with(&organization_claims(), &[("authorizations", Json::Array(vec![authorization(&["frontier"])]))])
        .to_compact();
    let duplicated =
        claims.replacen(r#""kind":"deemed_export_license""#, r#""kind":"deemed_export_license","kind":"x""#, 1);
    assert_ne!(claims, duplicated);
    let token = sign_text(key, &key.header(ORGANIZATION).to_compact(), &duplicated);
    assert_eq!(world.code(&token), Some(Code::TokenMalformed));
}

#[test]
fn rule3_nesting_deeper_than_16_is_refused() {
    let world = world();
    let deep = format!("{}1{}", "[".repeat(16), "]".repeat(16));
    let claims = claims_text(&[]).replacen('{', &format!(r#"{{"deep":{deep},"#), 1);
    let token = sign_text(&world.keys.idv_es256, &world.keys.idv_es256.header(IDENTITY).to_compact(), &claims);
    assert_eq!(world.code(&token), Some(Code::TokenMalformed));
    let ok = format!("{}1{}", "[".repeat(14), "]".repeat(14));
    let claims = claims_text(&[]).replacen('{', &format!(r#"{{"deep":{ok},"#), 1);
    let token = sign_text(&world.keys.idv_es256, &world.keys.idv_es256.header(IDENTITY).to_compact(), &claims);
    assert_eq!(world.code(&token), None);
}

#[test]
fn rule3_objects_only_where_objects_are_expected() {
    let world = world();
    let key = &world.keys.idv_es256;
    let header = key.header(IDENTITY).to_compact();
    for payload in ["[1,2]", "\"claims\"", "null", "12", ""] {
        assert_eq!(world.code(&sign_text(key, &header, payload)), Some(Code::TokenMalformed), "{payload}");
    }
    assert_eq!(world.code(&sign_text(key, "[\"ES256\"]", &claims_text(&[]))), Some(Code::TokenMalformed));
}

#[test]
fn rule3_payload_that_is_not_a_claims_set_is_malformed() {
    let world = world();
    let key = &world.keys.idv_es256;
    let token = key.sign_segments(
        &base64url::encode(key.header(IDENTITY).to_compact().as_bytes()),
        &base64url::encode(&[0xff, 0xfe, b'{']),
    );
    assert_eq!(world.code(&token), Some(Code::TokenMalformed));
}

#[test]
fn rule3_duplicate_members_in_a_policy_or_jwks_are_refused() {
    let world = world();
    let text = world.policy_json.to_compact().replacen(
        r#""leeway_seconds":60"#,
        r#""leeway_seconds":60,"leeway_seconds":300"#,
        1,
    );
    assert!(Policy::parse(&text).unwrap_err().to_string().contains("duplicate member name"));
    let x = world.keys.edge.public_jwk().get("x").unwrap().as_str().unwrap().to_owned();
    let text = world.policy_json.to_compact().replacen(&format!(r#""x":"{x}""#), &format!(r#""x":"{x}","x":"{x}""#), 1);
    assert!(Policy::parse(&text).unwrap_err().to_string().contains("duplicate member name"));
}

// Rule 4: numbers.

#[test]
fn rule4_time_claims_must_be_safe_integers() {
    let world = world();
    let far = Json::Number("1900000000".into());
    for (claim, value) in [
        ("exp", Json::String((NOW + 3600).to_string())),
        ("exp", Json::Number(format!("{}.5", NOW + 3600))),
        ("exp", Json::Number(format!("{}.0", NOW + 3600))),
        ("exp", Json::Number("1e20".into())),
        ("exp", Json::Number("1e309".into())),
        ("exp", Json::Number("-1".into())),
        ("exp", Json::Number("9007199254740992".into())),
        ("exp", Json::Null),
        ("exp", Json::Bool(true)),
        ("iat", Json::String("now".into())),
        ("iat", Json::Number("1.7953056e9".into())),
        ("nbf", Json::String("0".into())),
        ("verified_at", Json::Number("-86400".into())),
    ] {
        let token = world.identity_with(&[], &[(claim, value.clone()), ("unused", far.clone())]);
        assert_eq!(world.code(&token), Some(Code::ClaimInvalid), "{claim} = {value:?}");
    }
}

#[test]
fn rule4_missing_required_claims_are_invalid_never_absent() {
    let world = world();
    let key = &world.keys.idv_es256;
    for claim in ["iss", "sub", "aud", "iat", "exp", "us_person", "ial", "verified_at"] {
        let token = key.sign_json(&key.header(IDENTITY), &without(&identity_claims(), &[claim]));
        assert_eq!(world.code(&token), Some(Code::ClaimInvalid), "without {claim}");
    }
    let org = &world.keys.org;
    for claim in ["restricted_party", "entity", "org_id"] {
        let token = org.sign_json(&org.header(ORGANIZATION), &without(&organization_claims(), &[claim]));
        assert_eq!(world.code(&token), Some(Code::ClaimInvalid), "without {claim}");
    }
}

#[test]
fn rule4_configuration_values_are_bounded() {
    let world = world();
    for (name, value) in [
        ("leeway_seconds", "100000"),
        ("leeway_seconds", "-1"),
        ("leeway_seconds", "60.5"),
        ("leeway_seconds", "\"60\""),
    ] {
        let error = world.policy_with(|p| set(p, name, json(value))).unwrap_err();
        assert!(error.starts_with("leeway_seconds:"), "{error}");
    }
    let error = world
        .policy_with(|p| {
            let text =
                p.to_compact().replacen(r#""max_token_age_seconds":86400"#, r#""max_token_age_seconds":1e12"#, 1);
            *p = json(&text);
        })
        .unwrap_err();
    assert!(error.starts_with("issuers[0].max_token_age_seconds:"), "{error}");
}

// Rule 5: strings compare byte for byte.

#[test]
fn rule5_issuer_compares_exactly() {
    let world = world();
    for iss in [
        "https://idv.example.com/",
        "https://IDV.example.com",
        "https://idv.example.com\u{0}",
        " https://idv.example.com",
        "https://idv.exampIe.com",
    ] {
        let token = world.identity_with(&[], &[("iss", iss.into())]);
        assert_eq!(world.code(&token), Some(Code::IssuerUntrusted), "{iss:?}");
    }
}

#[test]
fn rule5_audience_kid_and_typ_compare_exactly() {
    let world = world();
    let token = world.identity_with(&[], &[("aud", "https://Playground.example.com".into())]);
    assert_eq!(world.code(&token), Some(Code::AudienceMismatch));
    let token = world.identity_with(&[("kid", "IDV-2026-ES256".into())], &[]);
    assert_eq!(world.code(&token), Some(Code::KeyUnknown));
    let token = world.identity_with(&[("typ", "Identity-Attestation+JWT".into())], &[]);
    assert_eq!(world.code(&token), Some(Code::TokenTypeUnknown));
}

#[test]
fn rule5_non_ascii_issuer_or_audience_in_a_policy_is_refused() {
    let world = world();
    let error = world.policy_with(|p| set(p, "audience", "https://plаyground.example.com".into())).unwrap_err();
    assert!(error.starts_with("audience: must be printable ASCII"), "{error}");
    let error = world
        .policy_with(|p| *p = json(&p.to_compact().replacen("https://idv.example.com", "https://idv.exämple.com", 1)))
        .unwrap_err();
    assert!(error.starts_with("issuers[0].iss:"), "{error}");
}

// Rule 6: the verifier picks the algorithm.

#[test]
fn rule6_none_and_unknown_algorithms_are_refused() {
    let world = world();
    let unsigned = |alg: &str| {
        let header = with(&world.keys.idv_es256.header(IDENTITY), &[("alg", alg.into())]);
        format!(
            "{}.{}.",
            base64url::encode(header.to_compact().as_bytes()),
            base64url::encode(claims_text(&[]).as_bytes())
        )
    };
    for alg in ["none", "None", "NONE", "nOnE", "HS256", "HS512", "RS384", "ES512", "ES256K", "es256", ""] {
        let code = world.code(&unsigned(alg));
        assert!(matches!(code, Some(Code::AlgorithmNotAllowed | Code::TokenMalformed)), "{alg}: {code:?}");
    }
}

#[test]
fn rule6_hs256_keyed_with_the_public_key_is_refused() {
    let world = world();
    let jwk = world.keys.idv_es256.public_jwk();
    let x = base64url::decode(jwk.get("x").unwrap().as_str().unwrap().as_bytes()).unwrap();
    let y = base64url::decode(jwk.get("y").unwrap().as_str().unwrap().as_bytes()).unwrap();
    let header = with(&world.keys.idv_es256.header(IDENTITY), &[("alg", "HS256".into())]);
    let input = format!(
        "{}.{}",
        base64url::encode(header.to_compact().as_bytes()),
        base64url::encode(claims_text(&[]).as_bytes())
    );
    // Every spelling of "the public key" an HMAC confusion attack would try.
    let sec1: Vec<u8> = [&[4u8][..], &x, &y].concat();
    for secret in [sec1, [x.clone(), y.clone()].concat(), jwk.to_compact().into_bytes()] {
        let mac = hmac_sha256(&secret, input.as_bytes());
        let token = format!("{input}.{}", base64url::encode(&mac));
        assert_eq!(world.code(&token), Some(Code::AlgorithmNotAllowed));
    }
}

/// HMAC-SHA-256 (RFC 2104), to build the attack token.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&sha2::Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = sha2::Sha256::digest([pad(0x36), message.to_vec()].concat());
    sha2::Sha256::digest([pad(0x5c), inner.to_vec()].concat()).to_vec()
}

#[test]
fn rule6_alg_must_equal_the_keys_algorithm() {
    let world = world();
    // The Ed25519 key's kid with an ES256 header, signed by the ES256 key.
    let token = world.identity_with(&[("kid", "idv-2026-ed25519".into())], &[]);
    assert_eq!(world.code(&token), Some(Code::AlgorithmNotAllowed));
    // An EdDSA header on the ES256 key's kid, signed by the Ed25519 key.
    let key = &world.keys.idv_ed25519;
    let header = with(&key.header(IDENTITY), &[("kid", "idv-2026-es256".into())]);
    assert_eq!(world.code(&key.sign_json(&header, &identity_claims())), Some(Code::AlgorithmNotAllowed));
    // The edge issuer allows ES256 only.
    let header = object([("alg", "EdDSA".into()), ("typ", LOCATION.into()), ("kid", "edge-2026-1".into())]);
    assert_eq!(world.code(&key.sign_json(&header, &location_claims())), Some(Code::AlgorithmNotAllowed));
}

#[test]
fn rule6_eddsa_and_ed25519_name_the_same_algorithm() {
    let world = world();
    let key = &world.keys.idv_ed25519;
    for alg in ["EdDSA", "Ed25519"] {
        let header = with(&key.header(IDENTITY), &[("alg", alg.into())]);
        assert_eq!(world.code(&key.sign_json(&header, &identity_claims())), None, "{alg}");
    }
}

#[test]
fn rule6_empty_signature_is_refused_whatever_the_alg() {
    let world = world();
    let token = world.identity();
    let unsigned = format!("{}.", token.rsplit_once('.').unwrap().0);
    assert_eq!(world.code(&unsigned), Some(Code::SignatureInvalid));
}

#[test]
fn rule6_alg_must_be_a_string() {
    let world = world();
    let token = world.identity_with(&[("alg", Json::Array(vec!["ES256".into()]))], &[]);
    assert_eq!(world.code(&token), Some(Code::TokenMalformed));
}

// Rule 7: keys only from the policy.

#[test]
fn rule7_embedded_jwk_jku_x5u_x5c_never_supply_a_key() {
    let world = world();
    let attacker = DemoKey::es256("attacker");
    for (name, value) in [
        ("jwk", attacker.public_jwk()),
        ("jku", "https://attacker.example/jwks.json".into()),
        ("x5u", "https://attacker.example/cert.pem".into()),
        ("x5c", Json::Array(vec!["MIIB".into()])),
    ] {
        let header = with(&with(&world.keys.edge.header(LOCATION), &[(name, value)]), &[]);
        let header = without(&header, &["kid"]);
        let token = attacker.sign_json(&header, &location_claims());
        assert_eq!(world.code(&token), Some(Code::SignatureInvalid), "{name}");
    }
    // They are ignored, not fatal: a genuine token that carries one is fine.
    let header = with(&world.keys.edge.header(LOCATION), &[("x5c", Json::Array(vec!["MIIB".into()]))]);
    assert_eq!(world.code(&world.keys.edge.sign_json(&header, &location_claims())), None);
}

#[test]
fn rule7_kid_is_an_opaque_lookup_key() {
    let world = world();
    for kid in [
        "../idv-2026-es256",
        "idv-2026-es256/../idv-2026-es256",
        "https://idv.example.com/keys/idv-2026-es256",
        "idv-2026-es256 ",
        "*",
    ] {
        let token = world.identity_with(&[("kid", kid.into())], &[]);
        assert_eq!(world.code(&token), Some(Code::KeyUnknown), "{kid}");
    }
}

#[test]
fn rule7_kid_is_required_when_the_issuer_has_several_keys() {
    let world = world();
    let key = &world.keys.idv_es256;
    let token = key.sign_json(&without(&key.header(IDENTITY), &["kid"]), &identity_claims());
    assert_eq!(world.code(&token), Some(Code::KeyUnknown));
    // The edge issuer has one key: kid may be left out.
    let edge = &world.keys.edge;
    assert_eq!(world.code(&edge.sign_json(&without(&edge.header(LOCATION), &["kid"]), &location_claims())), None);
}

// Rule 8: crit and b64.

#[test]
fn rule8_crit_is_refused_whatever_it_lists() {
    let world = world();
    for crit in [json(r#"["exp"]"#), json("[]"), json(r#"["b64"]"#), "exp".into()] {
        let token = world.identity_with(&[("crit", crit.clone())], &[]);
        assert_eq!(world.code(&token), Some(Code::CriticalHeaderUnsupported), "{crit:?}");
    }
}

#[test]
fn rule8_b64_is_refused() {
    let world = world();
    for b64 in [false, true] {
        let token = world.identity_with(&[("b64", b64.into())], &[]);
        assert_eq!(world.code(&token), Some(Code::CriticalHeaderUnsupported));
    }
}

// Rule 9: typ fixes the kind.

#[test]
fn rule9_typ_is_required_and_exact() {
    let world = world();
    let key = &world.keys.idv_es256;
    assert_eq!(
        world.code(&key.sign_json(&without(&key.header(IDENTITY), &["typ"]), &identity_claims())),
        Some(Code::TokenTypeUnknown)
    );
    for typ in ["JWT", "identity-attestation", "application/identity-attestation+jwt", "identity-attestation+jwt "] {
        let token = world.identity_with(&[("typ", typ.into())], &[]);
        assert_eq!(world.code(&token), Some(Code::TokenTypeUnknown), "{typ}");
    }
}

#[test]
fn rule9_an_identity_issuers_token_cannot_pass_as_location() {
    let world = world();
    let key = &world.keys.idv_es256;
    let claims = with(&location_claims(), &[("iss", IDV.into())]);
    assert_eq!(world.code(&key.sign_json(&key.header(LOCATION), &claims)), Some(Code::IssuerNotAllowedForKind));
    // And the kind's claims must be there: identity claims under a location typ are invalid.
    let edge = &world.keys.edge;
    let claims = with(&identity_claims(), &[("iss", EDGE.into())]);
    assert_eq!(world.code(&edge.sign_json(&edge.header(LOCATION), &claims)), Some(Code::ClaimInvalid));
}

// Rule 10: ES256 signatures.

/// The P-256 group order n.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa,
    0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

fn with_signature(token: &str, signature: &[u8]) -> String {
    format!("{}.{}", token.rsplit_once('.').unwrap().0, base64url::encode(signature))
}

fn der(r: &[u8], s: &[u8]) -> Vec<u8> {
    let integer = |bytes: &[u8]| {
        let mut value = bytes.to_vec();
        if value[0] & 0x80 != 0 {
            value.insert(0, 0);
        }
        [vec![0x02, value.len() as u8], value].concat()
    };
    let body = [integer(r), integer(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

#[test]
fn rule10_der_signatures_are_refused() {
    let world = world();
    let token = world.identity();
    let raw = base64url::decode(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
    assert_eq!(world.code(&with_signature(&token, &der(&raw[..32], &raw[32..]))), Some(Code::SignatureInvalid));
}

#[test]
fn rule10_r_or_s_of_zero_or_at_least_n_are_refused() {
    let world = world();
    let token = world.identity();
    let raw = base64url::decode(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
    let (r, s) = (&raw[..32], &raw[32..]);
    let zero = [0u8; 32];
    let max = [0xffu8; 32];
    // r + n and s + n do not fit 32 bytes; n itself and 2^256-1 are the in-range-width attacks.
    for (name, r, s) in [
        ("r=0,s=0 (psychic signature)", &zero[..], &zero[..]),
        ("r=0", &zero[..], s),
        ("s=0", r, &zero[..]),
        ("r=n", &P256_N[..], s),
        ("s=n", r, &P256_N[..]),
        ("r=2^256-1", &max[..], s),
        ("s=2^256-1", r, &max[..]),
    ] {
        assert_eq!(world.code(&with_signature(&token, &[r, s].concat())), Some(Code::SignatureInvalid), "{name}");
    }
}

#[test]
fn rule10_wrong_signature_lengths_are_refused() {
    let world = world();
    let token = world.identity();
    let raw = base64url::decode(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
    for signature in [[&[0u8][..], &raw].concat(), raw[..63].to_vec(), [raw.clone(), raw.clone()].concat()] {
        assert_eq!(world.code(&with_signature(&token, &signature)), Some(Code::SignatureInvalid));
    }
}

/// n - s, big-endian.
fn negate_mod_n(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut digit = i16::from(P256_N[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = digit as u8;
    }
    out
}

#[test]
fn rule10_high_s_is_valid_and_signature_bytes_are_not_an_identity() {
    let world = world();
    let identity = world.identity();
    let raw = base64url::decode(identity.rsplit('.').next().unwrap().as_bytes()).unwrap();
    let twin = with_signature(&identity, &[&raw[..32], &negate_mod_n(&raw[32..])[..]].concat());
    assert_ne!(twin, identity);
    assert_eq!(world.code(&twin), None, "(r, n-s) is valid: low-S is not enforced");
    // Both spellings of the same statement: same decision, whichever comes first.
    let location = world.location();
    let a = world.report(&[identity.clone(), twin.clone(), location.clone()]);
    let b = world.report(&[twin, identity, location]);
    assert_eq!(a.outcome, Outcome::Granted);
    assert_eq!(a.tiers, b.tiers);
}

// Rule 11: Ed25519 strictness.

/// The Ed25519 group order L, little-endian.
const ED25519_L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn ed25519_identity(world: &World) -> String {
    let key = &world.keys.idv_ed25519;
    key.sign_json(&key.header(IDENTITY), &identity_claims())
}

#[test]
fn rule11_s_plus_l_is_refused() {
    let world = world();
    let token = ed25519_identity(&world);
    assert_eq!(world.code(&token), None);
    let mut raw = base64url::decode(token.rsplit('.').next().unwrap().as_bytes()).unwrap();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(raw[32 + i]) + u16::from(ED25519_L[i]) + carry;
        raw[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L still fits 32 bytes");
    assert_eq!(world.code(&with_signature(&token, &raw)), Some(Code::SignatureInvalid));
}

#[test]
fn rule11_small_order_r_with_zero_s_is_refused() {
    let world = world();
    let token = ed25519_identity(&world);
    // R = the identity point (encoded as y = 1), S = 0.
    let mut forged = [0u8; 64];
    forged[0] = 1;
    assert_eq!(world.code(&with_signature(&token, &forged)), Some(Code::SignatureInvalid));
}

#[test]
fn rule11_small_order_and_non_canonical_keys_are_refused_when_loading() {
    let world = world();
    let mut identity_point = [0u8; 32];
    identity_point[0] = 1;
    // y = p (2^255 - 19): a non-canonical encoding of y = 0.
    let mut non_canonical = [0xffu8; 32];
    non_canonical[0] = 0xed;
    non_canonical[31] = 0x7f;
    for (name, x, expected) in [("small order", identity_point, "small-order"), ("non-canonical", non_canonical, "")] {
        let error = world
            .policy_with(|p| {
                let key = first_key(p);
                *key = object([
                    ("kty", "OKP".into()),
                    ("crv", "Ed25519".into()),
                    ("kid", "weak".into()),
                    ("x", base64url::encode(&x).into()),
                ]);
            })
            .unwrap_err();
        assert!(error.starts_with("issuers[0].jwks.keys[0].x:") && error.contains(expected), "{name}: {error}");
    }
}

#[test]
fn rule11_ed25519_only_with_crv_ed25519() {
    let world = world();
    let x = world.keys.idv_ed25519.public_jwk().get("x").unwrap().clone();
    let error = world
        .policy_with(|p| {
            *first_key(p) = object([("kty", "OKP".into()), ("crv", "X25519".into()), ("kid", "k".into()), ("x", x)])
        })
        .unwrap_err();
    assert!(error.contains("X25519"), "{error}");
}

// Rule 12: RSA keys.

fn rsa_key(n_bytes: usize, e: &[u8]) -> Json {
    let mut n = vec![0xc3u8; n_bytes];
    n[n_bytes - 1] = 0x01;
    object([
        ("kty", "RSA".into()),
        ("kid", "rsa".into()),
        ("alg", "RS256".into()),
        ("n", base64url::encode(&n).into()),
        ("e", base64url::encode(e).into()),
    ])
}

fn with_rsa_issuer(world: &World, key: Json) -> Result<Policy, String> {
    world.policy_with(|p| {
        let text = p.to_compact().replacen(
            r#""algorithms":["ES256","EdDSA"]"#,
            r#""algorithms":["ES256","EdDSA","RS256","PS256"]"#,
            1,
        );
        *p = json(&text);
        *first_key(p) = key;
    })
}

#[test]
fn rule12_rsa_modulus_below_2048_bits_and_bad_exponents_are_refused() {
    let world = world();
    assert!(with_rsa_issuer(&world, rsa_key(256, &[1, 0, 1])).is_ok(), "2048 bits, e = 65537 is fine");
    let error = with_rsa_issuer(&world, rsa_key(128, &[1, 0, 1])).unwrap_err();
    assert!(error.contains("1024 bits"), "{error}");
    for e in [&[1u8][..], &[2], &[1, 0, 0], &[1, 0, 0, 0, 0, 1]] {
        let error = with_rsa_issuer(&world, rsa_key(256, e)).unwrap_err();
        assert!(error.contains("exponent"), "e = {e:?}: {error}");
    }
}

#[test]
fn rule12_rsa_key_without_alg_is_refused_when_ambiguous() {
    let world = world();
    let key = without(&rsa_key(256, &[1, 0, 1]), &["alg"]);
    let error = with_rsa_issuer(&world, key).unwrap_err();
    assert!(error.contains("could serve both RS256 and PS256"), "{error}");
}

// Rule 13: JWKS.

#[test]
fn rule13_private_members_are_refused() {
    let world = world();
    for member in ["d", "p", "q", "dp", "dq", "qi", "k"] {
        let error = world.policy_with(|p| set(first_key(p), member, "AQAB".into())).unwrap_err();
        assert!(error.contains("private key material"), "{member}: {error}");
    }
}

#[test]
fn rule13_invalid_points_and_wrong_lengths_are_refused() {
    let world = world();
    let jwk = world.keys.idv_es256.public_jwk();
    let x = base64url::decode(jwk.get("x").unwrap().as_str().unwrap().as_bytes()).unwrap();
    let mut off_curve = x.clone();
    off_curve[31] ^= 1;
    for (name, value, expected) in [
        ("x", base64url::encode(&off_curve), "not a point on P-256"),
        ("x", base64url::encode(&x[..31]), "31 bytes"),
        ("x", base64url::encode(&[x.clone(), vec![0]].concat()), "33 bytes"),
        ("y", "not base64!".to_owned(), "base64url"),
    ] {
        let error = world.policy_with(|p| set(first_key(p), name, value.as_str().into())).unwrap_err();
        assert!(error.contains(expected), "{name}: {error}");
    }
    let error = world.policy_with(|p| set(first_key(p), "crv", "P-384".into())).unwrap_err();
    assert!(error.contains("P-384"), "{error}");
}

#[test]
fn rule13_duplicate_kid_and_too_many_keys_are_refused() {
    let world = world();
    let error = world.policy_with(|p| set(first_key(p), "kid", "idv-2026-ed25519".into())).unwrap_err();
    assert!(error.contains("two keys share this kid"), "{error}");
    let many: Vec<Json> = (0..17).map(|i| DemoKey::es256(&format!("k{i}")).public_jwk()).collect();
    let error = world.policy_with(|p| set(first_issuer(p), "jwks", object([("keys", Json::Array(many))]))).unwrap_err();
    assert!(error.contains("at most 16"), "{error}");
}

#[test]
fn rule13_keys_not_for_signatures_are_never_used() {
    let world = world();
    for (name, value) in
        [("use", Json::from("enc")), ("key_ops", json(r#"["encrypt"]"#)), ("key_ops", json(r#"["sign"]"#))]
    {
        let policy = world.policy_with(|p| set(first_key(p), name, value.clone())).unwrap();
        let report = run(&policy, &[world.identity()], NOW);
        assert_eq!(report.tokens[0].code, Some(Code::KeyUnknown), "{name} {value:?}");
    }
    let policy = world.policy_with(|p| set(first_key(p), "key_ops", json(r#"["verify"]"#))).unwrap();
    assert_eq!(run(&policy, &[world.identity()], NOW).tokens[0].code, None);
}

#[test]
fn rule13_symmetric_and_unknown_key_types_are_refused() {
    let world = world();
    let error = world.policy_with(|p| *first_key(p) = json(r#"{"kty":"oct","kid":"h"}"#)).unwrap_err();
    assert!(error.contains("\"oct\""), "{error}");
}

// Rule 14: claims.

#[test]
fn rule14_audience_must_match_exactly_string_or_array() {
    let world = world();
    let array = Json::Array(vec!["https://other.example".into(), AUDIENCE.into()]);
    assert_eq!(world.code(&world.identity_with(&[], &[("aud", array)])), None);
    for aud in [
        json(r#"["https://other.example"]"#),
        json("[]"),
        "https://other.example".into(),
        json("[1]"),
        json(r#"{"aud":1}"#),
    ] {
        let code = world.code(&world.identity_with(&[], &[("aud", aud.clone())]));
        assert!(matches!(code, Some(Code::AudienceMismatch | Code::ClaimInvalid)), "{aud:?}: {code:?}");
    }
    assert_eq!(
        world.code(&world.identity_with(&[], &[("aud", "https://other.example".into())])),
        Some(Code::AudienceMismatch)
    );
}

#[test]
fn rule14_kind_claims_have_exact_types_and_values() {
    let world = world();
    for (claim, value) in [
        ("us_person", Json::from("alien")),
        ("us_person", Json::from("Citizen")),
        ("ial", json("4")),
        ("ial", json("\"2\"")),
        ("citizenships", json(r#"["XX"]"#)),
        ("citizenships", json(r#"["US","US"]"#)),
        ("verified_at", json(&(NOW + 10).to_string())),
    ] {
        assert_eq!(
            world.code(&world.identity_with(&[], &[(claim, value.clone())])),
            Some(Code::ClaimInvalid),
            "{claim} {value:?}"
        );
    }
    let org = &world.keys.org;
    for (claim, value) in
        [("restricted_party", json("\"false\"")), ("restricted_party", json("0")), ("entity", json("\"us\""))]
    {
        let token = org.sign_json(&org.header(ORGANIZATION), &with(&organization_claims(), &[(claim, value)]));
        assert_eq!(world.code(&token), Some(Code::ClaimInvalid), "{claim}");
    }
}

// Rule 15: time.

fn location_at(world: &World, iat: u64, exp: u64, nbf: Option<u64>) -> String {
    let mut claims = with(&location_claims(), &[("iat", iat.into()), ("exp", exp.into())]);
    if let Some(nbf) = nbf {
        claims = with(&claims, &[("nbf", nbf.into())]);
    }
    world.keys.edge.sign_json(&world.keys.edge.header(LOCATION), &claims)
}

#[test]
fn rule15_expiry_with_leeway_at_the_boundary() {
    let world = world();
    let leeway = 60;
    assert_eq!(world.code(&location_at(&world, NOW - 600, NOW - leeway, None)), Some(Code::TokenExpired));
    assert_eq!(world.code(&location_at(&world, NOW - 600, NOW - leeway + 1, None)), None);
}

#[test]
fn rule15_not_before_and_future_iat_with_leeway() {
    let world = world();
    assert_eq!(world.code(&location_at(&world, NOW - 60, NOW + 600, Some(NOW + 61))), Some(Code::TokenNotYetValid));
    assert_eq!(world.code(&location_at(&world, NOW - 60, NOW + 600, Some(NOW + 60))), None);
    let future = location_at(&world, NOW + 61, NOW + 600, None);
    let report = world.report(std::slice::from_ref(&future));
    assert_eq!(report.tokens[0].code, Some(Code::TokenNotYetValid));
    assert!(report.tiers[0].reasons.iter().any(|r| r.code == Code::ClockSkewSuspected));
    // With a server time known, the device clock is not suspected: the server's clock decides.
    let with_server = check(
        &world.policy,
        &Request { tokens: vec![future], now: NOW, server_time: Some(NOW), lang: "en".into(), ..Request::default() },
    );
    assert!(!with_server.tiers[0].reasons.iter().any(|r| r.code == Code::ClockSkewSuspected));
}

#[test]
fn a_short_lived_token_long_expired_when_it_arrived_points_at_the_clock_not_one_that_ran_out_later() {
    let world = world();
    let suspected = |received_at: Vec<u64>| {
        // A five-minute location token that ended two hours before the device's now.
        let token = location_at(&world, NOW - 7500, NOW - 7200, None);
        let request = Request { tokens: vec![token], now: NOW, received_at, lang: "en".into(), ..Request::default() };
        let report = check(&world.policy, &request);
        assert_eq!(report.tokens[0].code, Some(Code::TokenExpired));
        report.tiers[0].reasons.iter().any(|r| r.code == Code::ClockSkewSuspected)
    };
    // Received just now (or, by default, at `now`): it was issued moments ago to a clock ahead.
    assert!(suspected(vec![NOW]));
    assert!(suspected(Vec::new()));
    // Received while it was still valid and held while the page stayed open: time passed.
    assert!(!suspected(vec![NOW - 7400]));
    // A receipt time after `now` is read as `now`.
    assert!(suspected(vec![NOW + 99_999]));
}

#[test]
fn with_a_clock_behind_a_short_lived_check_is_not_renewed_in_vain_but_a_long_lived_one_is() {
    use access_check::core::codes::Action;
    let world = world();
    let idv = &world.keys.idv_es256;
    // The clock is behind: the identity token looks issued an hour in the future.
    let identity_claims_at = |iat: u64, exp: u64| with(&identity_claims(), &[("iat", iat.into()), ("exp", exp.into())]);
    let future_identity = idv.sign_json(&idv.header(IDENTITY), &identity_claims_at(NOW + 3600, NOW + 30 * 86_400));
    // A five-minute location check that ran out ten minutes ago: a fresh one would look issued
    // in the future on this clock, so checking the location again cannot help.
    let old_location = location_at(&world, NOW - 900, NOW - 600, None);
    let report = world.report(&[future_identity, old_location]);
    let frontier = &report.tiers[0];
    assert!(frontier.reasons.iter().any(|r| r.code == Code::ClockSkewSuspected));
    let actions: Vec<Action> = frontier.remedies.iter().map(|remedy| remedy.action).collect();
    assert_eq!(actions.first(), Some(&Action::FixClock), "{actions:?}");
    assert!(!actions.contains(&Action::RefreshLocation), "{actions:?}");
    // A long-lived identity verification that really expired weeks ago is verified again.
    let expired_identity =
        idv.sign_json(&idv.header(IDENTITY), &identity_claims_at(NOW - 40 * 86_400, NOW - 10 * 86_400));
    let future_location = location_at(&world, NOW + 3600, NOW + 4000, None);
    let report = world.report(&[expired_identity, future_location]);
    let actions: Vec<Action> = report.tiers[0].remedies.iter().map(|remedy| remedy.action).collect();
    assert!(actions.contains(&Action::FixClock) && actions.contains(&Action::VerifyIdentity), "{actions:?}");
}

#[test]
fn rule15_max_token_age_is_enforced_and_leeway_never_widened() {
    let world = world();
    // The edge issuer's max age is 900 s.
    assert_eq!(world.code(&location_at(&world, NOW - 900 - 61, NOW + 600, None)), Some(Code::TokenTooOld));
    assert_eq!(world.code(&location_at(&world, NOW - 900 - 60, NOW + 600, None)), None);
    // A skewed device with a server time: the skew does not stretch the leeway.
    let token = location_at(&world, NOW - 600, NOW - 61, None);
    let report = check(
        &world.policy,
        &Request {
            tokens: vec![token],
            now: NOW - 3600,
            server_time: Some(NOW),
            lang: "en".into(),
            ..Request::default()
        },
    );
    assert_eq!(report.tokens[0].code, Some(Code::TokenExpired));
}

// Rule 16: subject and nonce binding.

#[test]
fn rule16_subject_binding_follows_the_identity_token_in_any_order() {
    let world = world();
    let other = world
        .keys
        .edge
        .sign_json(&world.keys.edge.header(LOCATION), &with(&location_claims(), &[("sub", "someone-else".into())]));
    for tokens in [vec![world.identity(), other.clone()], vec![other.clone(), world.identity()]] {
        let report = world.report(&tokens);
        let location =
            report.tokens.iter().find(|t| t.summary.kind == Some(access_check::core::facts::Kind::Location)).unwrap();
        assert_eq!(location.code, Some(Code::SubjectMismatch));
        assert_ne!(report.outcome, Outcome::Granted);
    }
}

#[test]
fn rule16_nonce_must_match_when_given() {
    let world = world();
    let with_nonce = |nonce: &str| world.identity_with(&[], &[("nonce", nonce.into())]);
    let request = |tokens: Vec<String>| Request {
        tokens,
        now: NOW,
        nonce: Some("n-123".into()),
        lang: "en".into(),
        ..Request::default()
    };
    let report = check(&world.policy, &request(vec![with_nonce("n-123")]));
    assert_eq!(report.tokens[0].code, None);
    for token in [with_nonce("n-124"), with_nonce("N-123"), world.identity()] {
        assert_eq!(check(&world.policy, &request(vec![token])).tokens[0].code, Some(Code::NonceMismatch));
    }
}

// Rule 21: support codes are untrusted input.

#[test]
fn rule21_damaged_support_codes_get_clear_errors() {
    let world = world();
    let code = world.report(&[world.identity(), world.location()]).support_code;
    assert!(access_check::core::support::decode(&code).is_ok());
    let flipped = {
        let mut chars: Vec<char> = code.chars().collect();
        let i = chars.len() / 2;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        chars.into_iter().collect::<String>()
    };
    for (bad, expected) in [
        (flipped.as_str(), "checksum"),
        (&code[..code.len() - 5], "damaged"),
        ("AC2-AAAA", "starts with"),
        ("", "no support code"),
        ("AC1-", "too short"),
        ("AC1-!!!!", "characters"),
    ] {
        let error = access_check::core::support::decode(bad).unwrap_err().to_string();
        assert!(error.contains(expected), "{bad:.20}: {error}");
    }
    let long = format!("AC1-{}", "A".repeat(20_000));
    assert!(access_check::core::support::decode(&long).unwrap_err().to_string().contains("too long"));
}

#[test]
fn rule21_well_checksummed_garbage_is_refused_not_trusted() {
    for payload in [vec![1u8], vec![2, 0, 0], vec![1; 40], vec![1, 255, 255, 255, 255, 255, 255, 255, 255, 255, 1]] {
        let checksum = sha2::Sha256::digest(&payload);
        let code = format!("AC1-{}", base64url::encode(&[payload.clone(), checksum[..4].to_vec()].concat()));
        assert!(access_check::core::support::decode(&code).is_err(), "{payload:?}");
    }
}

// Rule 23: fail closed.

#[test]
fn rule23_keys_unavailable_is_an_error_never_a_grant() {
    let world = world();
    let policy = world
        .policy_with(|p| {
            let issuer = first_issuer(p);
            *issuer = with(&without(issuer, &["jwks"]), &[("jwks_uri", "https://idv.example.com/jwks.json".into())]);
        })
        .unwrap();
    let report = run(&policy, &[world.identity(), world.location()], NOW);
    assert_eq!(report.tokens[0].code, Some(Code::KeysUnavailable));
    assert_eq!(report.outcome, Outcome::Error);
    assert!(report.tiers[0].remedies.iter().any(|r| r.action == access_check::core::codes::Action::Retry));
    // With the keys fetched, the same tokens pass.
    let fetched = access_check::core::policy::keys::FetchedJwks {
        uri: "https://idv.example.com/jwks.json".into(),
        text: crate::support::mint::jwks(&[&world.keys.idv_es256]).to_compact(),
    };
    let report = check(
        &policy,
        &Request {
            tokens: vec![world.identity(), world.location()],
            now: NOW,
            lang: "en".into(),
            fetched_jwks: vec![fetched],
            ..Request::default()
        },
    );
    assert_eq!(report.outcome, Outcome::Granted);
}

#[test]
fn rule23_an_invalid_policy_is_an_error_report() {
    let request = Request { now: NOW, lang: "en".into(), tier: Some("frontier".into()), ..Request::default() };
    let error = Policy::parse("{}").unwrap_err();
    let report = access_check::core::check::policy_error(&error, &request);
    assert_eq!(report.outcome, Outcome::Error);
    assert_eq!(report.error.as_ref().map(|e| e.code), Some(Code::PolicyInvalid));
    assert!(report.explanation.headline.contains("problem on this site"), "{}", report.explanation.headline);
}

#[test]
fn rule23_unknown_tier_is_an_error() {
    let world = world();
    let report = check(
        &world.policy,
        &Request {
            tokens: vec![world.identity(), world.location()],
            now: NOW,
            tier: Some("ultra".into()),
            lang: "en".into(),
            ..Request::default()
        },
    );
    assert_eq!(report.outcome, Outcome::Error);
    assert_eq!(report.error.as_ref().map(|e| e.code), Some(Code::TierUnknown));
}
