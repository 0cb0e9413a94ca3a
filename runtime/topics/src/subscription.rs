//! Who listens to which topic: one [`Subscription`] per `MNSTopic` trigger of the
//! template, and the topics the template and the ledger's network file declare.

use fclocal_template::{App, NotifyContentFormat, TriggerKind};

/// One function subscribed to a topic through an `MNSTopic` trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// `TopicName`.
    pub topic: String,
    /// The function's service.
    pub service: String,
    /// The function.
    pub function: String,
    /// The trigger's key under `Events`.
    pub trigger: String,
    /// `NotifyContentFormat`.
    pub format: NotifyContentFormat,
    /// `FilterTag`: when set, only messages with this tag are delivered.
    pub filter_tag: Option<String>,
}

impl Subscription {
    /// `service/function`, the pools' label.
    pub fn label(&self) -> String {
        format!("{}/{}", self.service, self.function)
    }

    /// MNS's `SubscriptionName` in JSON events. FC names the subscription it creates for
    /// a trigger after the function and trigger; fclocal uses `service-function-trigger`.
    pub fn name(&self) -> String {
        format!("{}-{}-{}", self.service, self.function, self.trigger)
    }

    /// Every `MNSTopic` trigger of `app`, in template order.
    pub fn all(app: &App) -> Vec<Subscription> {
        let mut subscriptions = Vec::new();
        for (service, function) in app.functions() {
            for trigger in &function.triggers {
                if let TriggerKind::MnsTopic(mns) = &trigger.kind {
                    subscriptions.push(Subscription {
                        topic: mns.topic_name.clone(),
                        service: service.name.to_string(),
                        function: function.name.to_string(),
                        trigger: trigger.name.to_string(),
                        format: mns.notify_content_format,
                        filter_tag: mns.filter_tag.clone(),
                    });
                }
            }
        }
        subscriptions
    }
}

/// A topic someone declared, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredTopic {
    /// The topic name.
    pub name: String,
    /// What feeds or declares it, for the admin API (`ledger blocks`,
    /// `ledger chaincode marbles events`, `template MNSTopic resource`).
    pub source: String,
}

/// The template's `Aliyun::Serverless::MNSTopic` resources as declared topics.
pub fn template_topics(app: &App) -> Vec<DeclaredTopic> {
    app.mns_topics
        .iter()
        .map(|topic| DeclaredTopic {
            name: topic.name.clone(),
            source: "template MNSTopic resource".into(),
        })
        .collect()
}

/// A warning for every trigger whose `TopicName` is in none of `declared`: such a
/// function only runs when someone publishes by hand, which is usually a typo.
pub fn undeclared_warnings(app: &App, declared: &[DeclaredTopic]) -> Vec<String> {
    let known: Vec<&str> = declared.iter().map(|t| t.name.as_str()).collect();
    Subscription::all(app)
        .into_iter()
        .filter(|s| !known.contains(&s.topic.as_str()))
        .map(|s| {
            format!(
                "warning: function `{}` trigger `{}`: MNSTopic TopicName `{}` is declared neither in the network file's EventTopics nor as an `Aliyun::Serverless::MNSTopic` resource in the template ({}); only messages published by hand (POST /fclocal/topics/{}/messages) will reach it. Fix the name, add it to EventTopics, or declare the resource.",
                s.label(),
                s.trigger,
                s.topic,
                if known.is_empty() {
                    "no topics are declared".to_owned()
                } else {
                    format!("declared: {}", known.join(", "))
                },
                s.topic,
            )
        })
        .collect()
}
