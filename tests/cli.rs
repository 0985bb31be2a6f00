//! The `access-check` binary: exit codes, `error:` lines, and every scenario through `eval`.

use crate::scenarios::load_all;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_access-check");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("LANG", "C.UTF-8").current_dir(ROOT).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(text: &str) -> access_check::core::json::Json {
    access_check::core::json::Json::parse(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:.200}"))
}

fn scenario_path(name: &str) -> String {
    format!("{ROOT}/www/scenarios/{name}")
}

#[test]
fn eval_prints_every_scenarios_expected_outcome() {
    for (name, scenario) in load_all() {
        for expected in &scenario.expected {
            let output = run(&["eval", "--scenario", &scenario_path(&name), "--tier", &expected.tier]);
            assert!(output.status.success(), "{name}: {}", stderr(&output));
            let report = json(&stdout(&output));
            assert_eq!(
                report.get("outcome").and_then(|o| o.as_str()),
                Some(expected.outcome.as_str()),
                "{name} / {}",
                expected.tier
            );
        }
    }
}

#[test]
fn eval_with_policy_tokens_and_clock_flags_matches_the_scenario() {
    let (name, scenario) = load_all().into_iter().find(|(n, _)| n.contains("us-citizen-at-home")).unwrap();
    let dir = std::env::temp_dir().join(format!("access-check-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tokens_file = dir.join("tokens.txt");
    std::fs::write(&tokens_file, scenario.request.tokens[1..].join("\n")).unwrap();
    let now = scenario.request.now.to_string();
    let output = run(&[
        "eval",
        "--policy",
        "www/policy.json",
        "--token",
        &scenario.request.tokens[0],
        "--tokens",
        tokens_file.to_str().unwrap(),
        "--now",
        &now,
        "--text",
    ]);
    assert!(output.status.success(), "{name}: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("[granted] Frontier models: You can use Frontier models."), "{text}");
    assert!(text.contains("support code: AC1-"), "{text}");
    // The same tokens an hour later: the location token has expired.
    let later = (scenario.request.now + 3600).to_string();
    let output = run(&[
        "eval",
        "--policy",
        "www/policy.json",
        "--tokens",
        tokens_file.to_str().unwrap(),
        "--token",
        &scenario.request.tokens[0],
        "--now",
        &later,
    ]);
    let report = json(&stdout(&output));
    assert_eq!(report.get("outcome").and_then(|o| o.as_str()), Some("action_required"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unusable_input_exits_2_with_an_error_line_naming_it() {
    let scenario = scenario_path("01-us-citizen-at-home.json");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["eval"], "--policy FILE is required"),
        (vec!["eval", "--policy", "no/such/policy.json"], "no/such/policy.json"),
        (vec!["eval", "--policy", "Cargo.toml"], "policy Cargo.toml: the policy is not valid JSON"),
        (
            vec!["eval", "--policy", "www/policy.json", "--tier", "ultra"],
            "--tier \"ultra\": the policy has no such tier (it has: frontier, standard)",
        ),
        (vec!["eval", "--policy", "www/policy.json", "--now", "yesterday"], "--now \"yesterday\""),
        (vec!["eval", "--policy", "www/policy.json", "--now", "-5"], "--now \"-5\""),
        (vec!["eval", "--policy", "www/policy.json", "--colour"], "unknown option --colour"),
        (vec!["eval", "--policy", "www/policy.json", "--token"], "--token needs a value"),
        (vec!["eval", "--policy", "www/policy.json", "--scenario", &scenario], "not both"),
        (vec!["eval", "--scenario", "www/policy.json"], "scenario www/policy.json: the member \"title\" is required"),
        (vec!["verify", "--jwk", "www/policy.json", "a.b.c"], "www/policy.json: the member \"kty\" is required"),
        (vec!["verify", "a.b.c"], "--jwk FILE is required"),
        (vec!["verify", "--jwk", "x", "--alg", "HS256", "a.b.c"], "--alg \"HS256\""),
        (vec!["replay", "not-a-code"], "a support code starts with \"AC1-\""),
        (vec!["replay"], "give exactly one support code"),
        (vec!["frobnicate"], "unknown command"),
        (vec![], "usage:"),
    ];
    for (args, expected) in cases {
        let output = run(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", stderr(&output));
        let error = stderr(&output);
        assert!(error.contains(expected), "{args:?}: {error}");
        if !args.is_empty() {
            assert!(error.starts_with("error: "), "{args:?}: {error}");
        }
    }
}

#[test]
fn verify_exits_0_with_the_payload_or_1_with_the_code() {
    let vectors = access_check::core::json::Json::parse(
        &std::fs::read_to_string(format!("{ROOT}/tests/vectors/rfc-examples.json")).unwrap(),
    )
    .unwrap();
    let a3 = vectors.get("rfc7515_A3_ES256").unwrap();
    let dir = std::env::temp_dir().join(format!("access-check-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let jwk = dir.join("key.json");
    std::fs::write(&jwk, a3.get("jwk_public").unwrap().to_compact()).unwrap();
    let compact = a3.get("compact").unwrap().as_str().unwrap();
    let output = run(&["verify", "--jwk", jwk.to_str().unwrap(), compact]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).starts_with("{\"iss\":\"joe\""));
    let output = run(&["verify", "--jwk", jwk.to_str().unwrap(), "--alg", "EdDSA", compact]);
    assert_eq!(output.status.code(), Some(2), "an EC key cannot be bound to EdDSA: {}", stderr(&output));
    let tampered = compact.replacen("eyJpc3MiOiJqb2Ui", "eyJpc3MiOiJqb2Yi", 1);
    let output = run(&["verify", "--jwk", jwk.to_str().unwrap(), &tampered]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output).trim(), "SIGNATURE_INVALID");
    let output = run(&["verify", "--jwk", jwk.to_str().unwrap(), "a.b"]);
    assert_eq!((output.status.code(), stdout(&output).trim().to_owned()), (Some(1), "TOKEN_MALFORMED".to_owned()));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn replay_rebuilds_the_report_from_an_eval_support_code() {
    let scenario = scenario_path("04-h1b-without-authorization.json");
    let report = json(&stdout(&run(&["eval", "--scenario", &scenario])));
    let code = report.get("support_code").unwrap().as_str().unwrap().to_owned();
    let output = run(&["replay", &code, "--policy", "www/policy.json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let replayed = json(&stdout(&output));
    assert_eq!(replayed.get("tiers"), report.get("tiers"));
    assert_eq!(replayed.get("explanation"), report.get("explanation"));
    let output = run(&["replay", &code, "--text"]);
    assert!(stdout(&output).starts_with("[blocked]"), "{}", stdout(&output));
    assert!(stderr(&output).contains("no --policy given"));
}

/// A reader that went away (`access-check eval … | head`) ends the command quietly with the
/// usual status 141, never a panic: here standard output is a pipe whose only reader (a
/// `true` that has exited) is gone before the command starts.
#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    let mut reader = Command::new("true").stdin(std::process::Stdio::piped()).spawn().unwrap();
    let writer = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    let output = Command::new(BIN)
        .args(["eval", "--scenario", &scenario_path("01-us-citizen-at-home.json")])
        .current_dir(ROOT)
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(141), "{}", stderr(&output));
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}
