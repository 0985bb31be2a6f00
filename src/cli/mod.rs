//! The subcommands. Each returns the exit code, or an error message for an unusable input.

//! Native only (see `main.rs`).

mod args;
mod audit;
mod issue;
mod scenario;

pub use audit::{audit, impact};
pub use issue::{issue_command, keys};

use access_check::core::check::{self, Request};
use access_check::core::codes::Code;
use access_check::core::fields::Field;
use access_check::core::json::Json;
use access_check::core::policy::Policy;
use access_check::core::report::Report;
use access_check::core::token::{self, jwk, Algorithm};
use args::Args;
use std::process::ExitCode;

/// Largest file of each kind the CLI reads: no input is read without a bound.
pub mod limits {
    /// A policy (the policy's own limit).
    pub const POLICY: usize = access_check::core::policy::MAX_POLICY_BYTES;
    /// A scenario: a policy, tokens and a clock (the limit of a JavaScript `evaluate` input).
    pub const SCENARIO: usize = access_check::core::input::MAX_INPUT_BYTES;
    /// A tokens file, or a token on standard input: one more token than the limit fits, so an
    /// evaluation can still say "too many tokens".
    pub const TOKENS: usize = 256 * 1024;
    /// A JWK or JWKS (the fetched-JWKS limit).
    pub const JWK: usize = access_check::core::policy::keys::MAX_JWKS_BYTES;
}

/// Reads a file (`-`: standard input) of at most `limit` bytes, naming it in the error.
fn read(path: &str, limit: usize) -> Result<String, String> {
    use std::io::Read;
    let name = if path == "-" { "standard input" } else { path };
    let source: Box<dyn Read> = if path == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(|error| format!("{path}: {error}"))?)
    };
    // One byte past the limit tells "too large" from "exactly at the limit".
    let mut bytes = Vec::new();
    source.take(limit as u64 + 1).read_to_end(&mut bytes).map_err(|error| format!("{name}: {error}"))?;
    if bytes.len() > limit {
        return Err(format!("{name}: larger than {limit} bytes"));
    }
    String::from_utf8(bytes).map_err(|_| format!("{name}: not UTF-8 text"))
}

fn load_policy(path: &str) -> Result<Policy, String> {
    Policy::parse(&read(path, limits::POLICY)?).map_err(|error| format!("policy {path}: {error}"))
}

/// The system clock: only the CLI and the server read it.
fn system_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

/// Tokens from a file: a JSON array of strings, `{"tokens": [..]}`, or one token per line.
fn tokens_from_file(path: &str) -> Result<Vec<String>, String> {
    let text = read(path, limits::TOKENS)?;
    let trimmed = text.trim();
    if !(trimmed.starts_with('[') || trimmed.starts_with('{')) {
        return Ok(trimmed.split_whitespace().map(str::to_owned).collect());
    }
    let json = Json::parse(trimmed).map_err(|error| format!("{path}: not valid JSON: {error}"))?;
    let list = match &json {
        Json::Object(_) => json.get("tokens").ok_or_else(|| format!("{path}: expected a \"tokens\" member"))?,
        _ => &json,
    };
    match list {
        Json::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                item.as_str().map(str::to_owned).ok_or_else(|| format!("{path}: tokens[{i}] is not a string"))
            })
            .collect(),
        _ => Err(format!("{path}: expected an array of tokens")),
    }
}

fn default_lang() -> String {
    // LANG looks like "es_ES.UTF-8"; the catalogue negotiation takes the primary language.
    std::env::var("LANG")
        .ok()
        .and_then(|lang| lang.split(['.', '_']).next().map(str::to_ascii_lowercase))
        .filter(|lang| lang.len() == 2 || lang.len() == 3)
        .unwrap_or_else(|| "en".to_owned())
}

fn print_report(report: &Report, text: bool) {
    if text {
        out!("{}", render_text(report));
    } else {
        outln!("{}", report.to_json().to_pretty());
    }
}

/// The report as plain text: the requested tier's explanation first, then the other tiers.
fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let mut section = |label: &str, outcome: &str, explanation: &access_check::core::explain::Explanation| {
        out.push_str(&format!("[{outcome}] {label}: {}\n", explanation.headline));
        for item in &explanation.items {
            out.push_str(&format!("  - {item}\n"));
        }
        for remedy in &explanation.remedies {
            out.push_str(&format!("  > {remedy}\n"));
        }
        for notice in &explanation.notices {
            out.push_str(&format!("  ! {notice}\n"));
        }
    };
    match report.tier(&report.tier) {
        Some(tier) => section(&tier.label, tier.outcome.as_str(), &tier.explanation),
        None => section(&report.tier, report.outcome.as_str(), &report.explanation),
    }
    for tier in report.tiers.iter().filter(|tier| tier.id != report.tier) {
        section(&tier.label, tier.outcome.as_str(), &tier.explanation);
    }
    if let Some(error) = &report.error {
        out.push_str(&format!("error {}: {}\n", error.code, error.message));
    }
    out.push_str(&format!("support code: {}\n", report.support_code));
    out
}

/// `eval`: prints the report; exit 0 whenever a report was made.
pub fn eval(items: Vec<String>) -> Result<ExitCode, String> {
    let mut args = Args::new(items);
    let scenario_path = args.value("scenario")?;
    let policy_path = args.value("policy")?;
    let mut tokens = args.values("token")?;
    let tokens_path = args.value("tokens")?;
    let tier = args.value("tier")?;
    let now = args.seconds("now")?;
    let server_time = args.seconds("server-time")?;
    let nonce = args.value("nonce")?;
    let lang = args.value("lang")?;
    let text = args.flag("text");
    args.finish()?;
    let (policy, mut request) = match (scenario_path, policy_path) {
        (Some(path), None) => {
            let scenario = scenario::load(&path)?;
            (scenario.policy, scenario.request)
        }
        (None, Some(path)) => (load_policy(&path)?, Request { now: system_now(), ..Request::default() }),
        (Some(_), Some(_)) => return Err("give --policy or --scenario, not both".to_owned()),
        (None, None) => return Err("--policy FILE is required".to_owned()),
    };
    if let Some(path) = tokens_path {
        tokens.extend(tokens_from_file(&path)?);
    }
    request.tokens.extend(tokens);
    if tier.is_some() {
        request.tier = tier;
    }
    if let Some(now) = now {
        request.now = now;
    }
    if server_time.is_some() {
        request.server_time = server_time;
    }
    if nonce.is_some() {
        request.nonce = nonce;
    }
    request.lang = lang.unwrap_or_else(default_lang);
    if let Some(tier) = &request.tier {
        if policy.tier(tier).is_none() {
            let known: Vec<&str> = policy.tiers.iter().map(|t| t.id.as_str()).collect();
            return Err(format!("--tier {tier:?}: the policy has no such tier (it has: {})", known.join(", ")));
        }
    }
    print_report(&check::check(&policy, &request), text);
    Ok(ExitCode::SUCCESS)
}

/// `verify`: signature only. Exit 0 and the payload, 1 and the reason code, 2 unusable input.
pub fn verify(items: Vec<String>) -> Result<ExitCode, String> {
    let mut args = Args::new(items);
    let jwk_path = args.value("jwk")?.ok_or("--jwk FILE is required")?;
    let alg = match args.value("alg")? {
        Some(name) => Some(Algorithm::parse(&name).ok_or_else(|| {
            format!("--alg {name:?}: supported algorithms are ES256, EdDSA, Ed25519, RS256 and PS256")
        })?),
        None => None,
    };
    let positionals = args.positionals()?;
    let [jws] = positionals.as_slice() else {
        return Err("give exactly one JWS (or - to read it from standard input)".to_owned());
    };
    let jws = if jws == "-" { read("-", limits::TOKENS)?.trim().to_owned() } else { jws.clone() };
    let jwk_text = read(&jwk_path, limits::JWK)?;
    let json = Json::parse(&jwk_text).map_err(|error| format!("{jwk_path}: not valid JSON: {error}"))?;
    let algorithms: Vec<Algorithm> = match alg {
        Some(alg) => vec![alg],
        None => vec![Algorithm::Es256, Algorithm::EdDsa, Algorithm::Rs256, Algorithm::Ps256],
    };
    let keys = if json.get("keys").is_some() {
        jwk::parse_jwks(&Field::root(&json), &algorithms)
    } else {
        jwk::parse_jwk(&Field::root(&json), &algorithms).map(|(_, key)| key.into_iter().collect())
    }
    .map_err(|error| format!("{jwk_path}: {error}"))?;
    // With a JWKS, the token's kid picks the key; a single key is used as is.
    let kid = token::compact::split(&jws)
        .ok()
        .and_then(|segments| token::compact::parse_header(segments.header).ok())
        .and_then(|header| header.kid);
    let key = match (&kid, keys.as_slice()) {
        (_, [only]) => Some(only),
        (Some(kid), keys) => keys.iter().find(|key| key.kid.as_deref() == Some(kid.as_str())),
        (None, _) => None,
    };
    let result = match key {
        Some(key) => token::verify_signature_only(&jws, key),
        None => Err(Code::KeyUnknown),
    };
    match result {
        Ok(payload) => {
            use std::io::Write;
            let mut stdout = std::io::stdout().lock();
            let written =
                stdout.write_all(&payload).and_then(|()| stdout.write_all(b"\n")).and_then(|()| stdout.flush());
            if let Err(error) = written {
                crate::output_failed(&error);
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(code) => {
            outln!("{code}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `replay`: the report rebuilt from a support code.
pub fn replay(items: Vec<String>) -> Result<ExitCode, String> {
    let mut args = Args::new(items);
    let policy = args.value("policy")?.map(|path| load_policy(&path)).transpose()?;
    let lang = args.value("lang")?;
    let text = args.flag("text");
    let positionals = args.positionals()?;
    let [code] = positionals.as_slice() else {
        return Err("give exactly one support code".to_owned());
    };
    let report = check::replay(code, policy.as_ref(), lang.as_deref()).map_err(|error| error.to_string())?;
    eprintln!(
        "note: a support code is what the user's browser reported (the user's claim), not the server's record of a decision"
    );
    if let Some(info) = &report.replay {
        if info.policy_changed {
            eprintln!(
                "note: the policy differs from the one this code was made with (version {:?}); the outcomes are re-derived from the recorded facts under the given policy",
                info.recorded_policy_version
            );
            for tier in &info.reported {
                eprintln!("note: reported by the user's browser: [{}] {}", tier.outcome.as_str(), tier.label);
            }
        } else if info.rederived {
            eprintln!(
                "note: re-derived from the recorded facts under the given policy, and it agrees with what was reported"
            );
        } else {
            eprintln!("note: no --policy given; showing the outcomes and reasons as reported, not re-derived");
        }
        if info.detail != access_check::core::support::Detail::Full {
            eprintln!("note: the code left out some detail to stay short ({})", info.detail.as_str());
        }
    }
    print_report(&report, text);
    Ok(ExitCode::SUCCESS)
}

/// `serve`: the enforcement service on `--addr` (default 127.0.0.1:8080) with `--policy FILE`
/// (default `www/policy.json` under `--root`), and the demo pages of `--root` (default: the
/// current directory) unless `--no-demo`.
pub fn serve(items: Vec<String>) -> Result<ExitCode, String> {
    let mut args = Args::new(items);
    let addr = args.value("addr")?.unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    let root = std::path::PathBuf::from(args.value("root")?.unwrap_or_else(|| ".".to_owned()));
    let policy = args.value("policy")?.map(std::path::PathBuf::from);
    let no_demo = args.flag("no-demo");
    let audit_store = access_check::server::audit::StoreConfig::parse(
        &args.value("audit")?.unwrap_or_else(|| access_check::server::audit::DEFAULT_STORE.to_owned()),
    )?;
    let mut audit = access_check::server::AuditOptions { store: audit_store, ..Default::default() };
    if let Some(chain) = args.value("audit-chain")? {
        let valid = !chain.is_empty()
            && chain.len() <= access_check::core::audit::MAX_CHAIN_BYTES
            && chain.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'));
        if !valid {
            return Err(format!("--audit-chain {chain:?}: use up to 128 letters, digits, and - . _ :"));
        }
        audit.chain = Some(chain);
    }
    if let Some(key) = args.value("audit-key")? {
        audit.key = key.into();
    }
    if let Some(file) = args.value("audit-checkpoints")? {
        audit.checkpoints = file.into();
    }
    if let Some(records) = args.value("checkpoint-records")? {
        audit.every.records = records
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| format!("--checkpoint-records {records:?}: expected 1 to 1000000"))?;
    }
    let seconds = |value: Option<String>, name: &str| -> Result<Option<std::time::Duration>, String> {
        value
            .map(|text| {
                text.parse::<u64>()
                    .ok()
                    .filter(|n| *n <= 30 * 86_400)
                    .map(std::time::Duration::from_secs)
                    .ok_or_else(|| format!("--{name} {text:?}: expected whole seconds, at most 30 days"))
            })
            .transpose()
    };
    if let Some(interval) = seconds(args.value("checkpoint-seconds")?, "checkpoint-seconds")? {
        audit.every.interval = interval.max(std::time::Duration::from_secs(1));
    }
    let support_token = match args.value("support-token-file")? {
        Some(path) => Some(read(&path, 4096)?.trim().to_owned()),
        None => std::env::var("ACCESS_CHECK_SUPPORT_TOKEN").ok().map(|token| token.trim().to_owned()),
    };
    if support_token.as_ref().is_some_and(|token| token.len() < 16) {
        return Err("the support token must be at least 16 characters (a random secret)".to_owned());
    }
    let grace = seconds(args.value("jwks-grace")?, "jwks-grace")?;
    let min_ttl = seconds(args.value("jwks-min-ttl")?, "jwks-min-ttl")?;
    let token_cache = match args.value("token-cache")? {
        Some(text) => Some(
            text.parse::<usize>()
                .ok()
                .filter(|n| *n <= 10_000_000)
                .ok_or_else(|| format!("--token-cache {text:?}: expected a number of tokens, 0 to 10000000"))?,
        ),
        None => None,
    };
    let location = location_settings(&mut args)?;
    let cors_origins =
        args.values("cors-origin")?
            .into_iter()
            .map(|origin| {
                let (scheme, rest) = origin.split_once("://").unwrap_or(("", ""));
                let well_formed =
                    matches!(scheme, "http" | "https") && !rest.is_empty() && !rest.contains(['/', '?', '#', '*']);
                well_formed.then(|| axum::http::HeaderValue::from_str(&origin).ok()).flatten().ok_or_else(|| {
                    format!("--cors-origin {origin:?}: expected an origin such as https://app.example.com")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
    args.finish()?;
    let mut options = access_check::server::Options {
        location,
        cors_origins,
        policy,
        demo: !no_demo,
        audit,
        support_token,
        ..access_check::server::Options::new(root)
    };
    if let Some(grace) = grace {
        options.keys.grace = grace;
    }
    if let Some(min_ttl) = min_ttl {
        options.keys.min_ttl = min_ttl;
    }
    if let Some(capacity) = token_cache {
        options.token_cache = capacity;
    }
    run_server(&addr, options)
}

/// The location issuer's options (README, "The server as the location issuer"): none without
/// `--location-key`; with it, the issuer, the database and the proxies the subject header is
/// believed from are required.
fn location_settings(args: &mut Args) -> Result<Option<access_check::server::location::Settings>, String> {
    use access_check::core::facts::Anonymizer;
    use access_check::server::location::{client_address::TrustedProxies, Settings, MAX_TTL_SECONDS};
    let keys: Vec<std::path::PathBuf> = args.values("location-key")?.into_iter().map(Into::into).collect();
    let iss = args.value("location-iss")?;
    let database = args.value("location-db")?;
    let anonymizers = args.values("anonymizer")?;
    let proxies = args.values("trusted-proxy")?;
    let forwarded = args.value("forwarded-header")?;
    let subject = args.value("location-subject-header")?;
    let ttl = args.seconds("location-ttl")?;
    if keys.is_empty() {
        let stray = iss.is_some() || database.is_some() || !anonymizers.is_empty() || !proxies.is_empty();
        if stray || forwarded.is_some() || subject.is_some() || ttl.is_some() {
            return Err("the location issuer's options need --location-key FILE".to_owned());
        }
        return Ok(None);
    }
    let iss = iss.ok_or("--location-key needs --location-iss URL (the iss of the location tokens)")?;
    if iss.trim().is_empty() || iss.len() > 512 {
        return Err(format!("--location-iss {iss:?}: the issuer's identifier, 1 to 512 bytes"));
    }
    let database = database.ok_or("--location-key needs --location-db FILE (a MaxMind-format country database)")?;
    if proxies.is_empty() {
        return Err(
            "--location-key needs --trusted-proxy ADDRESS|CIDR: the subject header is believed only from the gateway"
                .to_owned(),
        );
    }
    let trusted = TrustedProxies::parse(&proxies).map_err(|problem| format!("--trusted-proxy {problem}"))?;
    let mut settings = Settings::new(keys, iss, database.into(), trusted);
    for entry in anonymizers {
        let (kind, file) =
            entry.split_once('=').ok_or_else(|| format!("--anonymizer {entry:?}: expected KIND=FILE"))?;
        let kind = Anonymizer::parse(kind)
            .filter(|kind| *kind != Anonymizer::None)
            .ok_or_else(|| format!("--anonymizer {entry:?}: the kind must be vpn, tor, relay or hosting"))?;
        settings.anonymizers.push((kind, file.into()));
    }
    let header = |name: &str, value: String| {
        axum::http::header::HeaderName::try_from(value.to_ascii_lowercase())
            .map_err(|_| format!("--{name} {value:?}: not a header name"))
    };
    if let Some(name) = forwarded {
        settings.forwarded_header = header("forwarded-header", name)?;
    }
    if let Some(name) = subject {
        settings.subject_header = header("location-subject-header", name)?;
    }
    if let Some(ttl) = ttl {
        if !(1..=MAX_TTL_SECONDS).contains(&ttl) {
            return Err(format!("--location-ttl {ttl}: a location attestation lives 1 to {MAX_TTL_SECONDS} seconds"));
        }
        settings.ttl_seconds = ttl;
    }
    Ok(Some(settings))
}

fn run_server(addr: &str, options: access_check::server::Options) -> Result<ExitCode, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|error| format!("cannot start the server runtime: {error}"))?;
    runtime.block_on(access_check::server::serve(addr, options))?;
    Ok(ExitCode::SUCCESS)
}
