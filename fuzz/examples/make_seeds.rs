//! Writes the seed corpora for the fuzz targets.
//!
//! `cargo run --example make_seeds [OUT_DIR]` (inside fuzz/; OUT_DIR defaults to fuzz/corpus)
//! writes OUT_DIR/token, OUT_DIR/signed_token, OUT_DIR/policy and OUT_DIR/support_code from:
//! - www/scenarios/*.json: every token (token), the claims of every token a demo key signed
//!   (signed_token: the signer's selector byte + the payload), each scenario's policy (policy),
//!   and the support code of each scenario's report in a few tiers and languages (support_code);
//! - www/policy.json (policy);
//! - shared/vectors/**/*.json beside the repository, when present: every compact JWS in them
//!   (token);
//! - fuzz/seeds/<target>/*: hand-written seeds, copied as they are.
//!
//! Support-code seeds come in the three forms the target reads: `0x00` + the full code, `0x01` +
//! the code without its `AC1-` prefix, and `0x02` + the binary record (checksum removed).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use access_check::core::base64url;
use access_check::core::check::{check, Request};
use access_check::core::json::Json;
use access_check::core::policy::Policy;
use access_check::core::support::PREFIX;
use access_check::core::token::compact;

const FUZZ_DIR: &str = env!("CARGO_MANIFEST_DIR");

fn strings(json: &Json, out: &mut Vec<String>) {
    match json {
        Json::String(text) => out.push(text.clone()),
        Json::Array(items) => items.iter().for_each(|item| strings(item, out)),
        Json::Object(members) => members.iter().for_each(|(_, value)| strings(value, out)),
        _ => {}
    }
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path);
        }
    }
    out.sort();
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("writing {name}: {e}"));
}

fn main() {
    let fuzz = Path::new(FUZZ_DIR);
    let root = fuzz.join("..");
    let out = std::env::args_os().nth(1).map_or_else(|| fuzz.join("corpus"), PathBuf::from);
    let targets = ["token", "policy", "support_code", "signed_token", "evaluate"];
    let dirs = targets.map(|target| {
        let dir = out.join(target);
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        dir
    });
    let [token_dir, policy_dir, code_dir, signed_dir, evaluate_dir] = &dirs;

    let policy_text = fs::read_to_string(root.join("www/policy.json")).expect("www/policy.json");
    let policy = Policy::parse(&policy_text).expect("www/policy.json parses");
    write(policy_dir, "www-policy.json", policy_text.as_bytes());

    let mut tokens = BTreeSet::new();
    let mut scenarios = Vec::new();
    json_files(&root.join("www/scenarios"), &mut scenarios);
    let (mut codes, mut policies) = (0, 0);
    for path in &scenarios {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("scenario");
        let text = fs::read_to_string(path).expect("a scenario file");
        let json = Json::parse(&text).expect("a scenario file is JSON");
        let mut scenario_tokens = Vec::new();
        if let Some(list) = json.get("tokens") {
            strings(list, &mut scenario_tokens);
        }
        tokens.extend(scenario_tokens.iter().cloned());
        if let Some(own) = json.get("policy") {
            let text = own.to_pretty();
            if text != policy_text.trim_end() {
                write(policy_dir, &format!("{stem}.json"), text.as_bytes());
                policies += 1;
            }
        }
        let now = json.get("now").and_then(Json::as_safe_uint).unwrap_or(0);
        let server_time = json.get("server_time").and_then(Json::as_safe_uint);
        // The `evaluate` target's input: the scenario as `evaluate(input)` takes it.
        let mut input = vec![
            ("policy".into(), json.get("policy").cloned().unwrap_or(Json::Null)),
            ("tokens".into(), Json::Array(scenario_tokens.iter().map(|t| t.as_str().into()).collect())),
            ("now".into(), now.into()),
            ("lang".into(), "es".into()),
        ];
        input.extend(server_time.map(|time| ("server_time".to_owned(), time.into())));
        let input = Json::Object(input);
        write(evaluate_dir, &format!("{stem}.json"), input.to_compact().as_bytes());
        for tier in [None, Some("standard")] {
            for lang in ["en", "es", "ar"] {
                let report = check(
                    &policy,
                    &Request {
                        tokens: scenario_tokens.clone(),
                        tier: tier.map(str::to_owned),
                        now,
                        server_time,
                        lang: lang.into(),
                        ..Request::default()
                    },
                );
                let code = report.support_code;
                let name = format!("{stem}-{}-{lang}", tier.unwrap_or("default"));
                write(code_dir, &format!("{name}-full"), &[b"\x00", code.as_bytes()].concat());
                let body = code.strip_prefix(PREFIX).unwrap_or(&code);
                write(code_dir, &format!("{name}-body"), &[b"\x01", body.as_bytes()].concat());
                let bytes = base64url::decode(body.as_bytes()).expect("a code is base64url");
                let record = &bytes[..bytes.len().saturating_sub(4)];
                write(code_dir, &format!("{name}-record"), &[b"\x02", record].concat());
                codes += 3;
            }
        }
    }

    let mut vectors = Vec::new();
    json_files(&root.join("../shared/vectors"), &mut vectors);
    for path in &vectors {
        let Ok(text) = fs::read_to_string(path) else {
            continue;
        };
        let Ok(json) = Json::parse(&text) else {
            continue;
        };
        let mut found = Vec::new();
        strings(&json, &mut found);
        tokens.extend(found.into_iter().filter(|s| s.starts_with("ey") && compact::split(s).is_ok()));
    }
    let mut signed = 0;
    for (i, token) in tokens.iter().enumerate() {
        write(token_dir, &format!("token-{i:03}"), token.as_bytes());
        // The signed_token target's selector for the demo key that signed it.
        let Ok(segments) = compact::split(token) else {
            continue;
        };
        let selector = match compact::parse_header(segments.header).ok().and_then(|h| h.kid) {
            Some(kid) if kid == "idv-2026-es256" => 0u8,
            Some(kid) if kid == "idv-2026-ed25519" => 1,
            Some(kid) if kid == "edge-2026-1" => 2,
            Some(kid) if kid == "org-2026-1" => 3,
            _ => continue,
        };
        if let Some(payload) = base64url::decode(segments.payload.as_bytes()) {
            write(signed_dir, &format!("claims-{i:03}"), &[&[selector][..], &payload].concat());
            signed += 1;
        }
    }

    // Inputs at the size limit whose reading was quadratic once: 1 MiB of distinct member
    // names, as the policy and as the whole input.
    let names: Vec<String> = (0..70_000).map(|i| format!("\"m{i:06}\":0")).collect();
    let many = format!("{{{}}}", names.join(","));
    write(evaluate_dir, "many-names-policy.json", format!("{{\"policy\":{many}}}").as_bytes());
    write(evaluate_dir, "many-names-input.json", format!("{{\"policy\":{{}},\"x\":{many}}}").as_bytes());

    let mut copied = 0;
    for (target, dir) in targets.iter().zip(&dirs) {
        let Ok(entries) = fs::read_dir(fuzz.join("seeds").join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            if let Ok(bytes) = fs::read(entry.path()) {
                write(dir, &format!("seed-{}", entry.file_name().to_string_lossy()), &bytes);
                copied += 1;
            }
        }
    }
    println!(
        "{}: {} tokens, {signed} signed claims, {} policies (+ www/policy.json), {codes} support codes, {copied} from fuzz/seeds",
        out.display(),
        tokens.len(),
        policies
    );
}
