//! The embedded audit store: one SQLite file, WAL journal with `synchronous = FULL` (with
//! `NORMAL`, a committed transaction may roll back after a power loss: a silent cut of the tail).

use super::{hash_column, signed, Filter, Store};
use crate::core::audit::{support_key, Indexed, Record, StoredEntry};
use crate::core::support::hex;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

/// Schema migrations, applied in order; `PRAGMA user_version` counts those applied. A later
/// version adds to the end and never edits an applied one.
const MIGRATIONS: &[&str] = &[
    // 1: records (the canonical text that is hashed, plus copies of the fields `audit query`
    // finds records by), chain heads, and triggers that refuse UPDATE and DELETE (a deterrent
    // only: the hashes and checkpoints are what detect changes).
    "CREATE TABLE audit_records (
        chain TEXT NOT NULL,
        seq INTEGER NOT NULL,
        time_ms INTEGER NOT NULL,
        tier TEXT NOT NULL,
        outcome TEXT NOT NULL,
        subject TEXT,
        support_key TEXT NOT NULL,
        record TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (chain, seq)
    );
    CREATE TABLE audit_heads (chain TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL);
    CREATE INDEX audit_records_time ON audit_records (time_ms);
    CREATE INDEX audit_records_subject ON audit_records (subject, time_ms);
    CREATE INDEX audit_records_support_key ON audit_records (support_key);
    CREATE TRIGGER audit_records_no_update BEFORE UPDATE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
    CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;",
    // 2: retention. `audit prune` may delete a chain's oldest records while it has a row in
    // audit_pruning (inside its own transaction); nothing else may.
    "CREATE TABLE audit_pruning (chain TEXT NOT NULL);
    DROP TRIGGER audit_records_no_delete;
    CREATE TRIGGER audit_records_no_delete BEFORE DELETE ON audit_records
        WHEN NOT EXISTS (SELECT 1 FROM audit_pruning WHERE chain = OLD.chain)
        BEGIN SELECT RAISE(ABORT, 'audit records are append-only; use access-check audit prune'); END;",
];

pub struct SqliteStore {
    connection: Connection,
}

fn failed(what: &str) -> impl Fn(rusqlite::Error) -> String + '_ {
    move |error| format!("{what}: {error}")
}

impl SqliteStore {
    /// Opens `path`, creating the file and the schema when absent.
    ///
    /// # Errors
    /// The file cannot be opened or migrated, or is not an audit store.
    pub fn open(path: &Path) -> Result<SqliteStore, String> {
        let shown = path.display().to_string();
        let connection = Connection::open(path).map_err(|error| format!("cannot open {shown}: {error}"))?;
        // Another process holding the write lock (a second server, `audit verify`): wait for it.
        connection.busy_timeout(std::time::Duration::from_secs(5)).map_err(failed("busy timeout"))?;
        let mode: String = connection
            .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
            .map_err(|error| format!("cannot use {shown} (is it an SQLite database?): {error}"))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(format!("{shown}: SQLite refused the WAL journal (got {mode})"));
        }
        connection.pragma_update(None, "synchronous", "FULL").map_err(failed("synchronous"))?;
        let mut store = SqliteStore { connection };
        store.migrate().map_err(|error| format!("{shown}: {error}"))?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<(), String> {
        let applied: i64 =
            self.connection.query_row("PRAGMA user_version", [], |row| row.get(0)).map_err(failed("user_version"))?;
        let known = i64::try_from(MIGRATIONS.len()).unwrap_or(i64::MAX);
        if applied > known {
            return Err(format!(
                "the store has schema version {applied}; this access-check knows {known}: upgrade access-check"
            ));
        }
        for (index, migration) in MIGRATIONS.iter().enumerate().skip(usize::try_from(applied).unwrap_or(0)) {
            let version = i64::try_from(index + 1).unwrap_or(i64::MAX);
            let transaction = self.connection.transaction().map_err(failed("begin"))?;
            transaction.execute_batch(migration).map_err(|error| format!("migration {version}: {error}"))?;
            transaction.pragma_update(None, "user_version", version).map_err(failed("user_version"))?;
            transaction.commit().map_err(failed("commit"))?;
        }
        Ok(())
    }
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StoredEntry, Indexed)> {
    let seq: i64 = row.get(1)?;
    let time_ms: i64 = row.get(2)?;
    let (prev, hash): (String, String) = (row.get(8)?, row.get(9)?);
    let entry = StoredEntry {
        chain: row.get(0)?,
        seq: u64::try_from(seq).unwrap_or(0),
        canonical: row.get(7)?,
        // A column that is not a hash cannot match any record's: verification names the record.
        prev_hash: hash_column(&prev).unwrap_or([0xff; 32]),
        hash: hash_column(&hash).unwrap_or([0xff; 32]),
    };
    let indexed = Indexed {
        time_ms: u64::try_from(time_ms).unwrap_or(u64::MAX),
        tier: row.get(3)?,
        outcome: row.get(4)?,
        subject: row.get(5)?,
        support_key: row.get(6)?,
    };
    Ok((entry, indexed))
}

const COLUMNS: &str = "chain, seq, time_ms, tier, outcome, subject, support_key, record, prev_hash, hash";

impl Store for SqliteStore {
    fn append(&mut self, chain: &str, records: &[Record]) -> Result<Vec<StoredEntry>, String> {
        // IMMEDIATE: the write lock is taken before the head is read.
        let transaction =
            self.connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed("begin"))?;
        let head: Option<(i64, String)> = transaction
            .query_row("SELECT seq, hash FROM audit_heads WHERE chain = ?1", [chain], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()
            .map_err(failed("read the chain head"))?;
        let mut prev = match head {
            Some((seq, hash)) => {
                Some((u64::try_from(seq).map_err(|_| "negative seq".to_owned())?, hash_column(&hash)?))
            }
            None => None,
        };
        let mut entries = Vec::with_capacity(records.len());
        {
            let mut insert = transaction
                .prepare_cached(&format!(
                    "INSERT INTO audit_records ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                ))
                .map_err(failed("prepare"))?;
            for record in records {
                let entry = StoredEntry::next(chain, prev, record);
                insert
                    .execute(params![
                        chain,
                        signed(entry.seq)?,
                        signed(record.time_ms)?,
                        record.tier,
                        record.outcome,
                        record.subject,
                        support_key(&record.support_code),
                        entry.canonical,
                        hex(&entry.prev_hash),
                        hex(&entry.hash),
                    ])
                    .map_err(failed("insert"))?;
                prev = Some((entry.seq, entry.hash));
                entries.push(entry);
            }
        }
        if let Some((seq, hash)) = prev {
            transaction
                .execute(
                    "INSERT INTO audit_heads (chain, seq, hash) VALUES (?1, ?2, ?3)
                     ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    params![chain, signed(seq)?, hex(&hash)],
                )
                .map_err(failed("update the chain head"))?;
        }
        transaction.commit().map_err(failed("commit"))?;
        Ok(entries)
    }

    fn probe(&mut self) -> Result<(), String> {
        let transaction =
            self.connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed("begin"))?;
        transaction.rollback().map_err(failed("rollback"))
    }

    fn chains(&mut self) -> Result<Vec<String>, String> {
        let mut statement = self
            .connection
            .prepare("SELECT DISTINCT chain FROM audit_records ORDER BY chain")
            .map_err(failed("chains"))?;
        let rows = statement.query_map([], |row| row.get::<_, String>(0)).map_err(failed("chains"))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(failed("chains"))
    }

    fn scan(
        &mut self,
        chain: &str,
        visit: &mut dyn FnMut(StoredEntry, Indexed) -> Result<(), String>,
    ) -> Result<(), String> {
        let mut statement = self
            .connection
            .prepare(&format!("SELECT {COLUMNS} FROM audit_records WHERE chain = ?1 ORDER BY seq"))
            .map_err(failed("scan"))?;
        let mut rows = statement.query([chain]).map_err(failed("scan"))?;
        while let Some(row) = rows.next().map_err(failed("scan"))? {
            let (entry, indexed) = entry_from_row(row).map_err(failed("scan"))?;
            visit(entry, indexed)?;
        }
        Ok(())
    }

    fn prune_point(&mut self, chain: &str, before_ms: u64) -> Result<Option<(u64, [u8; 32])>, String> {
        let row: Option<(i64, String)> = self
            .connection
            .query_row(
                "SELECT seq, hash FROM audit_records WHERE chain = ?1 AND time_ms < ?2
                   AND seq < (SELECT max(seq) FROM audit_records WHERE chain = ?1)
                 ORDER BY seq DESC LIMIT 1",
                params![chain, signed(before_ms)?],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(failed("prune point"))?;
        row.map(|(seq, hash)| Ok((u64::try_from(seq).map_err(|_| "negative seq".to_owned())?, hash_column(&hash)?)))
            .transpose()
    }

    fn prune(&mut self, chain: &str, through_seq: u64) -> Result<u64, String> {
        let transaction =
            self.connection.transaction_with_behavior(TransactionBehavior::Immediate).map_err(failed("begin"))?;
        transaction.execute("INSERT INTO audit_pruning (chain) VALUES (?1)", [chain]).map_err(failed("prune"))?;
        let removed = transaction
            .execute("DELETE FROM audit_records WHERE chain = ?1 AND seq <= ?2", params![chain, signed(through_seq)?])
            .map_err(failed("prune"))?;
        transaction.execute("DELETE FROM audit_pruning WHERE chain = ?1", [chain]).map_err(failed("prune"))?;
        transaction.commit().map_err(failed("commit"))?;
        Ok(removed as u64)
    }

    fn query(
        &mut self,
        filter: &Filter,
        visit: &mut dyn FnMut(StoredEntry) -> Result<(), String>,
    ) -> Result<(), String> {
        let since_ms = filter.since.map(|s| s.saturating_mul(1000)).map(signed).transpose()?;
        let until_ms = filter.until.map(|s| s.saturating_mul(1000)).map(signed).transpose()?;
        let mut statement = self
            .connection
            .prepare(&format!(
                "SELECT {COLUMNS} FROM audit_records
                 WHERE (?1 IS NULL OR subject = ?1) AND (?2 IS NULL OR support_key = ?2)
                   AND (?3 IS NULL OR time_ms >= ?3) AND (?4 IS NULL OR time_ms < ?4)
                   AND (?5 IS NULL OR outcome = ?5) AND (?6 IS NULL OR tier = ?6)
                 ORDER BY time_ms, chain, seq"
            ))
            .map_err(failed("query"))?;
        let mut rows = statement
            .query(params![
                filter.subject,
                filter.support_code.as_deref().map(support_key),
                since_ms,
                until_ms,
                filter.outcome,
                filter.tier
            ])
            .map_err(failed("query"))?;
        while let Some(row) = rows.next().map_err(failed("query"))? {
            let entry = entry_from_row(row).map_err(failed("query"))?.0;
            if filter.exact(&entry) {
                visit(entry)?;
            }
        }
        Ok(())
    }
}
