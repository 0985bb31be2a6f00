//! The shared audit store: PostgreSQL, for several instances writing one database. Each instance
//! appends to its own chain; the chain's head row is locked (`SELECT … FOR UPDATE`) while a batch
//! is appended, so even two instances given the same chain id cannot fork or interleave it.

use super::{hash_column, signed, Filter, Store};
use crate::core::audit::{support_key, Indexed, Record, StoredEntry};
use crate::core::support::hex;
use postgres::{Client, NoTls};

/// Schema migrations, applied in order and counted in `audit_schema`; a later version appends.
const MIGRATIONS: &[&str] = &[
    // 1: as the SQLite store; a trigger refuses UPDATE and DELETE (a deterrent: the hashes and
    // checkpoints are what detect changes; REVOKE them from the service's role too).
    "CREATE TABLE audit_records (
        chain TEXT NOT NULL,
        seq BIGINT NOT NULL,
        time_ms BIGINT NOT NULL,
        tier TEXT NOT NULL,
        outcome TEXT NOT NULL,
        subject TEXT,
        support_key TEXT NOT NULL,
        record TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (chain, seq)
    );
    CREATE TABLE audit_heads (chain TEXT PRIMARY KEY, seq BIGINT NOT NULL, hash TEXT NOT NULL);
    CREATE INDEX audit_records_time ON audit_records (time_ms);
    CREATE INDEX audit_records_subject ON audit_records (subject, time_ms);
    CREATE INDEX audit_records_support_key ON audit_records (support_key);
    CREATE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$;
    CREATE TRIGGER audit_records_append_only BEFORE UPDATE OR DELETE ON audit_records
        FOR EACH ROW EXECUTE FUNCTION audit_records_append_only();",
    // 2: retention. `audit prune` may delete a chain's oldest records inside a transaction that
    // names the chain in the setting access_check.pruning; nothing else may.
    "CREATE OR REPLACE FUNCTION audit_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' AND current_setting('access_check.pruning', true) = OLD.chain THEN
                RETURN OLD;
            END IF;
            RAISE EXCEPTION 'audit records are append-only; use access-check audit prune';
        END $$;",
];

/// A lock number for `pg_advisory_xact_lock` while migrating: instances starting together
/// migrate one at a time.
const MIGRATION_LOCK: i64 = 0x6163_6365_7373_2d63; // "access-c"

pub struct PostgresStore {
    url: String,
    client: Option<Client>,
    /// Chains whose head row exists.
    known_chains: Vec<String>,
}

/// A batch as one array per column, for a single `INSERT … SELECT FROM unnest(…)`.
#[derive(Default)]
struct Columns {
    seq: Vec<i64>,
    time_ms: Vec<i64>,
    tier: Vec<String>,
    outcome: Vec<String>,
    subject: Vec<Option<String>>,
    support_key: Vec<String>,
    record: Vec<String>,
    prev_hash: Vec<String>,
    hash: Vec<String>,
}

impl Columns {
    fn push(&mut self, entry: &StoredEntry, record: &Record) -> Result<(), String> {
        self.seq.push(signed(entry.seq)?);
        self.time_ms.push(signed(record.time_ms)?);
        self.tier.push(record.tier.clone());
        self.outcome.push(record.outcome.clone());
        self.subject.push(record.subject.clone());
        self.support_key.push(support_key(&record.support_code));
        self.record.push(entry.canonical.clone());
        self.prev_hash.push(hex(&entry.prev_hash));
        self.hash.push(hex(&entry.hash));
        Ok(())
    }
}

fn failed(what: &str) -> impl Fn(postgres::Error) -> String + '_ {
    move |error| format!("{what}: {error}")
}

const COLUMNS: &str = "chain, seq, time_ms, tier, outcome, subject, support_key, record, prev_hash, hash";

impl PostgresStore {
    /// Connects and migrates.
    ///
    /// # Errors
    /// The database cannot be reached or migrated.
    pub fn open(url: &str) -> Result<PostgresStore, String> {
        let mut store = PostgresStore { url: url.to_owned(), client: None, known_chains: Vec::new() };
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

fn entry_from_row(row: &postgres::Row) -> Result<(StoredEntry, Indexed), String> {
    let get = |index: usize| row.try_get::<_, String>(index).map_err(|error| error.to_string());
    let seq: i64 = row.try_get(1).map_err(|error| error.to_string())?;
    let time_ms: i64 = row.try_get(2).map_err(|error| error.to_string())?;
    let entry = StoredEntry {
        chain: get(0)?,
        seq: u64::try_from(seq).unwrap_or(0),
        canonical: get(7)?,
        // A column that is not a hash cannot match any record's: verification names the record.
        prev_hash: hash_column(&get(8)?).unwrap_or([0xff; 32]),
        hash: hash_column(&get(9)?).unwrap_or([0xff; 32]),
    };
    let indexed = Indexed {
        time_ms: u64::try_from(time_ms).unwrap_or(u64::MAX),
        tier: get(3)?,
        outcome: get(4)?,
        subject: row.try_get(5).map_err(|error| error.to_string())?,
        support_key: get(6)?,
    };
    Ok((entry, indexed))
}

impl Store for PostgresStore {
    fn append(&mut self, chain: &str, records: &[Record]) -> Result<Vec<StoredEntry>, String> {
        let create_head = !self.known_chains.iter().any(|known| known == chain);
        let appended = self.with_client(|client| {
            // Four round trips whatever the batch size: BEGIN, lock the head, insert every record
            // and move the head in one statement, COMMIT.
            let mut transaction = client.transaction().map_err(failed("begin"))?;
            if create_head {
                transaction
                    .execute(
                        "INSERT INTO audit_heads (chain, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
                        &[&chain, &hex(&crate::core::audit::GENESIS)],
                    )
                    .map_err(failed("create the chain head"))?;
            }
            let head = transaction
                .query_one("SELECT seq, hash FROM audit_heads WHERE chain = $1 FOR UPDATE", &[&chain])
                .map_err(failed("lock the chain head"))?;
            let (seq, hash): (i64, String) = (head.get(0), head.get(1));
            let mut prev = match u64::try_from(seq).map_err(|_| "negative seq".to_owned())? {
                0 => None,
                seq => Some((seq, hash_column(&hash)?)),
            };
            let mut columns = Columns::default();
            let mut entries = Vec::with_capacity(records.len());
            for record in records {
                let entry = StoredEntry::next(chain, prev, record);
                columns.push(&entry, record)?;
                prev = Some((entry.seq, entry.hash));
                entries.push(entry);
            }
            let Some((head_seq, head_hash)) = prev else { return Ok(entries) };
            transaction
                .execute(
                    "WITH inserted AS (
                         INSERT INTO audit_records (chain, seq, time_ms, tier, outcome, subject, support_key, record, prev_hash, hash)
                         SELECT $1, * FROM unnest($2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[],
                                                  $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[]))
                     UPDATE audit_heads SET seq = $11, hash = $12 WHERE chain = $1",
                    &[
                        &chain,
                        &columns.seq,
                        &columns.time_ms,
                        &columns.tier,
                        &columns.outcome,
                        &columns.subject,
                        &columns.support_key,
                        &columns.record,
                        &columns.prev_hash,
                        &columns.hash,
                        &signed(head_seq)?,
                        &hex(&head_hash),
                    ],
                )
                .map_err(failed("insert"))?;
            transaction.commit().map_err(failed("commit"))?;
            Ok(entries)
        })?;
        if create_head {
            self.known_chains.push(chain.to_owned());
        }
        Ok(appended)
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
        visit: &mut dyn FnMut(StoredEntry, Indexed) -> Result<(), String>,
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
                    let (entry, indexed) = entry_from_row(row)?;
                    visit(entry, indexed)?;
                }
            }
            transaction.commit().map_err(failed("commit"))
        })
    }

    fn prune_point(&mut self, chain: &str, before_ms: u64) -> Result<Option<(u64, [u8; 32])>, String> {
        let before = signed(before_ms)?;
        self.with_client(|client| {
            let row = client
                .query_opt(
                    "SELECT seq, hash FROM audit_records WHERE chain = $1 AND time_ms < $2
                       AND seq < (SELECT max(seq) FROM audit_records WHERE chain = $1)
                     ORDER BY seq DESC LIMIT 1",
                    &[&chain, &before],
                )
                .map_err(failed("prune point"))?;
            row.map(|row| {
                let (seq, hash): (i64, String) = (row.get(0), row.get(1));
                Ok((u64::try_from(seq).map_err(|_| "negative seq".to_owned())?, hash_column(&hash)?))
            })
            .transpose()
        })
    }

    fn prune(&mut self, chain: &str, through_seq: u64) -> Result<u64, String> {
        let through = signed(through_seq)?;
        self.with_client(|client| {
            let mut transaction = client.transaction().map_err(failed("begin"))?;
            transaction
                .execute("SELECT set_config('access_check.pruning', $1, true)", &[&chain])
                .map_err(failed("prune"))?;
            let removed = transaction
                .execute("DELETE FROM audit_records WHERE chain = $1 AND seq <= $2", &[&chain, &through])
                .map_err(failed("prune"))?;
            transaction.commit().map_err(failed("commit"))?;
            Ok(removed)
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
                 WHERE ($1::TEXT IS NULL OR subject = $1) AND ($2::TEXT IS NULL OR support_key = $2)
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
                    let entry = entry_from_row(row)?.0;
                    if filter.exact(&entry) {
                        visit(entry)?;
                    }
                }
            }
            transaction.commit().map_err(failed("commit"))
        })
    }
}
