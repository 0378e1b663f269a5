//! A client of a Confluent-compatible schema registry (`schema.registry.url`, several URLs tried
//! in turn, basic authentication): registering a schema under a subject, and reading one by id.
//! Calls block, as converters do; they are made only for schemas not yet cached.

use std::collections::HashSet;

use kconnect_api::{ConnectError, Result};
use serde_json::{Value, json};

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// How calls authenticate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Credentials {
    /// Not at all (or with `user:password@` in the URL).
    #[default]
    None,
    /// Basic authentication with `user:password`.
    Basic(String),
    /// A bearer token.
    Bearer(String),
}

impl Credentials {
    /// The `Authorization` header's value.
    fn header(&self) -> Option<String> {
        match self {
            Self::None => None,
            Self::Basic(user_info) => Some(format!(
                "Basic {}",
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, user_info)
            )),
            Self::Bearer(token) => Some(format!("Bearer {token}")),
        }
    }
}

/// The registry's URLs and credentials.
#[derive(Debug, Clone, Default)]
pub(crate) struct RegistryClient {
    urls: Vec<String>,
    credentials: Credentials,
    agent: Option<ureq::Agent>,
}

impl RegistryClient {
    /// A client of the registries at `urls`, authenticating with `credentials`, over `tls` when
    /// it is given (else ureq's defaults).
    pub fn new(urls: Vec<String>, credentials: Credentials, tls: Option<ureq::tls::TlsConfig>) -> Self {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(30)));
        if let Some(tls) = tls {
            config = config.tls_config(tls);
        }
        let agent = config.build().new_agent();
        Self {
            urls: urls
                .into_iter()
                .map(|url| url.trim_end_matches('/').to_string())
                .collect(),
            credentials,
            agent: Some(agent),
        }
    }

    /// One call, to each URL in turn until one answers: the answer's JSON, or the registry's
    /// error as a data error (a registry that cannot be reached is a retriable error).
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let agent = self
            .agent
            .as_ref()
            .ok_or_else(|| ConnectError::config("schema.registry.url", "not configured"))?;
        let mut unreachable = Vec::new();
        for url in &self.urls {
            let target = format!("{url}{path}");
            let mut request = ureq::http::Request::builder()
                .method(method)
                .uri(&target)
                .header("Accept", CONTENT_TYPE)
                .header("Content-Type", CONTENT_TYPE);
            if let Some(authorization) = self.credentials.header() {
                request = request.header("Authorization", authorization);
            }
            let body = body.map(Value::to_string).unwrap_or_default();
            let request = request
                .body(body)
                .map_err(|e| ConnectError::config("schema.registry.url", format!("{target}: {e}")))?;
            match agent.run(request) {
                Ok(mut answer) => {
                    let status = answer.status().as_u16();
                    let text = answer.body_mut().read_to_string().unwrap_or_default();
                    let json: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
                    if status < 300 {
                        return Ok(json);
                    }
                    let message = json["message"]
                        .as_str()
                        .map_or_else(|| json.to_string(), str::to_string);
                    let failed = format!(
                        "the schema registry at {url} answered {status} ({}): {message}",
                        json["error_code"]
                    );
                    return Err(if status >= 500 {
                        ConnectError::Retriable(failed)
                    } else {
                        ConnectError::data(failed)
                    });
                }
                Err(err) => unreachable.push(format!("{url}: {err}")),
            }
        }
        Err(ConnectError::Retriable(format!(
            "no schema registry answered: {}",
            unreachable.join("; ")
        )))
    }

    /// Registers `schema`, of `schema_type` (`AVRO`, `JSON`), under `subject`: its id.
    pub fn register(&self, subject: &str, schema_type: &str, schema: &str) -> Result<i32> {
        let answer = self.call(
            "POST",
            &format!("/subjects/{}/versions", encode(subject)),
            Some(&schema_body(schema_type, schema)),
        )?;
        id_of(&answer)
    }

    /// The id of `schema` under `subject`, registered already (`auto.register.schemas=false`).
    pub fn lookup(&self, subject: &str, schema_type: &str, schema: &str) -> Result<i32> {
        let answer = self.call(
            "POST",
            &format!("/subjects/{}", encode(subject)),
            Some(&schema_body(schema_type, schema)),
        )?;
        id_of(&answer)
    }

    /// The newest version of `subject`, which must be of `schema_type`: its id and schema text
    /// (`use.latest.version`).
    pub fn latest(&self, subject: &str, schema_type: &str) -> Result<(i32, String)> {
        let answer = self.call("GET", &format!("/subjects/{}/versions/latest", encode(subject)), None)?;
        Ok((id_of(&answer)?, schema_of(&answer, schema_type)?))
    }

    /// The schema with `id`, which must be of `schema_type`, with the schemas it references.
    pub fn schema(&self, id: i32, schema_type: &str) -> Result<RegisteredSchema> {
        let answer = self.call("GET", &format!("/schemas/ids/{id}"), None)?;
        let mut referenced = Vec::new();
        self.resolve(&answer["references"], &mut referenced, &mut HashSet::new())?;
        Ok(RegisteredSchema {
            text: schema_of(&answer, schema_type)?,
            referenced,
        })
    }

    /// Appends the schemas `references` names (each after the ones it references) to `out`.
    fn resolve(
        &self,
        references: &Value,
        out: &mut Vec<(String, String)>,
        seen: &mut HashSet<(String, i64)>,
    ) -> Result<()> {
        for reference in references.as_array().into_iter().flatten() {
            let (Some(name), Some(subject), Some(version)) = (
                reference["name"].as_str(),
                reference["subject"].as_str(),
                reference["version"].as_i64(),
            ) else {
                return Err(ConnectError::data(format!(
                    "a schema reference the converter cannot follow: {reference}"
                )));
            };
            if !seen.insert((subject.to_string(), version)) {
                continue;
            }
            let answer = self.call(
                "GET",
                &format!("/subjects/{}/versions/{version}", encode(subject)),
                None,
            )?;
            self.resolve(&answer["references"], out, seen)?;
            let text = answer["schema"].as_str().unwrap_or_default().to_string();
            out.push((name.to_string(), text));
        }
        Ok(())
    }
}

/// A registered schema's text, and the schemas it references as `(name, text)`, each after those
/// it references in turn.
pub(crate) struct RegisteredSchema {
    pub text: String,
    pub referenced: Vec<(String, String)>,
}

/// The body of a call that carries a schema: its type is left out for Avro, as Confluent's clients do.
fn schema_body(schema_type: &str, schema: &str) -> Value {
    match schema_type {
        "AVRO" => json!({"schema": schema}),
        _ => json!({"schemaType": schema_type, "schema": schema}),
    }
}

fn id_of(answer: &Value) -> Result<i32> {
    answer["id"]
        .as_i64()
        .map(|id| id as i32)
        .ok_or_else(|| ConnectError::data(format!("the schema registry answered without an id: {answer}")))
}

fn schema_of(answer: &Value, schema_type: &str) -> Result<String> {
    let kind = answer["schemaType"].as_str().unwrap_or("AVRO");
    if kind != schema_type {
        return Err(ConnectError::data(format!("the schema is {kind}, not {schema_type}")));
    }
    answer["schema"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| ConnectError::data(format!("the schema registry answered without a schema: {answer}")))
}

/// A subject as a URL path segment.
fn encode(subject: &str) -> String {
    subject
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
