//! A small client of the REST API for tests.

use reqwest::{Client, Method};
use serde_json::Value;

/// A client of one worker's REST API that returns status codes and JSON bodies.
#[derive(Clone)]
pub struct RestApi {
    client: Client,
    base: String,
    /// The user and password sent with every request, when the worker asks for them.
    credentials: Option<(String, String)>,
}

impl RestApi {
    /// The API of the worker listening on `port` of 127.0.0.1.
    pub fn new(port: u16) -> Self {
        Self {
            client: Client::new(),
            base: format!("http://127.0.0.1:{port}"),
            credentials: None,
        }
    }

    /// The same API, called with basic authentication as `user`.
    pub fn with_basic_auth(self, user: &str, password: &str) -> Self {
        Self {
            credentials: Some((user.to_string(), password.to_string())),
            ..self
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.client.request(method, format!("{}{path}", self.base));
        match &self.credentials {
            Some((user, password)) => request.basic_auth(user, Some(password)),
            None => request,
        }
    }

    /// Sends `method path` with an optional JSON `body`; returns status, JSON body and Location.
    pub async fn call(&self, method: Method, path: &str, body: Option<&str>) -> (u16, Value, Option<String>) {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await.expect("request");
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_string());
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), location)
    }

    /// Sends a JSON body.
    pub async fn json(&self, method: Method, path: &str, body: Value) -> (u16, Value, Option<String>) {
        self.call(method, path, Some(&body.to_string())).await
    }

    /// Sends a JSON write until the answer is not 409 (a distributed worker answers 409 until it
    /// has joined its group, and while the group rebalances) or `timeout` passes; returns the
    /// last answer.
    pub async fn json_through_conflicts(
        &self,
        method: Method,
        path: &str,
        body: Value,
        timeout: std::time::Duration,
    ) -> (u16, Value) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let (status, answer, _) = self.json(method.clone(), path, body.clone()).await;
            if status != 409 || std::time::Instant::now() >= deadline {
                return (status, answer);
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    /// Whether the API answers `GET /connectors` with 200 within two seconds (never panics: the
    /// worker may not be listening yet).
    pub async fn is_up(&self) -> bool {
        let request = self.request(Method::GET, "/connectors").send();
        matches!(
            tokio::time::timeout(std::time::Duration::from_secs(2), request).await,
            Ok(Ok(response)) if response.status().is_success()
        )
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let (status, body, _) = self.call(Method::GET, path, None).await;
        (status, body)
    }

    /// `GET /metrics`: the Prometheus text.
    pub async fn metrics(&self) -> String {
        let response = self.request(Method::GET, "/metrics").send().await;
        response.expect("request").text().await.expect("metrics text")
    }

    /// Waits until the first task of `name` reports `state`, at most `timeout`; returns that
    /// task's status as last read.
    pub async fn wait_for_task_state(&self, name: &str, state: &str, timeout: std::time::Duration) -> Value {
        let status = self
            .wait_for_status(name, timeout, |status| status["tasks"][0]["state"] == state)
            .await;
        status["tasks"][0].clone()
    }

    /// Reads the status of `name` every 100 ms until `done` holds for it, at most `timeout`;
    /// returns the status as last read.
    pub async fn wait_for_status(
        &self,
        name: &str,
        timeout: std::time::Duration,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let status = self.state(name).await;
            if done(&status) || std::time::Instant::now() > deadline {
                return status;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// `GET /connectors/{name}/status`.
    pub async fn state(&self, name: &str) -> Value {
        self.get(&format!("/connectors/{name}/status")).await.1
    }
}

/// The value of `series` (a family name with its labels, as printed) in a Prometheus text.
pub fn metric_value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

/// The labels of the first series of `family` in a Prometheus text, as printed between braces.
pub fn metric_labels<'a>(text: &'a str, family: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        line.strip_prefix(family)?
            .strip_prefix('{')?
            .split_once('}')
            .map(|(labels, _)| labels)
    })
}
