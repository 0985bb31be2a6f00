//! The audit store: where every enforcement decision is recorded before it is answered (SPEC
//! §11). The records, their hash chain and what makes a chain intact are in
//! [`crate::core::audit`]; this module only keeps rows.
//!
//! - [`sqlite`] and [`postgres`]: the only database code, behind [`Store`].
//! - [`appender`]: one thread per server owning the store's connection; records of concurrent
//!   requests are committed together (group commit) and each request waits for its own commit.
//! - [`checkpoints`]: signed checkpoints of the chain's head, in a file outside the store.
//! - [`verify`]: reading a store back for `access-check audit verify | query | export`.

pub mod appender;
pub mod checkpoints;
pub mod postgres;
pub mod sqlite;
pub mod verify;

use crate::core::audit::{Indexed, Record, StoredEntry};

/// Where records go, as `--audit` names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Off,
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

/// The embedded default, in the working directory.
pub const DEFAULT_STORE: &str = "sqlite:access-check-audit.sqlite";

impl StoreConfig {
    /// Reads `off`, `sqlite:PATH` or `postgres://…` (also `postgresql://…`).
    ///
    /// # Errors
    /// Anything else, with what is accepted.
    pub fn parse(text: &str) -> Result<StoreConfig, String> {
        if text == "off" {
            return Ok(StoreConfig::Off);
        }
        if let Some(path) = text.strip_prefix("sqlite:") {
            if path.is_empty() {
                return Err("sqlite: needs a file path, e.g. sqlite:/var/lib/access-check/audit.sqlite".to_owned());
            }
            return Ok(StoreConfig::Sqlite(path.into()));
        }
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            return Ok(StoreConfig::Postgres(text.to_owned()));
        }
        Err(format!("unknown audit store {text:?}: use sqlite:PATH, postgres://USER@HOST:PORT/DB or off"))
    }

    /// A description without a password, for logs.
    pub fn describe(&self) -> String {
        match self {
            StoreConfig::Off => "off".to_owned(),
            StoreConfig::Sqlite(path) => format!("sqlite:{}", path.display()),
            StoreConfig::Postgres(url) => match (url.find("://"), url.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => format!("{}://…@{}", &url[..scheme], &url[at + 1..]),
                _ => url.clone(),
            },
        }
    }
}

/// Which records `audit query` prints; every given filter must match.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub subject: Option<String>,
    pub support_code: Option<String>,
    /// Seconds since the epoch, inclusive.
    pub since: Option<u64>,
    /// Seconds since the epoch, exclusive.
    pub until: Option<u64>,
    pub outcome: Option<String>,
    pub tier: Option<String>,
}

impl Filter {
    /// Stores find support codes by [`crate::core::audit::support_key`]; this confirms the code
    /// itself on each record found.
    pub fn exact(&self, entry: &StoredEntry) -> bool {
        match &self.support_code {
            None => true,
            Some(code) => Record::from_canonical(&entry.canonical).is_ok_and(|record| record.support_code == *code),
        }
    }
}

/// A store of chains. Implementations keep, beside each record's canonical text (what is
/// hashed), copies of the fields they index ([`Indexed`]); [`verify`] checks the copies against
/// the record.
pub trait Store: Send {
    /// Appends `records` to `chain` in one transaction, reading the chain's head inside it (so
    /// two writers of one chain can never fork it). Nothing is kept when it fails.
    ///
    /// # Errors
    /// The store could not be written; no record of the batch is kept.
    fn append(&mut self, chain: &str, records: &[Record]) -> Result<Vec<StoredEntry>, String>;

    /// A cheap check that the store can be written again, after a failure.
    ///
    /// # Errors
    /// It cannot.
    fn probe(&mut self) -> Result<(), String>;

    /// Every chain with records, sorted.
    ///
    /// # Errors
    /// The store could not be read.
    fn chains(&mut self) -> Result<Vec<String>, String>;

    /// The entries of `chain` in `seq` order, each with the store's copies of its indexed fields.
    ///
    /// # Errors
    /// The store could not be read, or `visit` failed.
    fn scan(
        &mut self,
        chain: &str,
        visit: &mut dyn FnMut(StoredEntry, Indexed) -> Result<(), String>,
    ) -> Result<(), String>;

    /// Where pruning records older than `before_ms` would stop in `chain`: the last such
    /// record's `seq` and hash, never the chain's last record (the head is always kept).
    ///
    /// # Errors
    /// The store could not be read.
    fn prune_point(&mut self, chain: &str, before_ms: u64) -> Result<Option<(u64, [u8; 32])>, String>;

    /// Removes `chain`'s records up to `through_seq`; returns how many. Call only after a signed
    /// checkpoint of `through_seq` is written: verification starts the kept records from it.
    ///
    /// # Errors
    /// The store could not be written.
    fn prune(&mut self, chain: &str, through_seq: u64) -> Result<u64, String>;

    /// The entries matching `filter`, ordered by time then chain and `seq`.
    ///
    /// # Errors
    /// The store could not be read, or `visit` failed.
    fn query(
        &mut self,
        filter: &Filter,
        visit: &mut dyn FnMut(StoredEntry) -> Result<(), String>,
    ) -> Result<(), String>;
}

/// Opens (creating or migrating) the store `config` names.
///
/// # Errors
/// It cannot be opened, with why; `off` is not a store.
pub fn open(config: &StoreConfig) -> Result<Box<dyn Store>, String> {
    match config {
        StoreConfig::Off => Err("the audit store is off".to_owned()),
        StoreConfig::Sqlite(path) => Ok(Box::new(sqlite::SqliteStore::open(path)?)),
        StoreConfig::Postgres(url) => Ok(Box::new(postgres::PostgresStore::open(url)?)),
    }
}

/// SQL integers are signed: times and sequence numbers beyond 2^63 are refused, not wrapped.
pub(crate) fn signed(value: u64) -> Result<i64, String> {
    i64::try_from(value).map_err(|_| format!("{value} does not fit the store"))
}

/// 32 bytes from a hex column.
pub(crate) fn hash_column(text: &str) -> Result<[u8; 32], String> {
    crate::core::audit::parse_hash(text).ok_or_else(|| format!("{text:?} is not a hash"))
}
