//! Throughput benchmark (placeholder until the ledger facade exists).

fn main() {}
