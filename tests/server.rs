//! The reference server over real HTTP: endpoints, headers, limits, and no 500 on client input.

use crate::support::demo::NOW;
use access_check::core::check::{check, Request};
use access_check::core::json::Json;
use access_check::server;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, OnceLock};

/// A server on an ephemeral port for the whole test binary, over a fixture root holding the
/// demo policy, a page and a wasm file.
fn address() -> SocketAddr {
    static ADDRESS: OnceLock<SocketAddr> = OnceLock::new();
    *ADDRESS.get_or_init(|| {
        let root = std::env::temp_dir().join(format!("access-check-server-{}", std::process::id()));
        std::fs::create_dir_all(root.join("www")).unwrap();
        std::fs::create_dir_all(root.join("pkg")).unwrap();
        std::fs::copy(concat!(env!("CARGO_MANIFEST_DIR"), "/www/policy.json"), root.join("www/policy.json")).unwrap();
        std::fs::write(root.join("www/index.html"), "<!doctype html><title>t</title>").unwrap();
        std::fs::write(root.join("www/app.js"), "export {};").unwrap();
        std::fs::write(root.join("pkg/module_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
        let state = Arc::new(server::AppState::new(server::Options::new(root)).unwrap());
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                sender.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, server::router(state)).await.unwrap();
            });
        });
        receiver.recv().unwrap()
    })
}

struct Answer {
    status: u16,
    headers: String,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
    fn json(&self) -> Json {
        Json::parse(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn http(method: &str, path: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address()).unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (headers, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = headers.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    Answer { status, headers: headers.to_owned(), body: body.to_owned() }
}

fn post(path: &str, body: &str) -> Answer {
    http("POST", path, body.as_bytes())
}

fn attest(kind: &str, claims: &str) -> String {
    let answer = post("/demo/attest", &format!(r#"{{"kind":"{kind}","claims":{claims}}}"#));
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.json().get("token").and_then(Json::as_str).unwrap().to_owned()
}

fn citizen() -> Vec<String> {
    vec![
        attest("identity", &format!(r#"{{"us_person":"citizen","ial":2,"verified_at":{}}}"#, NOW - 86_400)),
        attest("location", r#"{"country":"US","anonymizer":"none"}"#),
    ]
}

#[test]
fn static_files_carry_a_strict_csp_and_the_right_types() {
    for (path, content_type) in
        [("/", "text/html"), ("/app.js", "javascript"), ("/pkg/module_bg.wasm", "application/wasm")]
    {
        let answer = http("GET", path, b"");
        assert_eq!(answer.status, 200, "{path}");
        assert!(
            answer.header("content-type").unwrap_or_default().contains(content_type),
            "{path}: {:?}",
            answer.header("content-type")
        );
        let csp = answer.header("content-security-policy").unwrap();
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'")
                && csp.contains("style-src 'self'")
                && csp.contains("frame-ancestors 'none'")
        );
        assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"));
        assert_eq!(answer.header("referrer-policy"), Some("no-referrer"));
    }
    assert_eq!(http("GET", "/no-such-file", b"").status, 404);
    assert_eq!(http("GET", "/../Cargo.toml", b"").status, 404);
}

#[test]
fn policy_and_jwks_endpoints_serve_the_demo_configuration() {
    let policy = http("GET", "/policy.json", b"");
    assert_eq!(policy.status, 200);
    let parsed = access_check::core::policy::Policy::parse(&policy.body).unwrap();
    assert_eq!(parsed.tiers[0].id, "frontier");
    let jwks = http("GET", "/.well-known/jwks.json", b"").json();
    let Some(Json::Array(keys)) = jwks.get("keys") else { panic!("no keys") };
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|key| key.get("d").is_none()), "public keys only");
}

#[test]
fn demo_attestations_verify_under_the_policy_and_enforce_decides() {
    let tokens = citizen();
    let policy = access_check::core::policy::Policy::parse(&http("GET", "/policy.json", b"").body).unwrap();
    let now = server::now();
    let report = check(&policy, &Request { tokens: tokens.clone(), now, lang: "en".into(), ..Request::default() });
    assert_eq!(report.outcome.as_str(), "granted", "{:?}", report.tokens);
    let body = Json::Object(vec![
        ("tokens".into(), Json::Array(tokens.iter().map(|t| t.as_str().into()).collect())),
        ("tier".into(), "frontier".into()),
    ]);
    let granted = post("/api/enforce", &body.to_compact());
    assert_eq!(granted.status, 200);
    assert_eq!(granted.json().get("outcome").and_then(Json::as_str), Some("granted"));
    let refused = post("/api/enforce", &format!(r#"{{"tokens":["{}"],"tier":"frontier"}}"#, tokens[0]));
    assert_eq!(refused.status, 403);
    assert_eq!(refused.json().get("outcome").and_then(Json::as_str), Some("action_required"));
    assert_eq!(post("/api/enforce", r#"{"tokens":[],"tier":"standard"}"#).status, 403);
}

#[test]
fn demo_issuer_refuses_bad_claims_with_a_message() {
    for (body, expected) in [
        (r#"{"kind":"passport","claims":{}}"#, "kind: must be"),
        (r#"{"kind":"identity","claims":{"us_person":"alien","ial":2,"verified_at":1}}"#, "claims.us_person: must be"),
        (r#"{"kind":"identity","claims":{"us_person":"citizen","ial":2}}"#, "the member \"verified_at\" is required"),
        (r#"{"kind":"location","claims":{"country":"XX","anonymizer":"none"}}"#, "claims.country:"),
        (r#"{"kind":"location","claims":{"country":"US","anonymizer":"none","iss":"x"}}"#, "claims.iss: is filled in"),
        (r#"{"kind":"location","claims":{"country":"US","anonymizer":"none","exp":"soon"}}"#, "claims.exp:"),
        (r#"{"kind":"location"}"#, "the member \"claims\" is required"),
        (r#"{"kind":"location","claims":[]}"#, "claims: expected an object"),
        (r#"{"kind":"location","claims":{},"extra":1}"#, "extra: is not a known field"),
    ] {
        let answer = post("/demo/attest", body);
        assert_eq!(answer.status, 400, "{body}");
        let error = answer.json().get("error").and_then(Json::as_str).unwrap().to_owned();
        assert!(error.contains(expected), "{body}: {error}");
    }
}

#[test]
fn malformed_enforce_requests_are_400() {
    for (body, expected) in [
        ("", "not valid JSON"),
        ("{", "not valid JSON"),
        ("[]", "must be a JSON object"),
        (r#"{"tokens":[],"tokens":[],"tier":"frontier"}"#, "duplicate member name"),
        (r#"{"tier":"frontier"}"#, "\"tokens\" is required"),
        (r#"{"tokens":"a.b.c","tier":"frontier"}"#, "tokens: expected an array"),
        (r#"{"tokens":[1],"tier":"frontier"}"#, "tokens[0]: expected a string"),
        (r#"{"tokens":[],"tier":"ultra"}"#, "tier: \"ultra\" is not a tier"),
        (r#"{"tokens":[],"tier":"frontier","x":1}"#, "x: is not a known field"),
    ] {
        let answer = post("/api/enforce", body);
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        let error = answer.json().get("error").and_then(Json::as_str).unwrap().to_owned();
        assert!(error.contains(expected), "{body}: {error}");
    }
    let invalid_utf8 = http("POST", "/api/enforce", &[0xff, 0xfe, b'{']);
    assert_eq!(invalid_utf8.status, 400);
}

#[test]
fn oversized_bodies_are_refused_and_nothing_is_a_500() {
    let huge = format!(r#"{{"tokens":["{}"],"tier":"frontier"}}"#, "a".repeat(server::MAX_BODY_BYTES));
    assert_eq!(post("/api/enforce", &huge).status, 413);
    assert_eq!(post("/demo/attest", &huge).status, 413);
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for body in
        [deep.as_str(), "\u{0}", "null", "1e999", r#"{"tokens":[null],"tier":null}"#, r#"{"kind":1,"claims":1}"#]
    {
        for path in ["/api/enforce", "/demo/attest"] {
            let status = post(path, body).status;
            assert!((400..500).contains(&status), "{path} {body:.20}: {status}");
        }
    }
}

#[test]
fn long_path_segments_are_404_not_500() {
    // 256 bytes and more is a file name too long for the file system (ENAMETOOLONG).
    for length in [255, 256, 300, 4000] {
        let name = "a".repeat(length);
        for path in [format!("/{name}"), format!("/pkg/{name}"), format!("/{name}/index.html"), format!("/x/{name}.js")]
        {
            let status = http("GET", &path, b"").status;
            assert_eq!(status, 404, "{length}: {status}");
        }
    }
}
