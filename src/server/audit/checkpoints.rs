//! Signed checkpoints of a chain's head, appended to a file outside the store (a hash chain alone
//! cannot show that its tail was cut). Each line is one JWS (EdDSA, `typ`
//! `access-check-audit-checkpoint+jwt`) whose payload is [`Checkpoint::payload`], signed with
//! [`crate::issue`]. The signing key is an Ed25519 private JWK in its own file (mode 0600),
//! never in the database.

use crate::core::audit::{Checkpoint, CHECKPOINT_TYP};
use crate::core::fields::Field;
use crate::core::json::Json;
use crate::core::token::{compact, jwk, verify_signature_only, Algorithm};
use crate::issue::{KeyAlgorithm, SigningKey};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Signs checkpoints and appends them to a file.
pub struct CheckpointWriter {
    key: SigningKey,
    path: PathBuf,
}

/// A key file's JSON, refused when larger than a key file.
impl CheckpointWriter {
    /// Loads the Ed25519 private key at `key_path`, or creates one there (mode 0600) when the
    /// file does not exist; checkpoints go to `path`.
    ///
    /// # Errors
    /// The key file cannot be read, created or understood, or is not an Ed25519 key.
    pub fn open(key_path: &Path, path: &Path) -> Result<CheckpointWriter, String> {
        let shown = key_path.display();
        let key = if key_path.exists() {
            let key = crate::issue::read_private_jwk(key_path)?;
            if key.alg() != "EdDSA" {
                return Err(format!("{shown}: the checkpoint key must be an Ed25519 key"));
            }
            key
        } else {
            let key = SigningKey::generate(KeyAlgorithm::EdDsa, None)?;
            crate::issue::write_private_jwk(key_path, &key)?;
            tracing::info!(path = %shown, "created a checkpoint signing key; keep a copy of its public part (\"x\") apart from the store");
            key
        };
        Ok(CheckpointWriter { key, path: path.to_owned() })
    }

    /// Signs `checkpoint` and appends it, synced to disk.
    ///
    /// # Errors
    /// The file cannot be written.
    pub fn write(&self, checkpoint: &Checkpoint) -> Result<(), String> {
        let line = crate::issue::sign_jws(&self.key, CHECKPOINT_TYP, &checkpoint.payload()) + "\n";
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

/// The public key that verifies checkpoints, from a private or public Ed25519 JWK file.
///
/// # Errors
/// The file cannot be read or is not such a key.
pub fn load_public(path: &Path) -> Result<jwk::Key, String> {
    let shown = path.display();
    let Json::Object(members) = crate::issue::read_jwk_file(path)? else {
        return Err(format!("{shown}: a JWK is a JSON object"));
    };
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
