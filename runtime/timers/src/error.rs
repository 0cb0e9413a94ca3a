//! Why a manual firing was refused.

/// Why [`Scheduler::fire_now`](crate::Scheduler::fire_now) could not fire a timer. A firing
/// skipped because the previous run is still going is not an error: it is
/// [`FireNow::SkippedBusy`](crate::FireNow::SkippedBusy).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TimerError {
    /// No timer has this key.
    #[error("unknown timer `{key}`; {}", known_keys(known))]
    UnknownTimer {
        /// The key asked for.
        key: String,
        /// Every timer's key (`service/function/trigger`), in template order.
        known: Vec<String>,
    },
    /// `fire_now` was called outside a tokio runtime, so the run could not be spawned.
    #[error("cannot fire timer `{key}`: not called from within a tokio runtime")]
    NoRuntime {
        /// The timer asked for.
        key: String,
    },
}

fn known_keys(known: &[String]) -> String {
    if known.is_empty() {
        "the template defines no Timer triggers".to_owned()
    } else {
        format!(
            "timers are named `service/function/trigger`; known: {}",
            known.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_timer_lists_known_keys() {
        let err = TimerError::UnknownTimer {
            key: "svc/fn/nope".into(),
            known: vec!["svc/fn/every5m".into(), "svc/other/daily".into()],
        };
        assert_eq!(
            err.to_string(),
            "unknown timer `svc/fn/nope`; timers are named `service/function/trigger`; \
             known: svc/fn/every5m, svc/other/daily"
        );
    }

    #[test]
    fn unknown_timer_without_timers_says_so() {
        let err = TimerError::UnknownTimer {
            key: "x".into(),
            known: vec![],
        };
        assert_eq!(
            err.to_string(),
            "unknown timer `x`; the template defines no Timer triggers"
        );
    }
}
