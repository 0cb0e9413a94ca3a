//! A small blocking client for the gateway API: JSON in, JSON out, and the
//! API's `{"error","message"}` turned into an error that says what to do.

use std::time::Duration;

use anyhow::{Context as _, anyhow};
use serde_json::Value;
use ureq::http::Response;

/// The gateway of a running server.
pub struct Gateway {
    base: String,
    agent: ureq::Agent,
}

/// An HTTP answer: its status and JSON body.
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body (`null` if it was not JSON).
    pub body: Value,
}

impl Answer {
    /// The body of a 2xx answer, else the API's error.
    pub fn ok(self) -> anyhow::Result<Value> {
        if (200..300).contains(&self.status) {
            Ok(self.body)
        } else {
            Err(self.into_error())
        }
    }

    /// The API's error message (the chaincode's own text for chaincode errors).
    pub fn into_error(self) -> anyhow::Error {
        match self.body["message"].as_str() {
            Some(message) => anyhow!(
                "{message} ({} {})",
                self.body["error"].as_str().unwrap_or("error"),
                self.status
            ),
            None => anyhow!("the ledger API answered {}: {}", self.status, self.body),
        }
    }
}

impl Gateway {
    /// The gateway of the server at `url`.
    pub fn new(url: &str) -> Gateway {
        Gateway {
            base: format!("{}/ledger/v1", url.trim_end_matches('/')),
            agent: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .timeout_global(Some(Duration::from_secs(120)))
                .build()
                .new_agent(),
        }
    }

    /// `GET /ledger/v1{path}`.
    pub fn get(&self, path: &str) -> anyhow::Result<Answer> {
        let response = self.agent.get(&format!("{}{path}", self.base)).call();
        self.answer(response)
    }

    /// `POST /ledger/v1{path}` with a JSON body.
    pub fn post(&self, path: &str, body: &Value) -> anyhow::Result<Answer> {
        let response = self
            .agent
            .post(&format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .send(serde_json::to_vec(body)?.as_slice());
        self.answer(response)
    }

    fn answer(
        &self,
        response: Result<Response<ureq::Body>, ureq::Error>,
    ) -> anyhow::Result<Answer> {
        let mut response = response.with_context(|| {
            format!(
                "no fclocal ledger answers at {}; start one with `fclocal start` beside a chaincode/network.yml (or pass --url)",
                self.base
            )
        })?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .context("the ledger API's answer was cut off")?;
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        // Without a ledger, /ledger/ falls through to FC's routes and their 404.
        if status == 404 && !body["error"].is_string() {
            return Err(anyhow!(
                "the server at {} runs no ledger; put the network file at chaincode/network.yml beside template.yml (or pass --network to `fclocal start`)",
                self.base
            ));
        }
        Ok(Answer { status, body })
    }
}
