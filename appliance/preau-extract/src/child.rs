//! Extraction in a child process held to memory and CPU limits by the kernel.
//!
//! The parent ([`extract_in_child`]) runs `<exe> extract <options> -- <path>`, reads the
//! child's standard output (bounded), kills it when the time is up and maps how it ended
//! to an [`ExtractError`]. The child ([`child_main`]) first lowers its own `RLIMIT_AS`,
//! `RLIMIT_CPU` and `RLIMIT_CORE` (no `pre_exec`: that needs `unsafe`),
//! then extracts and writes:
//!
//! * on success, exit status 0 and on standard output a first line `complete` or
//!   `truncated`, then the text;
//! * on failure, a distinct exit status and one line `preau-extract: <code>: <detail>` on
//!   standard error.

use crate::{ExtractError, Extracted, Limits, extract};
use rlimit::Resource;
use std::io::{self, Read, Write};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The prefix of the child's error line.
const PREFIX: &str = "preau-extract: ";
/// How much of the child's standard error is kept.
const MAX_STDERR: u64 = 16 * 1024;
/// How much room the status line takes on standard output.
const HEADER_ROOM: usize = 16;

/// Exit statuses of the child, one per outcome.
const EXIT_USAGE: u8 = 2;
const EXIT_UNSUPPORTED: u8 = 10;
const EXIT_TOO_LARGE: u8 = 11;
const EXIT_MALFORMED: u8 = 12;
const EXIT_TIMEOUT: u8 = 13;
const EXIT_OUT_OF_MEMORY: u8 = 14;
const EXIT_CRASHED: u8 = 15;
const EXIT_IO: u8 = 16;

const SIGKILL: i32 = 9;
const SIGXCPU: i32 = 24;

/// The text of the file at `path`, extracted by `<exe> extract …` in a child process.
///
/// The child limits its own address space to [`Limits::max_memory_bytes`] and its CPU time
/// to [`Limits::timeout`] plus a second; it is killed after [`Limits::timeout`] of wall-clock
/// time ([`ExtractError::Timeout`]). Its standard output is read up to
/// `max_output_chars × 4` bytes. A child that runs out of memory gives
/// [`ExtractError::OutOfMemory`]; one that dies otherwise, [`ExtractError::Crashed`].
/// The path must be UTF-8 (blob paths are). Blocking (it waits for the child): call it from
/// a blocking thread.
pub fn extract_in_child(
    exe: &Path,
    path: &Path,
    mime: &str,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    let Some(path_arg) = path.to_str() else {
        return Err(ExtractError::Io(io::Error::new(
            io::ErrorKind::InvalidInput,
            "the file path is not UTF-8",
        )));
    };
    // The child stops itself a little before it would be killed, to report cleanly.
    let child_timeout = limits.timeout.mul_f64(0.9);
    let started = Instant::now();
    let mut child = Command::new(exe)
        .arg("extract")
        .args(["--mime", mime])
        .args(["--max-input", &limits.max_input_bytes.to_string()])
        .args(["--max-output", &limits.max_output_chars.to_string()])
        .args(["--max-inflated", &limits.max_inflated_bytes.to_string()])
        .args(["--max-entry", &limits.max_entry_bytes.to_string()])
        .args(["--max-entries", &limits.max_entries.to_string()])
        .args(["--max-depth", &limits.max_xml_depth.to_string()])
        .args(["--max-pages", &limits.max_pdf_pages.to_string()])
        .args(["--timeout-ms", &child_timeout.as_millis().to_string()])
        .args(["--max-memory", &limits.max_memory_bytes.to_string()])
        .arg("--")
        .arg(path_arg)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;

    let max_stdout = limits
        .max_output_chars
        .saturating_mul(4)
        .saturating_add(HEADER_ROOM);
    let overflow = Arc::new(AtomicBool::new(false));
    let stdout = child.stdout.take().map(|out| {
        let overflow = Arc::clone(&overflow);
        thread::spawn(move || -> io::Result<Vec<u8>> {
            let mut bytes = Vec::new();
            out.take(max_stdout as u64 + 1).read_to_end(&mut bytes)?;
            if bytes.len() > max_stdout {
                overflow.store(true, Ordering::Release);
            }
            Ok(bytes)
        })
    });
    let stderr = child.stderr.take().map(|err| {
        thread::spawn(move || -> Vec<u8> {
            let mut bytes = Vec::new();
            let mut err = err;
            let _ = (&mut err).take(MAX_STDERR).read_to_end(&mut bytes);
            // Keep draining so that the child never blocks on a full pipe.
            let _ = io::copy(&mut err, &mut io::sink());
            bytes
        })
    });

    let waited = wait_until(&mut child, started + limits.timeout, &overflow);
    let stdout = stdout
        .map(|t| t.join())
        .transpose()
        .map_err(|_| ExtractError::Crashed("stdout reader panicked".into()))?
        .transpose()?
        .unwrap_or_default();
    let stderr = stderr
        .map(|t| t.join().unwrap_or_default())
        .unwrap_or_default();
    let status = match waited? {
        Waited::Exited(status) => status,
        Waited::Killed => return Err(ExtractError::Timeout),
        Waited::Overflowed => {
            return Err(ExtractError::Crashed(
                "the child wrote more than allowed".into(),
            ));
        }
    };
    outcome(
        status,
        &stdout,
        &String::from_utf8_lossy(&stderr),
        started,
        limits,
    )
}

enum Waited {
    Exited(ExitStatus),
    /// Killed by us when the time was up.
    Killed,
    /// Killed by us because it wrote more than allowed.
    Overflowed,
}

/// Waits for `child` until `deadline`, or until `overflow` says its output went past the
/// bound, then kills it.
fn wait_until(
    child: &mut Child,
    deadline: Instant,
    overflow: &AtomicBool,
) -> Result<Waited, ExtractError> {
    let mut pause = Duration::from_millis(2);
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(Waited::Exited(status)),
            Ok(None) => {}
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e.into());
            }
        }
        let now = Instant::now();
        let overflowed = overflow.load(Ordering::Acquire);
        if now >= deadline || overflowed {
            let _ = child.kill();
            let _ = child.wait();
            return Ok(if overflowed {
                Waited::Overflowed
            } else {
                Waited::Killed
            });
        }
        thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(25));
    }
}

/// What the child's exit status and output mean.
fn outcome(
    status: ExitStatus,
    stdout: &[u8],
    stderr: &str,
    started: Instant,
    limits: &Limits,
) -> Result<Extracted, ExtractError> {
    if let Some(signal) = status.signal() {
        if stderr.contains("memory allocation of") {
            return Err(ExtractError::OutOfMemory);
        }
        return Err(match signal {
            SIGXCPU => ExtractError::Timeout,
            // The kernel's OOM killer, or the hard CPU limit.
            SIGKILL if started.elapsed() >= limits.timeout => ExtractError::Timeout,
            SIGKILL => ExtractError::OutOfMemory,
            n => ExtractError::Crashed(format!("killed by signal {n}")),
        });
    }
    let code = status.code().unwrap_or(-1);
    if code == 0 {
        let Some(newline) = stdout.iter().position(|&b| b == b'\n') else {
            return Err(ExtractError::Crashed("no status line on stdout".into()));
        };
        let truncated = match &stdout[..newline] {
            b"complete" => false,
            b"truncated" => true,
            _ => return Err(ExtractError::Crashed("bad status line on stdout".into())),
        };
        return Ok(Extracted {
            text: String::from_utf8_lossy(&stdout[newline + 1..]).into_owned(),
            truncated,
        });
    }
    let detail = stderr
        .lines()
        .rev()
        .find_map(|line| line.strip_prefix(PREFIX))
        .and_then(|rest| rest.split_once(": ").map(|(_, detail)| detail.to_string()))
        .unwrap_or_default();
    if stderr.contains("memory allocation of") {
        return Err(ExtractError::OutOfMemory);
    }
    Err(match u8::try_from(code).unwrap_or(u8::MAX) {
        EXIT_UNSUPPORTED => ExtractError::Unsupported(detail),
        EXIT_TOO_LARGE => ExtractError::TooLarge(detail),
        EXIT_MALFORMED => ExtractError::Malformed(detail),
        EXIT_TIMEOUT => ExtractError::Timeout,
        EXIT_OUT_OF_MEMORY => ExtractError::OutOfMemory,
        EXIT_IO => ExtractError::Io(io::Error::other(detail)),
        EXIT_CRASHED => ExtractError::Crashed(detail),
        _ => ExtractError::Crashed(format!(
            "exit status {code}: {}",
            stderr.lines().last().unwrap_or("")
        )),
    })
}

/// What `preau extract …` runs: the arguments after `extract`. Lowers its own resource
/// limits first, then extracts and writes the result (see the module documentation).
pub fn child_main(args: &[String]) -> ExitCode {
    let request = match Request::parse(args) {
        Ok(request) => request,
        Err(message) => {
            eprintln!("{PREFIX}usage: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    if let Err(e) = confine(&request.limits) {
        return fail(&ExtractError::Crashed(format!(
            "cannot set resource limits: {e}"
        )));
    }
    match extract(&request.path, &request.mime, &request.limits) {
        Ok(extracted) => {
            let status = if extracted.truncated {
                "truncated"
            } else {
                "complete"
            };
            let mut out = io::stdout().lock();
            let written = out
                .write_all(status.as_bytes())
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.write_all(extracted.text.as_bytes()))
                .and_then(|()| out.flush());
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&ExtractError::Io(e)),
            }
        }
        Err(e) => fail(&e),
    }
}

/// Reports `e` on standard error and returns its exit status.
fn fail(e: &ExtractError) -> ExitCode {
    let (code, name, detail) = match e {
        ExtractError::Unsupported(d) => (EXIT_UNSUPPORTED, "unsupported", d.clone()),
        ExtractError::TooLarge(d) => (EXIT_TOO_LARGE, "too-large", d.clone()),
        ExtractError::Malformed(d) => (EXIT_MALFORMED, "malformed", d.clone()),
        ExtractError::Timeout => (EXIT_TIMEOUT, "timeout", String::new()),
        ExtractError::OutOfMemory => (EXIT_OUT_OF_MEMORY, "out-of-memory", String::new()),
        ExtractError::Crashed(d) => (EXIT_CRASHED, "crashed", d.clone()),
        ExtractError::Io(e) => (EXIT_IO, "io", e.to_string()),
    };
    let detail = detail.replace(['\n', '\r'], " ");
    eprintln!("{PREFIX}{name}: {detail}");
    ExitCode::from(code)
}

/// Lowers this process's limits: address space, CPU time, no core dump. (Not the file
/// size: standard output may be a file when run by hand, and `SIGXFSZ` would kill it.)
fn confine(limits: &Limits) -> io::Result<()> {
    lower(
        Resource::AS,
        limits.max_memory_bytes,
        limits.max_memory_bytes,
    )?;
    let cpu = limits.timeout.as_secs().saturating_add(1);
    lower(Resource::CPU, cpu, cpu.saturating_add(1))?;
    lower(Resource::CORE, 0, 0)?;
    Ok(())
}

/// Sets `resource` to `soft`/`hard`, never above the current hard limit.
fn lower(resource: Resource, soft: u64, hard: u64) -> io::Result<()> {
    let (_, current_hard) = resource.get()?;
    let hard = hard.min(current_hard);
    resource.set(soft.min(hard), hard)
}

/// The parsed arguments of the child.
#[derive(Debug)]
struct Request {
    mime: String,
    path: PathBuf,
    limits: Limits,
}

impl Request {
    fn parse(args: &[String]) -> Result<Self, String> {
        let mut limits = Limits::default();
        let mut mime = None;
        let mut path = None;
        let mut i = 0;
        while i < args.len() {
            let arg = args[i].as_str();
            if arg == "--" {
                path = args.get(i + 1).cloned();
                if args.len() > i + 2 {
                    return Err("more than one file".into());
                }
                break;
            }
            if !arg.starts_with("--") {
                if path.is_some() {
                    return Err("more than one file".into());
                }
                path = Some(arg.to_string());
                i += 1;
                continue;
            }
            let value = args
                .get(i + 1)
                .ok_or_else(|| format!("{arg} needs a value"))?;
            let number = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{arg}: not a number: {value:?}"))
            };
            let size = || number().map(|n| usize::try_from(n).unwrap_or(usize::MAX));
            match arg {
                "--mime" => mime = Some(value.clone()),
                "--max-input" => limits.max_input_bytes = number()?,
                "--max-output" => limits.max_output_chars = size()?,
                "--max-inflated" => limits.max_inflated_bytes = number()?,
                "--max-entry" => limits.max_entry_bytes = number()?,
                "--max-entries" => limits.max_entries = size()?,
                "--max-depth" => limits.max_xml_depth = size()?,
                "--max-pages" => limits.max_pdf_pages = size()?,
                "--timeout-ms" => limits.timeout = Duration::from_millis(number()?),
                "--max-memory" => limits.max_memory_bytes = number()?,
                _ => return Err(format!("unknown option {arg}")),
            }
            i += 2;
        }
        Ok(Self {
            mime: mime.unwrap_or_default(),
            path: PathBuf::from(path.ok_or("no file given")?),
            limits,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_arguments() {
        let r = Request::parse(&strings(&[
            "--mime",
            "text/plain",
            "--max-output",
            "10",
            "--timeout-ms",
            "1500",
            "--",
            "--odd name.txt",
        ]))
        .expect("parse");
        assert_eq!(r.mime, "text/plain");
        assert_eq!(r.path, PathBuf::from("--odd name.txt"));
        assert_eq!(r.limits.max_output_chars, 10);
        assert_eq!(r.limits.timeout, Duration::from_millis(1500));
        assert_eq!(r.limits.max_pdf_pages, Limits::default().max_pdf_pages);

        let r = Request::parse(&strings(&["--mime", "pdf", "a.pdf"])).expect("parse");
        assert_eq!(r.path, PathBuf::from("a.pdf"));

        assert!(Request::parse(&strings(&["--mime"])).is_err());
        assert!(Request::parse(&strings(&["--max-output", "x", "a"])).is_err());
        assert!(Request::parse(&strings(&["--bogus", "1", "a"])).is_err());
        assert!(Request::parse(&strings(&["--mime", "x"])).is_err());
        assert!(Request::parse(&strings(&["a", "b"])).is_err());
    }
}
