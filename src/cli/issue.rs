//! `access-check keys generate` and `access-check issue` (SPEC §12). Native only.

use super::args::Args;
use access_check::core::facts::Kind;
use access_check::core::json::{object, Json};
use access_check::issue::{issue, Attestation, KeyAlgorithm, SigningKey};
use std::path::Path;
use std::process::ExitCode;

/// Longest ttl `issue` accepts: a year.
const MAX_TTL_SECONDS: u64 = 366 * 86_400;

pub fn keys(mut items: Vec<String>) -> Result<ExitCode, String> {
    if items.first().map(String::as_str) != Some("generate") {
        return Err("keys needs a command: generate".to_owned());
    }
    items.remove(0);
    let mut args = Args::new(items);
    let alg_name = args.value("alg")?.ok_or("--alg ES256|EdDSA is required")?;
    let alg = KeyAlgorithm::parse(&alg_name).ok_or_else(|| format!("--alg {alg_name:?}: use ES256 or EdDSA"))?;
    let kid = args.value("kid")?;
    if let Some(kid) = &kid {
        if kid.is_empty() || kid.len() > access_check::core::token::jwk::MAX_KID_BYTES {
            return Err(format!("--kid {kid:?}: 1 to {} bytes", access_check::core::token::jwk::MAX_KID_BYTES));
        }
    }
    let out = args.value("out")?.ok_or("--out DIR is required")?;
    let force = args.flag("force");
    args.finish()?;
    let dir = Path::new(&out);
    std::fs::create_dir_all(dir).map_err(|error| format!("cannot create {out}: {error}"))?;
    let private_path = dir.join("private.jwk.json");
    let public_path = dir.join("jwks.json");
    if !force {
        for path in [&private_path, &public_path] {
            if path.exists() {
                return Err(format!("{} exists; give --force to replace it", path.display()));
            }
        }
    }
    let key = SigningKey::generate(alg, kid)?;
    // Replaced only with --force (checked above); a new file, so the mode is 0600 from the start.
    let _ = std::fs::remove_file(&private_path);
    access_check::issue::write_private_jwk(&private_path, &key)?;
    let jwks = object([("keys", Json::Array(vec![key.public_jwk()]))]);
    std::fs::write(&public_path, jwks.to_pretty() + "\n")
        .map_err(|error| format!("cannot write {}: {error}", public_path.display()))?;
    outln!("kid {}: private key in {}, public JWKS in {}", key.kid, private_path.display(), public_path.display());
    Ok(ExitCode::SUCCESS)
}

pub fn issue_command(items: Vec<String>) -> Result<ExitCode, String> {
    let mut args = Args::new(items);
    let key_path = args.value("key")?.ok_or("--key FILE (a private JWK) is required")?;
    let kind_name = args.value("kind")?.ok_or("--kind identity|location|organization is required")?;
    let kind = Kind::parse(&kind_name).ok_or_else(|| format!("--kind {kind_name:?}: use {}", Kind::choices()))?;
    let iss = args.value("iss")?.ok_or("--iss ISS is required")?;
    let aud = args.value("aud")?.ok_or("--aud AUD is required")?;
    let sub = args.value("sub")?.ok_or("--sub SUB is required")?;
    let ttl = args.seconds("ttl")?.unwrap_or(match kind {
        Kind::Location => 300,
        Kind::Identity | Kind::Organization => 3600,
    });
    if ttl == 0 || ttl > MAX_TTL_SECONDS {
        return Err(format!("--ttl {ttl}: 1 second to {MAX_TTL_SECONDS}"));
    }
    let claims_path = args.value("claims")?.ok_or("--claims FILE (a JSON object) is required")?;
    let now = args.seconds("now")?.unwrap_or_else(access_check::server::now);
    args.finish()?;
    let key_text = super::read(&key_path, super::limits::JWK)?;
    let key_json = Json::parse(&key_text).map_err(|error| format!("{key_path}: {error}"))?;
    let key = SigningKey::from_private_jwk(&key_json).map_err(|error| format!("{key_path}: {error}"))?;
    let claims_text = super::read(&claims_path, super::limits::SCENARIO)?;
    let claims = Json::parse(&claims_text).map_err(|error| format!("{claims_path}: {error}"))?;
    let attestation = Attestation { kind, iss: &iss, aud: &aud, sub: &sub, now, ttl_seconds: ttl, claims: &claims };
    let token = issue(&key, &attestation).map_err(|error| format!("{claims_path}: {error}"))?;
    outln!("{token}");
    Ok(ExitCode::SUCCESS)
}
