//! A small client of the REST API for tests.

use reqwest::{Client, Method};
use serde_json::Value;

/// A client of one worker's REST API that returns status codes and JSON bodies.
pub struct RestApi {
    client: Client,
    base: String,
}

impl RestApi {
    /// The API of the worker listening on `port` of 127.0.0.1.
    pub fn new(port: u16) -> Self {
        Self {
            client: Client::new(),
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Sends `method path` with an optional JSON `body`; returns status, JSON body and Location.
    pub async fn call(&self, method: Method, path: &str, body: Option<&str>) -> (u16, Value, Option<String>) {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
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

    /// `GET path`.
    pub async fn get(&self, path: &str) -> (u16, Value) {
        let (status, body, _) = self.call(Method::GET, path, None).await;
        (status, body)
    }

    /// `GET /connectors/{name}/status`.
    pub async fn state(&self, name: &str) -> Value {
        self.get(&format!("/connectors/{name}/status")).await.1
    }
}
