//! The audit trail (SPEC §11) as an operator meets it: the real binary records every decision in
//! a real SQLite file or a real PostgreSQL cluster before answering; `audit verify` finds each
//! kind of tampering; a crash loses no answered decision; an unwritable store answers 503, never
//! a grant, and service resumes by itself.

use crate::service::{
    identity_by, location_from, now, request, scratch, tokens, wait_until, Answer, Service, BIN, POLICY,
};
use crate::support::demo::*;
use crate::support::postgres::Postgres;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

const STORE: &str = "access-check-audit.sqlite";
const CHECKPOINTS: &str = "access-check-audit.checkpoints";
const KEY: &str = "access-check-audit-key.jwk.json";

/// One `/forward-auth` request for the frontier tier with tokens from `country`.
fn decide(port: u16, country: &str) -> Answer {
    request(
        port,
        "GET",
        "/forward-auth",
        &[("Access-Check-Attestation", &tokens(country)), ("Access-Check-Tier", "frontier")],
    )
}

fn decision_id(answer: &Answer) -> String {
    answer.header("access-check-decision-id").unwrap_or_default().to_owned()
}

/// Runs the CLI; returns its exit code and standard output (standard error appended).
fn cli(args: &[&str]) -> (i32, String) {
    let output = Command::new(BIN).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn verify_in(dir: &Path) -> (i32, String) {
    let store = format!("sqlite:{}", dir.join(STORE).display());
    let checkpoints = dir.join(CHECKPOINTS);
    let key = dir.join(KEY);
    cli(&[
        "audit",
        "verify",
        "--audit",
        &store,
        "--checkpoints",
        checkpoints.to_str().unwrap(),
        "--audit-key",
        key.to_str().unwrap(),
    ])
}

fn export(store: &str) -> Vec<access_check::core::json::Json> {
    let (code, text) = cli(&["audit", "export", "--audit", store]);
    assert_eq!(code, 0, "{text}");
    text.lines().map(|line| access_check::core::json::Json::parse(line).unwrap()).collect()
}

fn member<'a>(record: &'a access_check::core::json::Json, name: &str) -> &'a str {
    record.get(name).and_then(access_check::core::json::Json::as_str).unwrap_or_default()
}

fn stop(mut service: Service) {
    service.signal(nix::sys::signal::Signal::SIGTERM);
    let status = service.exit_status();
    assert_eq!(status.code(), Some(0), "{}", service.log());
}

/// A service in `dir` that has decided `countries` (one request each) and stopped; the answers.
fn recorded(dir: &Path, countries: &[&str]) -> Vec<Answer> {
    let service = Service::start_with(Path::new(POLICY), dir, &["--checkpoint-records", "2"]);
    let answers: Vec<Answer> = countries.iter().map(|country| decide(service.port, country)).collect();
    stop(service);
    answers
}

#[test]
fn every_decision_is_recorded_before_it_is_answered_and_reads_back() {
    let dir = scratch("audit-records");
    let answers = recorded(&dir, &["US", "KP", "US", "US", "IR"]);
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [200, 403, 200, 200, 403]);
    let (code, text) = verify_in(&dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact: 5 records in 1 chain"), "{text}");

    let store = format!("sqlite:{}", dir.join(STORE).display());
    let records = export(&store);
    let ids: Vec<String> = records.iter().map(|r| member(r, "decision_id").to_owned()).collect();
    assert_eq!(ids, answers.iter().map(decision_id).collect::<Vec<_>>(), "oldest first, one per answer");
    for (record, answer) in records.iter().zip(&answers) {
        assert_eq!(member(record, "outcome"), answer.header("access-check-outcome").unwrap());
        assert_eq!(member(record, "support_code"), answer.header("access-check-support-code").unwrap());
        assert_eq!(member(record, "tier"), "frontier");
        for name in ["seq", "chain", "time", "policy_version", "policy_hash", "reasons", "subject", "prev_hash", "hash"]
        {
            assert!(record.get(name).is_some(), "{name} missing from {}", record.to_compact());
        }
    }
    assert!(records[1].to_compact().contains("LOCATION_RESTRICTED"), "{}", records[1].to_compact());

    // Queries: by outcome, by subject hash, by support code, by time.
    let query = |extra: &[&str]| {
        let mut args = vec!["audit", "query", "--audit", store.as_str()];
        args.extend_from_slice(extra);
        let (code, text) = cli(&args);
        assert_eq!(code, 0, "{text}");
        text.lines().count()
    };
    assert_eq!(query(&["--outcome", "blocked"]), 2);
    assert_eq!(query(&["--outcome", "granted", "--tier", "frontier"]), 3);
    let subject = member(&records[0], "subject").to_owned();
    assert_eq!(subject.len(), 8, "the support code's subject hash");
    assert_eq!(query(&["--subject", &subject]), 5);
    // The reference the widget shows the user ("7F3A-91C2") finds the same records.
    let reference = format!("{}-{}", subject[..4].to_ascii_uppercase(), subject[4..].to_ascii_uppercase());
    assert_eq!(query(&["--reference", &reference]), 5);
    assert_eq!(cli(&["audit", "query", "--audit", &store, "--reference", "7F3A"]).0, 2);
    assert_eq!(query(&["--support-code", member(&records[1], "support_code")]), 1);
    let later = (now() + 3600).to_string();
    assert_eq!(query(&["--since", &later]), 0);
    assert_eq!(query(&["--until", &later]), 5);
    assert_eq!(cli(&["audit", "query", "--audit", &store, "--outcome", "maybe"]).0, 2);
}

/// A copy of the stopped service's directory with `sql` applied to its store, as someone with
/// write access to the file would (removing the append-only triggers first).
fn tampered(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let copy = scratch(name);
    for file in [STORE, CHECKPOINTS, KEY] {
        std::fs::copy(dir.join(file), copy.join(file)).unwrap();
    }
    let connection = rusqlite::Connection::open(copy.join(STORE)).unwrap();
    connection
        .execute_batch(&format!("DROP TRIGGER audit_records_no_update; DROP TRIGGER audit_records_no_delete; {sql}"))
        .unwrap();
    copy
}

#[test]
fn audit_verify_names_each_kind_of_tampering() {
    let dir = scratch("audit-tamper");
    recorded(&dir, &["US", "KP", "US", "IR", "US", "US"]);
    assert_eq!(verify_in(&dir).0, 0, "{}", verify_in(&dir).1);
    let cases = [
        (
            "altered",
            "UPDATE audit_records SET outcome = 'granted', record = replace(record, '\"outcome\":\"blocked\"', '\"outcome\":\"granted\"') WHERE seq = 2",
            "record 2 was altered",
        ),
        ("column", "UPDATE audit_records SET outcome = 'granted' WHERE seq = 4", "record 4 was altered"),
        ("removed", "DELETE FROM audit_records WHERE seq = 3", "record 3 is missing"),
        (
            "swapped",
            "UPDATE audit_records SET seq = -2 WHERE seq = 2; UPDATE audit_records SET seq = 2 WHERE seq = 3;
             UPDATE audit_records SET seq = 3 WHERE seq = -2",
            "record 2 does not follow record 1",
        ),
        (
            "inserted",
            "UPDATE audit_records SET seq = seq + 100 WHERE seq >= 5; UPDATE audit_records SET seq = seq - 99 WHERE seq >= 100;
             INSERT INTO audit_records SELECT chain, 5, time_ms, tier, outcome, subject, support_key, record, prev_hash, hash
               FROM audit_records WHERE seq = 1",
            "record 5 does not follow record 4",
        ),
        ("cut", "DELETE FROM audit_records WHERE seq >= 5", "the tail was cut: 4 records, but a signed checkpoint covers 6"),
    ];
    for (name, sql, expected) in cases {
        let copy = tampered(&dir, &format!("audit-tamper-{name}"), sql);
        let (code, text) = verify_in(&copy);
        assert_eq!(code, 1, "{name}: {text}");
        assert!(text.contains(expected), "{name}: {text}");
    }
    // A checkpoint that was not signed by the key.
    let copy = tampered(&dir, "audit-tamper-forged", "SELECT 1");
    let mut lines = std::fs::read_to_string(copy.join(CHECKPOINTS)).unwrap();
    let last = lines.lines().last().unwrap().to_owned();
    let forged = format!("{}AAAA", &last[..last.len() - 4]);
    lines.push_str(&forged);
    lines.push('\n');
    std::fs::write(copy.join(CHECKPOINTS), lines).unwrap();
    let (code, text) = verify_in(&copy);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the signature does not verify"), "{text}");
    // Unusable input is exit 2, not a verdict.
    assert_eq!(cli(&["audit", "verify", "--audit", "sqlite:/nonexistent/audit.sqlite"]).0, 2);
}

#[test]
fn kill_9_under_load_loses_no_answered_decision() {
    let dir = scratch("audit-kill");
    let mut service = Service::start_with(Path::new(POLICY), &dir, &["--checkpoint-records", "25"]);
    let port = service.port;
    let answered = Arc::new(Mutex::new(Vec::new()));
    let stop_flag = Arc::new(AtomicBool::new(false));
    let attestation = tokens("US");
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (answered, stop_flag, attestation) = (answered.clone(), stop_flag.clone(), attestation.clone());
            std::thread::spawn(move || {
                while !stop_flag.load(Ordering::Relaxed) {
                    let Ok(answer) = std::panic::catch_unwind(|| {
                        request(
                            port,
                            "GET",
                            "/forward-auth",
                            &[("Access-Check-Attestation", &attestation), ("Access-Check-Tier", "frontier")],
                        )
                    }) else {
                        break;
                    };
                    // Only a complete answer counts as one the client received.
                    if answer.status == 200 && !decision_id(&answer).is_empty() {
                        answered.lock().unwrap().push(decision_id(&answer));
                    }
                }
            })
        })
        .collect();
    wait_until("decisions are answered", || service.log(), || answered.lock().unwrap().len() >= 60);
    service.child.kill().unwrap(); // SIGKILL: no drain, no last checkpoint
    service.child.wait().unwrap();
    stop_flag.store(true, Ordering::Relaxed);
    for client in clients {
        let _ = client.join();
    }
    let answered = answered.lock().unwrap().clone();
    let store = format!("sqlite:{}", dir.join(STORE).display());
    let recorded: HashSet<String> = export(&store).iter().map(|r| member(r, "decision_id").to_owned()).collect();
    let lost: Vec<&String> = answered.iter().filter(|id| !recorded.contains(*id)).collect();
    assert!(lost.is_empty(), "{} of {} answered decisions are not in the store", lost.len(), answered.len());
    let (code, text) = verify_in(&dir);
    assert_eq!(code, 0, "{text}");
    // The periodic checkpoints were written before the kill and are covered.
    assert!(!text.contains(" 0 signed checkpoints"), "{text}");
}

#[test]
fn an_unwritable_store_answers_503_never_a_grant_and_service_resumes() {
    let dir = scratch("audit-locked");
    let service = Service::start_with(Path::new(POLICY), &dir, &[]);
    assert_eq!(decide(service.port, "US").status, 200);
    // Another process holds the store's write lock for longer than the service waits for it.
    let connection = rusqlite::Connection::open(dir.join(STORE)).unwrap();
    connection.execute_batch("BEGIN IMMEDIATE").unwrap();
    let refused = decide(service.port, "US");
    assert_eq!(refused.status, 503, "{}", refused.body);
    assert_eq!(refused.header("access-check-outcome"), Some(""));
    assert!(refused.body.contains("could not be recorded"), "{}", refused.body);
    let ready = request(service.port, "GET", "/readyz", &[]);
    assert_eq!(ready.status, 503);
    assert!(ready.body.contains("audit store cannot be written"), "{}", ready.body);
    connection.execute_batch("ROLLBACK").unwrap();
    wait_until("readiness returns", || service.log(), || request(service.port, "GET", "/readyz", &[]).status == 200);
    assert_eq!(decide(service.port, "US").status, 200);
    stop(service);
    let (code, text) = verify_in(&dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("intact: 2 records"), "the refused decision is not recorded: {text}");
}

#[test]
fn the_store_holds_no_token_subject_or_claim_text() {
    let dir = scratch("audit-privacy");
    let service = Service::start_with(Path::new(POLICY), &dir, &[]);
    let identity = identity_by(&keys().idv_es256);
    let location = location_from("US");
    let attestation = format!("{identity}, {location}");
    let answer = request(
        service.port,
        "POST",
        "/forward-auth",
        &[("Access-Check-Attestation", &attestation), ("Access-Check-Tier", "frontier")],
    );
    assert_eq!(answer.status, 200);
    stop(service);
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("access-check-audit.sqlite")) {
            bytes.extend(std::fs::read(path).unwrap());
        }
    }
    let store = format!("sqlite:{}", dir.join(STORE).display());
    let (_, exported) = cli(&["audit", "export", "--audit", &store]);
    bytes.extend(exported.as_bytes());
    // Exported into a reader that went away (`| head`): a quiet 141, not an error.
    let mut gone = Command::new("true").stdin(std::process::Stdio::piped()).spawn().unwrap();
    let closed = gone.stdin.take().unwrap();
    gone.wait().unwrap();
    let piped = Command::new(BIN).args(["audit", "export", "--audit", &store]).stdout(closed).output().unwrap();
    assert_eq!(piped.status.code(), Some(141), "{}", String::from_utf8_lossy(&piped.stderr));
    let haystack = String::from_utf8_lossy(&bytes);
    assert!(haystack.contains("granted"), "the record is there");
    let mut secrets: Vec<String> = vec![SUBJECT.to_owned(), format!("jti-{IDV}"), format!("jti-{EDGE}")];
    for token in [&identity, &location] {
        secrets.extend(token.split('.').map(str::to_owned));
    }
    for secret in secrets {
        assert!(!haystack.contains(&secret), "the store holds {secret:?}");
    }
}

#[test]
fn a_store_that_cannot_be_opened_stops_the_server() {
    let (code, text) =
        cli(&["serve", "--no-demo", "--policy", POLICY, "--audit", "sqlite:/nonexistent/dir/audit.sqlite"]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("cannot open /nonexistent/dir/audit.sqlite"), "{text}");
    let (code, text) = cli(&["serve", "--no-demo", "--policy", POLICY, "--audit", "mysql://db"]);
    assert_eq!(code, 2);
    assert!(text.contains("unknown audit store"), "{text}");
}

#[test]
fn impact_counts_the_decisions_a_new_policy_would_change() {
    let dir = scratch("audit-impact");
    recorded(&dir, &["US", "US", "KP"]);
    let store = format!("sqlite:{}", dir.join(STORE).display());
    // The new policy embargoes the US too.
    let text = std::fs::read_to_string(POLICY).unwrap();
    let stricter = text.replacen("\"countries_not_in\": [", "\"countries_not_in\": [\"US\", ", 1);
    assert_ne!(stricter, text);
    let new_policy = dir.join("stricter.json");
    std::fs::write(&new_policy, stricter).unwrap();
    let (code, out) = cli(&["impact", "--policy", new_policy.to_str().unwrap(), "--audit", &store]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("tier frontier: 3 decisions, 1 unchanged, 2 would change"), "{out}");
    assert!(out.contains("granted → blocked: 2  e.g. AC1-"), "{out}");
    // Under the same policy nothing changes.
    let (_, same) = cli(&["impact", "--policy", POLICY, "--audit", &store]);
    assert!(same.contains("3 decisions, 3 unchanged, 0 would change"), "{same}");
}

#[test]
fn two_instances_share_postgres_without_forking_or_losing_records() {
    let postgres = Postgres::start();
    let url = postgres.url();
    let dirs = [scratch("audit-pg-a"), scratch("audit-pg-b")];
    let services: Vec<Service> = dirs
        .iter()
        .map(|dir| Service::start_with(Path::new(POLICY), dir, &["--audit", &url, "--checkpoint-records", "20"]))
        .collect();
    let answered = Arc::new(Mutex::new(Vec::new()));
    let attestation = tokens("US");
    let clients: Vec<_> = services
        .iter()
        .flat_map(|service| [service.port, service.port])
        .map(|port| {
            let (answered, attestation) = (answered.clone(), attestation.clone());
            std::thread::spawn(move || {
                for _ in 0..40 {
                    let answer = request(
                        port,
                        "GET",
                        "/forward-auth",
                        &[("Access-Check-Attestation", &attestation), ("Access-Check-Tier", "frontier")],
                    );
                    assert_eq!(answer.status, 200, "{}", answer.body);
                    answered.lock().unwrap().push(decision_id(&answer));
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
    for service in services {
        stop(service);
    }
    let checkpoints: Vec<String> = dirs.iter().map(|dir| dir.join(CHECKPOINTS).display().to_string()).collect();
    // Both instances made their own key; each checkpoint file is checked with its own.
    for (dir, file) in dirs.iter().zip(&checkpoints) {
        let key = dir.join(KEY).display().to_string();
        let (code, text) = cli(&["audit", "verify", "--audit", &url, "--checkpoints", file, "--audit-key", &key]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("intact: 160 records in 2 chains"), "{text}");
    }
    let recorded: HashSet<String> = export(&url).iter().map(|r| member(r, "decision_id").to_owned()).collect();
    assert_eq!(recorded.len(), 160);
    assert!(answered.lock().unwrap().iter().all(|id| recorded.contains(id)));
    let chains = postgres.sql("SELECT count(DISTINCT chain) FROM audit_records");
    assert_eq!(chains.trim(), "2");
    // Retention on PostgreSQL: prune all but each chain's head; the rest still verifies.
    let (key, file) = (dirs[0].join(KEY).display().to_string(), &checkpoints[0]);
    let before = (now() + 3600).to_string();
    let (code, out) = cli(&[
        "audit",
        "prune",
        "--audit",
        &url,
        "--before",
        &before,
        "--audit-key",
        &key,
        "--audit-checkpoints",
        file,
    ]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.matches("removed").count(), 2, "{out}");
    assert_eq!(postgres.sql("SELECT count(*) FROM audit_records").trim(), "2");
    let (code, text) = cli(&["audit", "verify", "--audit", &url, "--checkpoints", file, "--audit-key", &key]);
    assert_eq!(code, 0, "{text}");
}

#[test]
fn a_postgres_outage_answers_503_never_a_grant_and_service_resumes() {
    let postgres = Postgres::start();
    let dir = scratch("audit-pg-outage");
    let service = Service::start_with(Path::new(POLICY), &dir, &["--audit", &postgres.url()]);
    assert_eq!(decide(service.port, "US").status, 200);
    postgres.stop();
    for _ in 0..3 {
        let answer = decide(service.port, "US");
        assert_eq!(answer.status, 503, "{}", answer.body);
    }
    assert_eq!(request(service.port, "GET", "/readyz", &[]).status, 503);
    postgres.start_again();
    wait_until("readiness returns", || service.log(), || request(service.port, "GET", "/readyz", &[]).status == 200);
    assert_eq!(decide(service.port, "US").status, 200);
    stop(service);
    assert_eq!(postgres.sql("SELECT count(*) FROM audit_records").trim(), "2");
}

#[test]
fn pruning_old_records_keeps_the_rest_verifiable() {
    let dir = scratch("audit-prune");
    // Periodic checkpoints at 3 and (at shutdown) 5; the pruning one will be at 4.
    let service = Service::start_with(Path::new(POLICY), &dir, &["--checkpoint-records", "3"]);
    for country in ["US", "KP", "US", "IR", "US"] {
        decide(service.port, country);
    }
    stop(service);
    let store = format!("sqlite:{}", dir.join(STORE).display());
    // Outside `audit prune`, deleting is refused.
    let connection = rusqlite::Connection::open(dir.join(STORE)).unwrap();
    assert!(connection.execute("DELETE FROM audit_records WHERE seq = 1", []).is_err());
    drop(connection);
    let before = (now() + 3600).to_string();
    let (key, checkpoints) = (dir.join(KEY), dir.join(CHECKPOINTS));
    let (code, out) = cli(&[
        "audit",
        "prune",
        "--audit",
        &store,
        "--before",
        &before,
        "--audit-key",
        key.to_str().unwrap(),
        "--audit-checkpoints",
        checkpoints.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("removed 4 records through 4"), "the head is kept: {out}");
    let seqs: Vec<String> = export(&store).iter().map(|r| r.get("seq").unwrap().to_compact()).collect();
    assert_eq!(seqs, ["5"]);
    let (code, text) = verify_in(&dir);
    assert_eq!(code, 0, "{text}");
    // Without the checkpoint that starts the kept segment, the gap is named.
    let lines = std::fs::read_to_string(&checkpoints).unwrap();
    let without_last: Vec<&str> = lines.lines().filter(|line| !line.is_empty()).collect();
    std::fs::write(&checkpoints, without_last[..without_last.len() - 1].join("\n") + "\n").unwrap();
    let (code, text) = verify_in(&dir);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("record 1 is missing"), "{text}");
}

/// One HTTP/1.1 POST with a JSON body.
fn post_json(port: u16, path: &str, headers: &[(&str, &str)], body: &str) -> (u16, String, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, head.to_ascii_lowercase(), body.to_owned())
}

#[test]
fn the_support_lookup_shows_the_servers_records_and_flags_disagreements() {
    let dir = scratch("audit-lookup");
    let token = "support-secret-0123456789";
    std::fs::write(dir.join("token"), token).unwrap();
    let service =
        Service::start_with(Path::new(POLICY), &dir, &["--support-token-file", dir.join("token").to_str().unwrap()]);
    let granted = decide(service.port, "US");
    let blocked = decide(service.port, "KP");
    assert_eq!((granted.status, blocked.status), (200, 403));
    let code_of = |answer: &Answer| answer.header("access-check-support-code").unwrap().to_owned();
    let body = |code: &str| format!(r#"{{"support_code": "{code}"}}"#);
    let bearer = format!("Bearer {token}");

    let (status, head, _) = post_json(service.port, "/api/audit/lookup", &[], &body(&code_of(&granted)));
    assert_eq!(status, 401);
    assert!(head.contains("www-authenticate: bearer"), "{head}");
    let wrong = post_json(
        service.port,
        "/api/audit/lookup",
        &[("Authorization", "Bearer not-the-token-at-all")],
        &body(&code_of(&granted)),
    );
    assert_eq!(wrong.0, 401);

    // The code of the blocked decision: the server also granted this user once, which differs.
    let (status, _, text) =
        post_json(service.port, "/api/audit/lookup", &[("Authorization", &bearer)], &body(&code_of(&blocked)));
    assert_eq!(status, 200, "{text}");
    let result = access_check::core::json::Json::parse(&text).unwrap();
    let Some(access_check::core::json::Json::Array(records)) = result.get("records") else { panic!("{text}") };
    let ids: Vec<&str> = records.iter().map(|r| member(r, "decision_id")).collect();
    assert_eq!(ids, [decision_id(&granted), decision_id(&blocked)]);
    // Each record in words for the agent: the server's own support code replayed.
    let headlines: Vec<&str> = records
        .iter()
        .map(|r| r.get("explanation").and_then(|e| e.get("headline")).and_then(|h| h.as_str()).unwrap_or(""))
        .collect();
    assert!(headlines[0].starts_with("You can use") && headlines[1].starts_with("You can't use"), "{headlines:?}");
    let Some(access_check::core::json::Json::Array(disagreements)) = result.get("disagreements") else { panic!() };
    assert_eq!(disagreements.len(), 1, "{text}");
    assert_eq!(member(&disagreements[0], "decision_id"), decision_id(&granted));
    assert_eq!(member(&disagreements[0], "server_outcome"), "granted");
    assert_eq!(member(&disagreements[0], "reported_outcome"), "blocked");
    let (status, _, _) = post_json(
        service.port,
        "/api/audit/lookup",
        &[("Authorization", &bearer)],
        r#"{"support_code": "AC1-nonsense"}"#,
    );
    assert_eq!(status, 400);
    // A decision with no accepted token has no account to search by: its own code finds it,
    // also pasted from an e-mail (wrapped and quoted).
    let anonymous = request(
        service.port,
        "GET",
        "/forward-auth",
        &[("Access-Check-Attestation", ""), ("Access-Check-Tier", "frontier")],
    );
    let code = code_of(&anonymous);
    let (first, rest) = code.split_at(code.len() / 2);
    let pasted = format!("> {first}\\n> {rest}");
    let (status, _, text) = post_json(service.port, "/api/audit/lookup", &[("Authorization", &bearer)], &body(&pasted));
    assert_eq!(status, 200, "{text}");
    let result = access_check::core::json::Json::parse(&text).unwrap();
    let Some(access_check::core::json::Json::Array(records)) = result.get("records") else { panic!("{text}") };
    let ids: Vec<&str> = records.iter().map(|r| member(r, "decision_id")).collect();
    assert_eq!(ids, [decision_id(&anonymous)], "{text}");
    stop(service);

    // Without a token there is no lookup at all.
    let plain = Service::start_with(Path::new(POLICY), &scratch("audit-lookup-off"), &[]);
    let (status, _, _) =
        post_json(plain.port, "/api/audit/lookup", &[("Authorization", &bearer)], &body(&code_of(&granted)));
    assert_eq!(status, 404);
}
