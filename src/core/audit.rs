//! The audit trail's records, hash chain and checkpoints (SPEC §11): pure functions, no
//! database. The stores (src/server/audit) keep rows; everything that decides whether those rows
//! are intact is here, so the server, `access-check audit verify` and the tests share one reading.
//!
//! Each server instance appends to its own chain. A record's hash covers a domain-separation
//! prefix, the chain id, the record's sequence number, the previous record's hash and the record's
//! canonical bytes, so a changed, removed, reordered or inserted record breaks the chain where it
//! is. A hash chain cannot see its tail cut off: signed checkpoints of the chain's head (size and
//! head hash), kept outside the store, can.

use crate::core::fields::{Field, FieldError};
use crate::core::json::{object, Json};
use crate::core::report::Report;
use crate::core::support::hex;
use sha2::{Digest, Sha256};

/// The record format version, inside every record.
pub const SCHEMA: u64 = 1;
/// What every record hash starts with.
const DOMAIN: &[u8] = b"access-check/audit/v1\0";
/// The `prev_hash` of a chain's first record.
pub const GENESIS: [u8; 32] = [0; 32];
/// The JWS `typ` of a checkpoint.
pub const CHECKPOINT_TYP: &str = "access-check-audit-checkpoint+jwt";
/// Longest chain id accepted.
pub const MAX_CHAIN_BYTES: usize = 128;

/// One enforcement decision as recorded: what was decided, under which policy, about which
/// subject hash, with the support code that holds the facts. Never a token, a signature, a
/// `sub`, a `jti`, a `nonce`, a name or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// A UUIDv7: sorts by time.
    pub decision_id: String,
    pub time_ms: u64,
    /// `forward_auth` or `enforce`.
    pub endpoint: String,
    pub policy_version: String,
    /// SHA-256 of the policy document, hex.
    pub policy_hash: String,
    pub tier: String,
    pub outcome: String,
    /// The reason codes of `tier`, in the report's order.
    pub reasons: Vec<String>,
    /// First 4 bytes of SHA-256(`sub`), hex, as in the support code; none without an accepted token.
    pub subject: Option<String>,
    pub support_code: String,
}

impl Record {
    /// The record of `report`, decided at `time_ms` under the policy whose hash is `policy_hash`.
    pub fn of_report(report: &Report, decision_id: String, time_ms: u64, endpoint: &str, policy_hash: &[u8]) -> Record {
        let tier = report.tiers.iter().find(|tier| tier.id == report.tier);
        let reasons = tier.map(|tier| tier.reasons.iter().map(|reason| reason.code.as_str().to_owned()).collect());
        // The subject hash is the support code's: the same value support staff see.
        let subject = report.subject_hash.map(|hash| hex(&hash));
        Record {
            decision_id,
            time_ms,
            endpoint: endpoint.to_owned(),
            policy_version: report.policy_version.clone().unwrap_or_default(),
            policy_hash: hex(policy_hash),
            tier: report.tier.clone(),
            outcome: report.outcome.as_str().to_owned(),
            reasons: reasons.unwrap_or_default(),
            subject,
            support_code: report.support_code.clone(),
        }
    }

    /// The bytes that are hashed: compact JSON, members in a fixed (alphabetical) order.
    pub fn canonical(&self) -> String {
        let reasons = Json::Array(self.reasons.iter().map(|code| code.as_str().into()).collect());
        object([
            ("decision_id", self.decision_id.as_str().into()),
            ("endpoint", self.endpoint.as_str().into()),
            ("outcome", self.outcome.as_str().into()),
            ("policy_hash", self.policy_hash.as_str().into()),
            ("policy_version", self.policy_version.as_str().into()),
            ("reasons", reasons),
            ("schema", SCHEMA.into()),
            ("subject", self.subject.as_deref().into()),
            ("support_code", self.support_code.as_str().into()),
            ("tier", self.tier.as_str().into()),
            ("time_ms", self.time_ms.into()),
        ])
        .to_compact()
    }

    /// Reads canonical bytes back; anything else (another member order, spacing, an unknown
    /// member, another schema) is refused, so one record has exactly one spelling.
    ///
    /// # Errors
    /// What is wrong with the text.
    pub fn from_canonical(text: &str) -> Result<Record, String> {
        let json = Json::parse(text).map_err(|error| error.to_string())?;
        let record = read_record(&Field::root(&json)).map_err(|error| error.to_string())?;
        if record.canonical() != text {
            return Err("the record is not in canonical form".to_owned());
        }
        Ok(record)
    }
}

fn read_record(field: &Field<'_>) -> Result<Record, FieldError> {
    let mut members = field.object()?;
    let text = |members: &mut crate::core::fields::Members<'_>, name: &str| -> Result<String, FieldError> {
        Ok(members.required(name)?.short_string(4096)?.to_owned())
    };
    let schema_field = members.required("schema")?;
    if schema_field.uint(0..=u64::MAX)? != SCHEMA {
        return Err(schema_field.error(format!("is not {SCHEMA}, the record format this version reads")));
    }
    let record = Record {
        decision_id: text(&mut members, "decision_id")?,
        time_ms: members.required("time_ms")?.uint(0..=u64::MAX)?,
        endpoint: text(&mut members, "endpoint")?,
        policy_version: text(&mut members, "policy_version")?,
        policy_hash: text(&mut members, "policy_hash")?,
        tier: text(&mut members, "tier")?,
        outcome: text(&mut members, "outcome")?,
        reasons: members
            .required("reasons")?
            .bounded_array(64, true)?
            .iter()
            .map(|code| code.short_string(64).map(str::to_owned))
            .collect::<Result<_, _>>()?,
        subject: match members.required("subject")? {
            subject if matches!(subject.json, Json::Null) => None,
            subject => Some(subject.short_string(64)?.to_owned()),
        },
        support_code: text(&mut members, "support_code")?,
    };
    members.finish()?;
    Ok(record)
}

/// The fields of a record a store keeps in columns of their own, to find records by them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    pub time_ms: u64,
    pub tier: String,
    pub outcome: String,
    pub subject: Option<String>,
    /// [`support_key`] of the record's support code.
    pub support_key: String,
}

impl Indexed {
    pub fn of(record: &Record) -> Indexed {
        Indexed {
            time_ms: record.time_ms,
            tier: record.tier.clone(),
            outcome: record.outcome.clone(),
            subject: record.subject.clone(),
            support_key: support_key(&record.support_code),
        }
    }
}

/// A short, fixed-size key for a support code (the first 8 bytes of its SHA-256, hex): codes
/// run to hundreds of bytes, and an index of them would be as large as the records.
pub fn support_key(code: &str) -> String {
    hex(Sha256::digest(code.as_bytes()).get(..8).unwrap_or_default())
}

/// A record's hash: SHA-256 of the domain, the chain id, the sequence number, the previous
/// hash and the canonical record, each of variable length prefixed with it.
pub fn entry_hash(chain: &str, seq: u64, prev_hash: &[u8; 32], canonical: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(DOMAIN);
    hash.update((chain.len() as u64).to_be_bytes());
    hash.update(chain.as_bytes());
    hash.update(seq.to_be_bytes());
    hash.update(prev_hash);
    hash.update((canonical.len() as u64).to_be_bytes());
    hash.update(canonical.as_bytes());
    hash.finalize().into()
}

/// A record as a store keeps it: its place in its chain and the hashes, beside the canonical text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub chain: String,
    pub seq: u64,
    pub canonical: String,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

impl StoredEntry {
    /// The entry that follows `prev` (or starts `chain` when `prev` is `None`).
    pub fn next(chain: &str, prev: Option<(u64, [u8; 32])>, record: &Record) -> StoredEntry {
        let (seq, prev_hash) = prev.map_or((1, GENESIS), |(seq, hash)| (seq.saturating_add(1), hash));
        let canonical = record.canonical();
        let hash = entry_hash(chain, seq, &prev_hash, &canonical);
        StoredEntry { chain: chain.to_owned(), seq, canonical, prev_hash, hash }
    }

    /// The JSON line `audit export` and `audit query` print: the record's members, then `seq`,
    /// `chain`, `time` (ISO 8601), `prev_hash` and `hash`.
    ///
    /// # Errors
    /// The canonical text does not read as a record.
    pub fn to_json(&self) -> Result<Json, String> {
        let record = Json::parse(&self.canonical).map_err(|error| error.to_string())?;
        let Json::Object(mut members) = record else { return Err("a record is a JSON object".to_owned()) };
        let time_ms = members.iter().find(|(name, _)| name == "time_ms").and_then(|(_, value)| value.as_safe_uint());
        let time = time_ms.map(|ms| {
            let seconds = crate::core::time::iso8601(ms / 1000);
            format!("{}.{:03}Z", seconds.trim_end_matches('Z'), ms % 1000)
        });
        let mut out: Vec<(String, Json)> = vec![
            ("seq".into(), self.seq.into()),
            ("chain".into(), self.chain.as_str().into()),
            ("time".into(), time.into()),
        ];
        out.append(&mut members);
        out.push(("prev_hash".into(), hex(&self.prev_hash).into()));
        out.push(("hash".into(), hex(&self.hash).into()));
        Ok(Json::Object(out))
    }
}

/// A signed statement that a chain had `size` records ending in `head` at `time_ms`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub chain: String,
    pub size: u64,
    pub head: [u8; 32],
    pub time_ms: u64,
}

impl Checkpoint {
    /// The JWS payload: the members of the checkpoint, head in hex.
    pub fn payload(&self) -> String {
        object([
            ("chain", self.chain.as_str().into()),
            ("head", hex(&self.head).into()),
            ("size", self.size.into()),
            ("time_ms", self.time_ms.into()),
        ])
        .to_compact()
    }

    /// Reads a verified JWS payload.
    ///
    /// # Errors
    /// What is wrong with it.
    pub fn from_payload(payload: &[u8]) -> Result<Checkpoint, String> {
        let text = std::str::from_utf8(payload).map_err(|_| "the checkpoint is not UTF-8".to_owned())?;
        let json = Json::parse(text).map_err(|error| error.to_string())?;
        let read = || -> Result<Checkpoint, FieldError> {
            let root = Field::root(&json);
            let mut members = root.object()?;
            let chain = members.required("chain")?.short_string(MAX_CHAIN_BYTES)?.to_owned();
            let head_field = members.required("head")?;
            let head = parse_hash(head_field.string()?).ok_or_else(|| head_field.error("is not 64 hex digits"))?;
            let size = members.required("size")?.uint(0..=u64::MAX)?;
            let time_ms = members.required("time_ms")?.uint(0..=u64::MAX)?;
            members.finish()?;
            Ok(Checkpoint { chain, size, head, time_ms })
        };
        read().map_err(|error| error.to_string())
    }
}

/// 64 lowercase hex digits as 32 bytes.
pub fn parse_hash(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(text.as_bytes().chunks(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// The first thing wrong with a chain, naming the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Records are missing before `found` (expected `expected`).
    Missing { chain: String, expected: u64, found: u64 },
    /// The record at `seq` does not follow the one before it: reordered or inserted.
    OutOfPlace { chain: String, seq: u64 },
    /// The record at `seq` is not what was hashed, or its columns differ from its record.
    Altered { chain: String, seq: u64, why: String },
    /// The chain ends before a checkpoint's size.
    Truncated { chain: String, records: u64, checkpoint_size: u64 },
    /// The record at a checkpoint's size has another hash: history was rewritten up to it.
    Rewritten { chain: String, seq: u64 },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Missing { chain, expected, found } => {
                write!(f, "chain {chain}: record {expected} is missing (the next record is {found})")
            }
            Problem::OutOfPlace { chain, seq } => write!(
                f,
                "chain {chain}: record {seq} does not follow record {} (records reordered or inserted)",
                seq.saturating_sub(1)
            ),
            Problem::Altered { chain, seq, why } => write!(f, "chain {chain}: record {seq} was altered ({why})"),
            Problem::Truncated { chain, records, checkpoint_size } => write!(
                f,
                "chain {chain}: the tail was cut: {records} records, but a signed checkpoint covers {checkpoint_size}"
            ),
            Problem::Rewritten { chain, seq } => write!(
                f,
                "chain {chain}: record {seq} differs from the signed checkpoint of it (the chain was rewritten up to there)"
            ),
        }
    }
}

/// Reads one chain's entries in `seq` order and says where it first breaks.
pub struct ChainVerifier {
    chain: String,
    last: Option<(u64, [u8; 32])>,
    /// Checkpoints of this chain: (size, head), sorted by size.
    checkpoints: Vec<(u64, [u8; 32])>,
    next_checkpoint: usize,
}

impl ChainVerifier {
    pub fn new(chain: &str, checkpoints: &[Checkpoint]) -> ChainVerifier {
        let mut mine: Vec<(u64, [u8; 32])> =
            checkpoints.iter().filter(|cp| cp.chain == chain).map(|cp| (cp.size, cp.head)).collect();
        mine.sort_unstable();
        ChainVerifier { chain: chain.to_owned(), last: None, checkpoints: mine, next_checkpoint: 0 }
    }

    /// The next entry in `seq` order. `columns` is the store's copy of the fields it indexes,
    /// checked against the record.
    ///
    /// # Errors
    /// The first problem, naming the record.
    pub fn push(&mut self, entry: &StoredEntry, columns: Option<&Indexed>) -> Result<(), Problem> {
        let chain = self.chain.clone();
        // A pruned chain starts after a signed checkpoint of the last record removed
        // (`audit prune`): the checkpoint stands in for the records before it.
        if self.last.is_none() && entry.seq > 1 {
            let start = (entry.seq - 1, entry.prev_hash);
            if self.checkpoints.contains(&start) {
                self.last = Some(start);
                self.next_checkpoint = self.checkpoints.partition_point(|(size, _)| *size < entry.seq);
            }
        }
        let (expected, prev) = self.last.map_or((1, GENESIS), |(seq, hash)| (seq.saturating_add(1), hash));
        if entry.chain != chain {
            return Err(Problem::OutOfPlace { chain, seq: entry.seq });
        }
        if entry.seq > expected {
            return Err(Problem::Missing { chain, expected, found: entry.seq });
        }
        if entry.seq < expected || entry.prev_hash != prev {
            return Err(Problem::OutOfPlace { chain, seq: entry.seq });
        }
        let altered = |why: &str| Problem::Altered { chain: chain.clone(), seq: entry.seq, why: why.to_owned() };
        let record = Record::from_canonical(&entry.canonical).map_err(|error| altered(&error))?;
        if entry_hash(&chain, entry.seq, &prev, &entry.canonical) != entry.hash {
            return Err(altered("its hash does not match its contents"));
        }
        if columns.is_some_and(|columns| *columns != Indexed::of(&record)) {
            return Err(altered("the store's indexed columns differ from the hashed record"));
        }
        while let Some((size, head)) = self.checkpoints.get(self.next_checkpoint) {
            if *size > entry.seq {
                break;
            }
            if *size == entry.seq && *head != entry.hash {
                return Err(Problem::Rewritten { chain, seq: entry.seq });
            }
            self.next_checkpoint += 1;
        }
        self.last = Some((entry.seq, entry.hash));
        Ok(())
    }

    /// After the last entry: every checkpoint must be covered.
    ///
    /// # Errors
    /// [`Problem::Truncated`].
    pub fn finish(self) -> Result<u64, Problem> {
        let records = self.last.map_or(0, |(seq, _)| seq);
        match self.checkpoints.last() {
            Some((size, _)) if *size > records => {
                Err(Problem::Truncated { chain: self.chain, records, checkpoint_size: *size })
            }
            _ => Ok(records),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: u64) -> Record {
        Record {
            decision_id: format!("id-{n}"),
            time_ms: 1_800_000_000_000 + n,
            endpoint: "forward_auth".into(),
            policy_version: "1".into(),
            policy_hash: "ab".repeat(32),
            tier: "frontier".into(),
            outcome: if n % 2 == 0 { "granted".into() } else { "blocked".into() },
            reasons: vec!["COUNTRY_EMBARGOED".into()],
            subject: (n % 3 != 0).then(|| "0a1b2c3d".into()),
            support_code: format!("AC1-{n}"),
        }
    }

    fn chain(n: u64) -> Vec<StoredEntry> {
        let mut entries: Vec<StoredEntry> = Vec::new();
        for i in 0..n {
            let prev = entries.last().map(|e| (e.seq, e.hash));
            entries.push(StoredEntry::next("a", prev, &record(i)));
        }
        entries
    }

    fn verify(entries: &[StoredEntry], checkpoints: &[Checkpoint]) -> Result<u64, Problem> {
        let mut verifier = ChainVerifier::new("a", checkpoints);
        for entry in entries {
            verifier.push(entry, None)?;
        }
        verifier.finish()
    }

    #[test]
    fn canonical_text_reads_back_and_nothing_else_does() {
        let record = record(1);
        assert_eq!(Record::from_canonical(&record.canonical()), Ok(record.clone()));
        let spaced = record.canonical().replacen(",", ", ", 1);
        assert!(Record::from_canonical(&spaced).is_err());
        let extra = record.canonical().replacen('{', r#"{"token":"x","#, 1);
        assert!(Record::from_canonical(&extra).is_err());
    }

    #[test]
    fn an_intact_chain_verifies_and_each_kind_of_tampering_is_named() {
        let entries = chain(6);
        let checkpoint = |size: u64| Checkpoint {
            chain: "a".into(),
            size,
            head: entries[usize::try_from(size).unwrap() - 1].hash,
            time_ms: 0,
        };
        assert_eq!(verify(&entries, &[checkpoint(6)]), Ok(6));

        let mut altered = entries.clone();
        altered[2].canonical = altered[2].canonical.replace("granted", "blocked");
        assert!(matches!(verify(&altered, &[]), Err(Problem::Altered { seq: 3, .. })));

        let mut missing = entries.clone();
        missing.remove(3);
        assert_eq!(verify(&missing, &[]), Err(Problem::Missing { chain: "a".into(), expected: 4, found: 5 }));

        // Swapped contents, seq numbers kept in order (as a store sorting by seq returns them).
        let mut swapped = entries.clone();
        let (second, third) = (swapped[1].clone(), swapped[2].clone());
        swapped[1] = StoredEntry { seq: 2, ..third };
        swapped[2] = StoredEntry { seq: 3, ..second };
        assert_eq!(verify(&swapped, &[]), Err(Problem::OutOfPlace { chain: "a".into(), seq: 2 }));

        // Pruned through record 2 at a signed checkpoint: the rest still verifies, and without
        // that checkpoint the gap is named.
        assert_eq!(verify(&entries[2..], &[checkpoint(2), checkpoint(6)]), Ok(6));
        assert_eq!(
            verify(&entries[2..], &[checkpoint(1)]),
            Err(Problem::Missing { chain: "a".into(), expected: 1, found: 3 })
        );

        // A tail cut: the chain alone is fine; the checkpoint is not covered.
        assert_eq!(verify(&entries[..4], &[]), Ok(4));
        let cut = verify(&entries[..4], &[checkpoint(5)]);
        assert_eq!(cut, Err(Problem::Truncated { chain: "a".into(), records: 4, checkpoint_size: 5 }));

        // The whole chain recomputed with one record changed: only the checkpoint sees it.
        let mut rewritten: Vec<StoredEntry> = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let mut changed = Record::from_canonical(&entry.canonical).unwrap();
            if i == 1 {
                changed.outcome = "granted".into();
            }
            let prev = rewritten.last().map(|e| (e.seq, e.hash));
            rewritten.push(StoredEntry::next("a", prev, &changed));
        }
        assert_eq!(verify(&rewritten, &[]), Ok(6));
        assert_eq!(verify(&rewritten, &[checkpoint(6)]), Err(Problem::Rewritten { chain: "a".into(), seq: 6 }));
    }

    #[test]
    fn hashes_separate_chains_and_positions() {
        let record = record(0).canonical();
        let base = entry_hash("a", 1, &GENESIS, &record);
        assert_ne!(base, entry_hash("b", 1, &GENESIS, &record));
        assert_ne!(base, entry_hash("a", 2, &GENESIS, &record));
        // Length prefixes: moving bytes between the chain id and the record changes the hash.
        assert_ne!(entry_hash("a1", 1, &GENESIS, "x"), entry_hash("a", 1, &GENESIS, "1x"));
    }

    #[test]
    fn checkpoints_read_back() {
        let checkpoint = Checkpoint { chain: "a".into(), size: 9, head: [7; 32], time_ms: 12 };
        assert_eq!(Checkpoint::from_payload(checkpoint.payload().as_bytes()), Ok(checkpoint));
        assert!(Checkpoint::from_payload(br#"{"chain":"a","head":"00","size":1,"time_ms":0}"#).is_err());
    }
}
