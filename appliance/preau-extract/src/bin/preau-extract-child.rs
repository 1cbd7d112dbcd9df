//! The extraction child for tests: `preau-extract-child extract <options> -- <path>` does
//! what `preau extract …` does, so that the crate's tests can run
//! [`preau_extract::extract_in_child`] without the whole server binary.
//!
//! One addition for tests only: the media type `application/x-preau-test-spin` makes it
//! spin on the CPU forever (after lowering its limits the same way), to test the timeout.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(("extract", rest)) = args.split_first().map(|(a, r)| (a.as_str(), r)) else {
        eprintln!("usage: preau-extract-child extract <options> -- <path>");
        return ExitCode::from(2);
    };
    if rest
        .windows(2)
        .any(|w| w[0] == "--mime" && w[1] == "application/x-preau-test-spin")
    {
        spin();
    }
    preau_extract::child_main(rest)
}

fn spin() -> ! {
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1));
    }
}
