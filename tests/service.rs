//! The enforcement service as an operator runs it: the real binary (`access-check serve
//! --no-demo`), over real HTTP, with signals, and behind real gateways (nginx `auth_request`
//! and Caddy `forward_auth`, the Debian packages `./dev test` installs).

use crate::support::demo::*;
use crate::support::mint::{with, DemoKey};
use access_check::core::json::Json;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_access-check");
pub(crate) const POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/www/policy.json");

/// A fresh directory for one test.
pub(crate) fn scratch(name: &str) -> PathBuf {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "access-check-{name}-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A running `access-check serve`; killed when dropped.
pub(crate) struct Service {
    pub(crate) child: Child,
    pub(crate) port: u16,
    stderr: PathBuf,
}

impl Service {
    pub(crate) fn start(policy: &Path, dir: &Path) -> Service {
        Service::start_with(policy, dir, &[])
    }

    /// Runs in `dir`, so the default audit store, key and checkpoints are made there.
    pub(crate) fn start_with(policy: &Path, dir: &Path, options: &[&str]) -> Service {
        let stderr = dir.join("service.stderr");
        let mut child = Command::new(BIN)
            .args(["serve", "--no-demo", "--addr", "127.0.0.1:0"])
            .args(options)
            .arg("--policy")
            .arg(policy)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .unwrap();
        // The first line of standard output names the address it listens on.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let port = line
            .rsplit("127.0.0.1:")
            .next()
            .and_then(|rest| rest.split('/').next())
            .and_then(|port| port.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        Service { child, port, stderr }
    }

    pub(crate) fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(self.child.id()).unwrap());
        nix::sys::signal::kill(pid, signal).unwrap();
    }

    /// Waits for the process to exit (at most 15 s) and gives its status.
    pub(crate) fn exit_status(&mut self) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(started.elapsed() < Duration::from_secs(15), "still running: {}", self.log());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Answer {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }
}

/// One HTTP/1.1 request with `headers`, answered in full.
pub(crate) fn request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> Answer {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-length: 0\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines.next().and_then(|line| line.split_whitespace().nth(1)).and_then(|s| s.parse().ok()).unwrap_or(0);
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .collect();
    Answer { status, headers, body: body.to_owned() }
}

fn wait_for_port(port: u16, what: &str, log: impl Fn() -> String) {
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what} did not start: {}", log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub(crate) fn now() -> u64 {
    access_check::server::now()
}

/// An identity token valid now (the service reads the real clock), signed by `key`.
pub(crate) fn identity_by(key: &DemoKey) -> String {
    let now = now();
    let claims = [("iat", (now - 60).into()), ("exp", (now + 600).into()), ("verified_at", (now - 30 * DAY).into())];
    key.sign_json(&key.header(IDENTITY), &with(&identity_claims(), &claims))
}

/// A location token valid now, from `country`, signed by the demo edge key.
pub(crate) fn location_from(country: &str) -> String {
    let now = now();
    let edge = keys().edge;
    let claims = [("iat", (now - 60).into()), ("exp", (now + 600).into()), ("country", country.into())];
    edge.sign_json(&edge.header(LOCATION), &with(&location_claims(), &claims))
}

/// An identity and a location token valid now, signed by the demo keys of `www/policy.json`,
/// as one `Access-Check-Attestation` value.
pub(crate) fn tokens(country: &str) -> String {
    format!("{}, {}", identity_by(&keys().idv_es256), location_from(country))
}

/// Polls `ready` until it holds, for at most 20 s; `log` explains a failure.
pub(crate) fn wait_until(what: &str, log: impl Fn() -> String, ready: impl Fn() -> bool) {
    let started = Instant::now();
    while !ready() {
        assert!(started.elapsed() < Duration::from_secs(20), "{what}: {}", log());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The demo policy with the identity issuer's keys at `uri` instead of inline, written into
/// `dir`.
fn policy_with_jwks_uri(dir: &Path, uri: &str) -> PathBuf {
    let mut policy = Json::parse(&std::fs::read_to_string(POLICY).unwrap()).unwrap();
    let Json::Object(members) = &mut policy else { panic!("a policy is an object") };
    let Some((_, Json::Array(issuers))) = members.iter_mut().find(|(k, _)| k == "issuers") else { panic!() };
    issuers[0] = with(&crate::support::mint::without(&issuers[0], &["jwks"]), &[("jwks_uri", uri.into())]);
    let path = dir.join("policy.json");
    std::fs::write(&path, policy.to_pretty()).unwrap();
    path
}

fn assert_decision_headers(answer: &Answer, outcome: &str) {
    assert_eq!(answer.header("access-check-outcome"), Some(outcome), "{:?}", answer.headers);
    assert!(answer.header("access-check-support-code").is_some_and(|code| code.starts_with("AC1-")));
    assert_eq!(answer.header("access-check-policy-version"), Some("2026-11-21.1"));
}

#[test]
fn forward_auth_answers_200_403_and_503_with_its_headers() {
    let dir = scratch("forward-auth");
    let service = Service::start(Path::new(POLICY), &dir);
    let attest = |country: &str| tokens(country);
    let granted = request(
        service.port,
        "GET",
        "/forward-auth",
        &[("Access-Check-Attestation", &attest("US")), ("Access-Check-Tier", "frontier")],
    );
    assert_eq!(granted.status, 200, "{}", granted.body);
    assert_decision_headers(&granted, "granted");
    // Any method: Envoy forwards the client's.
    let posted = request(
        service.port,
        "POST",
        "/forward-auth",
        &[("Access-Check-Attestation", &attest("US")), ("Access-Check-Model", "mythos-5")],
    );
    assert_eq!(posted.status, 200, "{}", posted.body);
    // Two headers of one token each count as the list.
    let both = attest("US");
    let (identity, location) = both.split_once(", ").unwrap();
    let split = request(
        service.port,
        "GET",
        "/forward-auth",
        &[
            ("Access-Check-Attestation", identity),
            ("Access-Check-Attestation", location),
            ("Access-Check-Tier", "frontier"),
        ],
    );
    assert_eq!(split.status, 200, "{}", split.body);
    let blocked = request(
        service.port,
        "GET",
        "/forward-auth",
        &[("Access-Check-Attestation", &attest("IR")), ("Access-Check-Tier", "frontier")],
    );
    assert_eq!(blocked.status, 403);
    assert_decision_headers(&blocked, "blocked");
    let report = Json::parse(&blocked.body).unwrap();
    assert_eq!(report.get("outcome").and_then(Json::as_str), Some("blocked"));
    let nothing = request(service.port, "GET", "/forward-auth", &[("Access-Check-Tier", "frontier")]);
    assert_eq!(nothing.status, 403);
    assert_decision_headers(&nothing, "action_required");
    // No decision can be made: 503, and the headers are still there, empty.
    for headers in [
        vec![("Access-Check-Attestation", "a.b.c")],
        vec![("Access-Check-Tier", "ultra")],
        vec![("Access-Check-Model", "no-such-model")],
        vec![("Access-Check-Tier", "frontier"), ("Access-Check-Model", "haiku-4")],
        vec![("Access-Check-Tier", "frontier"), ("Access-Check-Tier", "standard")],
    ] {
        let answer = request(service.port, "GET", "/forward-auth", &headers);
        assert_eq!(answer.status, 503, "{headers:?}: {}", answer.body);
        for name in ["access-check-outcome", "access-check-support-code", "access-check-policy-version"] {
            assert!(answer.header(name).is_some(), "{headers:?}: no {name}");
        }
    }
    let unknown_tier = request(service.port, "GET", "/forward-auth", &[("Access-Check-Tier", "ultra")]);
    assert_eq!(unknown_tier.header("access-check-outcome"), Some("error"));
}

#[test]
fn health_readiness_and_metrics() {
    let dir = scratch("ops");
    let service = Service::start(Path::new(POLICY), &dir);
    assert_eq!(request(service.port, "GET", "/healthz", &[]).status, 200);
    let ready = request(service.port, "GET", "/readyz", &[]);
    assert_eq!(ready.status, 200, "{}", ready.body);
    // The same session twice: the second time both tokens come from the verified-token cache.
    let session = tokens("US");
    for _ in 0..2 {
        let headers = [("Access-Check-Attestation", session.as_str()), ("Access-Check-Tier", "frontier")];
        assert_eq!(request(service.port, "GET", "/forward-auth", &headers).status, 200);
    }
    let metrics = request(service.port, "GET", "/metrics", &[]);
    assert_eq!(metrics.status, 200);
    for expected in [
        r#"access_check_decisions_total{endpoint="forward_auth",tier="frontier",outcome="granted"} 2"#,
        r#"access_check_token_verifications_total{alg="ES256",result="accepted"} 4"#,
        "access_check_decision_duration_seconds_count 2",
        "access_check_token_cache_hits_total 2",
        "access_check_token_cache_misses_total 2",
        "# EOF",
    ] {
        assert!(metrics.body.contains(expected), "{expected} not in\n{}", metrics.body);
    }
    // A policy whose issuer has only a jwks_uri nobody answers: not ready, and it says why.
    let path = policy_with_jwks_uri(&dir, &format!("http://127.0.0.1:{}/jwks.json", free_port()));
    let service = Service::start(&path, &dir);
    let ready = request(service.port, "GET", "/readyz", &[]);
    assert_eq!(ready.status, 503);
    assert!(ready.body.contains("the keys of issuers[0] (http://127.0.0.1:"), "{}", ready.body);
    let answer = request(
        service.port,
        "GET",
        "/forward-auth",
        &[("Access-Check-Attestation", &tokens("US")), ("Access-Check-Tier", "frontier")],
    );
    assert_eq!(answer.status, 503, "keys unavailable: no decision can be made");
}

#[test]
fn sighup_reloads_a_valid_policy_and_keeps_serving_the_old_one_otherwise() {
    let dir = scratch("reload");
    let path = dir.join("policy.json");
    let original = std::fs::read_to_string(POLICY).unwrap();
    std::fs::write(&path, &original).unwrap();
    let service = Service::start(&path, &dir);
    let version = |service: &Service| {
        let ready = request(service.port, "GET", "/readyz", &[]);
        Json::parse(&ready.body).unwrap().get("policy_version").and_then(Json::as_str).unwrap().to_owned()
    };
    assert_eq!(version(&service), "2026-11-21.1");
    std::fs::write(&path, original.replace("2026-11-21.1", "2026-12-01.1")).unwrap();
    service.signal(nix::sys::signal::Signal::SIGHUP);
    wait_until("not reloaded", || service.log(), || version(&service) == "2026-12-01.1");
    assert!(service.log().contains("policy reloaded"), "{}", service.log());
    // An invalid policy is refused, named, and the running one stays.
    std::fs::write(&path, original.replace("\"leeway_seconds\": 60", "\"leeway_seconds\": 6000")).unwrap();
    service.signal(nix::sys::signal::Signal::SIGHUP);
    wait_until("no refusal logged", || service.log(), || service.log().contains("policy reload refused"));
    assert!(service.log().contains("leeway_seconds"), "{}", service.log());
    assert_eq!(version(&service), "2026-12-01.1");
    let answer = request(
        service.port,
        "GET",
        "/forward-auth",
        &[("Access-Check-Attestation", &tokens("US")), ("Access-Check-Tier", "frontier")],
    );
    assert_eq!(answer.status, 200);
}

#[test]
fn sigterm_drains_and_exits_0() {
    let dir = scratch("drain");
    let mut service = Service::start(Path::new(POLICY), &dir);
    assert_eq!(request(service.port, "GET", "/healthz", &[]).status, 200);
    service.signal(nix::sys::signal::Signal::SIGTERM);
    let status = service.exit_status();
    assert_eq!(status.code(), Some(0), "{}", service.log());
    assert!(service.log().contains("draining"), "{}", service.log());
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_with_its_decision() {
    let dir = scratch("drain-in-flight");
    let mut service = Service::start(Path::new(POLICY), &dir);
    let body = format!(
        r#"{{"tokens": ["{}", "{}"], "tier": "frontier"}}"#,
        identity_by(&keys().idv_es256),
        location_from("US")
    );
    let (first, rest) = body.split_at(body.len() / 2);
    // A request whose body is still arriving when SIGTERM comes.
    let mut stream = TcpStream::connect(("127.0.0.1", service.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let head = format!(
        "POST /api/enforce HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    service.signal(nix::sys::signal::Signal::SIGTERM);
    wait_until("the service starts draining", || service.log(), || service.log().contains("draining"));
    // New connections are refused from now on; the one in flight is waited for.
    wait_until("the listener closes", || service.log(), || TcpStream::connect(("127.0.0.1", service.port)).is_err());
    std::thread::sleep(Duration::from_millis(300));
    assert!(service.child.try_wait().unwrap().is_none(), "exited with a request in flight: {}", service.log());
    stream.write_all(rest.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    assert!(raw.starts_with("HTTP/1.1 200"), "{raw}");
    assert!(raw.to_ascii_lowercase().contains("access-check-outcome: granted"), "{raw}");
    let status = service.exit_status();
    assert_eq!(status.code(), Some(0), "{}", service.log());
}

/// A stand-in model upstream: answers 200 with the outcome header the gateway passed on, and
/// counts the requests that reached it.
fn upstream() -> (u16, std::sync::Arc<AtomicU32>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let reached = std::sync::Arc::new(AtomicU32::new(0));
    let count = reached.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            let mut stream = stream;
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut outcome = String::from("(none)");
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                if let Some((name, value)) = line.split_once(':') {
                    if name.eq_ignore_ascii_case("access-check-outcome") {
                        outcome = value.trim().to_owned();
                    }
                }
                line.clear();
            }
            let body = format!("model answer; outcome seen: {outcome}");
            let _ =
                write!(stream, "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len());
        }
    });
    (port, reached)
}

/// The same user journeys through a gateway on `port`.
fn journeys_through(port: u16, reached: &AtomicU32, denied_status: u16) {
    let before = reached.load(Ordering::SeqCst);
    // A client cannot forge the outcome the upstream sees, nor pick its own tier.
    let eligible = request(
        port,
        "POST",
        "/v1/complete",
        &[
            ("Access-Check-Attestation", &tokens("US")),
            ("Access-Check-Outcome", "forged"),
            ("Access-Check-Tier", "standard"),
        ],
    );
    assert_eq!(eligible.status, 200, "{}", eligible.body);
    assert_eq!(eligible.body, "model answer; outcome seen: granted");
    assert_eq!(reached.load(Ordering::SeqCst), before + 1);
    for (headers, status) in [
        (vec![("Access-Check-Attestation", tokens("IR"))], denied_status),
        (vec![], denied_status),
        (vec![("Access-Check-Tier", "standard".to_owned())], denied_status),
    ] {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
        let answer = request(port, "POST", "/v1/complete", &headers);
        assert_eq!(answer.status, status, "{headers:?}: {}", answer.body);
    }
    assert_eq!(reached.load(Ordering::SeqCst), before + 1, "a refused request reached the model");
}

/// A gateway process, stopped when dropped (a failing test too).
struct Gateway(Child);

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A configuration from docs/gateways/ with its ports (gateway 8081, service 8080, model
/// 9000) replaced by the test's.
fn gateway_config(file: &str, port: u16, service: &Service, upstream: u16) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/gateways").join(file))
        .unwrap()
        .replace("127.0.0.1:8081", &format!("127.0.0.1:{port}"))
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{}", service.port))
        .replace("127.0.0.1:9000", &format!("127.0.0.1:{upstream}"))
}

fn gateway_binary(path: &str) -> &str {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: ./dev test installs nginx and caddy (apt-get install nginx caddy)"
    );
    path
}

#[test]
fn nginx_auth_request_lets_the_eligible_through_and_refuses_the_rest() {
    let nginx = gateway_binary("/usr/sbin/nginx");
    let dir = scratch("nginx");
    let service = Service::start(Path::new(POLICY), &dir);
    let (upstream, reached) = upstream();
    let port = free_port();
    let config = gateway_config("nginx.conf", port, &service, upstream);
    let prefix = dir.display().to_string();
    let config = format!(
        "daemon off;\nmaster_process off;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log info;\nevents {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n  fastcgi_temp_path {prefix}/fastcgi;\n  \
         uwsgi_temp_path {prefix}/uwsgi;\n  scgi_temp_path {prefix}/scgi;\n{config}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), config).unwrap();
    let _nginx = Gateway(
        Command::new(nginx)
            .args(["-p", &prefix, "-c", &format!("{prefix}/nginx.conf")])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, "nginx", || std::fs::read_to_string(dir.join("error.log")).unwrap_or_default());
    journeys_through(port, &reached, 403);
}

#[test]
fn caddy_forward_auth_lets_the_eligible_through_and_refuses_the_rest() {
    let caddy = gateway_binary("/usr/bin/caddy");
    let dir = scratch("caddy");
    let service = Service::start(Path::new(POLICY), &dir);
    let (upstream, reached) = upstream();
    let port = free_port();
    let site = gateway_config("Caddyfile", port, &service, upstream);
    let config = format!("{{\n  admin off\n  auto_https off\n  storage file_system {}/data\n}}\n{site}", dir.display());
    std::fs::write(dir.join("Caddyfile"), config).unwrap();
    let log = dir.join("caddy.log");
    let _caddy = Gateway(
        Command::new(caddy)
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(dir.join("Caddyfile"))
            .env("HOME", &dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port, "caddy", || std::fs::read_to_string(&log).unwrap_or_default());
    // Caddy passes the service's own answer back: 403 with the report.
    journeys_through(port, &reached, 403);
    let refused = request(port, "GET", "/v1/complete", &[("Access-Check-Attestation", &tokens("IR"))]);
    assert_eq!(refused.header("access-check-outcome"), Some("blocked"));
}

/// A JWKS endpoint whose document and status the test changes as it goes.
struct JwksServer {
    port: u16,
    /// Status, body, and how long to wait before answering.
    answer: std::sync::Arc<std::sync::Mutex<(u16, String, Duration)>>,
}

impl JwksServer {
    fn start() -> JwksServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let answer = std::sync::Arc::new(std::sync::Mutex::new((503, String::new(), Duration::ZERO)));
        let shared = answer.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                    line.clear();
                }
                let (status, body, delay) = shared.lock().unwrap().clone();
                std::thread::sleep(delay);
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncache-control: max-age=1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        JwksServer { port, answer }
    }

    fn uri(&self) -> String {
        format!("http://127.0.0.1:{}/jwks.json", self.port)
    }

    fn publish(&self, keys: &[&DemoKey]) {
        self.publish_slowly(keys, Duration::ZERO);
    }

    fn publish_slowly(&self, keys: &[&DemoKey], delay: Duration) {
        *self.answer.lock().unwrap() = (200, crate::support::mint::jwks(keys).to_compact(), delay);
    }

    fn go_down(&self) {
        *self.answer.lock().unwrap() = (503, String::new(), Duration::ZERO);
    }
}

#[test]
fn keys_from_a_jwks_uri_rotate_and_fail_closed_after_the_grace_period() {
    let dir = scratch("rotation");
    let jwks = JwksServer::start();
    let (old_key, new_key) = (DemoKey::es256("rotation-old"), DemoKey::es256("rotation-new"));
    jwks.publish(&[&old_key]);
    let path = policy_with_jwks_uri(&dir, &jwks.uri());
    let service = Service::start_with(&path, &dir, &["--jwks-min-ttl", "1", "--jwks-grace", "3"]);
    let wait_until = |what: &str, ready: &dyn Fn() -> bool| wait_until(what, || service.log(), ready);
    wait_until("the first fetch", &|| request(service.port, "GET", "/readyz", &[]).status == 200);
    let identity = identity_by;
    let location = location_from("US");
    let decide = |key: &DemoKey| {
        request(
            service.port,
            "GET",
            "/forward-auth",
            &[
                ("Access-Check-Attestation", &format!("{},{location}", identity(key))),
                ("Access-Check-Tier", "frontier"),
            ],
        )
        .status
    };
    assert_eq!(decide(&old_key), 200);
    // Rotation: the issuer publishes a new key and drops the old one. No restart.
    jwks.publish(&[&new_key]);
    // The first request may find the refetch still under way (503, no decision) on a busy
    // machine; the token is decided once it lands.
    wait_until("a token under a newly published kid", &|| match decide(&new_key) {
        200 => true,
        503 => false,
        other => panic!("a token under a newly published kid: {other}"),
    });
    assert_eq!(decide(&old_key), 403, "a key that left the JWKS still verified");
    // The issuer goes down: its last keys serve within the grace period, then fail closed.
    jwks.go_down();
    assert_eq!(decide(&new_key), 200, "within the grace period");
    wait_until("readiness false after the grace period", &|| {
        request(service.port, "GET", "/readyz", &[]).status == 503
    });
    assert_eq!(decide(&new_key), 503, "past the grace period: no decision can be made");
    let metrics = request(service.port, "GET", "/metrics", &[]).body;
    assert!(metrics.contains(r#"access_check_jwks_fetches_total{result="error"}"#), "{metrics}");
}

#[test]
fn a_slow_refetch_on_an_unknown_kid_answers_503_and_the_next_request_is_decided() {
    let dir = scratch("slow-jwks");
    let jwks = JwksServer::start();
    let (old_key, new_key) = (DemoKey::es256("slow-old"), DemoKey::es256("slow-new"));
    jwks.publish(&[&old_key]);
    let path = policy_with_jwks_uri(&dir, &jwks.uri());
    // A long cache time: only the unknown kid makes the service fetch again.
    let service = Service::start_with(&path, &dir, &["--jwks-min-ttl", "3600"]);
    wait_until("the first fetch", || service.log(), || request(service.port, "GET", "/readyz", &[]).status == 200);
    // The issuer publishes a new key but answers slowly (longer than a request waits).
    jwks.publish_slowly(&[&new_key], Duration::from_millis(1500));
    let (identity, location) = (identity_by(&new_key), location_from("US"));
    let attestation = format!("{identity},{location}");
    let ask = || {
        request(
            service.port,
            "GET",
            "/forward-auth",
            &[("Access-Check-Attestation", &attestation), ("Access-Check-Tier", "frontier")],
        )
    };
    let first = ask();
    assert_eq!(first.status, 503, "no decision while the keys are being fetched: {}", first.body);
    assert_eq!(first.header("access-check-outcome"), Some(""));
    // The fetch goes on without the request; once it lands, the same token is decided.
    wait_until("never decided", || service.log(), || ask().status == 200);
}
