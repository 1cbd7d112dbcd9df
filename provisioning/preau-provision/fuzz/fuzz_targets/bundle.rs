//! Fuzzes what the box reads from a USB stick once the signature holds (or what a leaked
//! signing key could feed it): the zip reader, the manifest and the file checks.
//!
//! Run: `cd provisioning/preau-provision/fuzz && cargo +nightly fuzz run bundle -- -max_total_time=60`

#![no_main]

use libfuzzer_sys::fuzz_target;
use preau_provision::archive::{Limits, read_archive};
use preau_provision::bundle::{self, Manifest};

fuzz_target!(|data: &[u8]| {
    // Smaller caps than a box uses, so that each run stays fast; the checks are the same.
    let limits = Limits {
        max_archive_bytes: 1 << 20,
        max_entries: 64,
        max_entry_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
        max_ratio: 200,
        ratio_grace_bytes: 64 << 10,
    };
    if let Ok(entries) = read_archive(data, &limits) {
        // Whatever is accepted respects the caps and the name rules.
        assert!(entries.len() <= limits.max_entries);
        let total: usize = entries.iter().map(|e| e.data.len()).sum();
        assert!(total as u64 <= limits.max_total_bytes);
        for entry in &entries {
            assert!(preau_provision::archive::check_name(&entry.name).is_ok());
        }
    }
    let _ = bundle::inspect_unverified(data, &limits);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Manifest::parse(text);
        let _ = bundle::Description::parse(text);
    }
});
