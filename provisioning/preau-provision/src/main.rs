//! `preau-provision`: the commune technician's tool.

fn main() {}
