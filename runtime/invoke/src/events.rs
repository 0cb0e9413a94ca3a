//! Sample events for `fclocal events generate`, in the shapes Function
//! Compute delivers (FC doc 70140 "Formats of event for different
//! triggers"; fc.md §10), so a handler can be tried before wiring a trigger.

use serde_json::{Value, json};

/// The event kinds `fclocal events generate` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// An HTTP request, for `fclocal invoke` on an HTTP function.
    Http,
    /// A timer trigger firing.
    Timer,
    /// An OSS object notification.
    Oss,
    /// An SLS (Log Service) trigger batch.
    Sls,
    /// An MNS topic message in JSON format.
    Mns,
}

impl EventKind {
    /// All kinds, for help text.
    pub const ALL: [EventKind; 5] = [
        EventKind::Http,
        EventKind::Timer,
        EventKind::Oss,
        EventKind::Sls,
        EventKind::Mns,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Http => "http",
            EventKind::Timer => "timer",
            EventKind::Oss => "oss",
            EventKind::Sls => "sls",
            EventKind::Mns => "mns",
        }
    }

    /// The sample event.
    pub fn sample(self) -> Value {
        match self {
            EventKind::Http => json!({
                "method": "GET",
                "path": "/",
                "queries": {"type": "create"},
                "headers": {"content-type": "application/json"},
                "body": "",
                "isBase64Encoded": false
            }),
            EventKind::Timer => json!({
                "triggerTime": "2018-02-09T05:49:00Z",
                "triggerName": "timer-trigger",
                "payload": "awesome-fc"
            }),
            EventKind::Oss => json!({
                "events": [{
                    "eventName": "ObjectCreated:PutObject",
                    "eventSource": "acs:oss",
                    "eventTime": "2017-04-21T12:46:37.000Z",
                    "eventVersion": "1.0",
                    "oss": {
                        "bucket": {
                            "arn": "acs:oss:cn-shanghai:123456789:bucketname",
                            "name": "testbucket",
                            "ownerIdentity": "123456789",
                            "virtualBucket": ""
                        },
                        "object": {
                            "deltaSize": 122539,
                            "eTag": "688A7BF4F233DC9C88A80BF985AB7329",
                            "key": "image/a.jpg",
                            "size": 122539
                        },
                        "ossSchemaVersion": "1.0",
                        "ruleId": "9adac8e253828f4f7c0466d941fa3db81161e853"
                    },
                    "region": "cn-shanghai",
                    "requestParameters": {"sourceIPAddress": "140.205.128.221"},
                    "responseElements": {"requestId": "58F9FF2D3DF792092E12044C"},
                    "userIdentity": {"principalId": "123456789"}
                }]
            }),
            EventKind::Sls => json!({
                "parameter": {},
                "source": {
                    "endpoint": "http://cn-hangzhou-intranet.log.aliyuncs.com",
                    "projectName": "test-log-project",
                    "logstoreName": "test-log-store",
                    "shardId": 0,
                    "beginCursor": "MTUyOTQ4MDIwOTY1NTk3ODQ2Mw==",
                    "endCursor": "MTUyOTQ4MDIwOTY1NTk3ODQ2NA=="
                },
                "jobName": "1f7043ced683de1a4e3d8d70b5a412843d817a39",
                "taskId": "c2691505-38da-4d1b-998a-f1d4bb8c9994",
                "cursorTime": 1529486425
            }),
            EventKind::Mns => json!({
                "TopicOwner": "1234567890",
                "Message": "hello topic",
                "Subscriber": "1234567890",
                "PublishTime": 1550216302888u64,
                "SubscriptionName": "test-fc-subscibe",
                "MessageMD5": "BA4BA9B48AC81F0F9C66F6C909C39DBB",
                "TopicName": "test-topic",
                "MessageId": "2F5B3C082B923D4EAC694B76D928EB6E"
            }),
        }
    }
}

impl std::str::FromStr for EventKind {
    type Err = String;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.name()).collect();
                format!(
                    "unknown event kind {name:?}; choose one of {}",
                    known.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_event::HttpEvent;

    #[test]
    fn the_http_sample_is_a_valid_http_event() {
        let bytes = serde_json::to_vec(&EventKind::Http.sample()).unwrap();
        HttpEvent::parse(&bytes)
            .unwrap()
            .into_request("127.0.0.1")
            .unwrap();
    }

    #[test]
    fn names_round_trip() {
        for kind in EventKind::ALL {
            assert_eq!(kind.name().parse::<EventKind>(), Ok(kind));
        }
        assert!(
            "s3".parse::<EventKind>()
                .unwrap_err()
                .contains("http, timer")
        );
    }
}
