//! Confluent Schema Registry's REST API over the registry, with its content type and its error
//! bodies (`{"error_code": …, "message": …}`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::RegistryError;
use crate::leadership::{Leadership, writes_to_leader};
use crate::registry::Registry;
use crate::schema_text::TYPES;
use crate::state::{Reference, Registered, Schema, VersionSpec};

const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

type Answer = Result<Response, RegistryError>;
type Flags = Query<HashMap<String, String>>;

impl IntoResponse for RegistryError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = json!({"error_code": self.code(), "message": self.to_string()});
        (status, [(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string()).into_response()
    }
}

fn answer(body: Value) -> Answer {
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], body.to_string()).into_response())
}

/// Whether the query flag `name` is `true`.
fn flag(query: &Flags, name: &str) -> bool {
    query.get(name).is_some_and(|value| value.eq_ignore_ascii_case("true"))
}

/// A schema as the calls that take one carry it.
#[derive(Deserialize)]
struct SchemaRequest {
    schema: String,
    #[serde(rename = "schemaType", default)]
    schema_type: Option<String>,
    #[serde(default)]
    references: Vec<Reference>,
}

impl SchemaRequest {
    fn parse(body: &[u8]) -> Result<Self, RegistryError> {
        serde_json::from_slice(body).map_err(|e| RegistryError::Unprocessable(e.to_string()))
    }

    fn schema_type(&self) -> &str {
        self.schema_type.as_deref().unwrap_or("AVRO")
    }
}

/// A schema's fields of an answer: its text, and its type and references unless AVRO and none.
fn schema_fields(schema: &Schema, body: &mut Value) {
    body["schema"] = json!(schema.text);
    if schema.schema_type != "AVRO" {
        body["schemaType"] = json!(schema.schema_type);
    }
    if !schema.references.is_empty() {
        body["references"] = json!(schema.references);
    }
}

fn registered_body(registered: &Registered) -> Value {
    let mut body = json!({"subject": registered.subject, "version": registered.version, "id": registered.id});
    schema_fields(&registered.schema, &mut body);
    body
}

async fn register(State(registry): State<Arc<Registry>>, Path(subject): Path<String>, body: Bytes) -> Answer {
    let request = SchemaRequest::parse(&body)?;
    let id = registry
        .register(
            &subject,
            request.schema_type(),
            &request.schema,
            request.references.clone(),
        )
        .await?;
    answer(json!({"id": id}))
}

async fn lookup(
    State(registry): State<Arc<Registry>>,
    Path(subject): Path<String>,
    query: Flags,
    body: Bytes,
) -> Answer {
    let request = SchemaRequest::parse(&body)?;
    let found = registry.lookup(
        &subject,
        request.schema_type(),
        &request.schema,
        request.references.clone(),
        flag(&query, "deleted"),
    )?;
    answer(registered_body(&found))
}

async fn compatibility(
    State(registry): State<Arc<Registry>>,
    Path((subject, version)): Path<(String, String)>,
    query: Flags,
    body: Bytes,
) -> Answer {
    let request = SchemaRequest::parse(&body)?;
    let problems = registry.test_compatibility(
        &subject,
        VersionSpec::parse(&version)?,
        request.schema_type(),
        &request.schema,
        request.references.clone(),
    )?;
    let mut answer_body = json!({"is_compatible": problems.is_empty()});
    if flag(&query, "verbose") {
        answer_body["messages"] = json!(problems);
    }
    answer(answer_body)
}

async fn subjects(State(registry): State<Arc<Registry>>, query: Flags) -> Answer {
    answer(json!(registry.subjects(flag(&query, "deleted"))))
}

async fn versions(State(registry): State<Arc<Registry>>, Path(subject): Path<String>, query: Flags) -> Answer {
    answer(json!(registry.versions(&subject, flag(&query, "deleted"))?))
}

async fn delete_subject(State(registry): State<Arc<Registry>>, Path(subject): Path<String>, query: Flags) -> Answer {
    answer(json!(
        registry.delete_subject(&subject, flag(&query, "permanent")).await?
    ))
}

async fn version(
    State(registry): State<Arc<Registry>>,
    Path((subject, version)): Path<(String, String)>,
    query: Flags,
) -> Answer {
    let found = registry.version(&subject, VersionSpec::parse(&version)?, flag(&query, "deleted"))?;
    answer(registered_body(&found))
}

async fn version_schema(
    State(registry): State<Arc<Registry>>,
    Path((subject, version)): Path<(String, String)>,
    query: Flags,
) -> Answer {
    let found = registry.version(&subject, VersionSpec::parse(&version)?, flag(&query, "deleted"))?;
    answer(serde_json::from_str(&found.schema.text).unwrap_or(Value::String(found.schema.text)))
}

async fn delete_version(
    State(registry): State<Arc<Registry>>,
    Path((subject, version)): Path<(String, String)>,
    query: Flags,
) -> Answer {
    let spec = VersionSpec::parse(&version)?;
    let permanent = flag(&query, "permanent");
    answer(json!(registry.delete_version(&subject, spec, permanent).await?))
}

async fn schema_by_id(State(registry): State<Arc<Registry>>, Path(id): Path<i32>, query: Flags) -> Answer {
    let mut body = json!({});
    let format = query.get("format").map(String::as_str);
    schema_fields(&registry.schema_in_format(id, format)?, &mut body);
    answer(body)
}

async fn schema_text_by_id(State(registry): State<Arc<Registry>>, Path(id): Path<i32>) -> Answer {
    let text = registry.schema(id)?.text;
    answer(serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

async fn subjects_of_id(State(registry): State<Arc<Registry>>, Path(id): Path<i32>, query: Flags) -> Answer {
    let uses = registry.uses_of(id, flag(&query, "deleted"))?;
    let mut subjects: Vec<String> = uses.into_iter().map(|(subject, _)| subject).collect();
    subjects.dedup();
    answer(json!(subjects))
}

async fn versions_of_id(State(registry): State<Arc<Registry>>, Path(id): Path<i32>, query: Flags) -> Answer {
    let uses = registry.uses_of(id, flag(&query, "deleted"))?;
    let body: Vec<Value> = uses
        .into_iter()
        .map(|(subject, version)| json!({"subject": subject, "version": version}))
        .collect();
    answer(json!(body))
}

async fn types() -> Answer {
    answer(json!(TYPES))
}

/// A `/config` body: Confluent's clients send `compatibility`.
fn level_of(body: &[u8]) -> Result<String, RegistryError> {
    let body: Value = serde_json::from_slice(body).map_err(|e| RegistryError::Unprocessable(e.to_string()))?;
    body.get("compatibility")
        .or_else(|| body.get("compatibilityLevel"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or(RegistryError::InvalidCompatibilityLevel)
}

async fn global_config(State(registry): State<Arc<Registry>>) -> Answer {
    answer(json!({"compatibilityLevel": registry.compatibility(None, true)?}))
}

async fn set_global_config(State(registry): State<Arc<Registry>>, body: Bytes) -> Answer {
    answer(json!({"compatibility": registry.set_compatibility(None, &level_of(&body)?).await?}))
}

async fn subject_config(State(registry): State<Arc<Registry>>, Path(subject): Path<String>, query: Flags) -> Answer {
    let level = registry.compatibility(Some(&subject), flag(&query, "defaultToGlobal"))?;
    answer(json!({"compatibilityLevel": level}))
}

async fn set_subject_config(State(registry): State<Arc<Registry>>, Path(subject): Path<String>, body: Bytes) -> Answer {
    answer(json!({"compatibility": registry.set_compatibility(Some(&subject), &level_of(&body)?).await?}))
}

async fn delete_subject_config(State(registry): State<Arc<Registry>>, Path(subject): Path<String>) -> Answer {
    answer(json!({"compatibilityLevel": registry.delete_compatibility(&subject).await?}))
}

async fn mode() -> Answer {
    answer(json!({"mode": "READWRITE"}))
}

async fn root() -> Answer {
    answer(json!({}))
}

/// The REST API over `registry`.
pub fn router(registry: Arc<Registry>) -> Router {
    routes(registry)
}

/// The REST API of a member of an elected registry: reads answered here, writes made where
/// `leadership` says (forwarded to the leader when this member is not it).
pub fn elected_router(registry: Arc<Registry>, leadership: Arc<dyn Leadership>) -> Router {
    routes(registry).layer(axum::middleware::from_fn_with_state(leadership, writes_to_leader))
}

fn routes(registry: Arc<Registry>) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/subjects", get(subjects))
        .route("/subjects/{subject}", post(lookup).delete(delete_subject))
        .route("/subjects/{subject}/versions", get(versions).post(register))
        .route(
            "/subjects/{subject}/versions/{version}",
            get(version).delete(delete_version),
        )
        .route("/subjects/{subject}/versions/{version}/schema", get(version_schema))
        .route("/schemas/ids/{id}", get(schema_by_id))
        .route("/schemas/ids/{id}/schema", get(schema_text_by_id))
        .route("/schemas/ids/{id}/subjects", get(subjects_of_id))
        .route("/schemas/ids/{id}/versions", get(versions_of_id))
        .route("/schemas/types", get(types))
        .route(
            "/compatibility/subjects/{subject}/versions/{version}",
            post(compatibility),
        )
        .route("/config", get(global_config).put(set_global_config))
        .route(
            "/config/{subject}",
            get(subject_config)
                .put(set_subject_config)
                .delete(delete_subject_config),
        )
        .route("/mode", get(mode))
        .with_state(registry)
}
