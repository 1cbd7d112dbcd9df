//! The hostile corpus: archives built byte by byte to attack the box's reader. Each is
//! refused with a clear message; the reader returns contents in memory only, so a refusal has
//! extracted nothing (checked through the command-line tool too, which must not create files).

use flate2::Compression;
use flate2::write::DeflateEncoder;
use preau_provision::archive::{self, ArchiveError, Limits, NameProblem, read_archive};
use preau_provision::bundle::{self, BundleError};
use preau_provision::ca;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use time::OffsetDateTime;

const UNIX: u16 = (3 << 8) | 20;
const REGULAR: u32 = 0o100_644 << 16;

/// One entry as the attacker writes it: every header field can lie.
#[derive(Clone)]
struct Raw {
    name: Vec<u8>,
    data: Vec<u8>,
    method: u16,
    flags: u16,
    crc: u32,
    compressed: u32,
    /// Uncompressed size in the central directory.
    size: u32,
    /// Uncompressed size in the local header.
    local_size: u32,
    made_by: u16,
    external: u32,
}

fn crc(data: &[u8]) -> u32 {
    let mut crc = flate2::Crc::new();
    crc.update(data);
    crc.sum()
}

impl Raw {
    fn stored(name: &str, content: &[u8]) -> Raw {
        Raw {
            name: name.as_bytes().to_vec(),
            data: content.to_vec(),
            method: 0,
            flags: 0,
            crc: crc(content),
            compressed: content.len() as u32,
            size: content.len() as u32,
            local_size: content.len() as u32,
            made_by: UNIX,
            external: REGULAR,
        }
    }

    fn deflated(name: &str, content: &[u8]) -> Raw {
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(content).expect("deflate");
        let data = encoder.finish().expect("deflate");
        Raw {
            compressed: data.len() as u32,
            data,
            method: 8,
            ..Raw::stored(name, content)
        }
    }

    fn sizes(mut self, size: u32) -> Raw {
        self.size = size;
        self.local_size = size;
        self
    }
}

fn local_header(e: &Raw) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&e.flags.to_le_bytes());
    out.extend_from_slice(&e.method.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0x21, 0]);
    out.extend_from_slice(&e.crc.to_le_bytes());
    out.extend_from_slice(&e.compressed.to_le_bytes());
    out.extend_from_slice(&e.local_size.to_le_bytes());
    out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&e.name);
    out
}

fn central_record(e: &Raw, offset: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    out.extend_from_slice(&e.made_by.to_le_bytes());
    out.extend_from_slice(&20u16.to_le_bytes());
    out.extend_from_slice(&e.flags.to_le_bytes());
    out.extend_from_slice(&e.method.to_le_bytes());
    out.extend_from_slice(&[0, 0, 0x21, 0]);
    out.extend_from_slice(&e.crc.to_le_bytes());
    out.extend_from_slice(&e.compressed.to_le_bytes());
    out.extend_from_slice(&e.size.to_le_bytes());
    out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&e.external.to_le_bytes());
    out.extend_from_slice(&offset.to_le_bytes());
    out.extend_from_slice(&e.name);
    out
}

fn end_record(count: u16, cd_size: u32, cd_offset: u32) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

fn zip(entries: &[Raw]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for e in entries {
        let offset = out.len() as u32;
        out.extend_from_slice(&local_header(e));
        out.extend_from_slice(&e.data);
        central.extend_from_slice(&central_record(e, offset));
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(&end_record(
        entries.len() as u16,
        central.len() as u32,
        cd_offset,
    ));
    out
}

fn refused(bytes: &[u8]) -> ArchiveError {
    refused_with(bytes, &Limits::default())
}

fn refused_with(bytes: &[u8], limits: &Limits) -> ArchiveError {
    let e = read_archive(bytes, limits).expect_err("must be refused");
    assert!(!e.french().is_empty() && !e.to_string().is_empty());
    e
}

#[test]
fn the_raw_builder_makes_valid_archives() {
    let ok = zip(&[
        Raw::stored("a.txt", b"hello"),
        Raw::deflated("b.csv", &[b'x'; 5000]),
    ]);
    let entries = read_archive(&ok, &Limits::default()).unwrap();
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[1].data, vec![b'x'; 5000]);
}

#[test]
fn path_traversal_absolute_and_drive_paths() {
    for (name, problem, french) in [
        (
            "../evil.txt",
            NameProblem::ParentComponent,
            "remontée de dossier",
        ),
        (
            "onde/../../evil.txt",
            NameProblem::ParentComponent,
            "remontée de dossier",
        ),
        ("/etc/cron.d/evil", NameProblem::Absolute, "chemin absolu"),
        (
            "C:\\Windows\\evil.txt",
            NameProblem::DriveLetter,
            "lettre de lecteur",
        ),
        ("C:/evil.txt", NameProblem::DriveLetter, "lettre de lecteur"),
        (
            "onde\\..\\..\\evil.txt",
            NameProblem::Backslash,
            "barre oblique inverse",
        ),
        ("evil.txt:stream", NameProblem::Colon, "deux-points"),
        ("a/./b", NameProblem::CurrentComponent, "composant"),
        (
            "a//b",
            NameProblem::EmptyComponent,
            "composant de chemin vide",
        ),
        (
            "evil\n.txt",
            NameProblem::ControlCharacter,
            "caractère de contrôle",
        ),
    ] {
        let e = refused(&zip(&[
            Raw::stored("manifest.toml", b""),
            Raw::stored(name, b"x"),
        ]));
        assert_eq!(
            e,
            ArchiveError::UnsafeName {
                name: name.into(),
                problem
            },
            "{name:?}"
        );
        assert!(e.french().contains(french), "{name:?}: {}", e.french());
    }
    let mut latin1 = Raw::stored("x", b"x");
    latin1.name = b"\xe9l\xe8ves.csv".to_vec();
    assert!(matches!(
        refused(&zip(&[latin1])),
        ArchiveError::UnsafeName {
            problem: NameProblem::NotUtf8,
            ..
        }
    ));
}

#[test]
fn symlinks_directories_and_special_files() {
    let mut link = Raw::stored("tls/box.key", b"/etc/shadow");
    link.external = 0o120_777 << 16;
    let e = refused(&zip(&[link.clone()]));
    assert_eq!(
        e,
        ArchiveError::Symlink {
            name: "tls/box.key".into()
        }
    );
    assert!(e.french().contains("lien symbolique"), "{}", e.french());
    // Whatever the host system byte says.
    link.made_by = 20;
    assert!(matches!(
        refused(&zip(&[link])),
        ArchiveError::Symlink { .. }
    ));

    let mut fifo = Raw::stored("fifo", b"");
    fifo.external = 0o010_644 << 16;
    assert!(matches!(
        refused(&zip(&[fifo])),
        ArchiveError::NotAFile { .. }
    ));
    let mut directory = Raw::stored("onde/", b"");
    directory.external = (0o040_755 << 16) | 0x10;
    assert!(matches!(
        refused(&zip(&[directory])),
        ArchiveError::NotAFile { .. }
    ));
    let mut dos_directory = Raw::stored("onde", b"");
    dos_directory.made_by = 20;
    dos_directory.external = 0x10;
    assert!(matches!(
        refused(&zip(&[dos_directory])),
        ArchiveError::NotAFile { .. }
    ));
}

#[test]
fn zip_bombs_are_stopped_while_inflating() {
    // 16 MiB of zeros in about 16 KiB: announced honestly, under the per-entry cap.
    let bomb = Raw::deflated("onde/eleves.csv", &vec![0u8; 16 << 20]);
    assert!(bomb.data.len() < 64 << 10);
    let started = Instant::now();
    let e = refused(&zip(std::slice::from_ref(&bomb)));
    assert_eq!(
        e,
        ArchiveError::RatioTooHigh {
            name: "onde/eleves.csv".into(),
            max_ratio: 200
        }
    );
    assert!(e.french().contains("bombe zip"), "{}", e.french());
    assert!(started.elapsed() < Duration::from_secs(5));

    // Announced larger than the per-entry cap: refused before inflating.
    let huge = Raw::deflated("big", &vec![0u8; 1 << 20]).sizes(u32::MAX - 1);
    assert!(matches!(
        refused(&zip(&[huge])),
        ArchiveError::EntryTooLarge { .. }
    ));

    // With a generous ratio the per-entry cap stops it, counted on real bytes…
    let generous = Limits {
        max_ratio: u64::MAX,
        max_entry_bytes: 4 << 20,
        ..Limits::default()
    };
    let lying_small = bomb.clone().sizes(1 << 20);
    assert!(matches!(
        refused_with(&zip(&[lying_small]), &generous),
        ArchiveError::SizeMismatch { more: true, .. }
    ));
    assert!(matches!(
        refused_with(&zip(std::slice::from_ref(&bomb)), &generous),
        ArchiveError::EntryTooLarge { .. }
    ));
    // …and the total cap stops many entries each under the per-entry cap.
    let total = Limits {
        max_ratio: u64::MAX,
        max_total_bytes: 40 << 20,
        ..Limits::default()
    };
    let many: Vec<Raw> = (0..4)
        .map(|i| Raw::deflated(&format!("part{i}"), &vec![0u8; 12 << 20]))
        .collect();
    assert_eq!(
        refused_with(&zip(&many), &total),
        ArchiveError::TotalTooLarge { max: 40 << 20 }
    );
}

#[test]
fn lying_size_headers() {
    let content = b"Nom;Prenom\r\n".repeat(1000);
    // Announces 100 bytes, holds 12 000: stopped at the first chunk past 100.
    let e = refused(&zip(&[Raw::deflated("onde/a.csv", &content).sizes(100)]));
    assert!(
        matches!(
            e,
            ArchiveError::SizeMismatch {
                declared: 100,
                more: true,
                ..
            }
        ),
        "{e}"
    );
    assert!(
        e.french().contains("l'en-tête annonce 100 octets"),
        "{}",
        e.french()
    );
    // Announces more than it holds.
    let e = refused(&zip(&[Raw::deflated("onde/a.csv", &content).sizes(20_000)]));
    assert_eq!(
        e,
        ArchiveError::SizeMismatch {
            name: "onde/a.csv".into(),
            declared: 20_000,
            actual_at_least: 12_000,
            more: false
        }
    );
    // A stored entry whose sizes disagree with its data.
    let mut stored = Raw::stored("a", b"hello");
    stored.size = 3;
    stored.local_size = 3;
    assert!(matches!(
        refused(&zip(&[stored])),
        ArchiveError::SizeMismatch { .. }
    ));

    // The same, by editing a real archive's header bytes: the local header's and the central
    // record's uncompressed size of the only entry.
    let real = archive::write_archive(&[("onde/a.csv".into(), content.clone())]).unwrap();
    read_archive(&real, &Limits::default()).unwrap();
    let cd_offset =
        u32::from_le_bytes(real[real.len() - 6..real.len() - 2].try_into().unwrap()) as usize;
    let mut both = real.clone();
    both[22..26].copy_from_slice(&50u32.to_le_bytes());
    both[cd_offset + 24..cd_offset + 28].copy_from_slice(&50u32.to_le_bytes());
    assert!(matches!(
        refused(&both),
        ArchiveError::SizeMismatch { declared: 50, .. }
    ));
    // Only the central record lies: the local header contradicts it.
    let mut central_only = real.clone();
    central_only[cd_offset + 24..cd_offset + 28].copy_from_slice(&50u32.to_le_bytes());
    let e = refused(&central_only);
    assert_eq!(
        e,
        ArchiveError::HeaderMismatch {
            name: "onde/a.csv".into()
        }
    );
    assert!(e.french().contains("contredit"), "{}", e.french());
    // The compressed size lies (one byte short): the deflate stream does not fit.
    let mut short = real.clone();
    let compressed = u32::from_le_bytes(real[18..22].try_into().unwrap());
    short[18..22].copy_from_slice(&(compressed - 1).to_le_bytes());
    short[cd_offset + 20..cd_offset + 24].copy_from_slice(&(compressed - 1).to_le_bytes());
    assert!(read_archive(&short, &Limits::default()).is_err());
    // A wrong CRC.
    let mut bad_crc = Raw::stored("a", b"hello");
    bad_crc.crc ^= 1;
    assert!(matches!(
        refused(&zip(&[bad_crc])),
        ArchiveError::CrcMismatch { .. }
    ));
}

/// The central directory of `count` records all pointing at one empty stored local header,
/// closed by a ZIP64 end record (a count above 65 535 needs one): about 47 bytes an entry.
fn million_entries(count: u64) -> Vec<u8> {
    let empty = Raw::stored("a", b"");
    let mut out = local_header(&empty);
    let record = central_record(&empty, 0);
    let cd_offset = out.len() as u64;
    out.reserve(record.len() * count as usize + 100);
    for _ in 0..count {
        out.extend_from_slice(&record);
    }
    let cd_size = out.len() as u64 - cd_offset;
    let zip64_at = out.len() as u64;
    out.extend_from_slice(&0x0606_4b50u32.to_le_bytes());
    out.extend_from_slice(&44u64.to_le_bytes());
    out.extend_from_slice(&45u16.to_le_bytes());
    out.extend_from_slice(&45u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&cd_size.to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&0x0706_4b50u32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&zip64_at.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    out.extend_from_slice(&[0xff; 16]);
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

#[test]
fn a_million_entries_are_refused_before_the_central_directory_is_read() {
    let started = Instant::now();
    let bytes = million_entries(1_000_000);
    assert!(bytes.len() > 40_000_000);
    // A smaller file cap refuses it on its size alone.
    let small_file = Limits {
        max_archive_bytes: 1 << 20,
        ..Limits::default()
    };
    assert!(matches!(
        refused_with(&bytes, &small_file),
        ArchiveError::TooLarge { .. }
    ));
    // Under the default caps (the file is 47 MB), the count in the end record is enough.
    let checked = Instant::now();
    let e = refused(&bytes);
    assert_eq!(
        e,
        ArchiveError::TooManyEntries {
            count: 1_000_000,
            max: 256
        }
    );
    assert!(e.french().contains("1000000 entrées"), "{}", e.french());
    assert!(
        checked.elapsed() < Duration::from_millis(500),
        "{:?}",
        checked.elapsed()
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );

    // Without ZIP64, a count that wrapped around 65 536: the central directory's size gives
    // it away.
    let empty = Raw::stored("a", b"");
    let mut wrapped = local_header(&empty);
    let record = central_record(&empty, 0);
    for _ in 0..65_536 + 3 {
        wrapped.extend_from_slice(&record);
    }
    let cd_size = (wrapped.len() - 31) as u32;
    wrapped.extend_from_slice(&end_record(3, cd_size, 31));
    assert!(matches!(
        refused(&wrapped),
        ArchiveError::CentralDirectory(_)
    ));
    // A plain count above the cap.
    let over: Vec<Raw> = (0..300)
        .map(|i| Raw::stored(&format!("f{i}"), b""))
        .collect();
    assert!(matches!(
        refused(&zip(&over)),
        ArchiveError::TooManyEntries {
            count: 300,
            max: 256
        }
    ));
}

#[test]
fn duplicates_overlaps_and_odd_features() {
    let e = refused(&zip(&[
        Raw::stored("onde/a.csv", b"1"),
        Raw::stored("onde/a.csv", b"2"),
    ]));
    assert_eq!(
        e,
        ArchiveError::Duplicate {
            name: "onde/a.csv".into()
        }
    );
    assert!(e.french().contains("deux fois"), "{}", e.french());
    assert!(matches!(
        refused(&zip(&[
            Raw::stored("Manifest.toml", b"1"),
            Raw::stored("manifest.toml", b"2")
        ])),
        ArchiveError::Duplicate { .. }
    ));

    // Two central records sharing one local header (the overlapping-files bomb).
    let a = Raw::stored("a", b"hello");
    let b = Raw {
        name: b"b".to_vec(),
        ..a.clone()
    };
    let mut bytes = local_header(&a);
    bytes.extend_from_slice(&a.data);
    let cd_offset = bytes.len() as u32;
    let mut central = central_record(&a, 0);
    central.extend_from_slice(&central_record(&b, 0));
    bytes.extend_from_slice(&central);
    bytes.extend_from_slice(&end_record(2, central.len() as u32, cd_offset));
    assert!(matches!(
        refused(&bytes),
        ArchiveError::HeaderMismatch { .. } | ArchiveError::Layout { .. }
    ));

    let mut encrypted = Raw::stored("a", b"x");
    encrypted.flags = 1;
    assert!(matches!(
        refused(&zip(&[encrypted])),
        ArchiveError::Encrypted { .. }
    ));
    let mut bzip2 = Raw::stored("a", b"x");
    bzip2.method = 12;
    let e = refused(&zip(&[bzip2]));
    assert!(
        matches!(e, ArchiveError::UnsupportedMethod { method: 12, .. }),
        "{e}"
    );

    assert_eq!(refused(b"not a zip at all"), ArchiveError::NotZip);
    assert_eq!(refused(b""), ArchiveError::NotZip);
    let mut trailing = zip(&[Raw::stored("a", b"x")]);
    trailing.extend_from_slice(b"trailing bytes");
    assert_eq!(refused(&trailing), ArchiveError::NotZip);
}

#[test]
fn every_truncation_is_refused() {
    let whole = archive::write_archive(&[
        ("manifest.toml".into(), b"format = 1\n".to_vec()),
        ("onde/a.csv".into(), b"Nom;Prenom\r\n".repeat(50)),
    ])
    .unwrap();
    read_archive(&whole, &Limits::default()).unwrap();
    for len in 0..whole.len() {
        let e = refused(&whole[..len]);
        assert!(!e.french().is_empty(), "{len}");
    }
}

/// A tiny xorshift generator: the mutation test prints its seed to be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn random_mutations_never_panic() {
    let dir = TempDir::new().unwrap();
    let mut ca = ca::init(
        &dir.path().join("ca"),
        "Villeneuve",
        "ecoles.villeneuve.fr",
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let serial = ca.take_bundle_serial().unwrap();
    let description = bundle::Description::parse(bundle::EXAMPLE).unwrap();
    let new =
        bundle::create_bundle(&ca, &description, &[], serial, OffsetDateTime::now_utc()).unwrap();
    let seed = std::env::var("PREAU_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64 | 1)
                .unwrap_or(1)
        });
    println!("random_mutations_never_panic: PREAU_FUZZ_SEED={seed}");
    let mut rng = Rng(seed);
    let limits = Limits::default();
    for _ in 0..2000 {
        let mut bytes = new.zip.clone();
        for _ in 0..1 + rng.next() % 4 {
            let at = (rng.next() % bytes.len() as u64) as usize;
            bytes[at] = rng.next() as u8;
        }
        if rng.next().is_multiple_of(8) {
            let keep = (rng.next() % bytes.len() as u64) as usize;
            bytes.truncate(keep);
        }
        // Header bytes changed to arbitrary values must fail cleanly (or, rarely, still
        // describe a valid archive); no panic, no unbounded allocation.
        let _ = read_archive(&bytes, &limits);
        let _ = bundle::inspect_unverified(&bytes, &limits);
    }
}

#[test]
fn signed_hostile_archives_are_refused_and_nothing_is_extracted() {
    // What a leaked signing key would allow: the archive checks still hold.
    let dir = TempDir::new().unwrap();
    let ca = ca::init(
        &dir.path().join("ca"),
        "Villeneuve",
        "ecoles.villeneuve.fr",
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let key = ca.public_key().clone();
    let mut link = Raw::stored("tls/box.key", b"/etc/shadow");
    link.external = 0o120_777 << 16;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("traversal", zip(&[Raw::stored("../../evil.txt", b"pwned")])),
        (
            "absolute",
            zip(&[Raw::stored("/tmp/preau-evil.txt", b"pwned")]),
        ),
        ("drive", zip(&[Raw::stored("C:\\evil.txt", b"pwned")])),
        ("symlink", zip(&[link])),
        (
            "bomb",
            zip(&[Raw::deflated("onde/a.csv", &vec![0u8; 16 << 20])]),
        ),
        (
            "duplicate",
            zip(&[Raw::stored("a", b"1"), Raw::stored("a", b"2")]),
        ),
        (
            "lying",
            zip(&[Raw::deflated("a", &[b'x'; 10_000]).sizes(10)]),
        ),
    ];
    for (label, bytes) in &cases {
        let signature = ca.signing_key().unwrap().sign(bytes, label).unwrap();
        let e = bundle::verify_and_open(bytes, signature.as_bytes(), &key, &Limits::default())
            .unwrap_err();
        assert!(matches!(e, BundleError::Archive(_)), "{label}: {e}");
        assert!(
            e.french().starts_with("archive refusée"),
            "{label}: {}",
            e.french()
        );

        // The tool run from an empty folder, with the bundle elsewhere: refused, no file made.
        let stick = dir.path().join(format!("stick-{label}"));
        let work = stick.join("work");
        fs::create_dir_all(&work).unwrap();
        fs::write(stick.join("preau-bundle.zip"), bytes).unwrap();
        fs::write(stick.join("preau-bundle.zip.minisig"), &signature).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_preau-provision"))
            .args(["bundle", "verify", "--key"])
            .arg(ca.dir().join("bundle-signing.pub"))
            .arg(stick.join("preau-bundle.zip"))
            .current_dir(&work)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{label}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("lot refusé : archive refusée"),
            "{label}: {stderr}"
        );
        assert_eq!(fs::read_dir(&work).unwrap().count(), 0, "{label}");
        assert_eq!(fs::read_dir(&stick).unwrap().count(), 3, "{label}");
    }
    assert!(!Path::new("/tmp/preau-evil.txt").exists());
}
