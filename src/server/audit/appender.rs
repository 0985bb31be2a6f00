//! The one writer of this instance's chain: a thread that owns the store's connection. Requests
//! hand it their record and wait for the commit; records that arrive together are committed in
//! one transaction (group commit), so a synced commit per decision is not a commit per request.
//!
//! When a commit fails, every request of the batch is told so (and answers 503), the store is
//! marked unwritable (readiness false), and the thread probes it until it can write again.

use super::checkpoints::CheckpointWriter;
use super::{Store, StoreConfig};
use crate::core::audit::{Checkpoint, Record};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Most records committed in one transaction.
const MAX_BATCH: usize = 512;
/// Records waiting for the writer before new ones are refused (answered 503).
const QUEUE: usize = 4096;
/// How often an unwritable store is tried again.
const PROBE_EVERY: Duration = Duration::from_millis(500);

/// When checkpoints are written besides at shutdown.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointEvery {
    pub records: u64,
    pub interval: Duration,
}

impl Default for CheckpointEvery {
    fn default() -> Self {
        CheckpointEvery { records: 1000, interval: Duration::from_secs(60) }
    }
}

/// Where a request waits for its record's commit: its `seq`, or why not.
type Committed = tokio::sync::oneshot::Sender<Result<u64, String>>;

enum Job {
    Append(Box<Record>, Committed),
    Stop(std::sync::mpsc::Sender<()>),
}

/// The handle requests use.
pub struct Auditor {
    jobs: SyncSender<Job>,
    writable: Arc<AtomicBool>,
    pub chain: String,
}

/// Counts the writer reports to `/metrics`.
pub trait AuditMetrics: Send + Sync {
    fn committed(&self, records: usize, seconds: f64);
    fn failed(&self, records: usize);
    fn checkpoint_failed(&self);
}

impl Auditor {
    /// Opens `store` and starts the writer of `chain` in it. The store is opened on the writer's
    /// own thread (the PostgreSQL client runs its own small runtime, which cannot start inside
    /// the server's).
    ///
    /// # Errors
    /// The store cannot be opened.
    pub fn start(
        store: StoreConfig,
        chain: String,
        checkpoints: CheckpointWriter,
        every: CheckpointEvery,
        metrics: Arc<dyn AuditMetrics>,
    ) -> Result<Auditor, String> {
        let (jobs, queue) = sync_channel(QUEUE);
        let writable = Arc::new(AtomicBool::new(true));
        let (opened, open_result) = std::sync::mpsc::channel();
        let (writer_chain, writer_writable) = (chain.clone(), writable.clone());
        std::thread::Builder::new()
            .name("audit-writer".into())
            .spawn(move || {
                let store = match super::open(&store) {
                    Ok(store) => {
                        let _ = opened.send(Ok(()));
                        store
                    }
                    Err(error) => {
                        let _ = opened.send(Err(error));
                        return;
                    }
                };
                let writer = Writer {
                    store,
                    chain: writer_chain,
                    checkpoints,
                    every,
                    metrics,
                    writable: writer_writable,
                    head: None,
                    unchecked: 0,
                    last_checkpoint: Instant::now(),
                };
                writer.run(queue);
            })
            .map_err(|error| format!("cannot start the audit writer: {error}"))?;
        open_result.recv().map_err(|_| "the audit writer stopped while opening the store".to_owned())??;
        Ok(Auditor { jobs, writable, chain })
    }

    /// Records `record`; resolves once it is committed, with its `seq`.
    ///
    /// # Errors
    /// The store could not be written or the writer is overloaded: the decision must not be
    /// answered.
    pub async fn record(&self, record: Record) -> Result<u64, String> {
        let (done, committed) = tokio::sync::oneshot::channel();
        match self.jobs.try_send(Job::Append(Box::new(record), done)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err("the audit writer is behind".to_owned()),
            Err(TrySendError::Disconnected(_)) => return Err("the audit writer has stopped".to_owned()),
        }
        committed.await.unwrap_or_else(|_| Err("the audit writer has stopped".to_owned()))
    }

    /// False from a failed write until the store can be written again.
    pub fn writable(&self) -> bool {
        self.writable.load(Ordering::SeqCst)
    }

    /// Waits for the records queued so far, writes a last checkpoint and stops the writer.
    pub fn shutdown(&self) {
        let (stopped, wait) = std::sync::mpsc::channel();
        if self.jobs.send(Job::Stop(stopped)).is_ok() {
            let _ = wait.recv_timeout(Duration::from_secs(10));
        }
    }
}

struct Writer {
    store: Box<dyn Store>,
    chain: String,
    checkpoints: CheckpointWriter,
    every: CheckpointEvery,
    metrics: Arc<dyn AuditMetrics>,
    writable: Arc<AtomicBool>,
    /// The chain's size and head after this writer's last commit.
    head: Option<(u64, [u8; 32])>,
    /// Records committed since the last checkpoint.
    unchecked: u64,
    last_checkpoint: Instant,
}

/// However the writer ends (stopped, or a panic unwinding), the store is no longer written:
/// readiness must say so rather than promise what every request would refuse.
impl Drop for Writer {
    fn drop(&mut self) {
        self.writable.store(false, Ordering::SeqCst);
    }
}

impl Writer {
    fn run(mut self, queue: Receiver<Job>) {
        loop {
            let wait = if self.writable.load(Ordering::SeqCst) { self.until_checkpoint() } else { PROBE_EVERY };
            match queue.recv_timeout(wait) {
                Ok(Job::Append(record, done)) => {
                    let mut batch = vec![(record, done)];
                    let mut stop = None;
                    // Whatever arrived while the last batch was committed goes into this one.
                    while batch.len() < MAX_BATCH {
                        match queue.try_recv() {
                            Ok(Job::Append(record, done)) => batch.push((record, done)),
                            Ok(Job::Stop(stopped)) => {
                                stop = Some(stopped);
                                break;
                            }
                            Err(_) => break,
                        }
                    }
                    self.commit(batch);
                    if let Some(stopped) = stop {
                        self.stop(&stopped);
                        return;
                    }
                }
                Ok(Job::Stop(stopped)) => {
                    self.stop(&stopped);
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {
                    if !self.writable.load(Ordering::SeqCst) {
                        if self.store.probe().is_ok() {
                            tracing::info!(chain = %self.chain, "the audit store can be written again");
                            self.writable.store(true, Ordering::SeqCst);
                        }
                    } else if self.unchecked > 0 {
                        self.checkpoint();
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.checkpoint();
                    return;
                }
            }
        }
    }

    fn until_checkpoint(&self) -> Duration {
        if self.unchecked == 0 {
            return self.every.interval;
        }
        self.every.interval.saturating_sub(self.last_checkpoint.elapsed()).max(Duration::from_millis(1))
    }

    fn commit(&mut self, batch: Vec<(Box<Record>, Committed)>) {
        let started = Instant::now();
        let (records, waiting): (Vec<Record>, Vec<_>) = batch.into_iter().map(|(record, done)| (*record, done)).unzip();
        match self.store.append(&self.chain, &records) {
            Ok(entries) => {
                self.metrics.committed(entries.len(), started.elapsed().as_secs_f64());
                self.writable.store(true, Ordering::SeqCst);
                if let Some(last) = entries.last() {
                    self.head = Some((last.seq, last.hash));
                }
                self.unchecked = self.unchecked.saturating_add(entries.len() as u64);
                for (done, entry) in waiting.into_iter().zip(entries.iter()) {
                    let _ = done.send(Ok(entry.seq));
                }
                if self.unchecked >= self.every.records || self.last_checkpoint.elapsed() >= self.every.interval {
                    self.checkpoint();
                }
            }
            Err(error) => {
                self.metrics.failed(records.len());
                if self.writable.swap(false, Ordering::SeqCst) {
                    tracing::error!(chain = %self.chain, %error, "cannot write the audit store: answering 503 until it can");
                }
                for done in waiting {
                    let _ = done.send(Err(error.clone()));
                }
            }
        }
    }

    fn checkpoint(&mut self) {
        let Some((size, head)) = self.head else { return };
        let time_ms = crate::server::now_ms();
        let checkpoint = Checkpoint { chain: self.chain.clone(), size, head, time_ms };
        match self.checkpoints.write(&checkpoint) {
            Ok(()) => {
                self.unchecked = 0;
                self.last_checkpoint = Instant::now();
            }
            Err(error) => {
                self.metrics.checkpoint_failed();
                tracing::error!(chain = %self.chain, %error, "cannot write an audit checkpoint");
            }
        }
    }

    /// The last checkpoint, then the store closed (SQLite folds its WAL back into the file),
    /// then the waiting shutdown is told.
    fn stop(mut self, stopped: &std::sync::mpsc::Sender<()>) {
        if self.unchecked > 0 {
            self.checkpoint();
        }
        drop(self);
        let _ = stopped.send(());
    }
}
