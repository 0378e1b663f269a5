//! The registry's subjects, versions and schemas. A schema (its type, text in stored form and
//! references) has one id wherever it is registered; a subject's versions count from 1 and are
//! never reused; soft-deleted versions stay readable by id and, when asked, by version.
//!
//! The state changes only by applying `_schemas` records; a change is first planned as the
//! records that make it.

use std::collections::{BTreeMap, HashMap};

use kconnect_protobuf_schema::prost_reflect::FileDescriptor;
use serde::{Deserialize, Serialize};

use crate::RegistryError;
use crate::records::Record;
use crate::schema_text::canonical;
use kconnect_schema_compatibility::json::breaking_changes as json_breaking_changes;
use kconnect_schema_compatibility::protobuf::breaking_changes as protobuf_breaking_changes;
use kconnect_schema_compatibility::{avro_can_read, avro_schema, checked, incompatibilities};

/// The levels `/config` takes.
pub(crate) const LEVELS: [&str; 7] = [
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
    /// `AVRO`, `JSON` or `PROTOBUF`.
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
pub(crate) fn pick<'a>(entries: &[&'a Entry], spec: VersionSpec) -> Result<&'a Entry, RegistryError> {
    let entry = match spec {
        VersionSpec::Latest => entries.last(),
        VersionSpec::Number(n) => entries.iter().find(|e| e.version == n),
    };
    entry.copied().ok_or(RegistryError::VersionNotFound(match spec {
        VersionSpec::Number(n) => n,
        VersionSpec::Latest => -1,
    }))
}

/// One version of a subject.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) version: i32,
    pub(crate) id: i32,
    pub(crate) deleted: bool,
}

/// Everything the registry knows; a subject's entries are in version order.
#[derive(Default)]
pub(crate) struct State {
    pub(crate) schemas: BTreeMap<i32, Schema>,
    pub(crate) ids: HashMap<Schema, i32>,
    pub(crate) subjects: BTreeMap<String, Vec<Entry>>,
    pub(crate) compatibility: Option<String>,
    pub(crate) subject_compatibility: BTreeMap<String, String>,
}

impl State {
    /// Applies one record of the topic.
    pub(crate) fn apply(&mut self, record: Record) {
        match record {
            Record::Schema {
                subject,
                version,
                value: Some(value),
            } => {
                let schema = self.stored(value.schema_type, &value.schema, value.references);
                self.ids.insert(schema.clone(), value.id);
                self.schemas.insert(value.id, schema);
                let entry = Entry {
                    version,
                    id: value.id,
                    deleted: value.deleted,
                };
                let entries = self.subjects.entry(subject).or_default();
                match entries.binary_search_by_key(&version, |e| e.version) {
                    Ok(at) => entries[at] = entry,
                    Err(at) => entries.insert(at, entry),
                }
            }
            Record::Schema {
                subject,
                version,
                value: None,
            } => {
                if let Some(entries) = self.subjects.get_mut(&subject) {
                    entries.retain(|e| e.version != version);
                    if entries.is_empty() {
                        self.subjects.remove(&subject);
                    }
                }
            }
            Record::Config { subject: None, level } => self.compatibility = level,
            Record::Config {
                subject: Some(subject),
                level: Some(level),
            } => {
                self.subject_compatibility.insert(subject, level);
            }
            Record::Config {
                subject: Some(subject),
                level: None,
            } => {
                self.subject_compatibility.remove(&subject);
            }
            Record::DeleteSubject { subject, version } => {
                let entries = self.subjects.get_mut(&subject).into_iter().flatten();
                entries.filter(|e| e.version <= version).for_each(|e| e.deleted = true);
            }
        }
    }

    /// A schema as read from the topic, its text in stored form when it parses (another registry
    /// may have stored it in another form).
    fn stored(&self, schema_type: String, text: &str, references: Vec<Reference>) -> Schema {
        self.schema(&schema_type, text, references.clone()).unwrap_or(Schema {
            schema_type,
            text: text.to_string(),
            references,
        })
    }

    /// `schema`'s id under `subject`, and the record registering it there unless the subject has
    /// it live already.
    pub(crate) fn registration(&self, subject: &str, schema: Schema) -> Result<(i32, Option<Record>), RegistryError> {
        let known = self.ids.get(&schema).copied();
        let live = self.entries(subject, false).unwrap_or_default();
        if let Some(id) = known
            && live.iter().any(|e| e.id == id)
        {
            return Ok((id, None));
        }
        let problems = self.incompatibilities(&schema, &live, &self.level(subject))?;
        if !problems.is_empty() {
            return Err(RegistryError::Incompatible(subject.to_string(), problems));
        }
        let newest = self.subjects.get(subject).and_then(|entries| entries.last());
        let version = newest.map_or(0, |e| e.version) + 1;
        let id = known.unwrap_or_else(|| self.schemas.keys().next_back().copied().unwrap_or(0) + 1);
        Ok((id, Some(Record::schema_version(subject, version, id, schema, false))))
    }

    /// The versions deleting `subject` deletes, and the records that do it: soft (with its own
    /// compatibility level dropped, as Confluent's registry does) or, once soft-deleted, permanent.
    pub(crate) fn subject_deletion(
        &self,
        subject: &str,
        permanent: bool,
    ) -> Result<(Vec<i32>, Vec<Record>), RegistryError> {
        let all: Vec<i32> = self.entries(subject, true)?.iter().map(|e| e.version).collect();
        let live: Vec<i32> = self
            .entries(subject, false)
            .map(|entries| entries.iter().map(|e| e.version).collect())
            .unwrap_or_default();
        match (permanent, live.is_empty()) {
            (false, true) => Err(RegistryError::SubjectSoftDeleted(subject.to_string())),
            (true, false) => Err(RegistryError::SubjectNotSoftDeleted(subject.to_string())),
            (false, false) => {
                let mut records = vec![Record::DeleteSubject {
                    subject: subject.to_string(),
                    version: *all.last().expect("a subject has versions"),
                }];
                if self.subject_compatibility.contains_key(subject) {
                    records.push(Record::Config {
                        subject: Some(subject.to_string()),
                        level: None,
                    });
                }
                Ok((live, records))
            }
            (true, true) => {
                let records = all
                    .iter()
                    .map(|version| Record::version_gone(subject, *version))
                    .collect();
                Ok((all, records))
            }
        }
    }

    /// The version `spec` names and the record deleting it: soft, or permanent once soft-deleted.
    pub(crate) fn version_deletion(
        &self,
        subject: &str,
        spec: VersionSpec,
        permanent: bool,
    ) -> Result<(i32, Record), RegistryError> {
        let entry = self.entry_of(subject, spec, permanent)?;
        let version = entry.version;
        match (permanent, entry.deleted) {
            (false, true) => Err(RegistryError::VersionSoftDeleted(subject.to_string(), version)),
            (true, false) => Err(RegistryError::VersionNotSoftDeleted(subject.to_string(), version)),
            (false, false) => {
                let schema = self.schemas[&entry.id].clone();
                Ok((
                    version,
                    Record::schema_version(subject, version, entry.id, schema, true),
                ))
            }
            (true, true) => Ok((version, Record::version_gone(subject, version))),
        }
    }

    /// The live (or, with `deleted`, every) entries of `subject`; a subject with none is unknown.
    pub(crate) fn entries(&self, subject: &str, deleted: bool) -> Result<Vec<&Entry>, RegistryError> {
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

    /// The version `spec` names among those of `subject`: any version by number, the newest live
    /// one (or newest of all, with `deleted`) for `latest`.
    fn entry_of(&self, subject: &str, spec: VersionSpec, deleted: bool) -> Result<&Entry, RegistryError> {
        let entries = self.entries(subject, true)?;
        let candidates: Vec<&Entry> = match spec {
            VersionSpec::Latest => entries.into_iter().filter(|e| deleted || !e.deleted).collect(),
            VersionSpec::Number(_) => entries,
        };
        pick(&candidates, spec)
    }

    pub(crate) fn registered(&self, subject: &str, entry: &Entry) -> Registered {
        Registered {
            subject: subject.to_string(),
            version: entry.version,
            id: entry.id,
            schema: self.schemas[&entry.id].clone(),
        }
    }

    /// The schemas `references` names: each one's name (as the referencing schema imports it)
    /// and text.
    fn referenced_texts(&self, references: &[Reference]) -> Result<Vec<(String, String)>, RegistryError> {
        references
            .iter()
            .map(|reference| {
                let entries = self.entries(&reference.subject, true)?;
                let entry = entries
                    .iter()
                    .find(|e| e.version == reference.version)
                    .ok_or(RegistryError::VersionNotFound(reference.version))?;
                Ok((reference.name.clone(), self.schemas[&entry.id].text.clone()))
            })
            .collect()
    }

    /// `text` in stored form, its references resolved.
    pub(crate) fn schema(
        &self,
        schema_type: &str,
        text: &str,
        references: Vec<Reference>,
    ) -> Result<Schema, RegistryError> {
        let referenced = self.referenced_texts(&references).map_err(|err| {
            RegistryError::InvalidSchema(format!("{text}, details: a reference cannot be resolved: {err}"))
        })?;
        Ok(Schema {
            schema_type: schema_type.to_string(),
            text: canonical(schema_type, text, &referenced)?,
            references,
        })
    }

    /// A stored Protobuf schema, compiled with the schemas it references.
    fn protobuf(&self, schema: &Schema) -> Result<FileDescriptor, RegistryError> {
        let referenced = self.referenced_texts(&schema.references)?;
        kconnect_protobuf_schema::compile(&schema.text, &referenced)
            .map_err(|e| RegistryError::InvalidSchema(format!("{}, details: {e}", schema.text)))
    }

    /// A stored Protobuf schema as a base64 `FileDescriptorProto` (Confluent's
    /// `format=serialized`).
    pub(crate) fn serialized(&self, schema: &Schema) -> Result<String, RegistryError> {
        Ok(kconnect_protobuf_schema::serialized(&self.protobuf(schema)?))
    }

    /// A stored Avro schema as schema resolution sees it (without logical types), parsed with
    /// the schemas it references.
    fn avro(&self, schema: &Schema) -> Result<apache_avro::Schema, RegistryError> {
        let referenced = self.referenced_texts(&schema.references)?;
        let texts: Vec<String> = referenced.into_iter().map(|(_, text)| text).collect();
        avro_schema(&schema.text, &texts)
            .map_err(|e| RegistryError::InvalidSchema(format!("{}, details: {e}", schema.text)))
    }

    /// The compatibility level of `subject`: its own, else the global one, else BACKWARD.
    pub(crate) fn level(&self, subject: &str) -> String {
        self.subject_compatibility
            .get(subject)
            .or(self.compatibility.as_ref())
            .cloned()
            .unwrap_or_else(|| "BACKWARD".into())
    }

    /// Why `schema` may not follow the live versions `earlier` (oldest first) of `subject` at
    /// `level` (Avro, Protobuf and JSON Schema; other types pass); empty when it may.
    pub(crate) fn incompatibilities(
        &self,
        schema: &Schema,
        earlier: &[&Entry],
        level: &str,
    ) -> Result<Vec<String>, RegistryError> {
        let same_type: Vec<&Schema> = earlier
            .iter()
            .map(|entry| &self.schemas[&entry.id])
            .filter(|earlier| earlier.schema_type == schema.schema_type)
            .collect();
        // Only the versions the level checks are parsed, and nothing when none is.
        let earlier = checked(level, &same_type);
        if earlier.is_empty() {
            return Ok(Vec::new());
        }
        Ok(match schema.schema_type.as_str() {
            "AVRO" => {
                let earlier = earlier
                    .iter()
                    .map(|earlier| self.avro(earlier))
                    .collect::<Result<Vec<_>, _>>()?;
                incompatibilities(level, &self.avro(schema)?, &earlier, avro_can_read)
            }
            "PROTOBUF" => {
                let earlier = earlier
                    .iter()
                    .map(|earlier| self.protobuf(earlier))
                    .collect::<Result<Vec<_>, _>>()?;
                incompatibilities(level, &self.protobuf(schema)?, &earlier, protobuf_breaking_changes)
            }
            "JSON" => {
                let earlier = earlier
                    .iter()
                    .map(|earlier| json_schema(earlier))
                    .collect::<Result<Vec<_>, _>>()?;
                incompatibilities(level, &json_schema(schema)?, &earlier, json_breaking_changes)
            }
            _ => Vec::new(),
        })
    }
}

/// A stored JSON Schema as JSON.
fn json_schema(schema: &Schema) -> Result<serde_json::Value, RegistryError> {
    serde_json::from_str(&schema.text)
        .map_err(|e| RegistryError::InvalidSchema(format!("{}, details: {e}", schema.text)))
}
