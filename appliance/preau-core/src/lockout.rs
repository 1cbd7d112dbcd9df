//! How failed sign-in attempts slow down and then lock one account — never an address.

/// Failures allowed before any waiting.
pub const FREE_ATTEMPTS: u32 = 3;
/// Failures after which the account is locked until an adult unlocks it.
pub const LOCK_AFTER: u32 = 10;

/// What may happen with the next attempt on an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// The attempt may proceed.
    Open,
    /// The account must wait this many more seconds.
    Wait(u64),
    /// The account is locked; a teacher or the headteacher must unlock it.
    Locked,
}

/// Decides whether an account may try again, given its consecutive failures and the time
/// (Unix seconds) of the last one. The wait doubles from 2 s after the free attempts.
pub fn gate(failures: u32, last_failure_at: i64, now: i64) -> Gate {
    if failures >= LOCK_AFTER {
        return Gate::Locked;
    }
    if failures < FREE_ATTEMPTS {
        return Gate::Open;
    }
    let wait = 1u64 << (failures - FREE_ATTEMPTS + 1).min(10);
    let elapsed = now.saturating_sub(last_failure_at).max(0) as u64;
    if elapsed >= wait {
        Gate::Open
    } else {
        Gate::Wait(wait - elapsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slows_down_then_locks() {
        assert_eq!(gate(0, 0, 100), Gate::Open);
        assert_eq!(gate(2, 100, 100), Gate::Open);
        assert_eq!(gate(3, 100, 100), Gate::Wait(2));
        assert_eq!(gate(3, 100, 102), Gate::Open);
        assert_eq!(gate(5, 100, 101), Gate::Wait(7));
        assert_eq!(gate(9, 100, 100_000), Gate::Open);
        assert_eq!(gate(10, 100, 100_000), Gate::Locked);
    }
}
