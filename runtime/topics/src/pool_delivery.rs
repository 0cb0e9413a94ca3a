//! [`PoolDelivery`]: subscriptions invoke their functions through the same instance
//! pools as HTTP requests and timers, so instances, limits and log framing are FC's.

use std::sync::Arc;

use fclocal_invoke::Pools;

use crate::hub::{Deliver, Delivery, Recorded};
use crate::subscription::Subscription;

/// Delivers messages by invoking event functions on the pools.
pub struct PoolDelivery {
    pools: Arc<Pools>,
}

impl PoolDelivery {
    /// Delivery through `pools`.
    pub fn new(pools: Arc<Pools>) -> Arc<PoolDelivery> {
        Arc::new(PoolDelivery { pools })
    }
}

impl Deliver for PoolDelivery {
    fn deliver(&self, subscription: &Subscription, request_id: String, event: Vec<u8>) -> Delivery {
        let pools = self.pools.clone();
        let label = subscription.label();
        Box::pin(async move {
            match pools.invoke_event(&label, request_id, event).await {
                Ok(report) => report
                    .result
                    .map(|_| ())
                    .map_err(|error| format!("{} ({error})", error.fc_error_type())),
                Err(error) => Err(format!("the invocation could not start: {error}")),
            }
        })
    }

    fn record(&self, subscription: &Subscription, level: &str, line: &str) -> Recorded {
        if let Some(function) = self.pools.function(&subscription.label()) {
            self.pools.host().record_line(&function.spec, level, line);
        }
        let writer = self.pools.host().log_writer().cloned();
        Box::pin(async move {
            let Some(writer) = writer else {
                return;
            };
            if let Err(error) = writer.flush().await {
                tracing::warn!("cannot store a topic delivery's log line: {error}");
            }
        })
    }
}
