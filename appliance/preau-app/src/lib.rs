//! Préau's use cases. One method per thing a person does; each checks access with
//! [`preau_core::can`] before touching the store, so every front end gets the same rules.
//!
//! The [`App`] owns the store, an in-memory snapshot of the school directory (rebuilt after
//! each directory write, so access decisions need no database read), the password hasher and
//! the clock.

pub mod accounts;
pub mod app_passwords;
pub mod assignments;
pub mod auth;
pub mod bookings;
pub mod commune;
pub mod demo;
pub mod directory;
pub mod documents;
pub mod error;
pub mod exercises;
pub mod ical;
pub mod liaison;
pub mod library;
pub mod library_import;
pub mod logbook;
pub mod mdns;
pub mod media;
pub mod messages;
pub mod news;
pub mod notifications;
pub mod onde_import;
pub mod paris;
pub mod passwords;
pub mod pki;
pub mod previews;
pub mod provisioning;
pub mod rich_text;
pub mod search;
pub mod settings;
pub mod shares;
pub mod sync;
pub mod tokens;

pub use auth::{SignedIn, Visitor};
pub use directory::Directory;
pub use error::{AppError, Problem};
pub use settings::Settings;

use preau_store::Store;
use preau_store::blobs::Blobs;
use std::sync::{Arc, RwLock};

/// Where the time comes from: the system clock, or a fixed one in tests (Unix seconds).
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| time::OffsetDateTime::now_utc().unix_timestamp())
}

/// The application: everything the web layer and the command line call.
pub struct App {
    store: Store,
    blobs: Blobs,
    derived: media::Derived,
    search: search::Search,
    directory: RwLock<Arc<Directory>>,
    hasher: passwords::Hasher,
    settings: Settings,
    clock: Clock,
    last_stick: std::sync::Mutex<Option<provisioning::StickOutcome>>,
    sync_status: std::sync::Mutex<sync::SyncStatus>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("store", &self.store).finish()
    }
}

impl App {
    /// Builds the application over an open store.
    pub fn new(store: Store, settings: Settings, clock: Clock) -> Result<App, AppError> {
        let directory = Directory::load(&store)?;
        let data_dir = store.path().parent().unwrap_or(std::path::Path::new("."));
        let blobs = Blobs::open(data_dir).map_err(|e| AppError::Disk(e.to_string()))?;
        let derived = media::Derived::open(data_dir).map_err(|e| AppError::Disk(e.to_string()))?;
        let search = search::Search::open(data_dir);
        let millis = clock.clone();
        store.set_clock(Arc::new(move || millis().saturating_mul(1000)));
        Ok(App {
            blobs,
            derived,
            search,
            hasher: passwords::Hasher::new(&settings),
            store,
            directory: RwLock::new(Arc::new(directory)),
            settings,
            clock,
            last_stick: std::sync::Mutex::new(None),
            sync_status: std::sync::Mutex::new(sync::SyncStatus::default()),
        })
    }

    /// The current directory snapshot.
    pub fn directory(&self) -> Arc<Directory> {
        match self.directory.read() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The store (for the command line's maintenance commands).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    /// Reloads the directory snapshot after a directory write.
    fn refresh_directory(&self) -> Result<(), AppError> {
        let fresh = Arc::new(Directory::load(&self.store)?);
        match self.directory.write() {
            Ok(mut guard) => *guard = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}
