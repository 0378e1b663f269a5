//! The records of the `_schemas` topic in Confluent Schema Registry's format, so either registry
//! reads what the other wrote. Keys and values are JSON: a schema version is
//! `{"keytype":"SCHEMA","subject":…,"version":…,"magic":1}` →
//! `{"subject":…,"version":…,"id":…,"schema":…,"deleted":…}` (with `schemaType` unless AVRO and
//! `references` when there are some); a compatibility level is `{"keytype":"CONFIG",…,"magic":0}`
//! → `{"compatibilityLevel":…}`; a soft-deleted subject is `{"keytype":"DELETE_SUBJECT",…}` →
//! `{"subject":…,"version":<its newest version>}`. A null value removes what its key names.
//! Key types kconnect does not act on (`NOOP`, `MODE`, `CLEAR_SUBJECT`, `CONTEXT`, …) are read
//! and left alone.

use serde::{Deserialize, Serialize};

use crate::state::{Reference, Schema};

/// One record of the topic, decoded.
#[derive(Clone, Debug, PartialEq)]
pub enum Record {
    /// A subject's version: registered, soft-deleted (`deleted`), or gone (`None`).
    Schema {
        /// The subject.
        subject: String,
        /// The version.
        version: i32,
        /// What the version is, or `None` once permanently deleted.
        value: Option<SchemaValue>,
    },
    /// The compatibility level of a subject, or the global one; `None` drops it.
    Config {
        /// The subject, or `None` for the global level.
        subject: Option<String>,
        /// The level.
        level: Option<String>,
    },
    /// Every version of `subject` up to `version` soft-deleted.
    DeleteSubject {
        /// The subject.
        subject: String,
        /// Its newest version when deleted.
        version: i32,
    },
}

/// What a `SCHEMA` record's value says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SchemaValue {
    /// The schema's id.
    pub id: i32,
    /// `AVRO`, `JSON` or `PROTOBUF`.
    #[serde(rename = "schemaType", default = "avro", skip_serializing_if = "is_avro")]
    pub schema_type: String,
    /// The schemas it references.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// Its text.
    pub schema: String,
    /// Whether the version is soft-deleted.
    #[serde(default)]
    pub deleted: bool,
}

fn avro() -> String {
    "AVRO".into()
}

fn is_avro(schema_type: &str) -> bool {
    schema_type == "AVRO"
}

/// A key, in the field order Confluent writes.
#[derive(Serialize, Deserialize)]
struct Key {
    keytype: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    version: Option<i32>,
    magic: i32,
}

/// A `SCHEMA` value with its subject and version first, as Confluent writes it.
#[derive(Serialize, Deserialize)]
struct SchemaValueRecord {
    subject: String,
    version: i32,
    #[serde(flatten)]
    value: SchemaValue,
}

#[derive(Serialize, Deserialize)]
struct ConfigValue {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    subject: Option<String>,
    #[serde(rename = "compatibilityLevel", default)]
    level: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct DeleteSubjectValue {
    subject: String,
    version: i32,
}

/// A record's key and value bytes (`None`: a tombstone).
pub type RecordBytes = (Vec<u8>, Option<Vec<u8>>);

/// Why a record could not be read.
#[derive(Debug, thiserror::Error)]
#[error("a _schemas record that is not Confluent's format: {0}")]
pub struct RecordError(String);

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("records serialize")
}

impl Record {
    /// The record of `subject`'s `version`, which has `schema` under `id`.
    pub(crate) fn schema_version(subject: &str, version: i32, id: i32, schema: Schema, deleted: bool) -> Self {
        Self::Schema {
            subject: subject.to_string(),
            version,
            value: Some(SchemaValue {
                id,
                schema_type: schema.schema_type,
                references: schema.references,
                schema: schema.text,
                deleted,
            }),
        }
    }

    /// The tombstone of `subject`'s `version`.
    pub(crate) fn version_gone(subject: &str, version: i32) -> Self {
        Self::Schema {
            subject: subject.to_string(),
            version,
            value: None,
        }
    }

    /// The record's key and value bytes.
    pub fn encode(&self) -> RecordBytes {
        match self {
            Self::Schema {
                subject,
                version,
                value,
            } => {
                let key = Key {
                    keytype: "SCHEMA".into(),
                    subject: Some(subject.clone()),
                    version: Some(*version),
                    magic: 1,
                };
                let value = value.as_ref().map(|value| {
                    json(&SchemaValueRecord {
                        subject: subject.clone(),
                        version: *version,
                        value: value.clone(),
                    })
                });
                (json(&key), value)
            }
            Self::Config { subject, level } => {
                let key = Key {
                    keytype: "CONFIG".into(),
                    subject: subject.clone(),
                    version: None,
                    magic: 0,
                };
                let value = level.as_ref().map(|level| {
                    json(&ConfigValue {
                        subject: subject.clone(),
                        level: Some(level.clone()),
                    })
                });
                (json(&key), value)
            }
            Self::DeleteSubject { subject, version } => {
                let key = Key {
                    keytype: "DELETE_SUBJECT".into(),
                    subject: Some(subject.clone()),
                    version: None,
                    magic: 0,
                };
                let value = DeleteSubjectValue {
                    subject: subject.clone(),
                    version: *version,
                };
                (json(&key), Some(json(&value)))
            }
        }
    }

    /// The record of `key` and `value` as read from the topic; `None` for a key type kconnect
    /// leaves alone.
    pub fn decode(key: &[u8], value: Option<&[u8]>) -> Result<Option<Self>, RecordError> {
        let bad = |err: serde_json::Error| RecordError(err.to_string());
        let key: Key = serde_json::from_slice(key).map_err(bad)?;
        let subject = || {
            key.subject
                .clone()
                .ok_or_else(|| RecordError("the key names no subject".into()))
        };
        Ok(Some(match key.keytype.as_str() {
            "SCHEMA" => Record::Schema {
                subject: subject()?,
                version: key
                    .version
                    .ok_or_else(|| RecordError("a SCHEMA key without a version".into()))?,
                value: match value {
                    Some(bytes) => Some(serde_json::from_slice::<SchemaValueRecord>(bytes).map_err(bad)?.value),
                    None => None,
                },
            },
            "CONFIG" => Record::Config {
                subject: key.subject,
                level: match value {
                    Some(bytes) => serde_json::from_slice::<ConfigValue>(bytes).map_err(bad)?.level,
                    None => None,
                },
            },
            "DELETE_SUBJECT" => match value {
                Some(bytes) => {
                    let value: DeleteSubjectValue = serde_json::from_slice(bytes).map_err(bad)?;
                    Record::DeleteSubject {
                        subject: value.subject,
                        version: value.version,
                    }
                }
                None => return Ok(None),
            },
            _ => return Ok(None),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn a_schema_version_is_written_as_confluent_writes_it() {
        let record = Record::Schema {
            subject: "orders-value".into(),
            version: 2,
            value: Some(SchemaValue {
                id: 7,
                schema_type: "AVRO".into(),
                references: vec![],
                schema: "\"string\"".into(),
                deleted: false,
            }),
        };
        let (key, value) = record.encode();
        assert_eq!(
            text(&key),
            r#"{"keytype":"SCHEMA","subject":"orders-value","version":2,"magic":1}"#
        );
        assert_eq!(
            text(value.as_deref().unwrap()),
            r#"{"subject":"orders-value","version":2,"id":7,"schema":"\"string\"","deleted":false}"#
        );
        assert_eq!(Record::decode(&key, value.as_deref()).unwrap(), Some(record));
    }

    #[test]
    fn confluent_records_are_read() {
        let json_schema = Record::decode(
            br#"{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}"#,
            Some(br#"{"subject":"s","version":1,"id":3,"schemaType":"JSON","references":[{"name":"a","subject":"a","version":1}],"schema":"{}","deleted":true,"md5":"x"}"#),
        )
        .unwrap();
        let Some(Record::Schema { value: Some(value), .. }) = json_schema else {
            panic!("{json_schema:?}")
        };
        assert_eq!((value.id, value.schema_type.as_str(), value.deleted), (3, "JSON", true));
        assert_eq!(value.references[0].subject, "a");
        assert_eq!(
            Record::decode(
                br#"{"keytype":"CONFIG","magic":0}"#,
                Some(br#"{"compatibilityLevel":"FULL"}"#)
            )
            .unwrap(),
            Some(Record::Config {
                subject: None,
                level: Some("FULL".into())
            })
        );
        assert_eq!(
            Record::decode(
                br#"{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}"#,
                Some(br#"{"subject":"s","version":4}"#)
            )
            .unwrap(),
            Some(Record::DeleteSubject {
                subject: "s".into(),
                version: 4
            })
        );
        assert_eq!(Record::decode(br#"{"keytype":"NOOP","magic":0}"#, None).unwrap(), None);
        assert!(Record::decode(b"not json", None).is_err());
    }

    #[test]
    fn a_global_level_has_no_subject_and_a_dropped_one_no_value() {
        let (key, value) = Record::Config {
            subject: None,
            level: Some("NONE".into()),
        }
        .encode();
        assert_eq!(text(&key), r#"{"keytype":"CONFIG","magic":0}"#);
        assert_eq!(text(value.as_deref().unwrap()), r#"{"compatibilityLevel":"NONE"}"#);
        let (_, dropped) = Record::Config {
            subject: Some("s".into()),
            level: None,
        }
        .encode();
        assert!(dropped.is_none());
    }
}
