//! The registry's calls. Reads answer from the state; a change is planned as `_schemas` records,
//! written through the journal (one change at a time), and seen once the journal has applied them.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::RegistryError;
use crate::records::{Record, RecordBytes, RecordError};
use crate::state::{LEVELS, Reference, Registered, Schema, State, VersionSpec, pick};

/// Where the registry keeps its changes: Confluent's `_schemas` topic, in kconnect's binary.
#[async_trait::async_trait]
pub trait Journal: Send + Sync {
    /// Writes `records` (key and value bytes) in order and returns once they are applied to the
    /// registry's state (through [`RegistryState::apply`]).
    async fn append(&self, records: Vec<RecordBytes>) -> Result<(), String>;
}

/// The registry's subjects, versions, schemas and levels, which a journal's reader applies the
/// topic's records to.
#[derive(Clone, Default)]
pub struct RegistryState(Arc<Mutex<State>>);

impl RegistryState {
    /// Applies one record of the topic, as read (`value` `None` for a tombstone).
    pub fn apply(&self, key: &[u8], value: Option<&[u8]>) -> Result<(), RecordError> {
        if let Some(record) = Record::decode(key, value)? {
            self.lock().apply(record);
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The registry.
#[derive(Default)]
pub struct Registry {
    state: RegistryState,
    journal: Option<Arc<dyn Journal>>,
    /// Held while a change is planned and written, so two changes never plan the same version.
    writes: tokio::sync::Mutex<()>,
}

impl Registry {
    /// An empty registry that keeps its state in memory only.
    pub fn new() -> Self {
        Self::default()
    }

    /// A registry over `state` that keeps every change in `journal`.
    pub fn journaled(state: RegistryState, journal: Arc<dyn Journal>) -> Self {
        Self {
            state,
            journal: Some(journal),
            writes: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock()
    }

    /// Makes `records` so: through the journal, or straight into the state without one.
    async fn commit(&self, records: Vec<Record>) -> Result<(), RegistryError> {
        match &self.journal {
            Some(journal) => journal
                .append(records.iter().map(Record::encode).collect())
                .await
                .map_err(RegistryError::Store),
            None => {
                let mut state = self.state();
                records.into_iter().for_each(|record| state.apply(record));
                Ok(())
            }
        }
    }

    /// Registers a schema under `subject`: its id, the existing one when the subject has it.
    pub async fn register(
        &self,
        subject: &str,
        schema_type: &str,
        text: &str,
        references: Vec<Reference>,
    ) -> Result<i32, RegistryError> {
        let _writing = self.writes.lock().await;
        let (id, record) = {
            let state = self.state();
            let schema = state.schema(schema_type, text, references)?;
            state.registration(subject, schema)?
        };
        if let Some(record) = record {
            self.commit(vec![record]).await?;
        }
        Ok(id)
    }

    /// Deletes `subject`: soft (its versions hidden) or, once soft-deleted, permanent. The
    /// versions deleted.
    pub async fn delete_subject(&self, subject: &str, permanent: bool) -> Result<Vec<i32>, RegistryError> {
        let _writing = self.writes.lock().await;
        let (versions, records) = self.state().subject_deletion(subject, permanent)?;
        self.commit(records).await?;
        Ok(versions)
    }

    /// Deletes one version of `subject`: soft, or permanent once soft-deleted.
    pub async fn delete_version(
        &self,
        subject: &str,
        spec: VersionSpec,
        permanent: bool,
    ) -> Result<i32, RegistryError> {
        let _writing = self.writes.lock().await;
        let (version, record) = self.state().version_deletion(subject, spec, permanent)?;
        self.commit(vec![record]).await?;
        Ok(version)
    }

    /// Sets the compatibility level of `subject`, or the global one.
    pub async fn set_compatibility(&self, subject: Option<&str>, level: &str) -> Result<String, RegistryError> {
        let level = level.to_ascii_uppercase();
        if !LEVELS.contains(&level.as_str()) {
            return Err(RegistryError::InvalidCompatibilityLevel);
        }
        let _writing = self.writes.lock().await;
        self.commit(vec![Record::Config {
            subject: subject.map(str::to_string),
            level: Some(level.clone()),
        }])
        .await?;
        Ok(level)
    }

    /// Drops `subject`'s own compatibility level: the level it had.
    pub async fn delete_compatibility(&self, subject: &str) -> Result<String, RegistryError> {
        let _writing = self.writes.lock().await;
        let level = self.compatibility(Some(subject), false)?;
        self.commit(vec![Record::Config {
            subject: Some(subject.to_string()),
            level: None,
        }])
        .await?;
        Ok(level)
    }

    /// The version of `subject` that has this schema.
    pub fn lookup(
        &self,
        subject: &str,
        schema_type: &str,
        text: &str,
        references: Vec<Reference>,
        deleted: bool,
    ) -> Result<Registered, RegistryError> {
        let state = self.state();
        let entries = state.entries(subject, deleted)?;
        let schema = state.schema(schema_type, text, references)?;
        let id = state.ids.get(&schema).ok_or(RegistryError::SchemaNotFound)?;
        let entry = entries
            .iter()
            .rev()
            .find(|e| e.id == *id)
            .ok_or(RegistryError::SchemaNotFound)?;
        Ok(state.registered(subject, entry))
    }

    /// Why this schema may not follow version `spec` of `subject` (every live version, for
    /// `latest` at a transitive level); empty when it may.
    pub fn test_compatibility(
        &self,
        subject: &str,
        spec: VersionSpec,
        schema_type: &str,
        text: &str,
        references: Vec<Reference>,
    ) -> Result<Vec<String>, RegistryError> {
        let state = self.state();
        let schema = state.schema(schema_type, text, references)?;
        let live = state.entries(subject, false)?;
        let level = state.level(subject);
        let earlier = match spec {
            VersionSpec::Latest => live,
            VersionSpec::Number(n) => {
                let entry = live
                    .into_iter()
                    .find(|e| e.version == n)
                    .ok_or(RegistryError::VersionNotFound(n))?;
                vec![entry]
            }
        };
        state.incompatibilities(&schema, &earlier, &level)
    }

    /// The subjects with a live version (any version, with `deleted`).
    pub fn subjects(&self, deleted: bool) -> Vec<String> {
        let state = self.state();
        state
            .subjects
            .iter()
            .filter(|(_, entries)| entries.iter().any(|e| deleted || !e.deleted))
            .map(|(subject, _)| subject.clone())
            .collect()
    }

    /// The versions of `subject`.
    pub fn versions(&self, subject: &str, deleted: bool) -> Result<Vec<i32>, RegistryError> {
        Ok(self
            .state()
            .entries(subject, deleted)?
            .iter()
            .map(|e| e.version)
            .collect())
    }

    /// One version of `subject`.
    pub fn version(&self, subject: &str, spec: VersionSpec, deleted: bool) -> Result<Registered, RegistryError> {
        let state = self.state();
        let entry = pick(&state.entries(subject, deleted)?, spec)?;
        Ok(state.registered(subject, entry))
    }

    /// The schema with `id`.
    pub fn schema(&self, id: i32) -> Result<Schema, RegistryError> {
        self.state()
            .schemas
            .get(&id)
            .cloned()
            .ok_or(RegistryError::SchemaNotFound)
    }

    /// The schema with `id` in the `format` asked: a Protobuf schema `serialized` is its base64
    /// `FileDescriptorProto`; any other schema or format is the schema as stored.
    pub fn schema_in_format(&self, id: i32, format: Option<&str>) -> Result<Schema, RegistryError> {
        let mut schema = self.schema(id)?;
        if schema.schema_type == "PROTOBUF" && format == Some("serialized") {
            schema.text = self.state().serialized(&schema)?;
        }
        Ok(schema)
    }

    /// The subjects and versions that have the schema with `id`.
    pub fn uses_of(&self, id: i32, deleted: bool) -> Result<Vec<(String, i32)>, RegistryError> {
        let state = self.state();
        if !state.schemas.contains_key(&id) {
            return Err(RegistryError::SchemaNotFound);
        }
        Ok(state
            .subjects
            .iter()
            .flat_map(|(subject, entries)| {
                entries
                    .iter()
                    .filter(move |e| e.id == id && (deleted || !e.deleted))
                    .map(move |e| (subject.clone(), e.version))
            })
            .collect())
    }

    /// The compatibility level of `subject` (falling back to the global one when asked), or the
    /// global one (BACKWARD unless set).
    pub fn compatibility(&self, subject: Option<&str>, default_to_global: bool) -> Result<String, RegistryError> {
        let state = self.state();
        let global = state.compatibility.clone().unwrap_or_else(|| "BACKWARD".into());
        match subject {
            None => Ok(global),
            Some(subject) => match state.subject_compatibility.get(subject) {
                Some(level) => Ok(level.clone()),
                None if default_to_global => Ok(global),
                None => Err(RegistryError::SubjectCompatibilityNotConfigured(subject.to_string())),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"type": "record", "name": "A", "fields": [{"name": "x", "type": "long"}]}"#;
    const B: &str = r#"{"type": "record", "name": "B", "fields": [{"name": "y", "type": "string"}]}"#;

    #[tokio::test]
    async fn one_schema_one_id_and_versions_never_reused() {
        let registry = Registry::new();
        registry.set_compatibility(None, "none").await.unwrap();
        assert_eq!(registry.register("a-value", "AVRO", A, vec![]).await.unwrap(), 1);
        assert_eq!(registry.register("a-value", "AVRO", A, vec![]).await.unwrap(), 1);
        assert_eq!(registry.register("b-value", "AVRO", A, vec![]).await.unwrap(), 1);
        assert_eq!(registry.register("a-value", "AVRO", B, vec![]).await.unwrap(), 2);
        assert_eq!(registry.versions("a-value", false).unwrap(), [1, 2]);
        registry
            .delete_version("a-value", VersionSpec::Number(2), false)
            .await
            .unwrap();
        assert_eq!(registry.register("a-value", "AVRO", B, vec![]).await.unwrap(), 2);
        assert_eq!(registry.versions("a-value", true).unwrap(), [1, 2, 3]);
        assert_eq!(
            registry.version("a-value", VersionSpec::Latest, false).unwrap().version,
            3
        );
    }

    #[tokio::test]
    async fn a_schema_the_level_refuses_is_409_and_nothing_changes() {
        let registry = Registry::new();
        registry.register("s", "AVRO", A, vec![]).await.unwrap();
        let err = registry.register("s", "AVRO", B, vec![]).await.unwrap_err();
        assert_eq!((err.code(), err.status()), (409, 409));
        assert_eq!(registry.versions("s", false).unwrap(), [1]);
        assert_eq!(
            registry
                .test_compatibility("s", VersionSpec::Latest, "AVRO", B, vec![])
                .unwrap()
                .len(),
            1
        );
        registry.set_compatibility(Some("s"), "NONE").await.unwrap();
        assert_eq!(registry.register("s", "AVRO", B, vec![]).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn deletes_go_soft_then_permanent() {
        let registry = Registry::new();
        registry.register("s", "AVRO", A, vec![]).await.unwrap();
        registry.set_compatibility(Some("s"), "FULL").await.unwrap();
        assert_eq!(registry.delete_subject("s", true).await.unwrap_err().code(), 40405);
        assert_eq!(registry.delete_subject("s", false).await.unwrap(), [1]);
        assert_eq!(
            registry.compatibility(Some("s"), false).unwrap_err().code(),
            40408,
            "a soft delete drops the subject's level"
        );
        assert_eq!(registry.delete_subject("s", false).await.unwrap_err().code(), 40404);
        assert_eq!(registry.versions("s", false).unwrap_err().code(), 40401);
        assert_eq!(registry.schema(1).unwrap().schema_type, "AVRO", "still readable by id");
        assert_eq!(registry.delete_subject("s", true).await.unwrap(), [1]);
        assert!(registry.subjects(true).is_empty());
    }

    /// A journal that keeps the records' bytes and applies them, as the topic's reader would.
    struct Kept {
        state: RegistryState,
        records: Mutex<Vec<RecordBytes>>,
    }

    #[async_trait::async_trait]
    impl Journal for Kept {
        async fn append(&self, records: Vec<RecordBytes>) -> Result<(), String> {
            for (key, value) in &records {
                self.state.apply(key, value.as_deref()).map_err(|e| e.to_string())?;
            }
            self.records.lock().unwrap().extend(records);
            Ok(())
        }
    }

    #[tokio::test]
    async fn replaying_the_records_gives_the_same_registry() {
        let state = RegistryState::default();
        let journal = Arc::new(Kept {
            state: state.clone(),
            records: Mutex::default(),
        });
        let registry = Registry::journaled(state, journal.clone());
        registry.set_compatibility(None, "NONE").await.unwrap();
        registry.register("a", "AVRO", A, vec![]).await.unwrap();
        registry.register("a", "AVRO", B, vec![]).await.unwrap();
        registry.register("b", "AVRO", B, vec![]).await.unwrap();
        registry
            .delete_version("a", VersionSpec::Number(1), false)
            .await
            .unwrap();
        registry.delete_subject("b", false).await.unwrap();
        registry.delete_subject("b", true).await.unwrap();

        let replayed = RegistryState::default();
        for (key, value) in journal.records.lock().unwrap().iter() {
            replayed.apply(key, value.as_deref()).unwrap();
        }
        let again = Registry::journaled(
            replayed.clone(),
            Arc::new(Kept {
                state: replayed,
                records: Mutex::default(),
            }),
        );
        assert_eq!(again.subjects(true), ["a"]);
        assert_eq!(again.versions("a", true).unwrap(), [1, 2]);
        assert_eq!(again.versions("a", false).unwrap(), [2]);
        assert_eq!(again.compatibility(None, false).unwrap(), "NONE");
        assert_eq!(
            again.register("c", "AVRO", B, vec![]).await.unwrap(),
            2,
            "B keeps its id"
        );
        assert_eq!(again.register("c", "AVRO", "\"int\"", vec![]).await.unwrap(), 3);
        assert_eq!(again.versions("c", false).unwrap(), [1, 2]);
    }
}
