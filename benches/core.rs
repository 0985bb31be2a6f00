//! Native benchmarks of the core (Criterion): `cargo bench --bench core`.
//! What each measures is in its name; BENCHMARKS.md has the latest figures.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing, reason = "benchmarks")]

#[path = "../tests/support/mod.rs"]
mod support;

use access_check::core::check::{check, Request};
use access_check::core::explain::{explain, TierFacts};
use access_check::core::fields::Field;
use access_check::core::json::Json;
use access_check::core::policy::evaluate::evaluate_tier;
use access_check::core::policy::Policy;
use access_check::core::support as codes;
use access_check::core::token::signature::{AwsLc, RustCrypto, SignatureVerifier};
use access_check::core::token::{jwk, verify_signature_only_with, Algorithm};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use support::demo::*;
use support::mint::with;

fn tokens() -> (Policy, Vec<String>) {
    let keys = keys();
    let policy = Policy::from_json(&policy(&keys)).unwrap();
    let identity = keys.idv_es256.sign_json(&keys.idv_es256.header(IDENTITY), &identity_claims());
    let location = keys.edge.sign_json(&keys.edge.header(LOCATION), &location_claims());
    let authorized =
        with(&organization_claims(), &[("authorizations", Json::Array(vec![authorization(&["frontier"])]))]);
    let organization = keys.org.sign_json(&keys.org.header(ORGANIZATION), &authorized);
    (policy, vec![identity, location, organization])
}

fn request(tokens: &[String]) -> Request {
    Request { tokens: tokens.to_vec(), now: NOW, lang: "en".into(), ..Request::default() }
}

/// A key and a valid token for each algorithm (RSA ones from Wycheproof's valid vectors).
fn signed_samples() -> Vec<(&'static str, jwk::Key, String)> {
    let keys = keys();
    let mut samples = Vec::new();
    for (name, key) in [("ES256", &keys.idv_es256), ("EdDSA", &keys.idv_ed25519)] {
        let parsed =
            jwk::parse_jwk(&Field::root(&key.public_jwk()), &[Algorithm::Es256, Algorithm::EdDsa]).unwrap().1.unwrap();
        samples.push((name, parsed, key.sign_json(&key.header(IDENTITY), &identity_claims())));
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/wycheproof/json_web_signature_test.json"
    ))
    .unwrap();
    let suite = Json::parse(&text).unwrap();
    let Some(Json::Array(groups)) = suite.get("testGroups") else { panic!() };
    for (name, alg) in [("RS256", Algorithm::Rs256), ("PS256", Algorithm::Ps256)] {
        let group = groups
            .iter()
            .find(|g| g.get("public").and_then(|p| p.get("alg")).and_then(Json::as_str) == Some(name))
            .unwrap();
        let key = jwk::parse_jwk(&Field::root(group.get("public").unwrap()), &[alg]).unwrap().1.unwrap();
        let Some(Json::Array(tests)) = group.get("tests") else { panic!() };
        let valid = tests.iter().find(|t| t.get("result").and_then(Json::as_str) == Some("valid")).unwrap();
        samples.push((name, key, valid.get("jws").and_then(Json::as_str).unwrap().to_owned()));
    }
    samples
}

fn verification(c: &mut Criterion) {
    // The same pre-checks, then each verifier's arithmetic: the pure-Rust crates (the browser
    // build's) and aws-lc (the native default).
    let mut group = c.benchmark_group("verify signature");
    let verifiers: [(&str, &dyn SignatureVerifier); 2] = [("rust", &RustCrypto), ("aws-lc", &AwsLc)];
    for (name, key, token) in signed_samples() {
        for (verifier_name, verifier) in verifiers {
            assert!(verify_signature_only_with(&token, &key, verifier).is_ok(), "{name}");
            group.bench_function(format!("{name}/{verifier_name}"), |b| {
                b.iter(|| verify_signature_only_with(black_box(&token), black_box(&key), verifier))
            });
        }
    }
    group.finish();
}

fn pipeline(c: &mut Criterion) {
    let (policy, tokens) = tokens();
    let mut eight = tokens.clone();
    eight.extend(tokens.iter().cloned());
    eight.extend(tokens[..2].iter().cloned());
    let mut group = c.benchmark_group("full check");
    for (name, set) in [("1 token", &tokens[..1]), ("3 tokens", &tokens[..]), ("8 tokens", &eight[..])] {
        assert_eq!(set.len(), name.split(' ').next().unwrap().parse::<usize>().unwrap());
        group.bench_function(name, |b| b.iter(|| check(black_box(&policy), black_box(&request(set)))));
    }
    group.finish();
}

fn policy_and_explanation(c: &mut Criterion) {
    let (policy, tokens) = tokens();
    let report = check(&policy, &request(&tokens));
    assert_eq!(report.outcome.as_str(), "granted");
    // The verified facts, as the pipeline hands them to evaluation.
    let record = codes::decode(&report.support_code).unwrap();
    c.bench_function("policy evaluation (all tiers, verified facts)", |b| {
        b.iter(|| {
            policy
                .tiers
                .iter()
                .map(|tier| evaluate_tier(tier, black_box(&record.evidence), NOW, record.leeway_seconds).outcome)
                .collect::<Vec<_>>()
        })
    });
    let tier = &report.tiers[0];
    let actions: Vec<_> = tier.remedies.iter().map(|r| r.action).collect();
    c.bench_function("explanation (one tier, English)", |b| {
        b.iter(|| {
            let facts = TierFacts::plain(&tier.id, &tier.label, tier.outcome, &tier.reasons, &actions);
            explain(black_box(&facts), "en", Some(&policy))
        })
    });
    c.bench_function("support code encode", |b| b.iter(|| codes::encode(black_box(&record))));
    c.bench_function("support code decode", |b| b.iter(|| codes::decode(black_box(&report.support_code))));
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/www/policy.json")).unwrap();
    c.bench_function("policy parse and validate (demo policy)", |b| b.iter(|| Policy::parse(black_box(&text))));
}

criterion_group!(benches, verification, pipeline, policy_and_explanation);
criterion_main!(benches);
