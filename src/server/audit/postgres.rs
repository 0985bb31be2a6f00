//! The shared audit store: PostgreSQL, for several instances writing one database. Each instance
//! appends to its own chain; the chain's head row is locked (`SELECT … FOR UPDATE`) while a batch
//! is appended, so even two instances given the same chain id cannot fork or interleave it.

use super::{hash_column, reasons_from_text, reasons_text, Filter, Store};
use crate::core::audit::{Record, StoredEntry};
use crate::core::support::hex;
use postgres::{Client, NoTls};

/// Schema migrations, applied in order and counted in `audit_schema`; a later version appends.
const MIGRATIONS: &[&str] = &[
    // 1: as the SQLite store; a trigger refuses UPDATE and DELETE (a deterrent: the hashes and
    // checkpoints are what detect changes; REVOKE them from the service's role too).
    "CREATE TABLE audit_records (
        chain TEXT NOT NULL,
        seq BIGINT NOT NULL,
        decision_id TEXT NOT NULL,
        time_ms BIGINT NOT NULL,
        endpoint TEXT NOT NULL,
        policy_version TEXT NOT NULL,
        policy_hash TEXT NOT NULL,
        tier TEXT NOT NULL,
        outcome TEXT NOT NULL,
        reasons TEXT NOT NULL,
        subject TEXT,
        support_code TEXT NOT NULL,
        record TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (chain, seq)
    );
    CREATE TABLE audit_heads (chain TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
    CREATE INDEX audit_records_time ON audit_records (time_ms);
    CREATE INDEX audit_records_subject ON audit_records (subject, time_ms);
    CREATE INDEX audit_records_support_code ON audit_records (support_code);
    CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
    CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
        FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();",
];

/// A lock number for `pg_advisory_xact_lock` while migrating: instances starting together
/// migrate one at a time.
const MIGRATION_LOCK: i64 = 0x6163_6365_7373_2d63; // "access-c"

pub struct PostgresStore {
    url: String,
    client: Option<Client>,
}

fn failed(what: &str) -> impl Fn(postgres::Error) -> String + '_ {
    move |error| format!("{what}: {error}")
}

fn signed(value: u64) -> Result<i64, String> {
    i64::try_from(value).map_err(|_| format!("{value} does not fit the store"))
}

const COLUMNS: &str = "chain, seq, decision_id, time_ms, endpoint, policy_version, policy_hash, tier, outcome, \
                       reasons, subject, support_code, record, prev_hash, hash";

impl PostgresStore {
    /// Connects and migrates.
    ///
    /// # Errors
    /// The database cannot be reached or migrated.
    pub fn open(url: &str) -> Result<PostgresStore, String> {
        let mut store = PostgresStore { url: url.to_owned(), client: None };
        let client = store.client()?;
        let mut transaction = client.transaction().map_err(failed("begin"))?;
        transaction.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK]).map_err(failed("lock"))?;
        transaction
            .batch_execute("CREATE TABLE IF NOT EXISTS audit_schema (version INTEGER NOT NULL)")
            .map_err(failed("schema table"))?;
        let applied: Option<i32> = transaction
            .query_opt("SELECT max(version) FROM audit_schema", &[])
            .map_err(failed("schema version"))?
            .and_then(|row| row.get(0));
        let applied = usize::try_from(applied.unwrap_or(0)).unwrap_or(0);
        if applied > MIGRATIONS.len() {
            return Err(format!(
                "the store has schema version {applied}; this access-check knows {}: upgrade access-check",
                MIGRATIONS.len()
            ));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
            let version = i32::try_from(index + 1).unwrap_or(i32::MAX);
            transaction.batch_execute(migration).map_err(|error| format!("migration {version}: {error}"))?;
            transaction
                .execute("INSERT INTO audit_schema (version) VALUES ($1)", &[&version])
                .map_err(failed("schema version"))?;
        }
        transaction.commit().map_err(failed("commit"))?;
        Ok(store)
    }

    /// The connection, reconnecting after a failure (the database restarted, the network broke).
    fn client(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_some_and(Client::is_closed) {
            self.client = None;
        }
        if self.client.is_none() {
            let mut config: postgres::Config = self.url.parse().map_err(failed("the postgres:// address"))?;
            config.connect_timeout(std::time::Duration::from_secs(5));
            let client = config.connect(NoTls).map_err(failed("cannot connect to PostgreSQL"))?;
            self.client = Some(client);
        }
        self.client.as_mut().ok_or_else(|| "no connection".to_owned())
    }

    /// Runs `work` on the connection; a failure drops the connection, so the next call reconnects.
    fn with_client<T>(&mut self, work: impl FnOnce(&mut Client) -> Result<T, String>) -> Result<T, String> {
        let result = work(self.client()?);
        if result.is_err() {
            self.client = None;
        }
        result
    }
}

fn entry_from_row(row: &postgres::Row) -> Result<(StoredEntry, Record), String> {
    let get = |index: usize| row.try_get::<_, String>(index).map_err(|error| error.to_string());
    let seq: i64 = row.try_get(1).map_err(|error| error.to_string())?;
    let time_ms: i64 = row.try_get(3).map_err(|error| error.to_string())?;
    let entry = StoredEntry {
        chain: get(0)?,
        seq: u64::try_from(seq).unwrap_or(0),
        canonical: get(12)?,
        prev_hash: hash_column(&get(13)?).unwrap_or([0xff; 32]),
        hash: hash_column(&get(14)?).unwrap_or([0xff; 32]),
    };
    let record = Record {
        decision_id: get(2)?,
        time_ms: u64::try_from(time_ms).unwrap_or(0),
        endpoint: get(4)?,
        policy_version: get(5)?,
        policy_hash: get(6)?,
        tier: get(7)?,
        outcome: get(8)?,
        reasons: reasons_from_text(&get(9)?)?,
        subject: row.try_get(10).map_err(|error| error.to_string())?,
        support_code: get(11)?,
    };
    Ok((entry, record))
}

impl Store for PostgresStore {
    fn append(&mut self, chain: &str, records: &[Record]) -> Result<Vec<StoredEntry>, String> {
        self.with_client(|client| {
            let mut transaction = client.transaction().map_err(failed("begin"))?;
            transaction
                .execute(
                    "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
                    &[&chain, &hex(&crate::core::audit::GENESIS)],
                )
                .map_err(failed("create the chain head"))?;
            let head = transaction
                .query_one("SELECT seq, hash FROM audit_heads WHERE chain = $1 FOR UPDATE", &[&chain])
                .map_err(failed("lock the chain head"))?;
            let (seq, hash): (i64, String) = (head.get(0), head.get(1));
            let mut prev = match u64::try_from(seq).map_err(|_| "negative seq".to_owned())? {
                0 => None,
                seq => Some((seq, hash_column(&hash)?)),
            };
            let insert = transaction
                .prepare(&format!(
                    "INSERT INTO audit_records ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                ))
                .map_err(failed("prepare"))?;
            let mut entries = Vec::with_capacity(records.len());
            for record in records {
                let entry = StoredEntry::next(chain, prev, record);
                transaction
                    .execute(
                        &insert,
                        &[
                            &chain,
                            &signed(entry.seq)?,
                            &record.decision_id,
                            &signed(record.time_ms)?,
                            &record.endpoint,
                            &record.policy_version,
                            &record.policy_hash,
                            &record.tier,
                            &record.outcome,
                            &reasons_text(&record.reasons),
                            &record.subject,
                            &record.support_code,
                            &entry.canonical,
                            &hex(&entry.prev_hash),
                            &hex(&entry.hash),
                        ],
                    )
                    .map_err(failed("insert"))?;
                prev = Some((entry.seq, entry.hash));
                entries.push(entry);
            }
            if let Some((seq, hash)) = prev {
                transaction
                    .execute("UPDATE audit_heads SET seq = $2, hash = $3 WHERE chain = $1", &[
                        &chain,
                        &signed(seq)?,
                        &hex(&hash),
                    ])
                    .map_err(failed("update the chain head"))?;
            }
            transaction.commit().map_err(failed("commit"))?;
            Ok(entries)
        })
    }

    fn probe(&mut self) -> Result<(), String> {
        self.with_client(|client| client.batch_execute("SELECT 1").map_err(failed("probe")))
    }

    fn chains(&mut self) -> Result<Vec<String>, String> {
        self.with_client(|client| {
            let rows = client
                .query("SELECT DISTINCT chain FROM audit_records ORDER BY chain", &[])
                .map_err(failed("chains"))?;
            Ok(rows.iter().map(|row| row.get(0)).collect())
        })
    }

    fn scan(
        &mut self,
        chain: &str,
        visit: &mut dyn FnMut(StoredEntry, Record) -> Result<(), String>,
    ) -> Result<(), String> {
        self.with_client(|client| {
            // A cursor in pages, so a long chain is never held in memory at once.
            let mut transaction = client.transaction().map_err(failed("begin"))?;
            let statement = format!("SELECT {COLUMNS} FROM audit_records WHERE chain = $1 ORDER BY seq");
            let portal = transaction.bind(statement.as_str(), &[&chain]).map_err(failed("scan"))?;
            loop {
                let rows = transaction.query_portal(&portal, 1000).map_err(failed("scan"))?;
                if rows.is_empty() {
                    break;
                }
                for row in &rows {
                    let (entry, record) = entry_from_row(row)?;
                    visit(entry, record)?;
                }
            }
            transaction.commit().map_err(failed("commit"))
        })
    }

    fn query(
        &mut self,
        filter: &Filter,
        visit: &mut dyn FnMut(StoredEntry) -> Result<(), String>,
    ) -> Result<(), String> {
        let since_ms = filter.since.map(|s| s.saturating_mul(1000)).map(signed).transpose()?;
        let until_ms = filter.until.map(|s| s.saturating_mul(1000)).map(signed).transpose()?;
        self.with_client(|client| {
            let mut transaction = client.transaction().map_err(failed("begin"))?;
            let statement = format!(
                "SELECT {COLUMNS} FROM audit_records
                 WHERE ($1::TEXT IS NULL OR subject = $1) AND ($2::TEXT IS NULL OR support_code = $2)
                   AND ($3::BIGINT IS NULL OR time_ms >= $3) AND ($4::BIGINT IS NULL OR time_ms < $4)
                   AND ($5::TEXT IS NULL OR outcome = $5) AND ($6::TEXT IS NULL OR tier = $6)
                 ORDER BY time_ms, chain, seq"
            );
            let portal = transaction
                .bind(
                    statement.as_str(),
                    &[&filter.subject, &filter.support_code, &since_ms, &until_ms, &filter.outcome, &filter.tier],
                )
                .map_err(failed("query"))?;
            loop {
                let rows = transaction.query_portal(&portal, 1000).map_err(failed("query"))?;
                if rows.is_empty() {
                    break;
                }
                for row in &rows {
                    visit(entry_from_row(row)?.0)?;
                }
            }
            transaction.commit().map_err(failed("commit"))
        })
    }
}
