//! Injected failures for [`MockStub`](super::MockStub), so chaincode tests can
//! reach the error paths a real peer only takes when its databases fail.

/// A stub call that should fail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `get_state` of this key.
    GetState(String),
    /// `put_state` of this key.
    PutState(String),
    /// `del_state` of this key.
    DelState(String),
    /// Every `get_state_by_range` and `get_state_by_partial_composite_key`.
    Range,
    /// `get_history_for_key` of this key.
    History(String),
}

/// The injected faults with the message each returns.
#[derive(Debug, Default)]
pub(crate) struct Faults(Vec<(Fault, String)>);

impl Faults {
    pub(crate) fn add(&mut self, fault: Fault, message: String) {
        self.0.push((fault, message));
    }

    pub(crate) fn clear(&mut self) {
        self.0.clear();
    }

    /// `Err(message)` when `fault` was injected.
    pub(crate) fn check(&self, fault: &Fault) -> Result<(), String> {
        match self.0.iter().find(|(f, _)| f == fault) {
            Some((_, message)) => Err(message.clone()),
            None => Ok(()),
        }
    }
}
