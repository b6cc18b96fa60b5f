//! A circuit breaker per provider: after a run of failures the provider is skipped for a cool-down,
//! then one trial call decides whether it is back.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Breaker settings.
#[derive(Debug, Clone, Copy)]
pub struct BreakerConfig {
    /// Consecutive failures that open the breaker.
    pub failures: u32,
    /// How long an open breaker turns calls away before letting one trial through.
    pub cooldown: Duration,
}

#[derive(Debug)]
enum State {
    Closed {
        failures: u32,
    },
    Open {
        until: Instant,
    },
    /// One trial call is out; others are turned away until it reports.
    HalfOpen,
}

/// The breaker of one provider.
#[derive(Debug)]
pub struct Breaker {
    config: BreakerConfig,
    state: Mutex<State>,
}

impl Breaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> Self {
        Self {
            config,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// Whether a call may go out now (an open breaker past its cool-down lets one trial through).
    pub fn allow(&self) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return true;
        };
        match *state {
            State::Closed { .. } => true,
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen;
                true
            }
            State::Open { .. } | State::HalfOpen => false,
        }
    }

    /// Records a call's outcome. Only failures that say the provider is unwell count (not a
    /// refused request, which is the caller's fault).
    pub fn record(&self, provider_unwell: bool) {
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        *state = match (&*state, provider_unwell) {
            (_, false) => State::Closed { failures: 0 },
            (State::Closed { failures }, true) if failures + 1 < self.config.failures => {
                State::Closed {
                    failures: failures + 1,
                }
            }
            (_, true) => State::Open {
                until: Instant::now() + self.config.cooldown,
            },
        };
    }

    /// Whether the breaker currently turns calls away.
    pub fn is_open(&self) -> bool {
        self.state
            .lock()
            .map(|s| !matches!(*s, State::Closed { .. }))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_a_run_and_recovers_after_a_trial() {
        let b = Breaker::new(BreakerConfig {
            failures: 3,
            cooldown: Duration::from_millis(20),
        });
        for _ in 0..2 {
            assert!(b.allow());
            b.record(true);
        }
        assert!(!b.is_open());
        b.record(true);
        assert!(b.is_open());
        assert!(!b.allow(), "open: calls are turned away");
        std::thread::sleep(Duration::from_millis(25));
        assert!(b.allow(), "after the cool-down one trial goes out");
        assert!(!b.allow(), "only one");
        b.record(false);
        assert!(!b.is_open() && b.allow());
    }

    #[test]
    fn a_failed_trial_reopens() {
        let b = Breaker::new(BreakerConfig {
            failures: 1,
            cooldown: Duration::from_millis(10),
        });
        b.record(true);
        std::thread::sleep(Duration::from_millis(15));
        assert!(b.allow());
        b.record(true);
        assert!(!b.allow());
    }
}
