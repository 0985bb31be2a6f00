//! Issuing for real (SPEC §12): `access-check keys generate` and `access-check issue`, checked by
//! `access-check eval` and by an independent verifier (Python's `cryptography`).

use crate::service::{scratch, BIN};
use access_check::core::json::Json;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

fn cli(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(BIN).args(args).output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn generate(dir: &Path, alg: &str) -> Json {
    let (code, out, err) = cli(&["keys", "generate", "--alg", alg, "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    Json::parse(&std::fs::read_to_string(dir.join("jwks.json")).unwrap()).unwrap()
}

fn first_key(jwks: &Json) -> &Json {
    let Some(Json::Array(keys)) = jwks.get("keys") else { panic!("no keys") };
    &keys[0]
}

fn text<'a>(json: &'a Json, name: &str) -> &'a str {
    json.get(name).and_then(Json::as_str).unwrap_or_default()
}

#[test]
fn keys_generate_writes_an_owner_only_private_key_and_a_public_jwks() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("keys");
    for alg in ["ES256", "EdDSA"] {
        let out = dir.join(alg);
        let jwks = generate(&out, alg);
        let mode = std::fs::metadata(out.join("private.jwk.json")).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{alg}");
        let key = first_key(&jwks);
        assert!(key.get("d").is_none(), "the JWKS is public only");
        assert_eq!(text(key, "alg"), alg);
        // RFC 7638: SHA-256 of the required members in lexicographic order, no spaces.
        let canonical = match alg {
            "ES256" => format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, text(key, "x"), text(key, "y")),
            _ => format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#, text(key, "x")),
        };
        let thumbprint = access_check::core::base64url::encode(&Sha256::digest(canonical.as_bytes()));
        assert_eq!(text(key, "kid"), thumbprint, "{alg}");
        let private = Json::parse(&std::fs::read_to_string(out.join("private.jwk.json")).unwrap()).unwrap();
        assert_eq!(text(&private, "x"), text(key, "x"));
        // Never replaced by accident; a new key with --force.
        let (code, _, err) = cli(&["keys", "generate", "--alg", alg, "--out", out.to_str().unwrap()]);
        assert_eq!(code, 2);
        assert!(err.contains("--force"), "{err}");
        let again = generate_forced(&out, alg);
        assert_ne!(text(first_key(&again), "x"), text(key, "x"), "keys are random");
    }
    let (code, _, err) = cli(&["keys", "generate", "--alg", "HS256", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("ES256 or EdDSA"), "{err}");
}

fn generate_forced(dir: &Path, alg: &str) -> Json {
    let (code, out, err) = cli(&["keys", "generate", "--alg", alg, "--out", dir.to_str().unwrap(), "--force"]);
    assert_eq!(code, 0, "{out}{err}");
    Json::parse(&std::fs::read_to_string(dir.join("jwks.json")).unwrap()).unwrap()
}

/// Issues one token of `kind` with `claims`, at `now`.
fn issue(key_dir: &Path, kind: &str, iss: &str, claims: &str, now: u64) -> (i32, String, String) {
    let claims_path = key_dir.join(format!("{kind}-claims.json"));
    std::fs::write(&claims_path, claims).unwrap();
    let key = key_dir.join("private.jwk.json");
    let now = now.to_string();
    cli(&[
        "issue",
        "--key",
        key.to_str().unwrap(),
        "--kind",
        kind,
        "--iss",
        iss,
        "--aud",
        "https://app.example",
        "--sub",
        "user-42",
        "--claims",
        claims_path.to_str().unwrap(),
        "--now",
        &now,
    ])
}

const NOW: u64 = 1_800_000_000;

#[test]
fn issued_tokens_are_granted_by_eval_and_verified_by_another_library() {
    let dir = scratch("issue");
    let (idv, edge) = (dir.join("idv"), dir.join("edge"));
    let idv_jwks = generate(&idv, "ES256");
    let edge_jwks = generate(&edge, "EdDSA");
    let identity_claims = format!(r#"{{"us_person": "citizen", "ial": 2, "verified_at": {}}}"#, NOW - 86_400);
    let (code, identity, err) = issue(&idv, "identity", "https://idv.example", &identity_claims, NOW);
    assert_eq!(code, 0, "{err}");
    let (code, location, err) =
        issue(&edge, "location", "https://edge.example", r#"{"country": "US", "anonymizer": "none"}"#, NOW);
    assert_eq!(code, 0, "{err}");
    let (identity, location) = (identity.trim().to_owned(), location.trim().to_owned());

    let policy = format!(
        r#"{{"version": "issue-test", "audience": "https://app.example",
          "issuers": [
            {{"iss": "https://idv.example", "kinds": ["identity"], "algorithms": ["ES256"], "jwks": {}}},
            {{"iss": "https://edge.example", "kinds": ["location"], "algorithms": ["EdDSA"], "jwks": {}}}],
          "tiers": [{{"id": "frontier", "require": {{"all": [
            {{"identity": {{"us_person": ["citizen"], "min_ial": 2}}}},
            {{"location": {{"countries_not_in": ["KP"], "anonymizers": ["none"]}}}}]}}}}]}}"#,
        idv_jwks.to_compact(),
        edge_jwks.to_compact()
    );
    let policy_path = dir.join("policy.json");
    std::fs::write(&policy_path, policy).unwrap();
    let now = (NOW + 60).to_string();
    let (code, out, err) = cli(&[
        "eval",
        "--policy",
        policy_path.to_str().unwrap(),
        "--token",
        &identity,
        "--token",
        &location,
        "--now",
        &now,
    ]);
    assert_eq!(code, 0, "{err}");
    let report = Json::parse(&out).unwrap();
    assert_eq!(text(&report, "outcome"), "granted", "{out}");

    // Python's cryptography, sharing no code with access-check, verifies both; a changed byte fails.
    for (jwks_dir, token) in [(&idv, &identity), (&edge, &location)] {
        let python = Command::new("/usr/bin/python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/verify-jws.py"))
            .arg(jwks_dir.join("jwks.json"))
            .arg(token)
            .output()
            .expect("python3 with cryptography (./dev test installs python3-cryptography)");
        assert!(python.status.success(), "{}", String::from_utf8_lossy(&python.stderr));
        let payload = Json::parse(String::from_utf8_lossy(&python.stdout).trim()).unwrap();
        assert_eq!(text(&payload, "sub"), "user-42");
        assert_eq!(payload.get("iat").and_then(Json::as_safe_uint), Some(NOW));
        let mut tampered = token.clone();
        let at = tampered.find('.').unwrap() + 5;
        let flipped = if &tampered[at..=at] == "A" { "B" } else { "A" };
        tampered.replace_range(at..=at, flipped);
        let refused = Command::new("/usr/bin/python3")
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/verify-jws.py"))
            .arg(jwks_dir.join("jwks.json"))
            .arg(&tampered)
            .output()
            .unwrap();
        assert!(!refused.status.success());
    }
}

#[test]
fn issue_refuses_what_the_verifier_would_refuse_and_names_the_claim() {
    let dir = scratch("issue-refuse");
    generate(&dir, "ES256");
    let (code, _, err) =
        issue(&dir, "location", "https://edge.example", r#"{"country": "XX", "anonymizer": "none"}"#, NOW);
    assert_eq!(code, 2);
    assert!(err.contains("country"), "{err}");
    let (code, _, err) = issue(&dir, "location", "https://edge.example", r#"{"country": "US"}"#, NOW);
    assert_eq!(code, 2);
    assert!(err.contains("anonymizer"), "{err}");
    let (code, _, err) =
        issue(&dir, "location", "https://edge.example", r#"{"country": "US", "anonymizer": "none", "sub": "x"}"#, NOW);
    assert_eq!(code, 2);
    assert!(err.contains("sub") && err.contains("set by the issuer"), "{err}");
    let (code, _, err) =
        issue(&dir, "identity", "https://idv.example", r#"{"us_person": "alien", "ial": 2, "verified_at": 1}"#, NOW);
    assert_eq!(code, 2);
    assert!(err.contains("us_person"), "{err}");
    // A public JWK cannot sign.
    let (code, _, err) = cli(&[
        "issue",
        "--key",
        dir.join("jwks.json").to_str().unwrap(),
        "--kind",
        "location",
        "--iss",
        "i",
        "--aud",
        "a",
        "--sub",
        "s",
        "--claims",
        dir.join("location-claims.json").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("jwks.json"), "{err}");
}
