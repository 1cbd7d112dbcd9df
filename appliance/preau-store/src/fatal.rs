//! A storage I/O error ends the process: systemd restarts it, and on restart redb repairs the
//! file. Serving on after a failed write could acknowledge work that is not on disk.

use std::sync::OnceLock;

/// Exit status used when storage fails (EX_IOERR).
pub const EXIT_STORAGE_FAILURE: i32 = 74;

type Hook = Box<dyn Fn(&str) + Send + Sync>;
static HOOK: OnceLock<Hook> = OnceLock::new();

/// Replaces the default reaction (log and exit) — for tests that provoke storage failures.
pub fn set_hook(hook: impl Fn(&str) + Send + Sync + 'static) {
    let _ = HOOK.set(Box::new(hook));
}

/// Whether a redb error is a storage failure after which the process must not go on.
pub fn is_storage_failure(error: &redb::Error) -> bool {
    matches!(
        error,
        redb::Error::Io(_) | redb::Error::PreviousIo | redb::Error::Corrupted(_)
    )
}

/// Ends the process (or calls the test hook) if `error` is a storage failure.
pub fn check(error: &redb::Error) {
    if !is_storage_failure(error) {
        return;
    }
    let message = format!("storage failure, stopping to protect the data: {error}");
    tracing::error!("{message}");
    match HOOK.get() {
        Some(hook) => hook(&message),
        None => {
            eprintln!("preau: {message}");
            std::process::exit(EXIT_STORAGE_FAILURE);
        }
    }
}
