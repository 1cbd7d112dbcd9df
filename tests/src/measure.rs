//! What the benchmarks share: a seeded pseudo-random generator and latency quantiles.

use std::time::Duration;

/// A small seeded generator (xorshift*), so that a run can be replayed from its seed.
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (not 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Measured durations.
pub struct Latencies(pub Vec<Duration>);

impl Latencies {
    /// The `quantile` (0–1) in milliseconds (nearest rank).
    pub fn ms(&self, quantile: f64) -> f64 {
        let mut sorted = self.0.clone();
        sorted.sort();
        let index = ((sorted.len() as f64 * quantile).ceil() as usize).clamp(1, sorted.len()) - 1;
        sorted[index].as_secs_f64() * 1e3
    }

    /// "p50 … ms, p99 … ms, max … ms" with `decimals` digits.
    pub fn line(&self, decimals: usize) -> String {
        format!(
            "p50 {:.d$} ms, p99 {:.d$} ms, max {:.d$} ms",
            self.ms(0.50),
            self.ms(0.99),
            self.ms(1.0),
            d = decimals
        )
    }
}
