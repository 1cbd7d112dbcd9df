//! The real `preau` command line, built inside the test crate so that black-box tests and
//! benchmarks can run it (`CARGO_BIN_EXE_preau-box`). Same `main` as `appliance/preau`.

fn main() -> std::process::ExitCode {
    preau::cli::main()
}
