//! The database handle and its read and write transactions.

use crate::StoreError;
use crate::feed::FeedEntry;
use crate::record::{self, Record};
use crate::schema::{self, Schema};
use preau_sync::{Hlc, Stamp};
use redb::{
    Database, DatabaseError, Durability, MultimapTableDefinition, ReadTransaction,
    ReadableDatabase, ReadableMultimapTable, ReadableTable, TableDefinition, TableError,
    WriteTransaction,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// Milliseconds since the Unix epoch, as the store's clock reads them.
pub type MillisClock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// Small bookkeeping numbers: schema version, replica id, sequence counters.
pub(crate) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// The change feed, by this replica's sequence number.
pub(crate) const CHANGES: TableDefinition<u64, &[u8]> = TableDefinition::new("changes");
/// The index feed: keys ("node/42") the search index must (re)read, by sequence number.
const INDEX_FEED: TableDefinition<u64, &str> = TableDefinition::new("index_feed");
/// The counter of the index feed.
const INDEX_SEQ: &str = "index_seq";

/// A secondary index: one key, many record keys (a folder's children, a node's shares…).
pub type Index = MultimapTableDefinition<'static, u64, u64>;
/// A lookup from a text key to a record key (a space by its owner…).
pub type Lookup = TableDefinition<'static, &'static str, u64>;
/// A timeline: record keys filed by an owner key and a time, read back by time range (the
/// bookings of a room, of a teacher).
pub type Timeline = TableDefinition<'static, (u64, i64, u64), ()>;

/// The name of the database file inside a data directory.
pub const DB_FILE: &str = "preau.redb";
/// Page cache size: the whole directory of a school fits many times over.
const CACHE_BYTES: usize = 16 * 1024 * 1024;

/// An open Préau database.
pub struct Store {
    db: Database,
    replica: u64,
    path: PathBuf,
    /// The hybrid logical clock that stamps writes of replicated records.
    hlc: Arc<Mutex<Hlc>>,
    /// The wall clock the stamps start from (the application's, in tests a simulated one).
    clock: Arc<RwLock<MillisClock>>,
}

fn system_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (or creates) the database of a data directory, applying pending migrations.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(dir, &schema::SCHEMA)
    }

    /// Opens with an explicit schema (tests use this to exercise migrations).
    pub fn open_with(dir: &Path, schema: &Schema) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Directory {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(&path)
            .map_err(|e| match e {
                DatabaseError::DatabaseAlreadyOpen => StoreError::Locked(path.clone()),
                other => StoreError::from(redb::Error::from(other)),
            })?;
        Store::prepared(db, path, schema)
    }

    fn prepared(db: Database, path: PathBuf, schema: &Schema) -> Result<Store, StoreError> {
        let mut store = Store {
            db,
            replica: 0,
            path,
            hlc: Arc::new(Mutex::new(Hlc::new(0, None))),
            clock: Arc::new(RwLock::new(Arc::new(system_millis))),
        };
        store.replica = schema::prepare(&store, schema)?;
        let last = crate::sync::last_stamp(&store.read()?)?;
        store.hlc = Arc::new(Mutex::new(Hlc::new(store.replica, last)));
        Ok(store)
    }

    /// Sets the clock replicated writes are stamped from (the application's clock).
    pub fn set_clock(&self, clock: MillisClock) {
        match self.clock.write() {
            Ok(mut guard) => *guard = clock,
            Err(poisoned) => *poisoned.into_inner() = clock,
        }
    }

    /// The store's clock, in milliseconds.
    pub fn now_millis(&self) -> i64 {
        match self.clock.read() {
            Ok(guard) => guard(),
            Err(poisoned) => poisoned.into_inner()(),
        }
    }

    /// Opens a database on a custom redb backend (fault-injection tests).
    #[doc(hidden)]
    pub fn open_on_backend(
        backend: impl redb::StorageBackend,
        schema: &Schema,
    ) -> Result<Store, StoreError> {
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create_with_backend(backend)
            .map_err(|e| StoreError::from(redb::Error::from(e)))?;
        Store::prepared(db, PathBuf::from("(memory)"), schema)
    }

    /// Gives this database a new replica id (a box restored from a backup: the old id's
    /// sequence numbers may already have been used after the backup was taken). The change
    /// feed and the outbox go on; the other side sees a new origin and recognises the
    /// versions it already holds by their stamps.
    pub fn new_replica(&mut self) -> Result<u64, StoreError> {
        let id = schema::random_u64();
        self.write(|w| -> Result<(), StoreError> {
            w.tx.open_table(META)?.insert("replica_id", id)?;
            crate::sync::set_state(w, "pushed", 0)
        })?;
        self.replica = id;
        let last = crate::sync::last_stamp(&self.read()?)?;
        self.hlc = Arc::new(Mutex::new(Hlc::new(id, last)));
        Ok(id)
    }

    /// This replica's id, chosen at random when the database was created.
    pub fn replica_id(&self) -> u64 {
        self.replica
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Starts a read-only snapshot.
    pub fn read(&self) -> Result<Reader, StoreError> {
        Ok(Reader {
            tx: self.db.begin_read()?,
        })
    }

    /// Runs `work` in one durable write transaction: it commits if `work` returns `Ok`
    /// and is rolled back entirely otherwise.
    pub fn write<T, E: From<StoreError>>(
        &self,
        work: impl FnOnce(&mut Writer) -> Result<T, E>,
    ) -> Result<T, E> {
        let mut tx = self.db.begin_write().map_err(StoreError::from)?;
        tx.set_durability(Durability::Immediate)
            .map_err(StoreError::from)?;
        tx.set_two_phase_commit(true);
        tx.set_quick_repair(true);
        let mut writer = Writer {
            tx,
            replica: self.replica,
            remote: false,
            stamp: None,
            hlc: self.hlc.clone(),
            now: self.now_millis(),
        };
        let value = work(&mut writer)?;
        writer.tx.commit().map_err(StoreError::from)?;
        Ok(value)
    }

    /// Checks the file's integrity (checksums of every page). Needs exclusive access.
    pub fn check_integrity(&mut self) -> Result<bool, StoreError> {
        self.db
            .check_integrity()
            .map_err(|e| StoreError::from(redb::Error::from(e)))
    }

    /// Index-feed entries after sequence number `after`, oldest first, at most `limit`.
    pub fn index_feed_since(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, String)>, StoreError> {
        let reader = self.read()?;
        let table = match reader.tx.open_table(INDEX_FEED) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for item in table.range(after + 1..)?.take(limit) {
            let (seq, key) = item?;
            out.push((seq.value(), key.value().to_string()));
        }
        Ok(out)
    }

    /// Drops index-feed entries up to `upto` (the index has them).
    pub fn trim_index_feed(&self, upto: u64) -> Result<(), StoreError> {
        self.write(|w| -> Result<(), StoreError> {
            let mut table = w.tx.open_table(INDEX_FEED)?;
            table.retain_in(..=upto, |_, _| false)?;
            Ok(())
        })
    }

    /// Change-feed entries after sequence number `after`, oldest first, at most `limit`.
    pub fn changes_since(&self, after: u64, limit: usize) -> Result<Vec<FeedEntry>, StoreError> {
        let reader = self.read()?;
        let table = match reader.tx.open_table(CHANGES) {
            Ok(t) => t,
            Err(TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for item in table.range(after + 1..)?.take(limit) {
            let (_, value) = item?;
            out.push(record::decode_plain("change", value.value())?);
        }
        Ok(out)
    }
}

/// What both a read snapshot and a write transaction can read, so that lookups are written
/// once for both.
pub trait Tables {
    /// Reads one record.
    fn get<R: Record>(&self, key: u64) -> Result<Option<R>, StoreError>;
    /// The record keys filed under `key` in an index.
    fn index(&self, index: Index, key: u64) -> Result<Vec<u64>, StoreError>;
    /// The record key a text key points to.
    fn lookup(&self, lookup: Lookup, key: &str) -> Result<Option<u64>, StoreError>;
    /// The record keys filed under `key` at a time in `from..to`, in time order.
    fn timeline(
        &self,
        timeline: Timeline,
        key: u64,
        from: i64,
        to: i64,
    ) -> Result<Vec<u64>, StoreError>;
    /// Every record of a kind, in key order.
    fn all<R: Record>(&self) -> Result<Vec<R>, StoreError>;
}

impl Tables for Reader {
    fn get<R: Record>(&self, key: u64) -> Result<Option<R>, StoreError> {
        Reader::get(self, key)
    }
    fn all<R: Record>(&self) -> Result<Vec<R>, StoreError> {
        Reader::all(self)
    }
    fn index(&self, index: Index, key: u64) -> Result<Vec<u64>, StoreError> {
        Reader::index(self, index, key)
    }
    fn lookup(&self, lookup: Lookup, key: &str) -> Result<Option<u64>, StoreError> {
        Reader::lookup(self, lookup, key)
    }
    fn timeline(&self, t: Timeline, key: u64, from: i64, to: i64) -> Result<Vec<u64>, StoreError> {
        match self.tx.open_table(t) {
            Ok(table) => timeline_in(&table, key, from, to),
            Err(TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }
}

impl Tables for Writer {
    fn get<R: Record>(&self, key: u64) -> Result<Option<R>, StoreError> {
        Writer::get(self, key)
    }
    fn all<R: Record>(&self) -> Result<Vec<R>, StoreError> {
        Writer::all(self)
    }
    fn index(&self, index: Index, key: u64) -> Result<Vec<u64>, StoreError> {
        Writer::index(self, index, key)
    }
    fn lookup(&self, lookup: Lookup, key: &str) -> Result<Option<u64>, StoreError> {
        Writer::lookup(self, lookup, key)
    }
    fn timeline(&self, t: Timeline, key: u64, from: i64, to: i64) -> Result<Vec<u64>, StoreError> {
        timeline_in(&self.tx.open_table(t)?, key, from, to)
    }
}

/// A consistent read-only snapshot of the database.
pub struct Reader {
    pub(crate) tx: ReadTransaction,
}

impl Reader {
    /// The index feed's last sequence number in this snapshot: everything written up to it
    /// is visible here (a full reindex from this snapshot may record it as its watermark).
    pub fn index_seq(&self) -> Result<u64, StoreError> {
        match self.tx.open_table(META) {
            Ok(meta) => Ok(meta.get(INDEX_SEQ)?.map(|v| v.value()).unwrap_or(0)),
            Err(TableError::TableDoesNotExist(_)) => Ok(0),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads one record.
    pub fn get<R: Record>(&self, key: u64) -> Result<Option<R>, StoreError> {
        match self.tx.open_table(R::TABLE) {
            Ok(table) => get_in(&table, key),
            Err(TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Reads every record of a kind, in key order.
    pub fn all<R: Record>(&self) -> Result<Vec<R>, StoreError> {
        match self.tx.open_table(R::TABLE) {
            Ok(table) => all_in(&table),
            Err(TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// The record keys filed under `key` in an index.
    pub fn index(&self, index: Index, key: u64) -> Result<Vec<u64>, StoreError> {
        match self.tx.open_multimap_table(index) {
            Ok(table) => index_in(&table, key),
            Err(TableError::TableDoesNotExist(_)) => Ok(Vec::new()),
            Err(e) => Err(e.into()),
        }
    }

    /// The record key a text key points to.
    pub fn lookup(&self, lookup: Lookup, key: &str) -> Result<Option<u64>, StoreError> {
        match self.tx.open_table(lookup) {
            Ok(table) => Ok(table.get(key)?.map(|v| v.value())),
            Err(TableError::TableDoesNotExist(_)) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }
}

/// An open write transaction. Replicated records written through it enter the change feed.
pub struct Writer {
    pub(crate) tx: WriteTransaction,
    replica: u64,
    /// Set while writing records received from another replica: they keep their origin's
    /// stamp and do not enter this replica's change feed.
    pub(crate) remote: bool,
    /// The stamp of this transaction's replicated writes, taken at the first one.
    stamp: Option<Stamp>,
    hlc: Arc<Mutex<Hlc>>,
    now: i64,
}

impl Writer {
    /// Reads one record, seeing this transaction's own writes.
    pub fn get<R: Record>(&self, key: u64) -> Result<Option<R>, StoreError> {
        get_in(&self.tx.open_table(R::TABLE)?, key)
    }

    /// Reads every record of a kind, seeing this transaction's own writes.
    pub fn all<R: Record>(&self) -> Result<Vec<R>, StoreError> {
        all_in(&self.tx.open_table(R::TABLE)?)
    }

    /// Inserts or replaces a record.
    pub fn put<R: Record>(&mut self, value: &R) -> Result<(), StoreError> {
        let bytes = record::encode(R::VERSION, value);
        self.tx
            .open_table(R::TABLE)?
            .insert(value.key(), bytes.as_slice())?;
        if R::REPLICATED && !self.remote {
            self.append_change(R::KIND, value.key(), false)?;
        }
        if R::INDEXED {
            self.mark_for_index(&format!("{}/{}", R::KIND, value.key()))?;
        }
        Ok(())
    }

    /// Deletes a record; returns whether it existed.
    pub fn delete<R: Record>(&mut self, key: u64) -> Result<bool, StoreError> {
        let existed = self.tx.open_table(R::TABLE)?.remove(key)?.is_some();
        if existed && R::REPLICATED && !self.remote {
            self.append_change(R::KIND, key, true)?;
        }
        if existed && R::INDEXED {
            self.mark_for_index(&format!("{}/{}", R::KIND, key))?;
        }
        Ok(existed)
    }

    /// Asks the search index to read `key` ("node/42") again, in this transaction (when
    /// something it depends on changed: a share, a folder above it).
    pub fn mark_for_index(&mut self, key: &str) -> Result<(), StoreError> {
        let seq = self.next_counter(INDEX_SEQ)?;
        self.tx.open_table(INDEX_FEED)?.insert(seq, key)?;
        Ok(())
    }

    /// The record keys filed under `key` in an index, seeing this transaction's writes.
    pub fn index(&self, index: Index, key: u64) -> Result<Vec<u64>, StoreError> {
        index_in(&self.tx.open_multimap_table(index)?, key)
    }

    /// Files `value` under `key` in an index.
    pub fn index_add(&mut self, index: Index, key: u64, value: u64) -> Result<(), StoreError> {
        self.tx.open_multimap_table(index)?.insert(key, value)?;
        Ok(())
    }

    /// Files record `value` under `key` at time `at` in a timeline.
    pub fn timeline_add(
        &mut self,
        t: Timeline,
        key: u64,
        at: i64,
        value: u64,
    ) -> Result<(), StoreError> {
        self.tx.open_table(t)?.insert((key, at, value), ())?;
        Ok(())
    }

    /// Removes record `value` filed under `key` at time `at` from a timeline.
    pub fn timeline_remove(
        &mut self,
        t: Timeline,
        key: u64,
        at: i64,
        value: u64,
    ) -> Result<(), StoreError> {
        self.tx.open_table(t)?.remove((key, at, value))?;
        Ok(())
    }

    /// Removes `value` from under `key` in an index.
    pub fn index_remove(&mut self, index: Index, key: u64, value: u64) -> Result<(), StoreError> {
        self.tx.open_multimap_table(index)?.remove(key, value)?;
        Ok(())
    }

    /// The record key a text key points to, seeing this transaction's writes.
    pub fn lookup(&self, lookup: Lookup, key: &str) -> Result<Option<u64>, StoreError> {
        Ok(self.tx.open_table(lookup)?.get(key)?.map(|v| v.value()))
    }

    /// Points a text key at a record key.
    pub fn set_lookup(&mut self, lookup: Lookup, key: &str, value: u64) -> Result<(), StoreError> {
        self.tx.open_table(lookup)?.insert(key, value)?;
        Ok(())
    }

    /// Removes a text key from a lookup.
    pub fn remove_lookup(&mut self, lookup: Lookup, key: &str) -> Result<(), StoreError> {
        self.tx.open_table(lookup)?.remove(key)?;
        Ok(())
    }

    /// Takes the next value of a named counter (starting at 1).
    pub fn next_counter(&mut self, name: &str) -> Result<u64, StoreError> {
        let mut meta = self.tx.open_table(META)?;
        let next = meta.get(name)?.map(|v| v.value()).unwrap_or(0) + 1;
        meta.insert(name, next)?;
        Ok(next)
    }

    /// This transaction's stamp for replicated writes (one per transaction, from the
    /// hybrid logical clock, which is kept in the database so it never goes back).
    pub fn stamp(&mut self) -> Result<Stamp, StoreError> {
        if let Some(stamp) = self.stamp {
            return Ok(stamp);
        }
        let stamp = match self.hlc.lock() {
            Ok(mut hlc) => hlc.tick(self.now),
            Err(poisoned) => poisoned.into_inner().tick(self.now),
        };
        crate::sync::save_last_stamp(self, stamp)?;
        self.stamp = Some(stamp);
        Ok(stamp)
    }

    /// Lets the hybrid logical clock know of a stamp received from another replica (kept
    /// in the database, so that after a restart a local write still outranks it).
    pub fn observe(&mut self, remote: Stamp) -> Result<(), StoreError> {
        let last = match self.hlc.lock() {
            Ok(mut hlc) => {
                hlc.observe(remote, self.now);
                hlc.last()
            }
            Err(poisoned) => {
                let mut hlc = poisoned.into_inner();
                hlc.observe(remote, self.now);
                hlc.last()
            }
        };
        match last {
            Some(last) => crate::sync::save_last_stamp(self, last),
            None => Ok(()),
        }
    }

    /// Appends a change-feed entry and stamps the record, in this transaction.
    fn append_change(&mut self, kind: &str, key: u64, deleted: bool) -> Result<(), StoreError> {
        let stamp = self.stamp()?;
        crate::sync::set_stamp(self, kind, key, stamp, deleted)?;
        let seq = self.next_counter("feed_seq")?;
        let entry = FeedEntry {
            replica: self.replica,
            seq,
            key: format!("{kind}/{key}"),
            deleted,
        };
        let bytes = postcard::to_stdvec(&entry).unwrap_or_default();
        self.tx.open_table(CHANGES)?.insert(seq, bytes.as_slice())?;
        Ok(())
    }
}

fn get_in<R: Record>(
    table: &impl ReadableTable<u64, &'static [u8]>,
    key: u64,
) -> Result<Option<R>, StoreError> {
    match table.get(key)? {
        Some(value) => record::decode(value.value()).map(Some),
        None => Ok(None),
    }
}

fn index_in(
    table: &impl ReadableMultimapTable<u64, u64>,
    key: u64,
) -> Result<Vec<u64>, StoreError> {
    let mut out = Vec::new();
    for item in table.get(key)? {
        out.push(item?.value());
    }
    Ok(out)
}

fn timeline_in(
    table: &impl ReadableTable<(u64, i64, u64), ()>,
    key: u64,
    from: i64,
    to: i64,
) -> Result<Vec<u64>, StoreError> {
    let mut out = Vec::new();
    if from >= to {
        return Ok(out);
    }
    for item in table.range((key, from, 0)..(key, to, 0))? {
        out.push(item?.0.value().2);
    }
    Ok(out)
}

fn all_in<R: Record>(table: &impl ReadableTable<u64, &'static [u8]>) -> Result<Vec<R>, StoreError> {
    let mut out = Vec::new();
    for item in table.iter()? {
        let (_, value) = item?;
        out.push(record::decode(value.value())?);
    }
    Ok(out)
}
