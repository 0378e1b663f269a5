//! What a sink record becomes: a table, an operation, and named column values (`pk.mode`,
//! `pk.fields`, `fields.whitelist`, `table.name.format`, `delete.enabled`).

use kconnect_api::{ConnectError, Result, Schema, SchemaRef, SinkRecord, Value};

/// `pk.mode`: where the primary key columns come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PkMode {
    /// No primary key.
    None,
    /// The Kafka coordinates: topic, partition, offset.
    Kafka,
    /// The record key (a primitive, or fields of a struct).
    RecordKey,
    /// Fields of the record value.
    RecordValue,
}

impl PkMode {
    /// The mode named by `pk.mode`.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "none" => Self::None,
            "kafka" => Self::Kafka,
            "record_key" => Self::RecordKey,
            "record_value" => Self::RecordValue,
            _ => return None,
        })
    }
}

/// How a row is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `INSERT`.
    Insert,
    /// `INSERT` that updates an existing row with the same key.
    Upsert,
    /// `UPDATE` of the row with the key.
    Update,
    /// `DELETE` of the row with the key (a tombstone, with `delete.enabled`).
    Delete,
}

/// How records map to rows.
#[derive(Debug, Clone)]
pub struct RowMapping {
    /// `pk.mode`.
    pub pk_mode: PkMode,
    /// `pk.fields`.
    pub pk_fields: Vec<String>,
    /// `fields.whitelist`: the value fields written; empty for all.
    pub fields: Vec<String>,
    /// `table.name.format`, with `${topic}`.
    pub table_format: String,
    /// The operation of records with a value.
    pub write: Operation,
    /// `delete.enabled`.
    pub delete_enabled: bool,
}

/// A column and the schema of its value.
#[derive(Debug, Clone, PartialEq)]
pub struct RowColumn {
    /// The column's name.
    pub name: String,
    /// The schema of the value written to it.
    pub schema: SchemaRef,
}

/// One record as a row operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The table.
    pub table: String,
    /// The operation.
    pub operation: Operation,
    /// The key columns.
    pub keys: Vec<RowColumn>,
    /// The other columns (none for a delete).
    pub columns: Vec<RowColumn>,
    /// Key values then column values.
    pub values: Vec<Value>,
}

const KAFKA_KEYS: [&str; 3] = ["__connect_topic", "__connect_partition", "__connect_offset"];
const KEY_COLUMN: &str = "__connect_key";

impl RowMapping {
    /// The row of `record`; `None` for a tombstone that is not deleted.
    pub fn row(&self, record: &SinkRecord) -> Result<Option<Row>> {
        let table = self.table_format.replace("${topic}", &record.topic);
        let value = &record.value;
        let mut row = Row {
            table,
            operation: self.write,
            keys: Vec::new(),
            columns: Vec::new(),
            values: Vec::new(),
        };
        if value.value.is_null() {
            if !self.delete_enabled {
                return Ok(None);
            }
            row.operation = Operation::Delete;
            self.add_keys(record, &mut row)?;
            return Ok(Some(row));
        }
        let (Some(schema), Value::Struct(fields)) = (&value.schema, &value.value) else {
            return Err(ConnectError::data(format!(
                "the JDBC sink needs record values that are structs with a schema (JsonConverter with schemas.enable=true, say); the record at {}-{} offset {} has {}",
                record.topic,
                record.kafka_partition.unwrap_or(-1),
                record.kafka_offset,
                if value.schema.is_none() {
                    "no schema"
                } else {
                    "a non-struct value"
                }
            )));
        };
        self.add_keys(record, &mut row)?;
        for field in &schema.fields {
            let is_key = row.keys.iter().any(|k| k.name == field.name);
            let listed = self.fields.is_empty() || self.fields.contains(&field.name);
            if is_key || !listed {
                continue;
            }
            row.columns.push(RowColumn {
                name: field.name.clone(),
                schema: field.schema.clone(),
            });
            row.values.push(fields.get(&field.name).cloned().unwrap_or(Value::Null));
        }
        Ok(Some(row))
    }

    fn add_keys(&self, record: &SinkRecord, row: &mut Row) -> Result<()> {
        let mut push = |name: &str, schema: SchemaRef, value: Value| {
            row.keys.push(RowColumn {
                name: name.to_string(),
                schema,
            });
            row.values.push(value);
        };
        match self.pk_mode {
            PkMode::None => {}
            PkMode::Kafka => {
                let names: Vec<&str> = if self.pk_fields.len() == 3 {
                    self.pk_fields.iter().map(String::as_str).collect()
                } else {
                    KAFKA_KEYS.to_vec()
                };
                push(names[0], Schema::string(), Value::String(record.topic.clone()));
                push(
                    names[1],
                    Schema::int32(),
                    Value::Int32(record.kafka_partition.unwrap_or(0)),
                );
                push(names[2], Schema::int64(), Value::Int64(record.kafka_offset));
            }
            PkMode::RecordKey | PkMode::RecordValue => {
                let (part, what) = if self.pk_mode == PkMode::RecordKey {
                    (&record.key, "key")
                } else {
                    (&record.value, "value")
                };
                let Some(schema) = &part.schema else {
                    return Err(ConnectError::data(format!(
                        "pk.mode={} needs a record {what} with a schema",
                        if what == "key" { "record_key" } else { "record_value" }
                    )));
                };
                match &part.value {
                    Value::Struct(fields) => {
                        let names: Vec<String> = if self.pk_fields.is_empty() {
                            schema.fields.iter().map(|f| f.name.clone()).collect()
                        } else {
                            self.pk_fields.clone()
                        };
                        for name in names {
                            let field = schema.field(&name).ok_or_else(|| {
                                ConnectError::data(format!(
                                    "pk.fields names '{name}', which the record {what} does not have"
                                ))
                            })?;
                            push(
                                &name,
                                field.schema.clone(),
                                fields.get(&name).cloned().unwrap_or(Value::Null),
                            );
                        }
                    }
                    Value::Null => {
                        return Err(ConnectError::data(format!(
                            "the record {what} is null, but pk.mode needs it for the primary key"
                        )));
                    }
                    primitive if self.pk_mode == PkMode::RecordKey => {
                        let name = self.pk_fields.first().map_or(KEY_COLUMN, String::as_str);
                        push(name, schema.clone(), primitive.clone());
                    }
                    _ => return Err(ConnectError::data("pk.mode=record_value needs a struct value")),
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::record::TimestampType;
    use kconnect_api::{RecordCore, SchemaAndValue, SchemaBuilder, Struct};

    use super::*;

    fn mapping(pk_mode: PkMode, pk_fields: &[&str]) -> RowMapping {
        RowMapping {
            pk_mode,
            pk_fields: pk_fields.iter().map(|s| s.to_string()).collect(),
            fields: Vec::new(),
            table_format: "kafka_${topic}".to_string(),
            write: Operation::Upsert,
            delete_enabled: true,
        }
    }

    fn record(key: SchemaAndValue, value: SchemaAndValue) -> SinkRecord {
        let mut core = RecordCore::new("orders", value);
        core.key = key;
        core.kafka_partition = Some(2);
        SinkRecord::new(core, 2, 17, TimestampType::CreateTime)
    }

    fn order() -> SchemaAndValue {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .field("name", Schema::optional_string())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .put("id", 7)
            .unwrap()
            .put("name", "pen")
            .unwrap();
        SchemaAndValue::new(Some(schema), Value::Struct(value))
    }

    #[test]
    fn record_value_keys_come_from_the_value() {
        let row = mapping(PkMode::RecordValue, &["id"])
            .row(&record(SchemaAndValue::NULL, order()))
            .unwrap()
            .unwrap();
        assert_eq!(row.table, "kafka_orders");
        assert_eq!(row.keys.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(), ["id"]);
        assert_eq!(
            row.columns.iter().map(|k| k.name.as_str()).collect::<Vec<_>>(),
            ["name"]
        );
        assert_eq!(row.values, vec![Value::Int32(7), Value::String("pen".into())]);
    }

    #[test]
    fn kafka_keys_are_the_coordinates() {
        let row = mapping(PkMode::Kafka, &[])
            .row(&record(SchemaAndValue::NULL, order()))
            .unwrap()
            .unwrap();
        assert_eq!(
            row.values[..3],
            [Value::String("orders".into()), Value::Int32(2), Value::Int64(17)]
        );
        assert_eq!(row.columns.len(), 2);
    }

    #[test]
    fn tombstones_delete_by_the_record_key() {
        let key = SchemaAndValue::new(Some(Schema::int64()), Value::Int64(9));
        let row = mapping(PkMode::RecordKey, &["id"])
            .row(&record(key, SchemaAndValue::NULL))
            .unwrap()
            .unwrap();
        assert_eq!(row.operation, Operation::Delete);
        assert_eq!(row.keys[0].name, "id");
        assert_eq!(row.values, vec![Value::Int64(9)]);
        let mut ignored = mapping(PkMode::RecordKey, &["id"]);
        ignored.delete_enabled = false;
        let key = SchemaAndValue::new(Some(Schema::int64()), Value::Int64(9));
        assert!(ignored.row(&record(key, SchemaAndValue::NULL)).unwrap().is_none());
    }

    #[test]
    fn schemaless_values_are_refused_with_the_reason() {
        let value = SchemaAndValue::new(None, Value::String("x".into()));
        let error = mapping(PkMode::None, &[])
            .row(&record(SchemaAndValue::NULL, value))
            .unwrap_err();
        assert!(error.to_string().contains("no schema"), "{error}");
        let error = mapping(PkMode::RecordValue, &["missing"])
            .row(&record(SchemaAndValue::NULL, order()))
            .unwrap_err();
        assert!(error.to_string().contains("'missing'"), "{error}");
    }
}
