//! What a timer is ([`TimerSpec`]) and the event its function receives ([`timer_event`]).

use chrono::{DateTime, SecondsFormat, Utc};
use fclocal_template::CronSchedule;

/// One `Type: Timer` trigger of the template, as the scheduler needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerSpec {
    /// The service the function belongs to.
    pub service: String,
    /// The function the trigger runs.
    pub function: String,
    /// The trigger's name; sent as `triggerName` in the event.
    pub trigger: String,
    /// `CronExpression`, already validated when the template was loaded.
    pub schedule: CronSchedule,
    /// `Payload`; sent as `payload` in the event (`""` when absent).
    pub payload: Option<String>,
    /// `Enable`: a disabled timer is listed but never fires on its own.
    pub enabled: bool,
}

impl TimerSpec {
    /// The timer's key, `service/function/trigger`: what `fclocal timer fire` and the admin
    /// API name it by.
    pub fn key(&self) -> String {
        format!("{}/{}/{}", self.service, self.function, self.trigger)
    }
}

/// FC's timer event (reference `fc.md` §10), as the function's event bytes:
///
/// ```json
/// {"triggerTime":"2018-02-09T05:49:00Z","triggerName":"timer-trigger","payload":"awesome-fc"}
/// ```
///
/// `triggerTime` is the *scheduled* time (not when the run actually started), in RFC 3339
/// UTC with whole seconds (sub-second parts are truncated); `payload` is `""` when the
/// trigger has none.
pub fn timer_event(spec: &TimerSpec, scheduled: DateTime<Utc>) -> Vec<u8> {
    serde_json::json!({
        "triggerTime": scheduled.to_rfc3339_opts(SecondsFormat::Secs, true),
        "triggerName": spec.trigger,
        "payload": spec.payload.as_deref().unwrap_or(""),
    })
    .to_string()
    .into_bytes()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;

    fn spec(payload: Option<&str>) -> TimerSpec {
        TimerSpec {
            service: "marblesFC".into(),
            function: "report".into(),
            trigger: "timer-trigger".into(),
            schedule: CronSchedule::parse("0 0 8 * * *").expect("valid cron"),
            payload: payload.map(str::to_owned),
            enabled: true,
        }
    }

    #[test]
    fn key_is_service_function_trigger() {
        assert_eq!(spec(None).key(), "marblesFC/report/timer-trigger");
    }

    #[test]
    fn event_has_fc_shape_and_second_precision() {
        let scheduled = Utc
            .with_ymd_and_hms(2026, 11, 23, 8, 0, 0)
            .single()
            .expect("valid date")
            + TimeDelta::milliseconds(742);
        let event = timer_event(&spec(Some("awesome-fc")), scheduled);
        assert_eq!(
            String::from_utf8(event).expect("utf-8"),
            r#"{"triggerTime":"2026-11-23T08:00:00Z","triggerName":"timer-trigger","payload":"awesome-fc"}"#
        );
    }

    #[test]
    fn missing_payload_is_empty_string() {
        let scheduled = Utc
            .with_ymd_and_hms(2018, 2, 9, 5, 49, 0)
            .single()
            .expect("valid date");
        let event: serde_json::Value =
            serde_json::from_slice(&timer_event(&spec(None), scheduled)).expect("json");
        assert_eq!(
            event,
            serde_json::json!({
                "triggerTime": "2018-02-09T05:49:00Z",
                "triggerName": "timer-trigger",
                "payload": "",
            })
        );
    }
}
