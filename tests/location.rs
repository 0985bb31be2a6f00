//! The server as the location issuer (SPEC §12): the real binary, a country database in the
//! MaxMind DB format written with `maxminddb-writer`, anonymizer lists, keys made with
//! `access-check keys generate`, and every token checked with `access-check verify`.

use crate::service::{identity_by, request, scratch, Answer, Service, BIN, POLICY};
use crate::support::demo::{keys, SUBJECT};
use crate::support::mint::{with, without};
use access_check::core::json::Json;
use maxminddb_writer::paths::IpAddrWithMask;
use std::path::{Path, PathBuf};
use std::process::Command;

const EDGE: &str = "https://edge.example.com";
const TRUSTED: &str = "127.0.0.1";

#[derive(serde::Serialize)]
struct IsoCode {
    iso_code: &'static str,
}

/// A GeoIP2-City-shaped record: `country.iso_code` and `subdivisions[].iso_code`.
#[derive(serde::Serialize)]
struct CityRecord {
    country: IsoCode,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subdivisions: Vec<IsoCode>,
}

/// The test database: networks → (country, subdivision). IPv4 networks sit in the IPv6 tree
/// at `::a.b.c.d/96+n`, where readers look them up.
const NETWORKS: &[(&str, &str, Option<&str>)] = &[
    ("::203.0.113.0/120", "US", Some("CA")),
    ("::198.51.100.0/120", "IR", None),
    ("::192.0.2.0/120", "DE", None),
    ("::127.0.0.0/104", "CU", None),
    // A code ISO 3166-1 does not assign (old databases said "EU" for Europe).
    ("::100.64.0.0/112", "EU", None),
    ("2001:db8:1::/48", "US", None),
    ("2001:db8:2::/48", "SY", None),
    ("2001:db8:3::/48", "UA", Some("43")),
];

fn write_database(path: &Path) {
    let mut database = maxminddb_writer::Database::default();
    database.metadata.ip_version = maxminddb_writer::metadata::IpVersion::V6;
    database.metadata.database_type = "AccessCheck-Test-City".into();
    database.metadata.binary_format_major_version = 2;
    database.metadata.languages = vec!["en".into()];
    for (network, country, subdivision) in NETWORKS {
        let record = CityRecord {
            country: IsoCode { iso_code: country },
            subdivisions: subdivision.iter().map(|iso_code| IsoCode { iso_code }).collect(),
        };
        let data = database.insert_value(record).unwrap();
        database.insert_node(network.parse::<IpAddrWithMask>().unwrap(), data);
    }
    database.write_to(std::fs::File::create(path).unwrap()).unwrap();
}

/// Anonymizer lists inside the DE network 192.0.2.0/24 and the US IPv6 network.
fn write_lists(dir: &Path) -> Vec<String> {
    let lists = [
        ("vpn", "# a VPN provider's exits\n192.0.2.16/28\n"),
        ("tor", "192.0.2.1\n192.0.2.2 # relays that are also hosting addresses\n"),
        ("relay", "2001:db8:1:ff::/64\n"),
        ("hosting", "192.0.2.0/30\n192.0.2.128/25\n"),
    ];
    let mut options = Vec::new();
    for (kind, text) in lists {
        let path = dir.join(format!("{kind}.txt"));
        std::fs::write(&path, text).unwrap();
        options.push("--anonymizer".to_owned());
        options.push(format!("{kind}={}", path.display()));
    }
    options
}

/// The demo policy with the edge issuer's keys replaced by `jwks` (the generated keys).
fn policy_trusting(dir: &Path, jwks: &Json) -> PathBuf {
    let mut policy = Json::parse(&std::fs::read_to_string(POLICY).unwrap()).unwrap();
    let Json::Object(members) = &mut policy else { panic!("a policy is an object") };
    let Some((_, Json::Array(issuers))) = members.iter_mut().find(|(k, _)| k == "issuers") else { panic!() };
    let edge = issuers.iter_mut().find(|issuer| issuer.get("iss").and_then(Json::as_str) == Some(EDGE)).unwrap();
    *edge = with(&without(edge, &["jwks"]), &[("jwks", jwks.clone())]);
    let path = dir.join("policy.json");
    std::fs::write(&path, policy.to_pretty()).unwrap();
    path
}

fn generate_key(dir: &Path) -> Json {
    let output = Command::new(BIN).args(["keys", "generate", "--alg", "ES256", "--out"]).arg(dir).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let jwks = Json::parse(&std::fs::read_to_string(dir.join("jwks.json")).unwrap()).unwrap();
    let Some(Json::Array(keys)) = jwks.get("keys") else { panic!() };
    keys[0].clone()
}

struct Edge {
    dir: PathBuf,
    /// The two generated keys' public JWKs: the first signs.
    public: Vec<Json>,
    policy: PathBuf,
    service: Service,
}

/// A service that issues location attestations with two keys (the first signing), the test
/// database and lists, trusting only `trusted` as a proxy.
fn edge(name: &str, trusted: &str) -> Edge {
    let dir = scratch(name);
    let public = vec![generate_key(&dir.join("key-a")), generate_key(&dir.join("key-b"))];
    let jwks = Json::Object(vec![("keys".into(), Json::Array(public.clone()))]);
    let policy = policy_trusting(&dir, &jwks);
    write_database(&dir.join("country.mmdb"));
    let mut options: Vec<String> = vec![
        "--location-key".into(),
        dir.join("key-a/private.jwk.json").display().to_string(),
        "--location-key".into(),
        dir.join("key-b/private.jwk.json").display().to_string(),
        "--location-iss".into(),
        EDGE.into(),
        "--location-db".into(),
        dir.join("country.mmdb").display().to_string(),
        "--trusted-proxy".into(),
        trusted.into(),
        "--location-ttl".into(),
        "120".into(),
    ];
    options.extend(write_lists(&dir));
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let service = Service::start_with(&policy, &dir, &options);
    Edge { dir, public, policy, service }
}

/// `GET /location-attestation` as the gateway sends it: the subject it authenticated and the
/// forwarded-address header it appended to.
fn attest(port: u16, forwarded_for: &str) -> Answer {
    request(
        port,
        "GET",
        "/location-attestation",
        &[("access-check-subject", SUBJECT), ("x-forwarded-for", forwarded_for)],
    )
}

fn tokens_of(answer: &Answer) -> Vec<String> {
    assert_eq!(answer.status, 200, "{}", answer.body);
    let body = Json::parse(&answer.body).unwrap();
    let Some(Json::Array(tokens)) = body.get("tokens") else { panic!("{}", answer.body) };
    tokens.iter().map(|token| token.as_str().unwrap().to_owned()).collect()
}

/// The token's header and payload, after `access-check verify` checked its signature with `jwk`.
fn verified(token: &str, jwk: &Json, dir: &Path) -> (Json, Json) {
    let jwk_path = dir.join("verify-jwk.json");
    std::fs::write(&jwk_path, jwk.to_compact()).unwrap();
    let output = Command::new(BIN).args(["verify", "--jwk"]).arg(&jwk_path).arg(token).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
    let payload = Json::parse(String::from_utf8_lossy(&output.stdout).trim()).unwrap();
    let header_segment = token.split('.').next().unwrap();
    let header = Json::parse(
        std::str::from_utf8(&access_check::core::base64url::decode(header_segment.as_bytes()).unwrap()).unwrap(),
    )
    .unwrap();
    (header, payload)
}

fn claim<'a>(json: &'a Json, name: &str) -> Option<&'a str> {
    json.get(name).and_then(Json::as_str)
}

/// The one token for a request forwarded for `client`, verified with the signing key: its claims.
fn attested(edge: &Edge, forwarded_for: &str) -> Json {
    let tokens = tokens_of(&attest(edge.service.port, forwarded_for));
    assert_eq!(tokens.len(), 1, "{forwarded_for}");
    verified(&tokens[0], &edge.public[0], &edge.dir).1
}

#[test]
fn location_attestations_for_ipv4_and_ipv6_clients_name_country_region_and_anonymizer() {
    let edge = edge("location", TRUSTED);
    let answer = attest(edge.service.port, "203.0.113.50");
    assert!(answer.header("date").is_some(), "the widget reads the server time from Date");
    assert_eq!(answer.header("cache-control"), Some("no-store"));
    let tokens = tokens_of(&answer);
    let (header, payload) = verified(&tokens[0], &edge.public[0], &edge.dir);
    assert_eq!(claim(&header, "typ"), Some("location-attestation+jwt"));
    assert_eq!(claim(&header, "alg"), Some("ES256"));
    assert_eq!(claim(&header, "kid"), claim(&edge.public[0], "kid"), "the first --location-key signs");
    assert_eq!(claim(&payload, "iss"), Some(EDGE));
    assert_eq!(claim(&payload, "aud"), Some("https://playground.example.com"), "the policy's audience");
    assert_eq!(claim(&payload, "sub"), Some(SUBJECT), "the subject the gateway authenticated");
    let iat = payload.get("iat").and_then(Json::as_safe_uint).unwrap();
    assert_eq!(payload.get("exp").and_then(Json::as_safe_uint), Some(iat + 120), "--location-ttl");
    assert!(iat.abs_diff(crate::service::now()) < 60);
    assert_eq!(claim(&payload, "country"), Some("US"));
    assert_eq!(claim(&payload, "region"), Some("US-CA"));
    assert_eq!(claim(&payload, "anonymizer"), Some("none"));

    for (client, country, region) in [
        ("198.51.100.7", "IR", None),
        ("2001:db8:1::5", "US", None),
        ("[2001:db8:2::9]:51234", "SY", None),
        ("2001:db8:3::1", "UA", Some("UA-43")),
        ("::ffff:203.0.113.9", "US", Some("US-CA")),
    ] {
        let payload = attested(&edge, client);
        assert_eq!(claim(&payload, "country"), Some(country), "{client}");
        assert_eq!(claim(&payload, "region"), region, "{client}");
    }

    // Every anonymizer kind, and the order when an address is on two lists.
    for (client, anonymizer) in [
        ("192.0.2.20", "vpn"),
        ("192.0.2.1", "tor"),
        ("192.0.2.3", "hosting"),
        ("192.0.2.200", "hosting"),
        ("2001:db8:1:ff::1", "relay"),
        ("192.0.2.64", "none"),
    ] {
        let payload = attested(&edge, client);
        assert_eq!(claim(&payload, "country"), Some(if client.contains(':') { "US" } else { "DE" }));
        assert_eq!(claim(&payload, "anonymizer"), Some(anonymizer), "{client}");
    }

    // The token does what it is for: with an identity token, the service grants the frontier
    // tier to a US client and refuses an Iranian one.
    for (client, status) in [("203.0.113.50", 200), ("198.51.100.7", 403)] {
        let location = tokens_of(&attest(edge.service.port, client)).remove(0);
        let both = format!("{}, {location}", identity_by(&keys().idv_es256));
        let answer = request(
            edge.service.port,
            "GET",
            "/forward-auth",
            &[("access-check-attestation", &both), ("access-check-tier", "frontier")],
        );
        assert_eq!(answer.status, status, "{client}: {}", answer.body);
    }
    let metrics = request(edge.service.port, "GET", "/metrics", &[]).body;
    assert!(metrics.contains("access_check_location_attestations_total{result=\"issued\"}"), "{metrics}");
}

#[test]
fn an_address_the_database_does_not_know_gets_no_location_attestation() {
    let edge = edge("location-unknown", TRUSTED);
    // Not in the database; a code that is not ISO 3166-1; not an address; only our proxy.
    for forwarded in ["8.8.8.8", "2001:db8:9::1", "100.64.0.1", "unknown", "203.0.113.5, junk", TRUSTED] {
        assert!(tokens_of(&attest(edge.service.port, forwarded)).is_empty(), "{forwarded}");
    }
    // No header at all from the trusted proxy: the client is unknown, not the proxy.
    let answer = request(edge.service.port, "GET", "/location-attestation", &[("access-check-subject", SUBJECT)]);
    assert!(tokens_of(&answer).is_empty(), "the proxy's own address (CU in this database) is not the client's");
    let metrics = request(edge.service.port, "GET", "/metrics", &[]).body;
    assert!(metrics.contains("access_check_location_attestations_total{result=\"unknown_address\"} 7"), "{metrics}");
}

#[test]
fn a_forwarded_header_is_believed_only_from_a_trusted_proxy_and_only_its_own_entry() {
    // The proxy appends the address that connected to it; what the client wrote itself is
    // further left and is never read.
    let trusting = edge("location-spoof", TRUSTED);
    let payload = attested(&trusting, "203.0.113.5, 198.51.100.7");
    assert_eq!(claim(&payload, "country"), Some("IR"), "the client's own X-Forwarded-For entry was believed");

    // From a peer that is not a trusted proxy neither header is believed: no subject, no token,
    // whatever it claims to forward.
    let untrusting = edge("location-untrusted", "10.0.0.0/8");
    let answer = attest(untrusting.service.port, "203.0.113.5");
    assert_eq!(answer.status, 401, "{}", answer.body);
    assert!(answer.body.contains("access-check-subject"), "{}", answer.body);
    assert!(!answer.body.contains("tokens"));
}

#[test]
fn the_jwks_publishes_every_location_key_and_sighup_rotates_the_signing_key() {
    let edge = edge("location-rotate", TRUSTED);
    let answer = request(edge.service.port, "GET", "/.well-known/jwks.json", &[]);
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("cache-control"), Some("public, max-age=300"), "the max-age the rotation docs wait for");
    let published = Json::parse(&answer.body).unwrap();
    let Some(Json::Array(keys)) = published.get("keys") else { panic!() };
    let kids: Vec<&str> = keys.iter().filter_map(|key| claim(key, "kid")).collect();
    let generated: Vec<&str> = edge.public.iter().filter_map(|key| claim(key, "kid")).collect();
    assert_eq!(kids, generated, "both keys, the signing one first");
    assert!(keys.iter().all(|key| key.get("d").is_none()), "public keys only");

    // Rotation in place: the second key becomes the first; SIGHUP.
    let (a, b) = (edge.dir.join("key-a/private.jwk.json"), edge.dir.join("key-b/private.jwk.json"));
    let (text_a, text_b) = (std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    std::fs::write(&a, &text_b).unwrap();
    std::fs::write(&b, &text_a).unwrap();
    edge.service.signal(nix::sys::signal::Signal::SIGHUP);
    crate::service::wait_until(
        "the new signing key",
        || edge.service.log(),
        || {
            let tokens = tokens_of(&attest(edge.service.port, "203.0.113.50"));
            let header = tokens[0].split('.').next().unwrap().to_owned();
            let header = access_check::core::base64url::decode(header.as_bytes()).unwrap();
            String::from_utf8_lossy(&header).contains(generated[1])
        },
    );
    let token = tokens_of(&attest(edge.service.port, "203.0.113.50")).remove(0);
    verified(&token, &edge.public[1], &edge.dir);
    let published = Json::parse(&request(edge.service.port, "GET", "/.well-known/jwks.json", &[]).body).unwrap();
    let Some(Json::Array(keys)) = published.get("keys") else { panic!() };
    let kids: Vec<&str> = keys.iter().filter_map(|key| claim(key, "kid")).collect();
    assert_eq!(kids, [generated[1], generated[0]], "the old key stays published during the overlap");
    // Tokens of both keys verify under the policy's JWKS of both: the overlap grants.
    let both = format!("{}, {token}", identity_by(&crate::support::demo::keys().idv_es256));
    let answer = request(
        edge.service.port,
        "GET",
        "/forward-auth",
        &[("access-check-attestation", &both), ("access-check-tier", "frontier")],
    );
    assert_eq!(answer.status, 200, "{}", answer.body);

    // A reload that does not load (a broken database) keeps the running issuer.
    std::fs::write(edge.dir.join("country.mmdb"), b"not a database").unwrap();
    edge.service.signal(nix::sys::signal::Signal::SIGHUP);
    crate::service::wait_until(
        "the refused reload",
        || edge.service.log(),
        || edge.service.log().contains("location issuer reload refused"),
    );
    assert_eq!(tokens_of(&attest(edge.service.port, "203.0.113.50")).len(), 1);
    let _ = &edge.policy;
}

#[test]
fn a_location_issuer_that_cannot_start_says_why() {
    let dir = scratch("location-config");
    let key_dir = dir.join("key");
    generate_key(&key_dir);
    write_database(&dir.join("country.mmdb"));
    let key = key_dir.join("private.jwk.json").display().to_string();
    let db = dir.join("country.mmdb").display().to_string();
    let public = key_dir.join("jwks.json").display().to_string();
    let cases: [(&[&str], &str); 6] = [
        (&["--location-iss", EDGE], "--location-key"),
        (&["--location-key", &key, "--location-iss", EDGE, "--location-db", &db], "--trusted-proxy"),
        (&["--location-key", &key, "--location-db", &db, "--trusted-proxy", TRUSTED], "--location-iss"),
        (
            &["--location-key", &public, "--location-iss", EDGE, "--location-db", &db, "--trusted-proxy", TRUSTED],
            "private JWK",
        ),
        (
            &["--location-key", &key, "--location-iss", EDGE, "--location-db", &key, "--trusted-proxy", TRUSTED],
            "private.jwk.json",
        ),
        (
            &["--location-key", &key, "--location-iss", EDGE, "--location-db", &db, "--trusted-proxy", "gateway"],
            "gateway",
        ),
    ];
    for (options, named) in cases {
        let output = Command::new(BIN)
            .args(["serve", "--no-demo", "--audit", "off", "--addr", "127.0.0.1:0", "--policy", POLICY])
            .args(options)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{options:?}: {err}");
        assert!(err.contains(named), "{options:?}: {err}");
    }
}
