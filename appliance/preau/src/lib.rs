//! The `preau` binary as a library: configuration, server wiring and the command line, so
//! that integration tests and benchmarks start exactly what the binary starts.

pub mod backup;
pub mod central;
pub mod cli;
pub mod config;
pub mod demo;
pub mod root_settings;
pub mod server;
pub mod stick;
pub mod sync_client;
pub mod system_files;
pub mod system_update;
pub mod tls;

pub use config::Config;
pub use server::{Running, start};
