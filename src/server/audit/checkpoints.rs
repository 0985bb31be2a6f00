//! Signed checkpoints of a chain's head, appended to a file outside the store (a hash chain alone
//! cannot show that its tail was cut). Each line is one JWS (EdDSA, `typ`
//! `access-check-audit-checkpoint+jwt`) whose payload is [`Checkpoint::payload`]. The signing key
//! is an Ed25519 private JWK in its own file (mode 0600), never in the database.

use crate::core::audit::{Checkpoint, CHECKPOINT_TYP};
use crate::core::base64url;
use crate::core::fields::Field;
use crate::core::json::{object, Json};
use crate::core::token::{compact, jwk, verify_signature_only, Algorithm};
use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Largest key file read.
const MAX_KEY_BYTES: u64 = 64 * 1024;

/// Signs checkpoints and appends them to a file.
pub struct CheckpointWriter {
    key: Ed25519KeyPair,
    kid: String,
    path: PathBuf,
}

/// The RFC 7638 thumbprint of an Ed25519 public key: its `kid`.
fn thumbprint(x: &str) -> String {
    use sha2::{Digest, Sha256};
    let members = object([("crv", "Ed25519".into()), ("kty", "OKP".into()), ("x", x.into())]).to_compact();
    base64url::encode(&Sha256::digest(members.as_bytes()))
}

fn read_small(path: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut text = String::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_string(&mut text)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    if text.len() as u64 > MAX_KEY_BYTES {
        return Err(format!("{} is larger than a key file", path.display()));
    }
    Ok(text)
}

impl CheckpointWriter {
    /// Loads the private key at `key_path`, or creates one there (mode 0600) when the file does
    /// not exist; checkpoints go to `path`.
    ///
    /// # Errors
    /// The key file cannot be read, created or understood.
    pub fn open(key_path: &Path, path: &Path) -> Result<CheckpointWriter, String> {
        let key = if key_path.exists() { load_private(key_path)? } else { create_private(key_path)? };
        let x = base64url::encode(key.public_key().as_ref());
        Ok(CheckpointWriter { key, kid: thumbprint(&x), path: path.to_owned() })
    }

    /// Signs `checkpoint` and appends it, synced to disk.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, checkpoint: &Checkpoint) -> Result<(), String> {
        let header =
            object([("alg", "EdDSA".into()), ("typ", CHECKPOINT_TYP.into()), ("kid", self.kid.as_str().into())]);
        let input = format!(
            "{}.{}",
            base64url::encode(header.to_compact().as_bytes()),
            base64url::encode(checkpoint.payload().as_bytes())
        );
        let signature = self.key.sign(input.as_bytes());
        let line = format!("{input}.{}\n", base64url::encode(signature.as_ref()));
        let shown = self.path.display();
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|error| format!("cannot open {shown}: {error}"))?;
        file.write_all(line.as_bytes()).map_err(|error| format!("cannot write {shown}: {error}"))?;
        file.sync_all().map_err(|error| format!("cannot sync {shown}: {error}"))
    }
}

fn load_private(path: &Path) -> Result<Ed25519KeyPair, String> {
    let shown = path.display();
    let json = Json::parse(&read_small(path)?).map_err(|error| format!("{shown}: {error}"))?;
    let member = |name: &str| json.get(name).and_then(Json::as_str);
    if member("kty") != Some("OKP") || member("crv") != Some("Ed25519") {
        return Err(format!("{shown}: the checkpoint key must be an Ed25519 JWK (kty OKP, crv Ed25519)"));
    }
    let decode = |name: &str| member(name).and_then(|text| base64url::decode(text.as_bytes()));
    let (Some(seed), Some(x)) = (decode("d"), decode("x")) else {
        return Err(format!("{shown}: the checkpoint key needs its private part \"d\" and public part \"x\""));
    };
    Ed25519KeyPair::from_seed_and_public_key(&seed, &x)
        .map_err(|_| format!("{shown}: \"d\" and \"x\" are not one Ed25519 key pair"))
}

fn create_private(path: &Path) -> Result<Ed25519KeyPair, String> {
    use aws_lc_rs::rand::{SecureRandom, SystemRandom};
    let shown = path.display();
    let mut seed = [0u8; 32];
    SystemRandom::new().fill(&mut seed).map_err(|_| "no secure random source".to_owned())?;
    let key = Ed25519KeyPair::from_seed_unchecked(&seed).map_err(|_| "cannot make an Ed25519 key".to_owned())?;
    let x = base64url::encode(key.public_key().as_ref());
    let jwk = object([
        ("kty", "OKP".into()),
        ("crv", "Ed25519".into()),
        ("alg", "EdDSA".into()),
        ("use", "sig".into()),
        ("kid", thumbprint(&x).into()),
        ("x", x.as_str().into()),
        ("d", base64url::encode(&seed).into()),
    ]);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|error| format!("cannot create {shown}: {error}"))?;
    file.write_all(jwk.to_pretty().as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|error| format!("cannot write {shown}: {error}"))?;
    tracing::info!(path = %shown, "created a checkpoint signing key; keep a copy of its public part (\"x\") apart from the store");
    Ok(key)
}

/// The public key that verifies checkpoints, from a private or public Ed25519 JWK file.
///
/// # Errors
/// The file cannot be read or is not such a key.
pub fn load_public(path: &Path) -> Result<jwk::Key, String> {
    let shown = path.display();
    let json = Json::parse(&read_small(path)?).map_err(|error| format!("{shown}: {error}"))?;
    let Json::Object(members) = json else { return Err(format!("{shown}: a JWK is a JSON object")) };
    // The private part is not needed to verify.
    let public = Json::Object(members.into_iter().filter(|(name, _)| name != "d").collect());
    match jwk::parse_jwk(&Field::root(&public), &[Algorithm::EdDsa]) {
        Ok((_, Some(key))) => Ok(key),
        Ok((_, None)) => Err(format!("{shown}: the key's \"use\" or \"key_ops\" forbid verifying")),
        Err(error) => Err(format!("{shown}: {error}")),
    }
}

/// Reads a checkpoint file: every line must be a checkpoint signed by `key`.
///
/// # Errors
/// The file cannot be read (`Err(Unusable)`), or a line is not a valid checkpoint (`Err(Forged)`:
/// tampering, naming the line).
pub fn read(path: &Path, key: &jwk::Key) -> Result<Vec<Checkpoint>, ReadError> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| ReadError::Unusable(format!("cannot read {}: {error}", path.display())))?;
    let mut checkpoints = Vec::new();
    for (index, line) in text.lines().enumerate().filter(|(_, line)| !line.trim().is_empty()) {
        let forged = |why: &str| ReadError::Forged(format!("{} line {}: {why}", path.display(), index + 1));
        let segments = compact::split(line).map_err(|_| forged("not a checkpoint"))?;
        let header = compact::parse_header(segments.header).map_err(|_| forged("not a checkpoint"))?;
        if header.typ.as_deref() != Some(CHECKPOINT_TYP) {
            return Err(forged("not a checkpoint (wrong typ)"));
        }
        let payload = verify_signature_only(line, key).map_err(|_| forged("the signature does not verify"))?;
        checkpoints.push(Checkpoint::from_payload(&payload).map_err(|error| forged(&error))?);
    }
    Ok(checkpoints)
}

/// Why a checkpoint file was not read.
#[derive(Debug)]
pub enum ReadError {
    Unusable(String),
    Forged(String),
}
