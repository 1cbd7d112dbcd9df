//! `preau`: the Préau school box (and, later, the commune's central instance).

fn main() -> std::process::ExitCode {
    preau::cli::main()
}
