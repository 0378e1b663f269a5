//! The registry's subjects, versions and schemas. A schema (its type, text in stored form and
//! references) has one id wherever it is registered; a subject's versions count from 1 and are
//! never reused; soft-deleted versions stay readable by id and, when asked, by version.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::RegistryError;
use crate::schema_text::canonical;

/// The levels `/config` takes.
const LEVELS: [&str; 7] = [
    "NONE",
    "BACKWARD",
    "BACKWARD_TRANSITIVE",
    "FORWARD",
    "FORWARD_TRANSITIVE",
    "FULL",
    "FULL_TRANSITIVE",
];

/// A reference from a schema to another subject's version, under the name the schema uses.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Reference {
    /// The name the referencing schema uses.
    pub name: String,
    /// The referenced subject.
    pub subject: String,
    /// Its version.
    pub version: i32,
}

/// A schema as registered.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Schema {
    /// `AVRO` or `JSON`.
    pub schema_type: String,
    /// Its text, in stored form.
    pub text: String,
    /// The schemas it references.
    pub references: Vec<Reference>,
}

/// A subject's version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registered {
    /// The subject.
    pub subject: String,
    /// The version.
    pub version: i32,
    /// The schema's id.
    pub id: i32,
    /// The schema.
    pub schema: Schema,
}

/// Which version of a subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionSpec {
    /// The newest.
    Latest,
    /// This one.
    Number(i32),
}

impl VersionSpec {
    /// `latest`, `-1` or a number from 1, as the REST API takes it.
    pub fn parse(text: &str) -> Result<Self, RegistryError> {
        match text {
            "latest" | "-1" => Ok(Self::Latest),
            _ => match text.parse::<i32>() {
                Ok(n) if n >= 1 => Ok(Self::Number(n)),
                _ => Err(RegistryError::InvalidVersion(text.to_string())),
            },
        }
    }
}

/// The entry `spec` names among `entries` (oldest first).
fn pick<'a>(entries: &[&'a Entry], spec: VersionSpec) -> Result<&'a Entry, RegistryError> {
    let entry = match spec {
        VersionSpec::Latest => entries.last(),
        VersionSpec::Number(n) => entries.iter().find(|e| e.version == n),
    };
    entry.copied().ok_or(RegistryError::VersionNotFound(match spec {
        VersionSpec::Number(n) => n,
        VersionSpec::Latest => -1,
    }))
}

#[derive(Clone, Debug)]
struct Entry {
    version: i32,
    id: i32,
    deleted: bool,
}

#[derive(Default)]
struct State {
    schemas: BTreeMap<i32, Schema>,
    ids: HashMap<Schema, i32>,
    subjects: BTreeMap<String, Vec<Entry>>,
    compatibility: Option<String>,
    subject_compatibility: BTreeMap<String, String>,
}

impl State {
    /// The live (or, with `deleted`, every) entries of `subject`; a subject with none is unknown.
    fn entries(&self, subject: &str, deleted: bool) -> Result<Vec<&Entry>, RegistryError> {
        let entries: Vec<&Entry> = self
            .subjects
            .get(subject)
            .map(|entries| entries.iter().filter(|e| deleted || !e.deleted).collect())
            .unwrap_or_default();
        if entries.is_empty() {
            return Err(RegistryError::SubjectNotFound(subject.to_string()));
        }
        Ok(entries)
    }

    /// The number `spec` names among the versions of `subject`: any version by number, the
    /// newest live one (or newest of all, with `deleted`) for `latest`.
    fn version_of(&self, subject: &str, spec: VersionSpec, deleted: bool) -> Result<i32, RegistryError> {
        let entries = self.entries(subject, true)?;
        let candidates: Vec<&Entry> = match spec {
            VersionSpec::Latest => entries.into_iter().filter(|e| deleted || !e.deleted).collect(),
            VersionSpec::Number(_) => entries,
        };
        Ok(pick(&candidates, spec)?.version)
    }

    fn registered(&self, subject: &str, entry: &Entry) -> Registered {
        Registered {
            subject: subject.to_string(),
            version: entry.version,
            id: entry.id,
            schema: self.schemas[&entry.id].clone(),
        }
    }

    /// The texts of the schemas `references` names.
    fn referenced_texts(&self, references: &[Reference]) -> Result<Vec<String>, RegistryError> {
        references
            .iter()
            .map(|reference| {
                let entries = self.entries(&reference.subject, true)?;
                let entry = entries
                    .iter()
                    .find(|e| e.version == reference.version)
                    .ok_or(RegistryError::VersionNotFound(reference.version))?;
                Ok(self.schemas[&entry.id].text.clone())
            })
            .collect()
    }

    /// `text` in stored form, its references resolved.
    fn schema(&self, schema_type: &str, text: &str, references: Vec<Reference>) -> Result<Schema, RegistryError> {
        let referenced = self.referenced_texts(&references).map_err(|err| {
            RegistryError::InvalidSchema(format!("{text}, details: a reference cannot be resolved: {err}"))
        })?;
        Ok(Schema {
            schema_type: schema_type.to_string(),
            text: canonical(schema_type, text, &referenced)?,
            references,
        })
    }

    /// A stored Avro schema, parsed with the schemas it references.
    fn avro(&self, schema: &Schema) -> Result<apache_avro::Schema, RegistryError> {
        let mut texts = self.referenced_texts(&schema.references)?;
        texts.push(schema.text.clone());
        let mut parsed = apache_avro::Schema::parse_list(texts.iter().map(String::as_str))
            .map_err(|e| RegistryError::InvalidSchema(format!("{}, details: {e}", schema.text)))?;
        Ok(parsed.pop().expect("one schema per text"))
    }

    /// The compatibility level of `subject`: its own, else the global one, else BACKWARD.
    fn level(&self, subject: &str) -> String {
        self.subject_compatibility
            .get(subject)
            .or(self.compatibility.as_ref())
            .cloned()
            .unwrap_or_else(|| "BACKWARD".into())
    }

    /// Why `schema` may not follow the live versions `earlier` (oldest first) of `subject` at
    /// `level` (Avro schemas only); empty when it may.
    fn incompatibilities(
        &self,
        schema: &Schema,
        earlier: &[&Entry],
        level: &str,
    ) -> Result<Vec<String>, RegistryError> {
        if schema.schema_type != "AVRO" {
            return Ok(Vec::new());
        }
        let earlier = earlier
            .iter()
            .map(|entry| &self.schemas[&entry.id])
            .filter(|earlier| earlier.schema_type == "AVRO")
            .map(|earlier| self.avro(earlier))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(crate::compatibility::incompatibilities(
            level,
            &self.avro(schema)?,
            &earlier,
        ))
    }
}

/// The registry.
#[derive(Default)]
pub struct Registry {
    state: Mutex<State>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Registers a schema under `subject`: its id, the existing one when the subject has it.
    pub fn register(
        &self,
        subject: &str,
        schema_type: &str,
        text: &str,
        references: Vec<Reference>,
    ) -> Result<i32, RegistryError> {
        let mut state = self.state();
        let schema = state.schema(schema_type, text, references)?;
        let known = state.ids.get(&schema).copied();
        let live = state.entries(subject, false).unwrap_or_default();
        if let Some(id) = known
            && live.iter().any(|e| e.id == id)
        {
            return Ok(id);
        }
        let problems = state.incompatibilities(&schema, &live, &state.level(subject))?;
        if !problems.is_empty() {
            return Err(RegistryError::Incompatible(subject.to_string(), problems));
        }
        let entries = state.subjects.entry(subject.to_string()).or_default();
        let version = entries.iter().map(|e| e.version).max().unwrap_or(0) + 1;
        let id = known.unwrap_or_else(|| state.schemas.keys().next_back().copied().unwrap_or(0) + 1);
        state.subjects.get_mut(subject).expect("made above").push(Entry {
            version,
            id,
            deleted: false,
        });
        state.ids.insert(schema.clone(), id);
        state.schemas.insert(id, schema);
        Ok(id)
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
        let earlier: Vec<&Entry> = match spec {
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

    /// Deletes `subject`: soft (its versions hidden) or, once soft-deleted, permanent. The
    /// versions deleted.
    pub fn delete_subject(&self, subject: &str, permanent: bool) -> Result<Vec<i32>, RegistryError> {
        let mut state = self.state();
        let all: Vec<i32> = state.entries(subject, true)?.iter().map(|e| e.version).collect();
        let live = state.entries(subject, false).is_ok();
        match (permanent, live) {
            (false, false) => Err(RegistryError::SubjectSoftDeleted(subject.to_string())),
            (true, true) => Err(RegistryError::SubjectNotSoftDeleted(subject.to_string())),
            (false, true) => {
                let entries = state.subjects.get_mut(subject).expect("listed above");
                let deleted = entries.iter().filter(|e| !e.deleted).map(|e| e.version).collect();
                entries.iter_mut().for_each(|e| e.deleted = true);
                Ok(deleted)
            }
            (true, false) => {
                state.subjects.remove(subject);
                state.subject_compatibility.remove(subject);
                Ok(all)
            }
        }
    }

    /// Deletes one version of `subject`: soft, or permanent once soft-deleted.
    pub fn delete_version(&self, subject: &str, spec: VersionSpec, permanent: bool) -> Result<i32, RegistryError> {
        let mut state = self.state();
        let version = state.version_of(subject, spec, permanent)?;
        let entries = state.subjects.get_mut(subject).expect("found above");
        let at = entries.iter().position(|e| e.version == version).expect("found above");
        match (permanent, entries[at].deleted) {
            (false, true) => Err(RegistryError::VersionSoftDeleted(subject.to_string(), version)),
            (true, false) => Err(RegistryError::VersionNotSoftDeleted(subject.to_string(), version)),
            (false, false) => {
                entries[at].deleted = true;
                Ok(version)
            }
            (true, true) => {
                entries.remove(at);
                if entries.is_empty() {
                    state.subjects.remove(subject);
                }
                Ok(version)
            }
        }
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

    /// Sets the compatibility level of `subject`, or the global one.
    pub fn set_compatibility(&self, subject: Option<&str>, level: &str) -> Result<String, RegistryError> {
        let level = level.to_ascii_uppercase();
        if !LEVELS.contains(&level.as_str()) {
            return Err(RegistryError::InvalidCompatibilityLevel);
        }
        let mut state = self.state();
        match subject {
            None => state.compatibility = Some(level.clone()),
            Some(subject) => {
                state.subject_compatibility.insert(subject.to_string(), level.clone());
            }
        }
        Ok(level)
    }

    /// Drops `subject`'s own compatibility level: the level it had.
    pub fn delete_compatibility(&self, subject: &str) -> Result<String, RegistryError> {
        let level = self.compatibility(Some(subject), false)?;
        self.state().subject_compatibility.remove(subject);
        Ok(level)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = r#"{"type": "record", "name": "A", "fields": [{"name": "x", "type": "long"}]}"#;
    const B: &str = r#"{"type": "record", "name": "B", "fields": [{"name": "y", "type": "string"}]}"#;

    #[test]
    fn one_schema_one_id_and_versions_never_reused() {
        let registry = Registry::new();
        registry.set_compatibility(None, "none").unwrap();
        assert_eq!(registry.register("a-value", "AVRO", A, vec![]).unwrap(), 1);
        assert_eq!(registry.register("a-value", "AVRO", A, vec![]).unwrap(), 1);
        assert_eq!(registry.register("b-value", "AVRO", A, vec![]).unwrap(), 1);
        assert_eq!(registry.register("a-value", "AVRO", B, vec![]).unwrap(), 2);
        assert_eq!(registry.versions("a-value", false).unwrap(), [1, 2]);
        registry
            .delete_version("a-value", VersionSpec::Number(2), false)
            .unwrap();
        assert_eq!(registry.register("a-value", "AVRO", B, vec![]).unwrap(), 2);
        assert_eq!(registry.versions("a-value", true).unwrap(), [1, 2, 3]);
        assert_eq!(
            registry.version("a-value", VersionSpec::Latest, false).unwrap().version,
            3
        );
    }

    #[test]
    fn a_schema_the_level_refuses_is_409_and_nothing_changes() {
        let registry = Registry::new();
        registry.register("s", "AVRO", A, vec![]).unwrap();
        let err = registry.register("s", "AVRO", B, vec![]).unwrap_err();
        assert_eq!((err.code(), err.status()), (409, 409));
        assert_eq!(registry.versions("s", false).unwrap(), [1]);
        assert_eq!(
            registry
                .test_compatibility("s", VersionSpec::Latest, "AVRO", B, vec![])
                .unwrap()
                .len(),
            1
        );
        registry.set_compatibility(Some("s"), "NONE").unwrap();
        assert_eq!(registry.register("s", "AVRO", B, vec![]).unwrap(), 2);
    }

    #[test]
    fn deletes_go_soft_then_permanent() {
        let registry = Registry::new();
        registry.register("s", "AVRO", A, vec![]).unwrap();
        assert_eq!(registry.delete_subject("s", true).unwrap_err().code(), 40405);
        assert_eq!(registry.delete_subject("s", false).unwrap(), [1]);
        assert_eq!(registry.delete_subject("s", false).unwrap_err().code(), 40404);
        assert_eq!(registry.versions("s", false).unwrap_err().code(), 40401);
        assert_eq!(registry.schema(1).unwrap().schema_type, "AVRO", "still readable by id");
        assert_eq!(registry.delete_subject("s", true).unwrap(), [1]);
        assert!(registry.subjects(true).is_empty());
    }
}
