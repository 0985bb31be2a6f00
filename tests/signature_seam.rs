//! The seam between the verifier's rules and signature arithmetic (src/core/token/signature):
//! the strictness pre-checks hold whatever the arithmetic would say, and the native verifier
//! (aws-lc) gives the pure-Rust one's verdict on every published vector, every scenario and
//! random valid and invalid signatures.

use crate::scenarios::load_all;
use crate::support::mint::DemoKey;
use access_check::core::base64url;
use access_check::core::check::{check_with, NoCache};
use access_check::core::codes::Code;
use access_check::core::fields::Field;
use access_check::core::json::Json;
use access_check::core::token::jwk::{self, Key};
use access_check::core::token::signature::{AwsLc, RustCrypto, SignatureVerifier};
use access_check::core::token::{verify_signature_only_with, Algorithm};
use proptest::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors");
const P256_ORDER: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
/// Ed25519's L, little-endian.
const ED25519_ORDER_LE: &str = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";

/// Arithmetic that accepts everything and counts how often it was asked: what the pre-checks
/// refuse must be refused with this verifier too, without asking it.
#[derive(Default)]
struct AcceptsAnything(AtomicUsize);

impl SignatureVerifier for AcceptsAnything {
    fn verify(&self, _key: &Key, _signing_input: &[u8], _signature: &[u8]) -> bool {
        self.0.fetch_add(1, Ordering::Relaxed);
        true
    }
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap()).collect()
}

fn parsed(key: &DemoKey) -> Key {
    jwk::parse_jwk(&Field::root(&key.public_jwk()), &[Algorithm::Es256, Algorithm::EdDsa]).unwrap().1.unwrap()
}

/// `token` with its signature replaced.
fn resigned(token: &str, signature: &[u8]) -> String {
    let input = &token[..token.rfind('.').unwrap()];
    format!("{input}.{}", base64url::encode(signature))
}

fn signature_of(token: &str) -> Vec<u8> {
    base64url::decode(&token.as_bytes()[token.rfind('.').unwrap() + 1..]).unwrap()
}

/// Big-endian a − b (a ≥ b).
fn minus(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut out = a.to_vec();
    let mut borrow = 0i16;
    for i in (0..out.len()).rev() {
        let mut digit = i16::from(out[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(digit < 0);
        if digit < 0 {
            digit += 256;
        }
        out[i] = digit as u8;
    }
    out
}

/// Little-endian a + b, modulo 2^256.
fn plus_le(a: &[u8], b: &[u8]) -> Vec<u8> {
    let mut carry = 0u16;
    a.iter()
        .zip(b)
        .map(|(x, y)| {
            let sum = u16::from(*x) + u16::from(*y) + carry;
            carry = sum >> 8;
            sum as u8
        })
        .collect()
}

/// Each signature is refused with arithmetic that accepts anything, and that arithmetic is
/// never asked; the untouched token is accepted by it (so the test can fail).
fn assert_pre_checks_refuse(key: &Key, token: &str, bad_signatures: &[(&str, Vec<u8>)]) {
    let asked = AcceptsAnything::default();
    assert!(verify_signature_only_with(token, key, &asked).is_ok());
    assert_eq!(asked.0.load(Ordering::Relaxed), 1);
    for (what, signature) in bad_signatures {
        let asked = AcceptsAnything::default();
        let verdict = verify_signature_only_with(&resigned(token, signature), key, &asked);
        assert_eq!(verdict.err(), Some(Code::SignatureInvalid), "{what}");
        assert_eq!(asked.0.load(Ordering::Relaxed), 0, "{what}: the arithmetic was asked");
        // And the real verifiers refuse it too.
        for verifier in [&RustCrypto as &dyn SignatureVerifier, &AwsLc] {
            assert!(verify_signature_only_with(&resigned(token, signature), key, verifier).is_err(), "{what}");
        }
    }
}

/// A signed token and signatures the ES256 pre-checks must refuse.
fn es256_attacks() -> (DemoKey, String, Vec<(&'static str, Vec<u8>)>) {
    let demo = DemoKey::es256("seam-es256");
    let token = demo.sign_json(&demo.header("access-check-identity+jwt"), &Json::Object(vec![]));
    let good = signature_of(&token);
    let (r, s) = good.split_at(32);
    let n = hex(P256_ORDER);
    let zero = vec![0u8; 32];
    let cases = [
        ("r = 0", [zero.as_slice(), s].concat()),
        ("s = 0", [r, zero.as_slice()].concat()),
        ("r = s = 0 (CVE-2022-21449)", vec![0u8; 64]),
        ("r = n", [n.as_slice(), s].concat()),
        ("s = n", [r, n.as_slice()].concat()),
        ("s = 2^256 - 1", [r, [0xff; 32].as_slice()].concat()),
        ("r = 2^256 - 1", [[0xff; 32].as_slice(), s].concat()),
        ("63 bytes", good[..63].to_vec()),
        ("65 bytes", [good.as_slice(), &[0]].concat()),
        ("DER-shaped, 70 bytes", [&[0x30, 0x44, 0x02, 0x20][..], r, &[0x02, 0x20], s].concat()),
        ("empty", Vec::new()),
    ];
    (demo, token, cases.into())
}

#[test]
fn es256_r_and_s_outside_1_to_n_minus_1_never_reach_the_arithmetic() {
    let (demo, token, cases) = es256_attacks();
    assert_pre_checks_refuse(&parsed(&demo), &token, &cases);
}

/// A signed token and signatures the Ed25519 pre-checks must refuse.
fn ed25519_attacks() -> (DemoKey, String, Vec<(&'static str, Vec<u8>)>) {
    let demo = DemoKey::ed25519("seam-ed25519");
    let token = demo.sign_json(&demo.header("access-check-identity+jwt"), &Json::Object(vec![]));
    let good = signature_of(&token);
    let (r, s) = good.split_at(32);
    let order = hex(ED25519_ORDER_LE);
    let mut cases = vec![
        ("S + L (the malleated twin)", [r, plus_le(s, &order).as_slice()].concat()),
        ("S = L", [r, order.as_slice()].concat()),
        ("S = 2^256 - 1", [r, [0xff; 32].as_slice()].concat()),
        (
            "y = p (non-canonical 0)",
            [hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").as_slice(), s].concat(),
        ),
        (
            "y = p + 1 (non-canonical 1)",
            [hex("eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f").as_slice(), s].concat(),
        ),
        (
            "x = 0 with the sign bit set",
            [hex("0100000000000000000000000000000000000000000000000000000000000080").as_slice(), s].concat(),
        ),
        ("y = 2^255 - 1", [[0xff; 31].as_slice(), &[0x7f], s].concat()),
        ("64 bytes of zero", vec![0; 64]),
        ("65 bytes", [good.as_slice(), &[0]].concat()),
    ];
    // The eight points of small order, as R.
    let small_order = [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    ];
    for point in small_order {
        let encoded = hex(point);
        // Each really is a point of small order (ed25519-dalek decodes it and says so).
        let decoded = curve25519_dalek::edwards::CompressedEdwardsY(encoded.clone().try_into().unwrap());
        assert!(decoded.decompress().unwrap().is_small_order(), "{point}");
        cases.push(("a small-order R", [encoded.as_slice(), s].concat()));
    }
    (demo, token, cases)
}

#[test]
fn ed25519_large_s_and_bad_r_never_reach_the_arithmetic() {
    let (demo, token, cases) = ed25519_attacks();
    assert_pre_checks_refuse(&parsed(&demo), &token, &cases);
}

/// Wycheproof's RSA groups: a key and a valid JWS for RS256 and for PS256.
fn rsa_samples() -> Vec<(Key, String)> {
    let suite = load_json("wycheproof/json_web_signature_test.json");
    let Some(Json::Array(groups)) = suite.get("testGroups") else { panic!("no groups") };
    let mut samples = Vec::new();
    for alg in [Algorithm::Rs256, Algorithm::Ps256] {
        let group = groups
            .iter()
            .find(|g| g.get("public").and_then(|p| p.get("alg")).and_then(Json::as_str) == Some(alg.as_str()))
            .unwrap();
        let key = jwk::parse_jwk(&Field::root(group.get("public").unwrap()), &[alg]).unwrap().1.unwrap();
        let Some(Json::Array(tests)) = group.get("tests") else { panic!("no tests") };
        let valid = tests.iter().find(|t| t.get("result").and_then(Json::as_str) == Some("valid")).unwrap();
        samples.push((key, valid.get("jws").and_then(Json::as_str).unwrap().to_owned()));
    }
    samples
}

#[cfg(feature = "rsa")]
#[test]
fn rsa_signatures_not_below_the_modulus_never_reach_the_arithmetic() {
    use access_check::core::token::jwk::PublicKey;
    for (key, token) in rsa_samples() {
        let PublicKey::Rsa { n, .. } = key.public() else { panic!("not RSA") };
        let good = signature_of(&token);
        let cases = [
            ("the modulus itself", n.clone()),
            ("all ones", vec![0xff; n.len()]),
            ("one byte short", good[1..].to_vec()),
            ("one byte long", [&[0], good.as_slice()].concat()),
        ];
        assert_pre_checks_refuse(&key, &token, &cases);
    }
}

fn load_json(name: &str) -> Json {
    Json::parse(&std::fs::read_to_string(format!("{VECTORS}/{name}")).unwrap()).unwrap()
}

/// Both verifiers' verdicts on one token: they must be equal.
fn verdicts(token: &str, key: &Key) -> (Result<Vec<u8>, Code>, Result<Vec<u8>, Code>) {
    (verify_signature_only_with(token, key, &RustCrypto), verify_signature_only_with(token, key, &AwsLc))
}

#[test]
fn both_verifiers_agree_on_every_published_vector() {
    let (mut compared, mut valid) = (0, 0);
    let suite = load_json("wycheproof/json_web_signature_test.json");
    let Some(Json::Array(groups)) = suite.get("testGroups") else { panic!("no groups") };
    let every = [Algorithm::Es256, Algorithm::EdDsa, Algorithm::Rs256, Algorithm::Ps256];
    for group in groups {
        let Some(public) = group.get("public") else { continue };
        let declared = public.get("alg").and_then(Json::as_str).and_then(Algorithm::parse);
        let algorithms = declared.map_or_else(|| every.to_vec(), |alg| vec![alg]);
        let Some(key) = jwk::parse_jwk(&Field::root(public), &algorithms).ok().and_then(|(_, key)| key) else {
            continue;
        };
        let Some(Json::Array(tests)) = group.get("tests") else { continue };
        for test in tests {
            let jws = test.get("jws").and_then(Json::as_str).unwrap();
            let (reference, native) = verdicts(jws, &key);
            assert_eq!(reference, native, "tcId {:?}", test.get("tcId"));
            compared += 1;
            valid += usize::from(native.is_ok());
        }
    }
    let rfc = load_json("rfc-examples.json");
    let a3 = rfc.get("rfc7515_A3_ES256").unwrap();
    let ed = rfc.get("rfc8037_A_Ed25519").unwrap();
    let es_key = jwk::parse_jwk(&Field::root(a3.get("jwk_public").unwrap()), &[Algorithm::Es256]).unwrap().1.unwrap();
    let ed_key =
        jwk::parse_jwk(&Field::root(ed.get("A2_jwk_public").unwrap()), &[Algorithm::EdDsa]).unwrap().1.unwrap();
    for (key, vector, name) in
        [(&es_key, a3, "compact"), (&es_key, a3, "malleated_twin_compact"), (&ed_key, ed, "A4_compact")]
    {
        let (reference, native) = verdicts(vector.get(name).and_then(Json::as_str).unwrap(), key);
        assert!(native.is_ok(), "{name} must verify");
        assert_eq!(reference, native, "{name}");
        compared += 1;
        valid += 1;
    }
    // Without the `rsa` feature RSA tokens are refused by both, so fewer are valid.
    let minimum_valid = if cfg!(feature = "rsa") { 15 } else { 4 };
    assert!(compared >= 300 && valid >= minimum_valid, "compared {compared}, {valid} valid");
}

#[test]
fn both_verifiers_decide_every_scenario_alike() {
    for (name, scenario) in load_all() {
        let reference = check_with(&scenario.policy, &scenario.request, &NoCache, &RustCrypto);
        let native = check_with(&scenario.policy, &scenario.request, &NoCache, &AwsLc);
        assert_eq!(reference, native, "{name}");
    }
}

/// What is done to a fresh signature before both verifiers see it.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    FlipSignatureBit(usize),
    FlipMessageByte(usize),
    /// ES256's (r, n − s) and Ed25519's (R, S + L): valid and refused, respectively.
    Malleate,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        Just(Mutation::None),
        any::<usize>().prop_map(Mutation::FlipSignatureBit),
        any::<usize>().prop_map(Mutation::FlipMessageByte),
        Just(Mutation::Malleate),
    ]
}

/// The verdicts of both verifiers on a fresh signature of `message` by `demo`, mutated.
fn random_case(demo: &DemoKey, message: &[u8], mutation: &Mutation) -> (bool, bool, bool) {
    let key = parsed(demo);
    let header = base64url::encode(format!(r#"{{"alg":"{}"}}"#, demo.alg).as_bytes());
    let payload = base64url::encode(message);
    let token = demo.sign_segments(&header, &payload);
    let mut signature = signature_of(&token);
    let mut signed_payload = payload.clone();
    let mut honest = true;
    match mutation {
        Mutation::None => {}
        Mutation::FlipSignatureBit(bit) => {
            let bit = bit % (signature.len() * 8);
            signature[bit / 8] ^= 1 << (bit % 8);
            honest = false;
        }
        Mutation::FlipMessageByte(at) => {
            let mut bytes = message.to_vec();
            if bytes.is_empty() {
                bytes.push(0);
            } else {
                let at = at % bytes.len();
                bytes[at] ^= 0x01;
            }
            signed_payload = base64url::encode(&bytes);
            honest = false;
        }
        Mutation::Malleate => {
            let (r, s) = signature.split_at(32);
            signature = match demo.alg {
                "ES256" => [r, minus(&hex(P256_ORDER), s).as_slice()].concat(),
                _ => {
                    honest = false;
                    [r, plus_le(s, &hex(ED25519_ORDER_LE)).as_slice()].concat()
                }
            };
        }
    }
    let mutated = format!("{header}.{signed_payload}.{}", base64url::encode(&signature));
    let (reference, native) = verdicts(&mutated, &key);
    (reference.is_ok(), native.is_ok(), honest)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn both_verifiers_agree_on_random_signatures(
        seed in any::<u32>(),
        ed25519 in any::<bool>(),
        message in prop::collection::vec(any::<u8>(), 0..200),
        mutation in mutation(),
    ) {
        let kid = format!("random-{seed}");
        let demo = if ed25519 { DemoKey::ed25519(&kid) } else { DemoKey::es256(&kid) };
        let (reference, native, honest) = random_case(&demo, &message, &mutation);
        prop_assert_eq!(reference, native, "{:?}", mutation);
        // A flipped bit can land where it changes nothing only in no place at all: every
        // dishonest case is refused, every honest one accepted.
        prop_assert_eq!(native, honest, "{:?}", mutation);
    }

    #[test]
    fn both_verifiers_agree_on_altered_rsa_signatures(which in any::<bool>(), bit in any::<usize>()) {
        let samples = rsa_samples();
        let (key, token) = &samples[usize::from(which)];
        let mut signature = signature_of(token);
        let bit = bit % (signature.len() * 8);
        signature[bit / 8] ^= 1 << (bit % 8);
        let (reference, native) = verdicts(&resigned(token, &signature), key);
        prop_assert_eq!(&reference, &native);
        if cfg!(feature = "rsa") {
            prop_assert!(native.is_err());
            prop_assert!(verdicts(token, key).1.is_ok());
        }
    }
}

/// Where the browser's WebCrypto path is held to the native verdicts: every ES256 and EdDSA
/// case of the published vectors and of the attack suite (the browser build has no RSA), with
/// its native (aws-lc) verdict. `tests/browser/main.rs` runs each through WebCrypto.
const BROWSER_VERDICTS: &str = "native-verdicts.json";

/// One case: its name, the JWK, the algorithms its issuer allows, the token.
fn browser_cases() -> Vec<(String, Json, Vec<Algorithm>, String)> {
    let mut cases = Vec::new();
    let suite = load_json("wycheproof/json_web_signature_test.json");
    let Some(Json::Array(groups)) = suite.get("testGroups") else { panic!("no groups") };
    for group in groups {
        let Some(public) = group.get("public") else { continue };
        let algorithms = match public.get("kty").and_then(Json::as_str) {
            Some("EC") => vec![Algorithm::Es256],
            Some("OKP") => vec![Algorithm::EdDsa],
            _ => continue,
        };
        let Some(Json::Array(tests)) = group.get("tests") else { continue };
        for test in tests {
            let id = test.get("tcId").map(Json::to_compact).unwrap_or_default();
            let jws = test.get("jws").and_then(Json::as_str).unwrap().to_owned();
            cases.push((format!("wycheproof tcId {id}"), public.clone(), algorithms.clone(), jws));
        }
    }
    let rfc = load_json("rfc-examples.json");
    let a3 = rfc.get("rfc7515_A3_ES256").unwrap();
    let ed = rfc.get("rfc8037_A_Ed25519").unwrap();
    for (name, key, member, alg) in [
        ("RFC 7515 A.3", a3.get("jwk_public"), "compact", Algorithm::Es256),
        ("RFC 7515 A.3, (r, n - s)", a3.get("jwk_public"), "malleated_twin_compact", Algorithm::Es256),
        ("RFC 8037 A.4", ed.get("A2_jwk_public"), "A4_compact", Algorithm::EdDsa),
    ] {
        let vector = if alg == Algorithm::Es256 { a3 } else { ed };
        let jws = vector.get(member).and_then(Json::as_str).unwrap().to_owned();
        cases.push((name.to_owned(), key.unwrap().clone(), vec![alg], jws));
    }
    for (label, (demo, token, attacks)) in [("ES256", es256_attacks()), ("EdDSA", ed25519_attacks())] {
        let alg = if label == "ES256" { Algorithm::Es256 } else { Algorithm::EdDsa };
        cases.push((format!("{label}: the untouched token"), demo.public_jwk(), vec![alg], token.clone()));
        let mut changed = token.clone();
        let at = changed.find('.').unwrap() + 3;
        let flipped = if &changed[at..=at] == "A" { "B" } else { "A" };
        changed.replace_range(at..=at, flipped);
        cases.push((format!("{label}: a changed header byte"), demo.public_jwk(), vec![alg], changed));
        for (index, (what, signature)) in attacks.iter().enumerate() {
            let name = format!("{label} attack {index}: {what}");
            cases.push((name, demo.public_jwk(), vec![alg], resigned(&token, signature)));
        }
    }
    cases
}

fn verdict_name(verdict: &Result<Vec<u8>, Code>) -> &'static str {
    match verdict {
        Ok(_) => "valid",
        Err(code) => code.as_str(),
    }
}

/// The file must be what the native verifier says now (`ACCESS_CHECK_WRITE_VERDICTS=1 cargo
/// test native_verdicts` rewrites it), so the browser test compares with real native verdicts.
#[test]
fn the_native_verdicts_the_browser_is_held_to_are_current() {
    let entries: Vec<Json> = browser_cases()
        .into_iter()
        .map(|(name, public, algorithms, jws)| {
            let verdict = match jwk::parse_jwk(&Field::root(&public), &algorithms) {
                Ok((_, Some(key))) => verdict_name(&verify_signature_only_with(&jws, &key, &AwsLc)).to_owned(),
                Ok((_, None)) => "KEY_UNUSABLE".to_owned(),
                Err(_) => "KEY_INVALID".to_owned(),
            };
            let algorithms = Json::Array(algorithms.iter().map(|alg| alg.as_str().into()).collect());
            Json::Object(vec![
                ("name".into(), name.into()),
                ("jwk".into(), public),
                ("algorithms".into(), algorithms),
                ("jws".into(), jws.into()),
                ("native".into(), verdict.into()),
            ])
        })
        .collect();
    let valid = entries.iter().filter(|e| e.get("native").and_then(Json::as_str) == Some("valid")).count();
    assert!(entries.len() >= 60 && valid >= 4, "{} cases, {valid} valid", entries.len());
    let text = format!("{}\n", Json::Array(entries).to_pretty());
    let path = format!("{VECTORS}/{BROWSER_VERDICTS}");
    if std::env::var_os("ACCESS_CHECK_WRITE_VERDICTS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(on_disk == text, "{path} is stale: run ACCESS_CHECK_WRITE_VERDICTS=1 cargo test native_verdicts");
}
